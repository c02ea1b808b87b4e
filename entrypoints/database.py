"""Finding the database: DATABASE_URL when given, else the embedded server under GROUNDWORK_HOME."""

from __future__ import annotations

from sqlalchemy import make_url

from adapters.postgres.server import DatabaseUrls, ensure_database, start_embedded
from entrypoints.config import Settings

EMBEDDED_DATABASE = "groundwork"


def resolve_database(settings: Settings) -> DatabaseUrls:
    if settings.database_url:
        urls = DatabaseUrls.for_server(settings.database_url,
                                       app_password=settings.app_db_password)
    else:
        server = start_embedded(settings.home / "pgdata")
        ensure_database(server, EMBEDDED_DATABASE)
        urls = DatabaseUrls.for_server(server, EMBEDDED_DATABASE)
    if settings.app_database_url:
        app = make_url(settings.app_database_url).set(drivername="postgresql+psycopg")
        urls = DatabaseUrls(owner_url=urls.owner_url, app_url=app)
    return urls
