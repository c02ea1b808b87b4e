"""The jobs a worker runs, by name. Each takes the JSON arguments it was deferred with (ids and
addresses, never a secret) and runs its use case as a request would: a tenant job binds its org
through the unit of work, under the same row-level security."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from application.ports.jobs import JobArgument
from application.ports.unit_of_work import UnitOfWorkFactory

if TYPE_CHECKING:
    from application.exports import ExportService
    from application.invitations import InvitationService
    from application.passwords import PasswordService
    from application.verification import VerificationService

EXPORT = "export.run"
RESET_LINK = "mail.password_link"
EMAIL_VERIFICATION = "mail.email_verification"
SIGNUP_NOTICE = "mail.signup_notice"
EMAIL_CHANGE = "mail.email_change"
EMAIL_CHANGED_NOTICE = "mail.email_changed_notice"
INVITATION = "mail.invitation"

JobHandler = Callable[..., None]


def defer_alone(uow_factory: UnitOfWorkFactory, task: str, **args: JobArgument) -> None:
    """A job with nothing else to commit: queued in a transaction of its own."""
    with uow_factory() as uow:
        uow.jobs.defer(task, **args)
        uow.commit()


def jobs_by_name(exports: ExportService, passwords: PasswordService,
                 verification: VerificationService,
                 invitations: InvitationService) -> dict[str, JobHandler]:
    return {
        EXPORT: lambda org_id, export_id: exports.run_job(uuid.UUID(org_id), uuid.UUID(export_id)),
        RESET_LINK: passwords.mail_link,
        EMAIL_VERIFICATION: lambda user_id: verification.send_link(uuid.UUID(user_id)),
        SIGNUP_NOTICE: lambda user_id: verification.tell_of_signup(uuid.UUID(user_id)),
        EMAIL_CHANGE: lambda user_id, new_email: verification.send_change_link(
            uuid.UUID(user_id), new_email),
        EMAIL_CHANGED_NOTICE: verification.tell_of_change,
        INVITATION: lambda org_id, invitation_id, inviter: invitations.mail_invitation(
            uuid.UUID(org_id), uuid.UUID(invitation_id), inviter),
    }
