"""Finding the database: DATABASE_URL when given, else the embedded server under GROUNDWORK_HOME.

A process given APP_DATABASE_URL and no DATABASE_URL (a `groundwork serve` worker, or a
deployment that keeps the owner's credentials away from the app) knows the application's
login only: it starts no embedded server, and it cannot migrate.
"""

from __future__ import annotations

from attrs import define
from sqlalchemy import URL, make_url

from adapters.postgres.server import DatabaseUrls, ensure_database, start_embedded
from entrypoints.config import Settings

EMBEDDED_DATABASE = "groundwork"


@define(frozen=True)
class AppRoleUrls:
    """The application's login, and no owner to run migrations as."""

    app_url: URL

    @property
    def owner_url(self) -> URL:
        raise ValueError("only APP_DATABASE_URL is set, and the application role cannot migrate: "
                         "set DATABASE_URL to the owner's URL (or serve with --no-migrate)")


def resolve_database(settings: Settings) -> DatabaseUrls | AppRoleUrls:
    if settings.app_database_url and not settings.database_url:
        return AppRoleUrls(app_url=_app_url(settings.app_database_url))
    if settings.database_url:
        urls = DatabaseUrls.for_server(settings.database_url,
                                       app_password=settings.app_db_password)
    else:
        server = start_embedded(settings.home / "pgdata")
        ensure_database(server, EMBEDDED_DATABASE)
        urls = DatabaseUrls.for_server(server, EMBEDDED_DATABASE)
    if settings.app_database_url:
        urls = DatabaseUrls(owner_url=urls.owner_url, app_url=_app_url(settings.app_database_url))
    return urls


def _app_url(raw: str) -> URL:
    return make_url(raw).set(drivername="postgresql+psycopg")
