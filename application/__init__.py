"""Use cases and the ports they need. Knows the domain; knows no framework or database."""
