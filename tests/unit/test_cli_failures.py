"""How the CLI ends when it cannot go on, without a database: a reader gone (`| head`), a port
already taken; and `status` on the memory backend."""

import json
import os
import signal
import socket
import subprocess
import sys

import pytest

from entrypoints.cli import serve
from entrypoints.cli.context import CliContext
from entrypoints.cli.main import cli
from entrypoints.config import Settings

MEMORY = {"GROUNDWORK_BACKEND": "memory"}


def test_a_reader_gone_stops_the_command_quietly_with_sigpipes_status(monkeypatch):
    read, write = os.pipe()
    os.close(read)  # as `head` does once it has its lines
    with os.fdopen(write, "w") as closed:
        monkeypatch.setattr(sys, "stdout", closed)
        with pytest.raises(SystemExit) as stopped:
            cli.main(["plan", "list"], obj=CliContext(Settings.from_env(MEMORY)),
                     standalone_mode=False)
    assert stopped.value.code == 128 + signal.SIGPIPE


def test_piped_to_head_there_is_no_traceback(tmp_path):
    read, write = os.pipe()
    os.close(read)
    result = subprocess.run([sys.executable, "-c", "from entrypoints.cli.main import cli; cli()",
                             "plan", "list"], stdout=write, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **MEMORY, "GROUNDWORK_HOME": str(tmp_path)},
                            timeout=60)
    os.close(write)
    assert (result.returncode, result.stderr) == (128 + signal.SIGPIPE, "")


def test_serve_on_a_taken_port_says_so_at_once(cli_runner, monkeypatch):
    monkeypatch.setattr(serve, "_Gunicorn", lambda options: pytest.fail("gunicorn started"))
    monkeypatch.setenv("SECRET_KEY", "placeholder")  # serve writes it for its workers
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli_runner.invoke(cli, ["serve", "--port", str(port), "--workers", "1"],
                                   obj=CliContext(Settings.from_env(MEMORY)))
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: cannot listen on 127.0.0.1:{port}: Address already in use (another server "
        "there? pick one with --port or PORT)"]


def test_status_on_the_memory_backend_has_no_migrations_nor_workers(cli_runner):
    result = cli_runner.invoke(cli, ["status", "--json"], obj=CliContext(Settings.from_env(MEMORY)))
    assert result.exit_code == 0, result.output
    state = json.loads(result.output)
    assert state["ok"] and "migrations" not in state and "workers" not in state
    assert state["job_queue"] == {"waiting": 0, "oldest_s": None}
    table = cli_runner.invoke(cli, ["status"], obj=CliContext(Settings.from_env(MEMORY)))
    assert "object_store  up" in table.output and "0 waiting" in table.output


def test_serve_takes_gunicorns_production_settings_from_its_config_file():
    from gunicorn.config import Config

    from entrypoints import gunicorn_conf

    options = serve.gunicorn_options(Settings.from_env({"GROUNDWORK_BACKEND": "postgres"}),
                                     host="127.0.0.1", port=8000, workers=3, reload=False)
    assert set(options) <= set(Config().settings)  # each one a setting gunicorn knows
    assert options["timeout"] == gunicorn_conf.timeout and options["accesslog"] is None
    assert options["control_socket_disable"] is True and options["workers"] == 3
