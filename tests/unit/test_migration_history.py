"""The migrations form one line: two heads (branches nobody merged) fail the build, named."""

from adapters.postgres.migrator import schema_heads


def test_the_migration_history_has_one_head():
    heads = schema_heads()
    assert len(heads) == 1, f"two or more migration heads: {', '.join(heads)}"
