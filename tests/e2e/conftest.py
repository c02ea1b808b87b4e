"""The operator's CLI, as the e2e tests run it: on the session's PostgreSQL container (or one
given), with the operator named `ops`."""

from __future__ import annotations

import pytest

from entrypoints.cli.context import CliContext
from entrypoints.cli.main import cli
from entrypoints.config import Settings


@pytest.fixture
def run(cli_runner, pg_container):
    def invoke(*args, container=None):
        settings = Settings.from_env({"GROUNDWORK_BACKEND": "postgres",
                                      "GROUNDWORK_OPERATOR": "ops"})
        return cli_runner.invoke(cli, list(args),
                                 obj=CliContext(settings, container or pg_container))
    return invoke
