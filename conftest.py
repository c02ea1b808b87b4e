"""Shared fixtures for tests/ and features/ live in tests/fixtures; this file only loads them."""

pytest_plugins = ["tests.fixtures.database", "tests.fixtures.app", "tests.fixtures.redis"]
