"""Repository ports. Every tenant-scoped method takes the org_id it works in."""

from __future__ import annotations

import abc
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from attrs import define

from domain.api_key import ApiKey
from domain.audit import AuditEntry, AuditEvent
from domain.audit_retention import AuditCheckpoint
from domain.email_token import EmailPurpose, EmailToken
from domain.export import Export
from domain.invitation import Invitation
from domain.member import Member
from domain.organization import Organization
from domain.password_token import PasswordToken
from domain.quota import Limit, Limits
from domain.session import Session
from domain.two_factor import RecoveryCode, TotpFactor
from domain.user import User


class OrganizationRepository(abc.ABC):
    """Organizations are global: looked up by slug before a tenant is known."""

    @abc.abstractmethod
    def add(self, org: Organization) -> None: ...

    @abc.abstractmethod
    def get(self, org_id: uuid.UUID) -> Organization | None: ...

    @abc.abstractmethod
    def get_by_slug(self, slug: str, *, lock: bool = False) -> Organization | None:
        """`lock`: hold the org's row until the transaction ends (see Principals)."""

    @abc.abstractmethod
    def list(self, *, include_deleted: bool = False) -> list[Organization]: ...

    @abc.abstractmethod
    def update(self, org: Organization) -> None: ...


class UserRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, user: User) -> None: ...

    @abc.abstractmethod
    def get(self, user_id: uuid.UUID) -> User | None: ...

    @abc.abstractmethod
    def get_by_email(self, email: str) -> User | None: ...

    @abc.abstractmethod
    def update(self, user: User) -> None:
        """Never writes over an erased person (a stale copy must not bring their data back)."""

    @abc.abstractmethod
    def mark_erased(self, user: User) -> bool:
        """Store the person's erased status and password (`User.begin_erasure`) unless they
        are erased already: of two erasures at once, exactly one stores it. True when stored."""

    @abc.abstractmethod
    def store_anonymised(self, user: User) -> None:
        """Store an erased person's anonymised profile (`User.anonymise`)."""

    @abc.abstractmethod
    def erasures_pending(self) -> list[User]:
        """Erased people not yet anonymised: erasures begun and not finished."""


class MemberRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, member: Member) -> None: ...

    @abc.abstractmethod
    def get(self, org_id: uuid.UUID, member_id: uuid.UUID) -> Member | None: ...

    @abc.abstractmethod
    def get_by_user(self, org_id: uuid.UUID, user_id: uuid.UUID) -> Member | None: ...

    @abc.abstractmethod
    def update(self, member: Member) -> None: ...

    @abc.abstractmethod
    def remove(self, org_id: uuid.UUID, member_id: uuid.UUID) -> None: ...

    @abc.abstractmethod
    def memberships_of_user(self, user_id: uuid.UUID) -> list[Member]:
        """Every org membership of the user; needs the unit of work bound to that user."""

    @abc.abstractmethod
    def hold(self, org_id: uuid.UUID, user_id: uuid.UUID, *,
             exclusive: bool = False) -> Member | None:
        """The person's membership, locked until the transaction ends (shared, or `exclusive`
        for a change to the person): a change waits for the transactions that hold it, then
        sees what they wrote; they wait for the change, then see it (None: not a member)."""

    @abc.abstractmethod
    def note_sign_in(self, org_id: uuid.UUID, user_id: uuid.UUID, at: datetime) -> None:
        """The person's last sign-in to the org is `at`, unless a later one is noted already."""

    @abc.abstractmethod
    def lock_owners(self, org_id: uuid.UUID) -> int:
        """Lock the org's owner memberships until commit and return how many there are."""


@define(frozen=True)
class AuditFilter:
    """Which entries to read; every field narrows, None means any."""

    action: str | None = None
    actor_id: uuid.UUID | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def matches(self, entry: AuditEntry) -> bool:
        return ((self.action is None or entry.action == self.action)
                and (self.actor_id is None or entry.actor_id == self.actor_id)
                and (self.resource_type is None or entry.resource_type == self.resource_type)
                and (self.resource_id is None or entry.resource_id == self.resource_id)
                and (self.since is None or entry.created_at >= self.since)
                and (self.until is None or entry.created_at < self.until))


class AuditLog(abc.ABC):
    @abc.abstractmethod
    def append(self, org_id: uuid.UUID, event: AuditEvent) -> AuditEntry:
        """Chain the event after the org's latest entry and store it in this unit of work."""

    @abc.abstractmethod
    def entries(self, org_id: uuid.UUID) -> Iterator[AuditEntry]:
        """Every entry of the org in chain order."""

    @abc.abstractmethod
    def page(self, org_id: uuid.UUID, where: AuditFilter, *, after_seq: int,
             limit: int) -> list[AuditEntry]:
        """Up to `limit` matching entries with seq > after_seq, in chain order."""

    @abc.abstractmethod
    def checkpoints(self, org_id: uuid.UUID) -> list[AuditCheckpoint]:
        """Where retention cut the org's chain, oldest first."""


class TenantData(abc.ABC):
    @abc.abstractmethod
    def blocking_dependencies(self, org_id: uuid.UUID) -> dict[str, int]:
        """Rows that keep the org from being deleted, counted per kind (empty when none)."""


class SessionRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, session: Session) -> None: ...

    @abc.abstractmethod
    def get(self, org_id: uuid.UUID, session_id: uuid.UUID) -> Session | None: ...

    @abc.abstractmethod
    def rotate(self, session: Session, *, previous_token_id: str) -> bool:
        """Store the session's new refresh token only if the stored one is still
        `previous_token_id` and the session is not revoked: of two uses of one refresh token,
        exactly one wins. True when stored."""

    @abc.abstractmethod
    def revoke(self, session: Session) -> bool:
        """Store the session's revocation unless it is revoked already; True when stored.
        Nothing else of the row is written, so no stale copy undoes another's change."""

    @abc.abstractmethod
    def revoke_all_of_user(self, user_id: uuid.UUID, reason: str, now: datetime, *,
                           keep: uuid.UUID | None = None) -> int:
        """End every live session of the user in every org but `keep` (needs the user scope);
        how many ended."""

    @abc.abstractmethod
    def live_of_user(self, user_id: uuid.UUID, now: datetime, *, limit: int) -> list[Session]:
        """The user's live sessions in every org, newest first (needs the user scope)."""

    @abc.abstractmethod
    def revoke_of_user(self, user_id: uuid.UUID, session_id: uuid.UUID, reason: str,
                       now: datetime) -> Session | None:
        """End one live session of the user, in whichever org (needs the user scope): the
        session as ended, or None when the user has no such live session."""

    @abc.abstractmethod
    def revoke_all_in_org(self, org_id: uuid.UUID, user_id: uuid.UUID, reason: str,
                          now: datetime, *, keep: uuid.UUID | None = None) -> int:
        """End every live session of the user in this org (tenant bound); how many ended."""


class PasswordTokenRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, token: PasswordToken) -> None: ...

    @abc.abstractmethod
    def get_by_hash(self, token_hash: str) -> PasswordToken | None: ...

    @abc.abstractmethod
    def claim(self, token: PasswordToken) -> bool:
        """Store `token.used_at` unless the link was used already (by a concurrent request, say)
        or had ended by then: True when this call claimed it. Of any number of simultaneous
        claims, one wins."""

    @abc.abstractmethod
    def expire_unused_of(self, user_id: uuid.UUID, now: datetime) -> int:
        """End, as of `now`, every unused link of this person (a newer one replaces them)."""


class EmailTokenRepository(abc.ABC):
    """Links that prove an address (global: read by the token alone, before any tenant)."""

    @abc.abstractmethod
    def add(self, token: EmailToken) -> None: ...

    @abc.abstractmethod
    def get_by_hash(self, token_hash: str) -> EmailToken | None: ...

    @abc.abstractmethod
    def claim(self, token: EmailToken) -> bool:
        """Store `token.used_at` unless used already or ended by then; True when claimed."""

    @abc.abstractmethod
    def expire_unused_of(self, user_id: uuid.UUID, now: datetime,
                         purpose: EmailPurpose = EmailPurpose.VERIFY) -> int:
        """End, as of `now`, the person's unused links (a newer one replaces them)."""


class ApiKeyRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, key: ApiKey) -> None:
        """Store the key, and its prefix in the global index that `locate` reads."""

    @abc.abstractmethod
    def locate(self, prefix: str) -> uuid.UUID | None:
        """The org a key prefix belongs to; needs no tenant (the index holds no secret)."""

    @abc.abstractmethod
    def get(self, org_id: uuid.UUID, key_id: uuid.UUID) -> ApiKey | None: ...

    @abc.abstractmethod
    def list(self, org_id: uuid.UUID) -> list[ApiKey]: ...

    @abc.abstractmethod
    def record_use(self, key: ApiKey, *, unless_used_since: datetime) -> bool:
        """Store `key.last_used_at` only, unless a use at or after `unless_used_since` is stored
        already (by a concurrent request); True when stored."""

    @abc.abstractmethod
    def update(self, key: ApiKey) -> None: ...

    @abc.abstractmethod
    def revoke_created_by(self, org_id: uuid.UUID, user_id: uuid.UUID, now: datetime) -> int:
        """Revoke every live key that this person made in this org; how many."""


class InvitationRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, invitation: Invitation) -> None: ...

    @abc.abstractmethod
    def get_by_hash(self, org_id: uuid.UUID, token_hash: str) -> Invitation | None: ...

    @abc.abstractmethod
    def get(self, org_id: uuid.UUID, invitation_id: uuid.UUID) -> Invitation | None: ...

    @abc.abstractmethod
    def open_page(self, org_id: uuid.UUID, now: datetime, *,
                  after: tuple[datetime, uuid.UUID] | None, limit: int) -> list[Invitation]:
        """Up to `limit` invitations open at `now`, oldest first, after (created_at, id)."""

    @abc.abstractmethod
    def pending_for(self, org_id: uuid.UUID, email: str) -> Invitation | None:
        """The open-or-expired, not accepted invitation of this address in this org, if any."""

    @abc.abstractmethod
    def renew(self, invitation: Invitation) -> bool:
        """Store a renewed invitation's role, secret, expiry and inviter, unless it was
        accepted meanwhile; True when stored."""

    @abc.abstractmethod
    def rekey(self, invitation: Invitation, token_hash: str, now: datetime) -> bool:
        """Replace the invitation's secret, unless since it was read it was renewed (another
        secret), accepted, or ended by `now`; True when replaced."""

    @abc.abstractmethod
    def expire_sent_by(self, org_id: uuid.UUID, user_id: uuid.UUID, now: datetime) -> int:
        """End, as of `now`, every open invitation this person sent in this org; how many."""

    @abc.abstractmethod
    def claim(self, invitation: Invitation) -> bool:
        """Store `invitation.accepted_at` unless it was accepted already or had ended by then:
        True when this call claimed it. Of any number of simultaneous claims, one wins."""


class TwoFactorRepository(abc.ABC):
    """A person's TOTP factor and recovery codes (global tables, keyed by the person)."""

    @abc.abstractmethod
    def get(self, user_id: uuid.UUID) -> TotpFactor | None: ...

    @abc.abstractmethod
    def put(self, factor: TotpFactor) -> bool:
        """Store a new, unconfirmed factor in place of an unconfirmed one; False (and nothing
        changed) when the person has a confirmed factor."""

    @abc.abstractmethod
    def accept(self, factor: TotpFactor, *, previous_step: int) -> bool:
        """Write the factor's accepted step (and confirmation) if its step is still
        `previous_step`: of two requests with the same code, exactly one wins."""

    @abc.abstractmethod
    def remove(self, user_id: uuid.UUID) -> bool:
        """Remove the factor and every recovery code; False when there was no factor."""

    @abc.abstractmethod
    def replace_codes(self, user_id: uuid.UUID, codes: list[RecoveryCode]) -> None: ...

    @abc.abstractmethod
    def use_code(self, user_id: uuid.UUID, code_digest: str, now: datetime) -> bool:
        """Mark an unused code of the person's used; False when there is none such."""

    @abc.abstractmethod
    def codes_left(self, user_id: uuid.UUID) -> int: ...


class QuotaRepository(abc.ABC):
    """Plans, an org's limits, and what it uses of them."""

    @abc.abstractmethod
    def limits(self, org_id: uuid.UUID) -> Limits:
        """The org's plan's limits with its own overrides over them."""

    @abc.abstractmethod
    def hold(self, org_id: uuid.UUID) -> None:
        """Until commit, one transaction at a time changes what counts against the org's limits
        (taken before counting: of 50 parallel additions against a limit of 5, five pass)."""

    @abc.abstractmethod
    def usage(self, org_id: uuid.UUID, now: datetime) -> dict[Limit, int]:
        """Members, live API keys and pending invitations (the tenant must be bound)."""

    @abc.abstractmethod
    def plans(self) -> dict[str, dict[str, int | None]]: ...

    @abc.abstractmethod
    def set_plan_limits(self, plan: str, limits: dict[str, int | None]) -> bool:
        """Replace a plan's limits; False when there is no such plan."""

    @abc.abstractmethod
    def set_overrides(self, org_id: uuid.UUID, overrides: dict[str, int | None]) -> None: ...

    @abc.abstractmethod
    def overrides(self, org_id: uuid.UUID) -> dict[str, int | None]: ...


class ExportRepository(abc.ABC):
    """An org's exports (tenant bound)."""

    @abc.abstractmethod
    def add(self, export: Export) -> None: ...

    @abc.abstractmethod
    def get(self, org_id: uuid.UUID, export_id: uuid.UUID) -> Export | None: ...

    @abc.abstractmethod
    def update(self, export: Export) -> None: ...

    @abc.abstractmethod
    def recent(self, org_id: uuid.UUID, *, limit: int) -> list[Export]:
        """The newest first."""


EXPORTED_TABLES = ("org", "users", "members", "invitations", "api_keys", "audit_entries",
                   "audit_checkpoints")
CREDENTIAL_COLUMNS = frozenset({"password_hash", "secret_hash", "token_hash"})


class TenantDump(abc.ABC):
    """Every row of one org, table by table, streamed (tenant bound)."""

    @abc.abstractmethod
    def rows(self, org_id: uuid.UUID, table: str) -> Iterator[dict[str, Any]]:
        """The org's rows of `table` (one of EXPORTED_TABLES; `users`: its members' profiles)
        as plain JSON values, in a stable order (the audit log by seq), without the columns of
        CREDENTIAL_COLUMNS."""

    @abc.abstractmethod
    def restore_audit(self, org_id: uuid.UUID, entries: Iterable[AuditEntry],
                      checkpoints: Iterable[AuditCheckpoint] = ()) -> int:
        """An import: the org's audit entries put back exactly as they were (seq, hashes), in
        chain order, into a chain that must be empty, with the checkpoints retention left (the
        chain starts from one); how many entries."""
