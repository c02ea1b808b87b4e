"""Steps for tenant_isolation.feature: raw SQL against the session's migrated PostgreSQL.

The steps live in features/tenant_isolation_steps/, one module per part of the feature.
pytest-bdd only sees steps that are fixtures of this module, hence the star imports.
"""

from pytest_bdd import scenarios

from features.tenant_isolation_steps.application_role import *  # noqa: F403
from features.tenant_isolation_steps.audit_trail import *  # noqa: F403
from features.tenant_isolation_steps.database import *  # noqa: F403
from features.tenant_isolation_steps.row_isolation import *  # noqa: F403
from features.tenant_isolation_steps.schema_conventions import *  # noqa: F403

scenarios("tenant_isolation.feature")
