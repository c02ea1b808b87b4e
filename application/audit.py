"""The audit trail for operators (verify every chain) and for org admins (read, export)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence

import attrs
from attrs import define

from application.cursors import decode_cursor, encode_cursor
from application.permissions import Permission
from application.ports.repositories import AuditFilter
from application.ports.security import DigestSigner
from application.ports.system import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principals import Caller, enter
from domain.audit import (
    GENESIS_HASH,
    AuditEntry,
    AuditEvent,
    BrokenLink,
    ChainDigest,
    check_against_digest,
    find_broken_link,
)
from domain.errors import InvalidInput, NotFound
from domain.organization import Organization, OrgStatus


@define(frozen=True)
class ChainReport:
    slug: str
    entries: int
    broken: BrokenLink | None

    @property
    def intact(self) -> bool:
        return self.broken is None


@define(frozen=True)
class SignedDigest:
    slug: str
    digest: ChainDigest
    signature: str


class AuditVerifier:
    """Recomputes the chains; with digests made earlier (and kept away from the database), also
    finds a chain cut short or rewritten whole, which a recomputation alone cannot see."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock,
                 signer: DigestSigner) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._signer = signer

    def verify(self, slug: str | None = None,
               digests: Sequence[SignedDigest] = ()) -> list[ChainReport]:
        forged = [d.slug for d in digests
                  if not self._signer.verify(d.digest.message(), d.signature)]
        if forged:
            raise InvalidInput(f"digests not signed with this server's key: {', '.join(forged)}",
                               code="invalid_digest")
        latest: dict[uuid.UUID, ChainDigest] = {}
        for signed in digests:
            held = latest.get(signed.digest.org_id)
            if held is None or signed.digest.seq > held.seq:
                latest[signed.digest.org_id] = signed.digest
        return [self._verify_one(org, latest.get(org.id)) for org in self._orgs(slug)]

    def digest(self, slug: str | None = None) -> list[SignedDigest]:
        """Each org's chain head now, signed: keep them where the database's users cannot."""
        made = []
        for org in self._orgs(slug):
            entries = self._entries(org.id)
            head = entries[-1] if entries else None
            digest = ChainDigest(org_id=org.id, seq=head.seq if head else 0,
                                 hash=head.hash if head else GENESIS_HASH, made_at=self._clock.now())
            made.append(SignedDigest(slug=org.slug, digest=digest,
                                     signature=self._signer.sign(digest.message())))
        return made

    def _orgs(self, slug: str | None) -> list[Organization]:
        with self._uow_factory() as uow:
            orgs = uow.orgs.list(include_deleted=True)
        if slug is not None:
            orgs = [org for org in orgs if org.slug == slug.strip().lower()
                    and org.status is not OrgStatus.DELETED]
            if not orgs:
                raise NotFound(f"organization {slug!r} not found", code="org_not_found")
        return orgs

    def _entries(self, org_id: uuid.UUID) -> list[AuditEntry]:
        with self._uow_factory() as uow:
            uow.bind(org_id)
            return list(uow.audit.entries(org_id))

    def _verify_one(self, org: Organization, digest: ChainDigest | None) -> ChainReport:
        entries = self._entries(org.id)
        broken = find_broken_link(entries)
        if broken is None and digest is not None:
            broken = check_against_digest(entries, digest)
        return ChainReport(slug=org.slug, entries=len(entries), broken=broken)


MAX_PAGE = 200


@define(frozen=True)
class ReadAudit:
    slug: str
    actor: Caller
    where: AuditFilter = AuditFilter()
    cursor: str | None = None
    limit: int = 50


@define(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    next_cursor: str | None


def _after_seq(cursor: str | None) -> int:
    if not cursor:
        return 0
    return decode_cursor(cursor, "seq", _seq, hint="use the next_cursor of a previous page")


def _seq(value: str) -> int:
    if not value.isdigit() or int(value) >= 2 ** 63:  # a bigint in the database
        raise ValueError(value)
    return int(value)


class AuditReader:
    """An org's audit log for its owners and admins: filtered, paged by cursor, exportable."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    def page(self, cmd: ReadAudit, *, exporting: bool = False) -> AuditPage:
        """One page. Reading the log is itself audited, once per search (its first page) or
        export (`exporting`), after the read: the entry is on the next search, not this one."""
        if not 1 <= cmd.limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}", code="invalid_limit",
                               errors={"limit": [f"must be between 1 and {MAX_PAGE}"]})
        after = _after_seq(cmd.cursor)
        with self._uow_factory() as uow:
            principal = enter(uow, cmd.actor, Permission.READ_AUDIT, slug=cmd.slug,
                              now=self._clock.now())
            entries = uow.audit.page(principal.org.id, cmd.where, after_seq=after,
                                     limit=cmd.limit + 1)
            if exporting or cmd.cursor is None:
                uow.audit.append(principal.org.id, AuditEvent(
                    actor=principal.actor, action="audit.exported" if exporting else "audit.read",
                    resource_type="audit_log",
                    resource_id=str(principal.org.id),
                    details={"filter": {k: str(v) for k, v in attrs.asdict(cmd.where).items()
                                        if v is not None}}))
            uow.commit()  # the read's own entry, and an API key's last use if enter() noted one
        more = len(entries) > cmd.limit
        entries = entries[:cmd.limit]
        return AuditPage(entries=entries,
                         next_cursor=encode_cursor("seq", str(entries[-1].seq)) if more else None)

    def export(self, cmd: ReadAudit) -> Iterator[AuditEntry]:
        """Every matching entry, read in batches; the permission is checked before the first."""
        first = self.page(ReadAudit(slug=cmd.slug, actor=cmd.actor, where=cmd.where,
                                    limit=MAX_PAGE), exporting=True)

        def stream() -> Iterator[AuditEntry]:
            page = first
            while True:
                yield from page.entries
                if page.next_cursor is None:
                    return
                page = self.page(ReadAudit(slug=cmd.slug, actor=cmd.actor, where=cmd.where,
                                           cursor=page.next_cursor, limit=MAX_PAGE))

        return stream()
