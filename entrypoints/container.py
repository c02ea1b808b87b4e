"""The composition root: one place chooses the adapters and builds the use cases."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta

from dependency_injector import containers, providers
from limits.storage import MemoryStorage, Storage, storage_from_string
from sqlalchemy import Engine

from adapters.mail.outbox import FolderMailer
from adapters.mail.smtp import SmtpMailer, SmtpServer
from adapters.memory.erasure import MemoryPersonEraser
from adapters.memory.jobs import InlineJobs
from adapters.memory.probe import MemoryProbe
from adapters.memory.purge import MemoryOrgPurger
from adapters.memory.retention import MemoryAuditPruner
from adapters.memory.store import MemoryStore
from adapters.memory.support import MemoryPlatformReports
from adapters.memory.unit_of_work import MemoryUnitOfWork
from adapters.postgres.attempt_counters import PostgresCounterStorage
from adapters.postgres.dump import PostgresDatabaseDump
from adapters.postgres.erasure import PgPersonEraser
from adapters.postgres.jobs import PgJobQueue, PgJobs
from adapters.postgres.maintenance import owner_engine
from adapters.postgres.migrator import schema_head
from adapters.postgres.probe import PostgresProbe
from adapters.postgres.purge import PgOrgPurger
from adapters.postgres.retention import PgAuditPruner
from adapters.postgres.sign_in_repositories import KeyLocations
from adapters.postgres.support import PgPlatformReports
from adapters.postgres.transaction import app_engine
from adapters.postgres.unit_of_work import PostgresUnitOfWork
from adapters.postgres.worker import POLL_SECONDS, ProcrastinateWorker, backoff
from adapters.probes import ObjectStoreProbe, RedisProbe, SmtpProbe
from adapters.security.argon2_hasher import Argon2Hasher
from adapters.security.attempt_throttle import LimitsAttemptThrottle
from adapters.security.digest_signer import (
    AUDIT_CURSORS,
    AUDIT_DIGESTS,
    DOWNLOAD_LINKS,
    EXPORT_MANIFESTS,
    RECOVERY_CODES,
    HmacDigestSigner,
)
from adapters.security.fallback_counters import REDIS_TIMEOUTS, FallbackCounters
from adapters.security.jwt_tokens import JwtTokenService
from adapters.security.request_counter import LimitsRequestCounter
from adapters.security.totp import AesGcmSealer, PyotpCodes
from adapters.storage.filesystem import FilesystemObjectStore
from adapters.storage.s3 import S3Location, S3ObjectStore
from adapters.system import SystemClock, Uuid7Generator
from application.account import AccountService
from application.api_keys import ApiKeyService
from application.audit import AuditReader, AuditVerifier
from application.auth import AuthService
from application.backups import BackupService
from application.downloads import DownloadService
from application.erasure import ErasureService
from application.exports import ExportService
from application.invitations import InvitationService
from application.jobs import jobs_by_name
from application.members import MemberService
from application.org_import import OrgImportService
from application.org_lifecycle import OrgLifecycleService
from application.org_purge import OrgPurgeService
from application.organizations import OrganizationService
from application.passwords import PasswordService
from application.personal_export import PersonalExportService
from application.platform import PlatformService
from application.ports.health import DependencyProbe
from application.ports.mailer import Mailer
from application.ports.object_store import ObjectStore
from application.principals import CredentialReader
from application.quotas import QuotaService
from application.rate_limits import RequestLimits
from application.retention import AuditRetentionService
from application.sessions import SessionService
from application.signup import SignupService
from application.support import SupportService
from application.two_factor import TwoFactorService
from application.users import UserService
from application.verification import VerificationService
from domain.backup import Retention
from entrypoints.config import Settings
from entrypoints.database import resolve_database
from entrypoints.secrets import resolve_secret_key
from entrypoints.telemetry import PrometheusTelemetry


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


def _readiness_probes(settings: Settings, database: DependencyProbe,
                      store: ObjectStore) -> list[DependencyProbe]:
    """What /ready checks: each dependency this configuration has."""
    probes = [database, ObjectStoreProbe(store)]
    if settings.redis_url:
        probes.append(RedisProbe(settings.redis_url))
    if settings.smtp_url:
        probes.append(SmtpProbe(settings.smtp_url))
    return probes


def _poll_seconds(settings: Settings) -> float:
    """A worker looks for due retries at least as often as the first one waits."""
    return min(POLL_SECONDS, settings.job_retry_wait_seconds)


def _app_engine(urls, settings: Settings):
    return app_engine(urls.app_url, pool_size=settings.pool_size,
                      connect_timeout=settings.db_connect_timeout,
                      statement_timeout=settings.db_statement_timeout)


def _attempt_counters(settings: Settings, engine: Callable[[], Engine]) -> str | Storage:
    """Where attempt caps count: Redis when configured, else the database, so that every server
    process shares one count; process memory only for the in-memory backend. While Redis cannot
    be reached they count where they would without it (see FallbackCounters)."""
    own = PostgresCounterStorage(engine()) if settings.backend == "postgres" else None
    if settings.redis_url:
        return FallbackCounters(storage_from_string(settings.redis_url, **REDIS_TIMEOUTS),
                                own or MemoryStorage())
    return own or "memory://"


class Adapters(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    clock = providers.Singleton(SystemClock)
    telemetry = providers.Singleton(PrometheusTelemetry)
    ids = providers.Singleton(Uuid7Generator)

    database_urls = providers.Singleton(resolve_database, settings)
    engine = providers.Singleton(_app_engine, database_urls, settings)
    owner_engine = providers.Singleton(  # the owner's maintenance path, never a request's
        owner_engine, database_urls.provided.owner_url)
    memory_store = providers.Singleton(MemoryStore)
    password_hasher = providers.Singleton(Argon2Hasher.production)
    dummy_password_hash = providers.Singleton(_dummy_hash, password_hasher)
    token_service = providers.Singleton(_token_service, settings, clock)
    digest_signer = providers.Singleton(_signer, settings, AUDIT_DIGESTS)
    cursor_signer = providers.Singleton(_signer, settings, AUDIT_CURSORS)
    manifest_signer = providers.Singleton(_signer, settings, EXPORT_MANIFESTS)
    recovery_signer = providers.Singleton(_signer, settings, RECOVERY_CODES)
    secret_sealer = providers.Singleton(_sealer, settings)
    one_time_codes = providers.Singleton(PyotpCodes)
    mailer = providers.Singleton(_mailer, settings)
    object_store = providers.Singleton(_object_store, settings, clock)
    database_dump = providers.Singleton(  # pg_dump and pg_restore, as the owner
        PostgresDatabaseDump, database_urls, app_password=settings.provided.app_db_password)
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
    request_counter = providers.Singleton(LimitsRequestCounter, attempt_counters)
    # The use cases that jobs run, by name: the Container sets them (they defer jobs here).
    job_handlers = providers.Dependency()
    inline_jobs = providers.Singleton(InlineJobs, job_handlers.provider)
    jobs_in = providers.Selector(  # how a unit of work defers jobs: as rows, or run at commit
        settings.provided.backend,
        postgres=providers.Object(PgJobs),
        memory=inline_jobs.provided.within,
    )
    job_queue = providers.Selector(
        settings.provided.backend,
        postgres=providers.Singleton(PgJobQueue, engine),
        memory=inline_jobs,
    )
    job_worker = providers.Factory(
        ProcrastinateWorker, database_urls.provided.app_url, job_handlers,
        retry=providers.Factory(backoff, settings.provided.job_retry_wait_seconds),
        poll_seconds=providers.Callable(_poll_seconds, settings))

    unit_of_work = providers.Selector(
        settings.provided.backend,
        postgres=providers.Factory(PostgresUnitOfWork, engine=engine, clock=clock, ids=ids,
                                   key_locations=providers.Singleton(KeyLocations),
                                   jobs_in=jobs_in, telemetry=telemetry),
        memory=providers.Factory(MemoryUnitOfWork, store=memory_store, clock=clock, ids=ids,
                                 jobs_in=jobs_in, telemetry=telemetry),
    )
    org_purger = providers.Selector(
        settings.provided.backend,
        postgres=providers.Singleton(PgOrgPurger, owner_engine),
        memory=providers.Singleton(MemoryOrgPurger, memory_store),
    )
    person_eraser = providers.Selector(
        settings.provided.backend,
        postgres=providers.Singleton(PgPersonEraser, owner_engine),
        memory=providers.Singleton(MemoryPersonEraser, memory_store),
    )
    audit_pruner = providers.Selector(
        settings.provided.backend,
        postgres=providers.Singleton(PgAuditPruner, owner_engine),
        memory=providers.Singleton(MemoryAuditPruner, memory_store),
    )
    platform_reports = providers.Selector(  # as the platform role, never the app's
        settings.provided.backend,
        postgres=providers.Singleton(PgPlatformReports, owner_engine),
        memory=providers.Singleton(MemoryPlatformReports, memory_store, clock),
    )
    database_probe = providers.Selector(
        settings.provided.backend,
        postgres=providers.Singleton(PostgresProbe, engine),
        memory=providers.Singleton(MemoryProbe),
    )
    readiness_probes = providers.Singleton(_readiness_probes, settings, database_probe,
                                           object_store)


class Application(containers.DeclarativeContainer):
    uow_factory = providers.Dependency()
    clock = providers.Dependency()
    ids = providers.Dependency()
    password_hasher = providers.Dependency()
    dummy_password_hash = providers.Dependency()
    token_service = providers.Dependency()
    digest_signer = providers.Dependency()
    cursor_signer = providers.Dependency()
    manifest_signer = providers.Dependency()
    login_throttle = providers.Dependency()
    signup_throttle = providers.Dependency()
    reset_throttle = providers.Dependency()
    verify_throttle = providers.Dependency()
    code_throttle = providers.Dependency()
    request_counter = providers.Dependency()
    recovery_signer = providers.Dependency()
    secret_sealer = providers.Dependency()
    one_time_codes = providers.Dependency()
    mailer = providers.Dependency()
    object_store = providers.Dependency()
    database_dump = providers.Dependency()
    backup_retention = providers.Dependency()
    org_purger = providers.Dependency()
    person_eraser = providers.Dependency()
    audit_pruner = providers.Dependency()
    platform_reports = providers.Dependency()
    public_url = providers.Dependency(instance_of=str)
    deletion_grace = providers.Dependency()
    signup_enabled = providers.Dependency(instance_of=bool)

    organizations = providers.Factory(OrganizationService, uow_factory, clock, ids)
    downloads = providers.Factory(DownloadService, object_store, clock, uow_factory)
    backups = providers.Factory(BackupService, object_store, database_dump, clock, ids,
                                backup_retention)
    quotas = providers.Factory(QuotaService, uow_factory, clock, object_store)
    personal_export = providers.Factory(PersonalExportService, uow_factory, clock)
    org_lifecycle = providers.Factory(OrgLifecycleService, uow_factory, clock, deletion_grace)
    schema_revision = providers.Singleton(schema_head)
    exports = providers.Factory(ExportService, uow_factory, clock, ids, object_store,
                                schema_revision, manifest_signer)
    org_purge = providers.Factory(OrgPurgeService, uow_factory, clock, object_store, exports,
                                  org_purger, deletion_grace)
    org_import = providers.Factory(OrgImportService, uow_factory, clock, ids, schema_revision,
                                   digest_signer, manifest_signer)
    members = providers.Factory(MemberService, uow_factory, clock, ids)
    audit_verifier = providers.Factory(AuditVerifier, uow_factory, clock, digest_signer)
    audit_reader = providers.Factory(AuditReader, uow_factory, clock, cursor_signer)
    credentials = providers.Singleton(CredentialReader, token_service)
    request_limits = providers.Singleton(  # remembers limits: one per container
        RequestLimits, uow_factory, request_counter, clock)
    auth = providers.Factory(AuthService, uow_factory, clock, ids, password_hasher,
                             token_service, dummy_password_hash, login_throttle)
    sessions = providers.Factory(SessionService, uow_factory, clock, auth)
    api_keys = providers.Factory(ApiKeyService, uow_factory, clock, ids)
    users = providers.Factory(UserService, uow_factory, clock)
    invitations = providers.Factory(InvitationService, uow_factory, clock, ids, password_hasher,
                                    mailer, public_url, auth, login_throttle)
    passwords = providers.Factory(PasswordService, uow_factory, clock, ids, password_hasher,
                                  mailer, public_url, reset_throttle)
    account = providers.Factory(AccountService, uow_factory, clock, password_hasher,
                                login_throttle)
    verification = providers.Factory(VerificationService, uow_factory, clock, ids, mailer,
                                     public_url, verify_throttle, password_hasher)
    two_factor = providers.Factory(TwoFactorService, uow_factory, clock, ids, one_time_codes,
                                   secret_sealer, recovery_signer, password_hasher,
                                   token_service, auth, code_throttle)
    signup = providers.Factory(SignupService, uow_factory, organizations, auth, password_hasher,
                               signup_enabled, signup_throttle, clock, two_factor)
    erasure = providers.Factory(ErasureService, uow_factory, clock, password_hasher,
                                login_throttle, two_factor, person_eraser.provider)
    audit_retention = providers.Factory(AuditRetentionService, uow_factory, clock, ids,
                                        digest_signer, audit_pruner)
    support = providers.Factory(SupportService, uow_factory, clock, ids)
    platform = providers.Factory(PlatformService, platform_reports)
    job_handlers = providers.Factory(jobs_by_name, exports, passwords, verification,
                                     invitations)


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
        manifest_signer=adapters.manifest_signer,
        token_service=adapters.token_service,
        login_throttle=adapters.login_throttle,
        signup_throttle=adapters.signup_throttle,
        reset_throttle=adapters.reset_throttle,
        verify_throttle=adapters.verify_throttle,
        code_throttle=adapters.code_throttle,
        request_counter=adapters.request_counter,
        recovery_signer=adapters.recovery_signer,
        secret_sealer=adapters.secret_sealer,
        one_time_codes=adapters.one_time_codes,
        signup_enabled=settings.provided.signup_enabled,
        mailer=adapters.mailer,
        object_store=adapters.object_store,
        database_dump=adapters.database_dump,
        backup_retention=providers.Factory(Retention, settings.provided.backup_retention_days),
        org_purger=adapters.org_purger,
        person_eraser=adapters.person_eraser,
        audit_pruner=adapters.audit_pruner,
        platform_reports=adapters.platform_reports,
        public_url=settings.provided.public_url,
        deletion_grace=providers.Factory(_days, settings.provided.deletion_grace_days),
    )
    adapters.job_handlers.override(application.job_handlers)  # the cycle, closed here


def build_container(settings: Settings | None = None) -> Container:
    return Container(settings=settings or Settings.from_env())
