"""The composition root: one place chooses the adapters and builds the use cases."""

from __future__ import annotations

from dependency_injector import containers, providers
from sqlalchemy import create_engine

from adapters.memory.probe import MemoryProbe
from adapters.memory.store import MemoryStore
from adapters.memory.unit_of_work import MemoryUnitOfWork
from adapters.postgres.probe import PostgresProbe
from adapters.postgres.unit_of_work import PostgresUnitOfWork
from adapters.system import SystemClock, Uuid7Generator
from application.audit import AuditVerifier
from application.members import MemberService
from application.organizations import OrganizationService
from entrypoints.config import Settings
from entrypoints.database import resolve_database


def _app_engine(urls, pool_size: int):
    return create_engine(urls.app_url, pool_size=pool_size, max_overflow=pool_size,
                         pool_pre_ping=True, pool_recycle=1800)


class Adapters(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(Uuid7Generator)

    database_urls = providers.Singleton(resolve_database, settings)
    engine = providers.Singleton(_app_engine, database_urls,
                                 pool_size=settings.provided.pool_size)
    memory_store = providers.Singleton(MemoryStore)

    unit_of_work = providers.Selector(
        settings.provided.backend,
        postgres=providers.Factory(PostgresUnitOfWork, engine=engine, clock=clock, ids=ids),
        memory=providers.Factory(MemoryUnitOfWork, store=memory_store, clock=clock, ids=ids),
    )
    database_probe = providers.Selector(
        settings.provided.backend,
        postgres=providers.Singleton(PostgresProbe, engine),
        memory=providers.Singleton(MemoryProbe),
    )


class Application(containers.DeclarativeContainer):
    uow_factory = providers.Dependency()
    clock = providers.Dependency()
    ids = providers.Dependency()

    organizations = providers.Factory(OrganizationService, uow_factory, clock, ids)
    members = providers.Factory(MemberService, uow_factory, clock, ids)
    audit_verifier = providers.Factory(AuditVerifier, uow_factory)


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    adapters = providers.Container(Adapters, settings=settings)
    application = providers.Container(
        Application,
        uow_factory=adapters.unit_of_work.provider,
        clock=adapters.clock,
        ids=adapters.ids,
    )


def build_container(settings: Settings | None = None) -> Container:
    return Container(settings=settings or Settings.from_env())
