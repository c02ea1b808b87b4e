"""The edges: the HTTP API, the CLI, and the one container that wires them."""
