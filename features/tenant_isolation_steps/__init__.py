"""Step definitions of tenant_isolation.feature, one module per part of the feature.

features/test_tenant_isolation.py imports them all, so that pytest-bdd finds them there.
"""
