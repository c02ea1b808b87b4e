import json

import pytest
import structlog

from entrypoints.config import Settings
from entrypoints.logs import configure_logging


def test_defaults_use_the_embedded_postgres():
    settings = Settings.from_env({})
    assert (settings.backend, settings.database_url, settings.pool_size) == ("postgres", None, 10)
    assert settings.home.name == ".groundwork"


@pytest.mark.parametrize(("env", "message"), [
    ({"GROUNDWORK_BACKEND": "mongo"}, "GROUNDWORK_BACKEND"),
    ({"DB_POOL_SIZE": "500"}, "DB_POOL_SIZE"),
    ({"DB_POOL_SIZE": "0"}, "DB_POOL_SIZE"),
])
def test_bad_configuration_is_refused_by_name(env, message):
    with pytest.raises(ValueError, match=message):
        Settings.from_env(env)


def test_logs_are_json_and_never_carry_secrets(capsys):
    configure_logging("INFO", "json")
    structlog.get_logger("t").info("login", email="a@b.test", password="hunter2hunter2",
                                   access_token="eyJ.x.y", Authorization="Bearer gw_x_y")
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["event"] == "login" and line["email"] == "a@b.test"
    assert {line["password"], line["access_token"], line["Authorization"]} == {"[redacted]"}
    configure_logging("INFO", "console")


def test_an_unknown_log_level_is_refused():
    with pytest.raises(ValueError, match="LOG_LEVEL"):
        configure_logging("LOUD")


def test_the_dev_signing_key_is_made_once_and_kept(tmp_path):
    from entrypoints.secrets import resolve_secret_key

    settings = Settings.from_env({"GROUNDWORK_HOME": str(tmp_path)})
    first = resolve_secret_key(settings)
    assert len(first) >= 32 and resolve_secret_key(settings) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_a_real_database_needs_a_real_secret_key():
    from entrypoints.secrets import resolve_secret_key

    with pytest.raises(ValueError, match="SECRET_KEY"):
        resolve_secret_key(Settings.from_env({"DATABASE_URL": "postgresql://x@db/x"}))


@pytest.mark.parametrize("value", ["0", "-5", "soon"])
def test_token_lifetimes_must_be_positive_seconds(value):
    with pytest.raises(ValueError, match="ACCESS_TOKEN_TTL_SECONDS"):
        Settings.from_env({"ACCESS_TOKEN_TTL_SECONDS": value})


@pytest.mark.parametrize("key", ["short", "x" * 31, "é" * 15])
def test_a_secret_key_shorter_than_32_bytes_is_refused_before_serving(key):
    from entrypoints.secrets import resolve_secret_key

    with pytest.raises(ValueError, match="at least 32 bytes"):
        resolve_secret_key(Settings.from_env({"SECRET_KEY": key, "GROUNDWORK_BACKEND": "memory"}))


def test_mail_links_point_at_this_server_unless_public_url_says_otherwise():
    assert Settings.from_env({}).public_url == "http://127.0.0.1:8000"
    assert Settings.from_env({"PORT": "8124"}).public_url == "http://127.0.0.1:8124"
    assert Settings.from_env({"PORT": "8124", "PUBLIC_URL": "https://app.example.com"}
                             ).public_url == "https://app.example.com"
