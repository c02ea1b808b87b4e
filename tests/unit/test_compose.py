"""compose.yaml, read as compose reads it (no Docker here): which services run in which profile,
what waits for what, health checks, the app's login through PgBouncer, ports on loopback."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import click
import pytest
import yaml
from sqlalchemy import make_url

from entrypoints.cli.main import cli
from entrypoints.config import Settings

ROOT = Path(__file__).resolve().parents[2]
PROFILES = {
    None: {"postgres", "pgbouncer", "redis", "minio", "minio-init", "mailpit", "migrate", "app",
           "worker"},
    "observability": {"prometheus", "grafana"},
    "citus": {"citus-coordinator", "citus-worker-1", "citus-worker-2", "citus-init", "app-citus"},
}
ONE_SHOTS = {"minio-init", "migrate", "citus-init"}


def _defaults(value):
    """`${NAME:-default}` as compose reads it with nothing set in the environment."""
    if isinstance(value, str):
        return re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", value)
    return value


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]


def _env(service: dict) -> dict:
    return {name: _defaults(value) for name, value in service.get("environment", {}).items()}


def _depends_on(service: dict) -> dict[str, str]:
    deps = service.get("depends_on", {})
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {name: spec.get("condition", "service_started") for name, spec in deps.items()}


def _has_healthcheck(service: dict) -> bool:
    check = service.get("healthcheck") or {}
    return bool(check.get("test")) and not check.get("disable")


@pytest.fixture(scope="module")
def pgbouncer_ini(services) -> configparser.ConfigParser:
    """The pgbouncer.ini the pgbouncer service mounts."""
    [mount] = [v for v in services["pgbouncer"]["volumes"] if "/etc/pgbouncer/pgbouncer.ini" in v]
    ini = configparser.ConfigParser(delimiters=("=",), interpolation=None)
    ini.read_string((ROOT / mount.split(":")[0]).read_text())
    return ini


def test_each_service_runs_in_its_profile(services):
    found: dict = {}
    for name, service in services.items():
        [profile] = service.get("profiles") or [None]
        found.setdefault(profile, set()).add(name)
    assert found == PROFILES


def test_one_shots_do_not_restart_and_every_other_service_has_a_health_check(services):
    assert {name for name, service in services.items() if service.get("restart") == "no"} \
        == ONE_SHOTS
    for name in services.keys() - ONE_SHOTS:
        assert _has_healthcheck(services[name]), f"{name} has no health check"


def test_dependencies_exist_share_a_profile_and_wait_for_what_they_can(services):
    for name, service in services.items():
        profiles = set(service.get("profiles") or [])
        for dep, condition in _depends_on(service).items():
            assert dep in services, f"{name} depends on {dep}, which is no service"
            dep_profiles = set(services[dep].get("profiles") or [])
            assert not dep_profiles or dep_profiles & profiles, f"{name} -> {dep}: not started"
            if condition == "service_healthy":
                assert _has_healthcheck(services[dep]), f"{name} waits for {dep} to be healthy"
            elif condition == "service_completed_successfully":
                assert dep in ONE_SHOTS, f"{name} waits for {dep} to exit, a long-running service"
            else:
                pytest.fail(f"{name} -> {dep}: {condition} waits for nothing")


def test_migrations_run_once_as_the_owner_before_the_app_and_the_worker(services):
    migrate = services["migrate"]
    assert _command(migrate["command"]).name == "upgrade"
    owner = make_url(_env(migrate)["DATABASE_URL"])
    assert (owner.host, owner.port, owner.username) == ("postgres", 5432, "groundwork")
    for name in ("app", "worker"):
        assert _depends_on(services[name])["migrate"] == "service_completed_successfully"
    serve = services["app"]["command"]
    assert {"--no-migrate", "--no-worker"} <= set(serve)  # nor does it race migrate's
    assert {"--no-migrate", "--no-worker"} <= _options(_command(serve))
    assert _command(services["worker"]["command"]).name == "worker"


def test_the_app_logs_in_through_pgbouncer_and_holds_no_owner_credentials(services, pgbouncer_ini):
    app = _env(services["app"])
    url = make_url(app["APP_DATABASE_URL"])
    assert "DATABASE_URL" not in app
    assert (url.host, url.port) == ("pgbouncer", int(pgbouncer_ini["pgbouncer"]["listen_port"]))
    assert url.username == "groundwork_app" == _env(services["pgbouncer"])["DB_USER"]
    # The password the first migration gives the role is the one the pooler and the app use.
    assert url.password == _env(services["pgbouncer"])["DB_PASSWORD"] \
        == _env(services["migrate"])["APP_DB_PASSWORD"]
    assert _depends_on(services["app"])["pgbouncer"] == "service_healthy"
    assert re.match(r"host=postgres port=5432 dbname=groundwork\b",
                    pgbouncer_ini["databases"][url.database])


def test_pgbouncer_pools_per_transaction_and_keeps_the_statement_timeout(pgbouncer_ini):
    bouncer = pgbouncer_ini["pgbouncer"]
    assert bouncer["pool_mode"] == "transaction"
    assert set(bouncer["ignore_startup_parameters"].split(",")) >= {"options"}
    [entry] = pgbouncer_ini["databases"].values()
    timeout = re.search(r"connect_query='SET statement_timeout = (\d+)'", entry)
    assert timeout and int(timeout[1]) == Settings.from_env({}).db_statement_timeout * 1000


def test_pgbouncer_can_follow_psycopgs_prepared_statements(services, pgbouncer_ini):
    assert int(pgbouncer_ini["pgbouncer"]["max_prepared_statements"]) > 0
    version = re.search(r":v(\d+)\.(\d+)", services["pgbouncer"]["image"])
    assert version and (int(version[1]), int(version[2])) >= (1, 21)


def test_the_worker_listens_on_a_direct_connection(services):
    """procrastinate's LISTEN and its search_path startup option need a session of their own."""
    assert make_url(_env(services["worker"])["APP_DATABASE_URL"]).host == "postgres"


def test_published_ports_are_on_loopback_only(services):
    published = 0
    for name, service in services.items():
        for port in service.get("ports", []):
            host_ip = port.get("host_ip") if isinstance(port, dict) else port.rsplit(":", 2)[0]
            assert host_ip == "127.0.0.1", f"{name} publishes {port}"
            published += 1
    assert published > 0


def _command(argv: list[str]) -> click.Command:
    """The click command an argv names (`groundwork db upgrade` -> upgrade), or a failure."""
    assert argv[0] == "groundwork"
    command: click.Command = cli
    for word in (w for w in argv[1:] if not w.startswith("-")):
        if not isinstance(command, click.Group):
            break
        found = command.get_command(click.Context(command), word)
        assert found is not None, f"groundwork has no command {' '.join(argv)}"
        command = found
    return command


def _options(command: click.Command) -> set[str]:
    return {flag for param in command.params for flag in getattr(param, "opts", [])}


def test_mail_from_the_app_and_the_worker_reaches_a_mailbox_one_can_read(services):
    for name in ("app", "worker"):
        smtp = make_url(_env(services[name])["SMTP_URL"].replace("smtp://", "postgresql://"))
        assert smtp.host in services and _has_healthcheck(services[smtp.host]), name
        assert _depends_on(services[name])[smtp.host] == "service_healthy"
        assert _env(services[name])["PUBLIC_URL"].startswith("http://127.0.0.1:")
    assert "127.0.0.1:8025:8025" in services["mailpit"]["ports"]  # its web inbox
