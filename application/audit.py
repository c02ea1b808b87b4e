"""The audit trail for operators (verify every chain) and for org admins (read, export)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence

import attrs
from attrs import define

from application.cursors import decode_cursor, encode_cursor, sign_cursor, verified_cursor
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
from domain.audit_retention import AuditCheckpoint, checkpoint_for
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
        latest: dict[uuid.UUID, SignedDigest] = {}
        for signed in digests:
            held = latest.get(signed.digest.org_id)
            if held is None or signed.digest.seq > held.digest.seq:
                latest[signed.digest.org_id] = signed
        everyone = self._every_org()
        vanished = [_vanished(signed) for org_id, signed in latest.items()
                    if org_id not in {org.id for org in everyone}
                    and (slug is None or signed.slug == slug.strip().lower())]
        try:
            orgs = self._orgs(slug, everyone)
        except NotFound:
            if not vanished:
                raise
            orgs = []
        return [self._verify_one(org, latest[org.id].digest if org.id in latest else None)
                for org in orgs] + vanished

    def digest(self, slug: str | None = None) -> list[SignedDigest]:
        """Each org's chain head now, signed: keep them where the database's users cannot."""
        made = []
        for org in self._orgs(slug, self._every_org()):
            entries, _ = self._chain(org.id)
            head = entries[-1] if entries else None
            digest = ChainDigest(org_id=org.id, seq=head.seq if head else 0,
                                 hash=head.hash if head else GENESIS_HASH, made_at=self._clock.now())
            made.append(SignedDigest(slug=org.slug, digest=digest,
                                     signature=self._signer.sign(digest.message())))
        return made

    def _every_org(self) -> list[Organization]:
        with self._uow_factory() as uow:
            return uow.orgs.list(include_deleted=True)

    @staticmethod
    def _orgs(slug: str | None, orgs: list[Organization]) -> list[Organization]:
        if slug is not None:
            orgs = [org for org in orgs if org.slug == slug.strip().lower()
                    and org.status is not OrgStatus.DELETED]
            if not orgs:
                raise NotFound(f"organization {slug!r} not found", code="org_not_found")
        return orgs

    def _chain(self, org_id: uuid.UUID) -> tuple[list[AuditEntry], list[AuditCheckpoint]]:
        """The entries, then the checkpoints: a prune between the two reads adds a checkpoint
        and leaves the one these entries start from."""
        with self._uow_factory() as uow:
            uow.bind(org_id)
            entries = list(uow.audit.entries(org_id))
            return entries, uow.audit.checkpoints(org_id)

    def _verify_one(self, org: Organization, digest: ChainDigest | None) -> ChainReport:
        try:
            entries, checkpoints = self._chain(org.id)
            start = checkpoint_for(entries[0].seq if entries else None, checkpoints)
            broken = self._forged(start) or find_broken_link(entries, start)
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            # A row that is no entry at all (written past the application): this org's chain
            # is reported broken, and every other org is still verified.
            return ChainReport(slug=org.slug, entries=0, broken=BrokenLink(
                0, None, f"an entry cannot be read ({type(error).__name__})"))
        if broken is None and digest is not None:
            broken = check_against_digest(entries, digest, start)
        return ChainReport(slug=org.slug, entries=len(entries), broken=broken)

    def _forged(self, start: AuditCheckpoint | None) -> BrokenLink | None:
        if start is None or self._signer.verify(start.message(), start.signature):
            return None
        return BrokenLink(start.seq, None, f"the checkpoint at #{start.seq} is not signed with "
                                           "this server's key: made up, or changed")


@define(frozen=True)
class AuditExport:
    entries: Iterator[AuditEntry]
    next_cursor: str | None


def _vanished(signed: SignedDigest) -> ChainReport:
    """A digest's org that is no longer there: deleted rows, not a purge (which keeps its org
    row and says so)."""
    d = signed.digest
    return ChainReport(slug=signed.slug, entries=0, broken=BrokenLink(
        d.seq, None, f"missing: the organization whose chain the digest of "
                     f"{d.made_at:%Y-%m-%d %H:%M} UTC saw at entry #{d.seq} is gone"))


MAX_PAGE = 200
MAX_EXPORT = 10_000  # an export with a limit is held in memory to know whether more follow


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


_CURSOR_HINT = "use the next_cursor of a previous page of this same search"


def _search_scope(org_id: uuid.UUID, where: AuditFilter) -> bytes:
    """What a cursor is valid for: one org's log under one filter. A cursor cannot be made by
    hand (to read on without the `audit.read` entry of a first page) nor carried to another
    search."""
    fields = sorted((k, str(v)) for k, v in attrs.asdict(where).items() if v is not None)
    return json.dumps([str(org_id), fields]).encode()


def _seq(value: str) -> int:
    if not value.isdigit() or int(value) >= 2 ** 63:  # a bigint in the database
        raise ValueError(value)
    return int(value)


class AuditReader:
    """An org's audit log for its owners and admins: filtered, paged by cursor, exportable."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock,
                 cursor_signer: DigestSigner) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._cursor_signer = cursor_signer

    def page(self, cmd: ReadAudit, *, exporting: bool = False) -> AuditPage:
        """One page. Reading the log is itself audited, once per search (its first page) or
        export (`exporting`), after the read: the entry is on the next search, not this one."""
        if not 1 <= cmd.limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}", code="invalid_limit",
                               errors={"limit": [f"must be between 1 and {MAX_PAGE}"]})
        with self._uow_factory() as uow:
            principal = enter(uow, cmd.actor, Permission.READ_AUDIT, slug=cmd.slug,
                              now=self._clock.now())
            scope = _search_scope(principal.org.id, cmd.where)
            after = self._after_seq(cmd.cursor, scope)
            entries = uow.audit.page(principal.org.id, cmd.where, after_seq=after,
                                     limit=cmd.limit + 1)
            if exporting or not cmd.cursor:  # an empty cursor is a first page too
                uow.audit.append(principal.org.id, AuditEvent(
                    actor=principal.actor, action="audit.exported" if exporting else "audit.read",
                    resource_type="audit_log",
                    resource_id=str(principal.org.id),
                    details={"filter": {k: str(v) for k, v in attrs.asdict(cmd.where).items()
                                        if v is not None}}))
            uow.commit()  # the read's own entry, and an API key's last use if enter() noted one
        more = len(entries) > cmd.limit
        entries = entries[:cmd.limit]
        return AuditPage(entries=entries, next_cursor=sign_cursor(
            encode_cursor("seq", str(entries[-1].seq)), self._cursor_signer, scope)
            if more else None)

    def _after_seq(self, cursor: str | None, scope: bytes) -> int:
        if not cursor:
            return 0
        return decode_cursor(verified_cursor(cursor, self._cursor_signer, scope, hint=_CURSOR_HINT),
                             "seq", _seq, hint=_CURSOR_HINT)

    def export(self, cmd: ReadAudit, *, limit: int | None = None) -> AuditExport:
        """Every matching entry after `cmd.cursor`, or the first `limit` of them (held in
        memory, at most MAX_EXPORT) with the cursor of the rest; without a limit, streamed in
        batches. The permission is checked, and the export audited, before the first."""
        if limit is not None and not 1 <= limit <= MAX_EXPORT:
            raise InvalidInput(f"limit must be between 1 and {MAX_EXPORT}", code="invalid_limit",
                               errors={"limit": [f"must be between 1 and {MAX_EXPORT}"]})
        first = self.page(attrs.evolve(cmd, limit=min(limit or MAX_PAGE, MAX_PAGE)),
                          exporting=True)
        if limit is None:
            return AuditExport(entries=self._stream(cmd, first), next_cursor=None)
        entries, page = list(first.entries), first
        while page.next_cursor is not None and len(entries) < limit:
            page = self.page(attrs.evolve(cmd, cursor=page.next_cursor,
                                          limit=min(limit - len(entries), MAX_PAGE)))
            entries += page.entries
        return AuditExport(entries=iter(entries), next_cursor=page.next_cursor)

    def _stream(self, cmd: ReadAudit, page: AuditPage) -> Iterator[AuditEntry]:
        while True:
            yield from page.entries
            if page.next_cursor is None:
                return
            page = self.page(attrs.evolve(cmd, cursor=page.next_cursor, limit=MAX_PAGE))
