"""One org brought back from its export into the live, shared database, touching no other
tenant: `groundwork org import`, after an accidental deletion and purge.

Every file is checked against the manifest's SHA-256 before anything is written, and the export
must be of this database's schema revision. Then one transaction: the org (active again), its
members' accounts where they no longer exist, members, invitations, API keys and the audit log
exactly as it was, and an `org.imported` entry chained after it.

Ids are kept. When the org's id is taken (the org still exists, and the import is a copy under
`--slug NEW`), the org gets a new id: its rows keep theirs, and its audit chain is re-chained
under the new id, the `org.imported` entry naming the original chain's head.

What an export never holds comes back unusable, never guessable: API keys come back revoked
(their secrets were never exported), pending invitations expired, and an account created anew
has no password (its owner sets one through "forgot password").
"""

from __future__ import annotations

import enum
import hashlib
import json
import secrets
import types
import typing
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import attrs
from attrs import define

from application.exports import FORMAT, MANIFEST, manifest_message
from application.ports.object_store import ExportFiles, ObjectNotFound, ObjectStore, checked_key
from application.ports.repositories import EXPORTED_TABLES
from application.ports.security import DigestSigner
from application.ports.system import Clock, IdGenerator
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.principals import key_digest
from domain.api_key import ApiKey
from domain.audit import GENESIS_HASH, Actor, ActorType, AuditEntry, AuditEvent, find_broken_link
from domain.audit_retention import AuditCheckpoint, checkpoint_for
from domain.errors import Conflict, Forbidden, InvalidInput
from domain.invitation import Invitation
from domain.member import Member
from domain.organization import Organization, OrgStatus, clean_name, normalise_slug, parse_plan
from domain.quota import checked_limit_value, parse_limit
from domain.settings import validate_settings
from domain.text import UNSAFE_TEXT_PROBLEM, unsafe_text
from domain.user import User, normalise_email


class StoredExportFiles(ExportFiles):
    """An export in the object store, under the prefix its manifest sits in."""

    def __init__(self, store: ObjectStore, key: str) -> None:
        """`key`: the manifest's key, or the prefix (the folder) it sits under."""
        self._store = store
        self._prefix = key.removesuffix(MANIFEST).rstrip("/") + "/"

    def read(self, name: str) -> Iterator[bytes]:
        return self._store.get(checked_key(self._prefix + name))


@define(frozen=True)
class ImportReport:
    org_id: uuid.UUID
    slug: str
    source_org_id: uuid.UUID
    counts: dict[str, int]  # rows per exported table, as the manifest counts them
    accounts_created: int  # people whose account no longer existed (no password yet)
    rechained: bool  # a copy under a new id: its audit chain re-chained


class OrgImportService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, ids: IdGenerator,
                 schema_revision: str | None, signer: DigestSigner,
                 manifest_signer: DigestSigner) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids
        self._schema_revision = schema_revision
        self._signer = signer
        self._manifest_signer = manifest_signer

    def load(self, files: ExportFiles, actor: Actor, *, slug: str | None = None,
             accept_unsigned: bool = False,
             progress: Callable[[str, int], None] | None = None) -> ImportReport:
        """`accept_unsigned`: an export this server did not sign (made by another deployment,
        or edited by hand) is imported too; its files, rows and audit chain are checked all the
        same, but nothing vouches for what it says happened."""
        if actor.type is not ActorType.OPERATOR:
            raise Forbidden("only operators import an organization", code="forbidden")
        manifest = self._manifest(files, accept_unsigned)
        for table in EXPORTED_TABLES:
            _check_file(files, table, manifest["files"][table])
        org_row = _one_row(files, "org")
        source = _checked_org(_revive(Organization, org_row))
        overrides = _checked_overrides(org_row.get("quota_overrides"))
        marks = [_revive(AuditCheckpoint, row) for row in _rows(files, "audit_checkpoints")]
        self._check_chain(files, manifest, marks)
        target_slug = normalise_slug(slug) if slug else source.slug
        now = self._clock.now()
        with self._uow_factory() as uow:
            if uow.orgs.get_by_slug(target_slug) is not None:
                raise Conflict(f"the slug {target_slug!r} is taken: import under another with "
                               "--slug", code="slug_taken")
            rechained = uow.orgs.get(source.id) is not None
            org = attrs.evolve(source, id=self._ids.new_id() if rechained else source.id,
                               slug=target_slug, status=OrgStatus.ACTIVE, updated_at=now)
            uow.orgs.add(org)
            if overrides:
                uow.quotas.set_overrides(org.id, overrides)
            people, created = self._accounts(uow, files)
            uow.bind(org.id)
            loaded = {"org": 1, "users": len(people)}
            loaded["members"] = self._each(files, "members", lambda row: uow.members.add(
                _member(row, org.id, people)))
            loaded["invitations"] = self._each(files, "invitations", lambda row: (
                uow.invitations.add(_dormant_invitation(row, org.id, now))))
            loaded["api_keys"] = self._each(files, "api_keys", lambda row: uow.api_keys.add(
                _revoked_key(row, org.id, now, new_prefix=rechained)))
            entries = (_revive(AuditEntry, row) for row in _rows(files, "audit_entries"))
            if rechained:
                entries = _rechained(entries, org.id, start=marks[0].hash if marks else None)
                marks = [self._moved(mark, org.id) for mark in marks]
            loaded["audit_checkpoints"] = len(marks)
            loaded["audit_entries"] = uow.tenant_dump.restore_audit(org.id, entries, marks)
            if loaded != {t: manifest["files"][t]["rows"] for t in EXPORTED_TABLES}:
                raise InvalidInput("the export's rows do not match its manifest's counts",
                                   code="export_corrupt")
            uow.audit.append(org.id, AuditEvent(
                actor=actor, action="org.imported", resource_type="org", resource_id=str(org.id),
                details={"slug": org.slug, "source_org_id": str(source.id),
                         "export_id": manifest["export_id"],
                         "source_audit_head": manifest.get("audit_head"),
                         "accounts_created": created}))
            uow.commit()
        if progress:
            for table in EXPORTED_TABLES:
                progress(table, loaded[table])
        return ImportReport(org_id=org.id, slug=org.slug, source_org_id=source.id,
                            counts=loaded, accounts_created=created, rechained=rechained)

    def _check_chain(self, files: ExportFiles, manifest: dict,
                     marks: list[AuditCheckpoint]) -> None:
        """The audit log as exported holds: every checkpoint signed here, every link sound from
        the genesis or its checkpoint, and its head the one the manifest names."""
        if any(not self._signer.verify(mark.message(), mark.signature) for mark in marks):
            raise InvalidInput("a checkpoint of the export is not signed by this server",
                               code="export_corrupt")
        first = next(_rows(files, "audit_entries"), None)
        start = checkpoint_for(first.get("seq") if first else None, marks)
        last: list[AuditEntry] = []

        def entries() -> Iterator[AuditEntry]:
            for row in _rows(files, "audit_entries"):
                last[:] = [_revive(AuditEntry, row)]
                yield last[0]

        broken = find_broken_link(entries(), start)
        if broken is not None:
            raise InvalidInput(f"the export's audit log is broken at entry #{broken.seq}: "
                               f"{broken.reason}", code="export_corrupt")
        head = {"seq": last[0].seq, "hash": last[0].hash} if last else None
        if head != manifest.get("audit_head"):
            raise InvalidInput("the export's audit log does not end where its manifest says",
                               code="export_corrupt")

    def _manifest(self, files: ExportFiles, accept_unsigned: bool) -> dict:
        try:
            manifest = json.loads(b"".join(files.read(MANIFEST)))
        except (ValueError, UnicodeDecodeError):
            raise InvalidInput("the export's manifest is not JSON", code="export_corrupt") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise InvalidInput(f"not a Groundwork export (format {FORMAT} expected)",
                               code="export_corrupt")
        signature = manifest.get("signature")
        signed = isinstance(signature, str) and self._manifest_signer.verify(
            manifest_message(manifest), signature)
        if not signed and not accept_unsigned:
            raise InvalidInput("the export is not signed by this server (made by another "
                               "deployment, or edited): import it with --accept-unsigned only "
                               "if you trust where it comes from", code="export_unsigned")
        if manifest.get("schema_revision") != self._schema_revision:
            raise Conflict(f"the export was made at schema revision "
                           f"{manifest.get('schema_revision')}, this database is at "
                           f"{self._schema_revision}: import it into a database at that "
                           "revision, then upgrade", code="export_schema_mismatch")
        listed = manifest.get("files")
        if not isinstance(listed, dict) or any(
                not isinstance(listed.get(t), dict) for t in EXPORTED_TABLES):
            raise InvalidInput("the export's manifest lists no file for every table",
                               code="export_corrupt")
        if not isinstance(manifest.get("export_id"), str):
            raise InvalidInput("the export's manifest names no export", code="export_corrupt")
        return manifest

    def _accounts(self, uow: UnitOfWork, files: ExportFiles) -> tuple[dict, int]:
        """Each member's account: the one with the same id, else the one with the same email
        (it was made again since), else a new one without a password."""
        people, created, erased = {}, 0, 0
        for row in _rows(files, "users"):
            person = _revive(User, row)
            person = attrs.evolve(person, email=normalise_email(person.email),
                                  full_name=_text(person.full_name, "full_name"))
            found = uow.users.get(person.id) or uow.users.get_by_email(person.email)
            if found is not None and found.erased or person.erased:
                erased += 1
            elif found is None:
                uow.users.add(attrs.evolve(person, password_hash=None))
                found, created = person, created + 1
            if found is not None:
                people[person.id] = found.id
        if erased:
            raise InvalidInput(f"the export holds {erased} person(s) erased since it was made: "
                               "importing it would bring their data back", code="export_holds_erased")
        return people, created

    def _moved(self, mark: AuditCheckpoint, org_id: uuid.UUID) -> AuditCheckpoint:
        """A copy's checkpoint: the same cut in the chain, signed for the copy's id. Only one
        that verifies here moves: a forged one is not given this server's signature."""
        if not self._signer.verify(mark.message(), mark.signature):
            raise InvalidInput("a checkpoint of the export is not signed by this server",
                               code="export_corrupt")
        moved = attrs.evolve(mark, org_id=org_id)
        return attrs.evolve(moved, signature=self._signer.sign(moved.message()))

    @staticmethod
    def _each(files: ExportFiles, table: str, add: Callable[[dict], None]) -> int:
        count = 0
        for row in _rows(files, table):
            add(row)
            count += 1
        return count


def _check_file(files: ExportFiles, table: str, listed: dict) -> None:
    digest, lines = hashlib.sha256(), 0
    try:
        for chunk in files.read(f"{table}.jsonl"):
            digest.update(chunk)
            lines += chunk.count(b"\n")
    except ObjectNotFound:
        raise InvalidInput(f"the export has no {table}.jsonl", code="export_corrupt") from None
    if digest.hexdigest() != listed.get("sha256") or lines != listed.get("rows"):
        raise InvalidInput(f"{table}.jsonl does not match the manifest (changed or cut short)",
                           code="export_corrupt")


def _rows(files: ExportFiles, table: str) -> Iterator[dict]:
    """The file's rows, one JSON object a line, streamed."""
    pending = b""
    for chunk in files.read(f"{table}.jsonl"):
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            yield _row(line, table)
    if pending.strip():
        yield _row(pending, table)


def _row(line: bytes, table: str) -> dict:
    try:
        row = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        row = None
    if not isinstance(row, dict):
        raise InvalidInput(f"a line of {table}.jsonl is not a JSON object", code="export_corrupt")
    return row


def _one_row(files: ExportFiles, table: str) -> dict:
    rows = list(_rows(files, table))
    if len(rows) != 1:
        raise InvalidInput(f"{table}.jsonl must hold one row", code="export_corrupt")
    return rows[0]


def _checked_org(org: Organization) -> Organization:
    """The exported org held to the rules the API holds a new one to."""
    return attrs.evolve(org, name=clean_name(org.name), slug=normalise_slug(org.slug),
                        settings=validate_settings(org.settings), plan=parse_plan(org.plan))


def _checked_overrides(raw: Any) -> dict[str, int | None]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InvalidInput("the org's quota overrides are not an object", code="export_corrupt")
    return {parse_limit(name).value: checked_limit_value(value) for name, value in raw.items()}


def _text(value: str, field: str) -> str:
    if unsafe_text(value):
        raise InvalidInput(f"a {field} of the export {UNSAFE_TEXT_PROBLEM}", code="export_corrupt")
    return value


def _member(row: dict, org_id: uuid.UUID, people: dict[uuid.UUID, uuid.UUID]) -> Member:
    member = _revive(Member, row)
    if member.user_id not in people:
        raise InvalidInput("a member of the export has no profile in users.jsonl",
                           code="export_corrupt")
    return attrs.evolve(member, org_id=org_id, user_id=people[member.user_id])


def _dormant_invitation(row: dict, org_id: uuid.UUID, now: datetime) -> Invitation:
    invitation = _revive(Invitation, row | {"token_hash": _unguessable()})
    return attrs.evolve(invitation, org_id=org_id,
                        expires_at=min(invitation.expires_at, now))


def _revoked_key(row: dict, org_id: uuid.UUID, now: datetime, *, new_prefix: bool) -> ApiKey:
    key = _revive(ApiKey, row | {"secret_hash": _unguessable()})
    return attrs.evolve(key, org_id=org_id, revoked_at=key.revoked_at or now,
                        prefix=secrets.token_hex(6) if new_prefix else key.prefix)


def _unguessable() -> str:
    return key_digest(secrets.token_urlsafe(32))


def _rechained(entries: Iterator[AuditEntry], org_id: uuid.UUID, *,
               start: str | None) -> Iterator[AuditEntry]:
    """The chain under the copy's id, hashed anew from its start (the oldest checkpoint's hash
    when retention cut its beginning)."""
    previous = start or GENESIS_HASH
    for entry in entries:
        moved = attrs.evolve(entry, org_id=org_id, prev_hash=previous)
        moved = attrs.evolve(moved, hash=moved.recomputed_hash())
        previous = moved.hash
        yield moved


_PLAIN = (str, int, dict)


def _revive(cls: type, row: dict) -> Any:
    """A domain object from its exported row (ids, times and enums back from their text)."""
    attrs.resolve_types(cls)
    try:
        return cls(**{f.name: _value(f.type, row[f.name])
                      for f in attrs.fields(cls) if f.name in row})
    except (TypeError, ValueError, AttributeError) as error:
        raise InvalidInput(f"a {cls.__name__} row of the export is malformed ({error})",
                           code="export_corrupt") from None


def _value(kind: Any, value: Any) -> Any:
    """The value as `kind` wants it; TypeError or ValueError when it cannot be."""
    if value is None:
        return None
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        kind = next(k for k in typing.get_args(kind) if k is not type(None))
    plain = typing.get_origin(kind) or kind
    if plain in _PLAIN:
        if not isinstance(value, plain) or isinstance(value, bool) and plain is int:
            raise TypeError(f"{value!r} is not a {plain.__name__}")
        if plain is str and "\x00" in value:
            raise ValueError("a NUL character")
        return value
    if typing.get_origin(kind) is frozenset:
        (item,) = typing.get_args(kind)
        return frozenset(_value(item, v) for v in value)
    if kind is uuid.UUID:
        return uuid.UUID(value)
    if kind is datetime:
        return datetime.fromisoformat(value)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return kind(value)
    return value
