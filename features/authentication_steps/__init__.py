"""Step definitions of authentication.feature, one module per part of the feature.

features/test_authentication.py imports them all, so that pytest-bdd finds them there.
"""
