"""The composition root: one place chooses the adapters and builds the use cases."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta

from dependency_injector import containers, providers
from limits.storage import Storage
from sqlalchemy import Engine

from adapters.deferred import InlineDeferred, ThreadDeferred
from adapters.mail.outbox import FolderMailer
from adapters.mail.smtp import SmtpMailer, SmtpServer
from adapters.memory.probe import MemoryProbe
from adapters.memory.purge import MemoryOrgPurger
from adapters.memory.store import MemoryStore
from adapters.memory.unit_of_work import MemoryUnitOfWork
from adapters.postgres.attempt_counters import PostgresCounterStorage
from adapters.postgres.maintenance import owner_engine
from adapters.postgres.migrator import schema_head
from adapters.postgres.probe import PostgresProbe
from adapters.postgres.purge import PgOrgPurger
from adapters.postgres.sign_in_repositories import KeyLocations
from adapters.postgres.transaction import app_engine
from adapters.postgres.unit_of_work import PostgresUnitOfWork
from adapters.security.argon2_hasher import Argon2Hasher
from adapters.security.attempt_throttle import LimitsAttemptThrottle
from adapters.security.digest_signer import (
    AUDIT_CURSORS,
    AUDIT_DIGESTS,
    DOWNLOAD_LINKS,
    RECOVERY_CODES,
    HmacDigestSigner,
)
from adapters.security.jwt_tokens import JwtTokenService
from adapters.security.totp import AesGcmSealer, PyotpCodes
from adapters.storage.filesystem import FilesystemObjectStore
from adapters.storage.s3 import S3Location, S3ObjectStore
from adapters.system import SystemClock, Uuid7Generator
from application.account import AccountService
from application.api_keys import ApiKeyService
from application.audit import AuditReader, AuditVerifier
from application.auth import AuthService
from application.downloads import DownloadService
from application.exports import ExportService
from application.invitations import InvitationService
from application.members import MemberService
from application.org_import import OrgImportService
from application.org_lifecycle import OrgLifecycleService
from application.org_purge import OrgPurgeService
from application.organizations import OrganizationService
from application.passwords import PasswordService
from application.personal_export import PersonalExportService
from application.ports.mailer import Mailer
from application.ports.object_store import ObjectStore
from application.principals import CredentialReader
from application.quotas import QuotaService
from application.sessions import SessionService
from application.signup import SignupService
from application.two_factor import TwoFactorService
from application.users import UserService
from application.verification import VerificationService
from entrypoints.config import Settings
from entrypoints.database import resolve_database
from entrypoints.secrets import resolve_secret_key


def _token_service(settings: Settings, clock):
    return JwtTokenService(secret_key=resolve_secret_key(settings), clock=clock,
                           access_ttl=timedelta(seconds=settings.access_ttl_seconds),
                           refresh_ttl=timedelta(seconds=settings.refresh_ttl_seconds))


def _signer(settings: Settings, purpose: bytes) -> HmacDigestSigner:
    return HmacDigestSigner(resolve_secret_key(settings), purpose)


def _sealer(settings: Settings) -> AesGcmSealer:
    return AesGcmSealer(resolve_secret_key(settings))


def _days(days: int) -> timedelta:
    return timedelta(days=days)


def _dummy_hash(hasher) -> str:
    """Compared against when an email is unknown, so both cases cost the same."""
    return hasher.hash(secrets.token_urlsafe(16))


def _mailer(settings: Settings) -> Mailer:
    """SMTP when SMTP_URL is set; else .eml files under GROUNDWORK_HOME/outbox (development)."""
    if settings.smtp_url:
        return SmtpMailer(SmtpServer.from_url(settings.smtp_url), settings.mail_from)
    return FolderMailer(settings.home / "outbox", settings.mail_from)


def _object_store(settings: Settings, clock) -> ObjectStore:
    """S3 (or MinIO) when S3_URL is set; else files under GROUNDWORK_HOME/objects."""
    if settings.s3_url:
        return S3ObjectStore(S3Location.from_url(settings.s3_url))
    return FilesystemObjectStore(settings.home / "objects", _signer(settings, DOWNLOAD_LINKS),
                                 settings.public_url, clock)


def _app_engine(urls, pool_size: int):
    return app_engine(urls.app_url, pool_size=pool_size)


def _attempt_counters(settings: Settings, engine: Callable[[], Engine]) -> str | Storage:
    """Where attempt caps count: Redis when configured, else the database, so that every server
    process shares one count; process memory only for the in-memory backend."""
    if settings.redis_url:
        return settings.redis_url
    if settings.backend == "postgres":
        return PostgresCounterStorage(engine())
    return "memory://"


class Adapters(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(Uuid7Generator)

    database_urls = providers.Singleton(resolve_database, settings)
    engine = providers.Singleton(_app_engine, database_urls,
                                 pool_size=settings.provided.pool_size)
    owner_engine = providers.Singleton(  # the owner's maintenance path, never a request's
        owner_engine, database_urls.provided.owner_url)
    memory_store = providers.Singleton(MemoryStore)
    password_hasher = providers.Singleton(Argon2Hasher.production)
    dummy_password_hash = providers.Singleton(_dummy_hash, password_hasher)
    token_service = providers.Singleton(_token_service, settings, clock)
    digest_signer = providers.Singleton(_signer, settings, AUDIT_DIGESTS)
    cursor_signer = providers.Singleton(_signer, settings, AUDIT_CURSORS)
    recovery_signer = providers.Singleton(_signer, settings, RECOVERY_CODES)
    secret_sealer = providers.Singleton(_sealer, settings)
    one_time_codes = providers.Singleton(PyotpCodes)
    mailer = providers.Singleton(_mailer, settings)
    object_store = providers.Singleton(_object_store, settings, clock)
    attempt_counters = providers.Singleton(_attempt_counters, settings, engine.provider)
    login_throttle = providers.Singleton(
        LimitsAttemptThrottle, attempt_counters,
        per_account=settings.provided.login_limit_per_account,
        per_account_all=settings.provided.login_limit_per_account_all,
        per_ip=settings.provided.login_limit_per_ip)
    signup_throttle = providers.Singleton(  # the same three caps, counted apart from sign-ins
        LimitsAttemptThrottle, attempt_counters,
        per_account="3/hour", per_account_all="5/hour",
        per_ip=settings.provided.signup_limit_per_ip, namespace="groundwork-signup")
    reset_throttle = providers.Singleton(  # password links asked for by email
        LimitsAttemptThrottle, attempt_counters,
        per_account="3/hour", per_account_all="10/hour",
        per_ip=settings.provided.reset_limit_per_ip, namespace="groundwork-reset")
    verify_throttle = providers.Singleton(  # confirmation mails asked for again
        LimitsAttemptThrottle, attempt_counters,
        per_account="3/hour", per_account_all="10/hour",
        per_ip=settings.provided.reset_limit_per_ip, namespace="groundwork-verify")
    code_throttle = providers.Singleton(  # two-factor codes: capped like passwords
        LimitsAttemptThrottle, attempt_counters,
        per_account=settings.provided.login_limit_per_account,
        per_account_all=settings.provided.login_limit_per_account_all,
        per_ip=settings.provided.login_limit_per_ip, namespace="groundwork-codes")
    deferred = providers.Selector(
        settings.provided.backend,
        postgres=providers.Singleton(ThreadDeferred),
        memory=providers.Singleton(InlineDeferred),
    )

    unit_of_work = providers.Selector(
        settings.provided.backend,
        postgres=providers.Factory(PostgresUnitOfWork, engine=engine, clock=clock, ids=ids,
                                   key_locations=providers.Singleton(KeyLocations)),
        memory=providers.Factory(MemoryUnitOfWork, store=memory_store, clock=clock, ids=ids),
    )
    org_purger = providers.Selector(
        settings.provided.backend,
        postgres=providers.Singleton(PgOrgPurger, owner_engine),
        memory=providers.Singleton(MemoryOrgPurger, memory_store),
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
    password_hasher = providers.Dependency()
    dummy_password_hash = providers.Dependency()
    token_service = providers.Dependency()
    digest_signer = providers.Dependency()
    cursor_signer = providers.Dependency()
    login_throttle = providers.Dependency()
    signup_throttle = providers.Dependency()
    reset_throttle = providers.Dependency()
    verify_throttle = providers.Dependency()
    code_throttle = providers.Dependency()
    recovery_signer = providers.Dependency()
    secret_sealer = providers.Dependency()
    one_time_codes = providers.Dependency()
    deferred = providers.Dependency()
    mailer = providers.Dependency()
    object_store = providers.Dependency()
    org_purger = providers.Dependency()
    public_url = providers.Dependency(instance_of=str)
    deletion_grace = providers.Dependency()
    signup_enabled = providers.Dependency(instance_of=bool)

    organizations = providers.Factory(OrganizationService, uow_factory, clock, ids)
    downloads = providers.Factory(DownloadService, object_store, clock, uow_factory)
    quotas = providers.Factory(QuotaService, uow_factory, clock, object_store)
    personal_export = providers.Factory(PersonalExportService, uow_factory, clock)
    org_lifecycle = providers.Factory(OrgLifecycleService, uow_factory, clock, deletion_grace)
    schema_revision = providers.Singleton(schema_head)
    exports = providers.Factory(ExportService, uow_factory, clock, ids, object_store, deferred,
                                schema_revision)
    org_purge = providers.Factory(OrgPurgeService, uow_factory, clock, object_store, exports,
                                  org_purger, deletion_grace)
    org_import = providers.Factory(OrgImportService, uow_factory, clock, ids, schema_revision)
    members = providers.Factory(MemberService, uow_factory, clock, ids)
    audit_verifier = providers.Factory(AuditVerifier, uow_factory, clock, digest_signer)
    audit_reader = providers.Factory(AuditReader, uow_factory, clock, cursor_signer)
    credentials = providers.Singleton(CredentialReader, token_service)
    auth = providers.Factory(AuthService, uow_factory, clock, ids, password_hasher,
                             token_service, dummy_password_hash, login_throttle)
    sessions = providers.Factory(SessionService, uow_factory, clock, auth)
    api_keys = providers.Factory(ApiKeyService, uow_factory, clock, ids)
    users = providers.Factory(UserService, uow_factory, clock)
    invitations = providers.Factory(InvitationService, uow_factory, clock, ids, password_hasher,
                                    mailer, public_url, auth, login_throttle)
    passwords = providers.Factory(PasswordService, uow_factory, clock, ids, password_hasher,
                                  mailer, public_url, deferred, reset_throttle)
    account = providers.Factory(AccountService, uow_factory, clock, password_hasher,
                                login_throttle)
    verification = providers.Factory(VerificationService, uow_factory, clock, ids, mailer,
                                     public_url, deferred, verify_throttle, password_hasher)
    two_factor = providers.Factory(TwoFactorService, uow_factory, clock, ids, one_time_codes,
                                   secret_sealer, recovery_signer, password_hasher,
                                   token_service, auth, code_throttle)
    signup = providers.Factory(SignupService, uow_factory, organizations, auth, password_hasher,
                               signup_enabled, signup_throttle, clock, verification, two_factor)


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    adapters = providers.Container(Adapters, settings=settings)
    application = providers.Container(
        Application,
        uow_factory=adapters.unit_of_work.provider,
        clock=adapters.clock,
        ids=adapters.ids,
        password_hasher=adapters.password_hasher,
        dummy_password_hash=adapters.dummy_password_hash,
        digest_signer=adapters.digest_signer,
        cursor_signer=adapters.cursor_signer,
        token_service=adapters.token_service,
        login_throttle=adapters.login_throttle,
        signup_throttle=adapters.signup_throttle,
        reset_throttle=adapters.reset_throttle,
        verify_throttle=adapters.verify_throttle,
        code_throttle=adapters.code_throttle,
        recovery_signer=adapters.recovery_signer,
        secret_sealer=adapters.secret_sealer,
        one_time_codes=adapters.one_time_codes,
        deferred=adapters.deferred,
        signup_enabled=settings.provided.signup_enabled,
        mailer=adapters.mailer,
        object_store=adapters.object_store,
        org_purger=adapters.org_purger,
        public_url=settings.provided.public_url,
        deletion_grace=providers.Factory(_days, settings.provided.deletion_grace_days),
    )


def build_container(settings: Settings | None = None) -> Container:
    return Container(settings=settings or Settings.from_env())
