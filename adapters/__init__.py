"""Implementations of the application's ports: in-memory, PostgreSQL, system clock and ids."""
