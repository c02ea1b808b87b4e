"""Configuration from the environment only (12-factor); see .env.example."""

from __future__ import annotations

import os
from pathlib import Path

from attrs import define

from domain.backup import DailySchedule
from domain.errors import InvalidInput

BACKENDS = ("postgres", "memory")


@define(frozen=True)
class Settings:
    backend: str
    database_url: str | None
    app_database_url: str | None
    app_db_password: str | None
    home: Path
    pool_size: int
    log_level: str
    log_format: str
    operator: str
    secret_key: str | None
    redis_url: str | None
    signup_enabled: bool
    login_limit_per_account: str
    login_limit_per_account_all: str
    signup_limit_per_ip: str
    reset_limit_per_ip: str
    login_limit_per_ip: str
    public_url: str
    access_ttl_seconds: int
    refresh_ttl_seconds: int
    trusted_proxies: int = 0
    cors_origins: tuple[str, ...] = ()
    smtp_url: str | None = None
    mail_from: str = "Groundwork <groundwork@localhost>"
    s3_url: str | None = None
    deletion_grace_days: int = 30
    backup_retention_days: int = 30
    backup_schedule: str | None = None  # "daily" (03:00 UTC) or "HH:MM" UTC; None: off
    metrics_token: str | None = None  # /metrics then asks for it as a bearer token
    metrics_port: int | None = None  # /metrics on a port of its own, not the API's
    sentry_dsn: str | None = None
    db_connect_timeout: int = 5  # seconds to open a connection, or to wait for a pooled one
    db_statement_timeout: int = 20  # seconds a statement may run (below gunicorn's 30 s)
    otel_endpoint: str | None = None  # OTEL_EXPORTER_OTLP_ENDPOINT: traces go there
    job_retry_wait_seconds: int = 4  # a failed job's first retry; later ones wait its powers

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        backend = env.get("GROUNDWORK_BACKEND", "postgres").strip().lower()
        if backend not in BACKENDS:
            raise ValueError(f"GROUNDWORK_BACKEND must be one of {', '.join(BACKENDS)}, "
                             f"not {backend!r}")
        proxies = env.get("TRUSTED_PROXIES", "0").strip()
        if not proxies.isdigit() or int(proxies) > 5:
            raise ValueError("TRUSTED_PROXIES must be the number of proxies in front, 0 to 5")
        pool_size = int(env.get("DB_POOL_SIZE", "10"))
        if not 1 <= pool_size <= 100:
            raise ValueError("DB_POOL_SIZE must be between 1 and 100")
        return cls(
            backend=backend,
            database_url=env.get("DATABASE_URL") or None,
            app_database_url=env.get("APP_DATABASE_URL") or None,
            app_db_password=env.get("APP_DB_PASSWORD") or None,
            home=Path(env.get("GROUNDWORK_HOME", ".groundwork")).resolve(),
            pool_size=pool_size,
            log_level=env.get("LOG_LEVEL", "INFO").upper(),
            log_format=env.get("LOG_FORMAT", "console").lower(),
            operator=env.get("GROUNDWORK_OPERATOR") or env.get("USER") or "operator",
            secret_key=env.get("SECRET_KEY") or None,
            redis_url=env.get("REDIS_URL") or None,
            signup_enabled=_flag(env, "SIGNUP_ENABLED", default=True),
            login_limit_per_account=env.get("LOGIN_LIMIT_PER_ACCOUNT", "10/15 minutes"),
            login_limit_per_ip=env.get("LOGIN_LIMIT_PER_IP", "100/15 minutes"),
            login_limit_per_account_all=env.get("LOGIN_LIMIT_PER_ACCOUNT_ALL", "100/hour"),
            signup_limit_per_ip=env.get("SIGNUP_LIMIT_PER_IP", "20/hour"),
            reset_limit_per_ip=env.get("RESET_LIMIT_PER_IP", "20/hour"),
            public_url=env.get("PUBLIC_URL")
            or f"http://{env.get('HOST', '127.0.0.1')}:{env.get('PORT', '8000')}",
            access_ttl_seconds=_positive(env, "ACCESS_TOKEN_TTL_SECONDS", 15 * 60),
            refresh_ttl_seconds=_positive(env, "REFRESH_TOKEN_TTL_SECONDS", 7 * 24 * 3600),
            trusted_proxies=int(proxies),
            cors_origins=_origins(env.get("CORS_ORIGINS", "")),
            smtp_url=env.get("SMTP_URL") or None,
            mail_from=env.get("MAIL_FROM") or "Groundwork <groundwork@localhost>",
            s3_url=env.get("S3_URL") or None,
            deletion_grace_days=_positive(env, "DELETION_GRACE_DAYS", 30),
            backup_retention_days=_positive(env, "BACKUP_RETENTION_DAYS", 30),
            backup_schedule=_schedule(env.get("BACKUP_SCHEDULE", "")),
            metrics_token=env.get("METRICS_TOKEN") or None,
            metrics_port=_port(env.get("METRICS_PORT", "")),
            sentry_dsn=env.get("SENTRY_DSN") or None,
            db_connect_timeout=_positive(env, "DB_CONNECT_TIMEOUT_SECONDS", 5),
            db_statement_timeout=_positive(env, "DB_STATEMENT_TIMEOUT_SECONDS", 20),
            otel_endpoint=env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or None,
            job_retry_wait_seconds=_positive(env, "JOB_RETRY_WAIT_SECONDS", 4),
        )

    @property
    def embedded(self) -> bool:
        """No URL at all: the embedded server (APP_DATABASE_URL alone is a real server's app login)."""
        return self.backend == "postgres" and not self.database_url and not self.app_database_url


def _flag(env: dict[str, str], name: str, *, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be true or false, not {raw!r}")


def _positive(env: dict[str, str], name: str, default: int) -> int:
    try:
        value = int(env.get(name, default))
    except ValueError:
        raise ValueError(f"{name} must be a whole number") from None
    if value <= 0:
        raise ValueError(f"{name} must be positive")
    return value


def _port(raw: str) -> int | None:
    if not raw.strip():
        return None
    if not raw.strip().isdigit() or not 1 <= int(raw) <= 65535:
        raise ValueError(f"METRICS_PORT must be a port number, not {raw!r}")
    return int(raw)


def _schedule(raw: str) -> str | None:
    """BACKUP_SCHEDULE: off (the default), daily (03:00 UTC) or a UTC time HH:MM."""
    try:
        schedule = DailySchedule.parse(raw)
    except InvalidInput as error:
        raise ValueError(error.message) from None
    return None if schedule is None else f"{schedule.at:%H:%M}"


def _origins(raw: str) -> tuple[str, ...]:
    """CORS_ORIGINS: exact origins, comma-separated (`https://app.example.com`); no wildcard,
    since the API's answers hold tenant data."""
    origins = tuple(item.strip().rstrip("/") for item in raw.split(",") if item.strip())
    for origin in origins:
        scheme, _, host = origin.partition("://")
        if scheme not in ("http", "https") or not host or "/" in host or "*" in origin:
            raise ValueError(f"CORS_ORIGINS holds {origin!r}: each must be an origin such as "
                             "https://app.example.com (no path, no wildcard)")
    return origins
