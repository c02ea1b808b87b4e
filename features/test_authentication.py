"""Steps for authentication.feature: everything goes through the HTTP API, as a client would.

Scenarios tagged @postgres run on the session's PostgreSQL (shared by the whole run, so slugs
and emails are unique); the others on a fresh in-memory container with a frozen clock. The
audit log and the "unchanged" checks read through the container, as a platform operator.

The steps live in features/authentication_steps/, one module per part of the feature. pytest-bdd
only sees steps that are fixtures of this module, hence the star imports.
"""

from pytest_bdd import scenarios

from features.authentication_steps.cross_tenant import *  # noqa: F403
from features.authentication_steps.developer_api import *  # noqa: F403
from features.authentication_steps.failed_sign_ins import *  # noqa: F403
from features.authentication_steps.given import *  # noqa: F403
from features.authentication_steps.roles_and_membership import *  # noqa: F403
from features.authentication_steps.signing_in import *  # noqa: F403
from features.authentication_steps.tokens import *  # noqa: F403
from features.authentication_steps.world import *  # noqa: F403

scenarios("authentication.feature")
