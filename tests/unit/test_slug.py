import pytest

from domain.errors import Conflict, InvalidInput
from domain.slug import normalise_slug


@pytest.mark.parametrize(("raw", "expected"), [
    ("acme", "acme"), ("  ACME  ", "acme"), ("acme-corp", "acme-corp"), ("a1b", "a1b"),
    ("x" * 63, "x" * 63),
])
def test_valid_slugs_are_trimmed_and_lowercased(raw, expected):
    assert normalise_slug(raw) == expected


@pytest.mark.parametrize("raw", [
    "", "ab", "x" * 64, "-acme", "acme-", "ac--me", "acme corp", "acmé", "acme_corp", "acme.io",
    "acme\x00", "\x1b[2Jacme",
])
def test_slugs_unfit_for_a_url_are_invalid(raw):
    with pytest.raises(InvalidInput) as caught:
        normalise_slug(raw)
    assert caught.value.code == "invalid_slug"
    assert "slug" in caught.value.errors


@pytest.mark.parametrize("raw", ["api", "ADMIN", "www", "docs", " health "])
def test_reserved_words_are_well_formed_but_not_available(raw):
    with pytest.raises(Conflict) as caught:
        normalise_slug(raw)
    assert caught.value.code == "slug_unavailable"
