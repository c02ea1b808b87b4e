import pytest

from domain.errors import InvalidInput
from domain.slug import normalise_slug


@pytest.mark.parametrize(("raw", "expected"), [
    ("acme", "acme"), ("  ACME  ", "acme"), ("acme-corp", "acme-corp"), ("a1b", "a1b"),
    ("x" * 63, "x" * 63),
])
def test_valid_slugs_are_trimmed_and_lowercased(raw, expected):
    assert normalise_slug(raw) == expected


@pytest.mark.parametrize("raw", [
    "", "ab", "x" * 64, "-acme", "acme-", "ac--me", "acme corp", "acmé", "acme_corp", "acme.io",
    "api", "ADMIN", "www", "docs", "health",
])
def test_invalid_or_reserved_slugs_are_refused(raw):
    with pytest.raises(InvalidInput) as caught:
        normalise_slug(raw)
    assert caught.value.code == "invalid_slug"
    assert "slug" in caught.value.errors
