import pytest

from domain.errors import InvalidInput
from domain.settings import DEFAULT_SETTINGS, validate_settings


def test_defaults_fill_in_missing_keys():
    assert validate_settings({}) == DEFAULT_SETTINGS


def test_known_keys_and_free_form_sections_are_kept():
    settings = {"default_currency": "USD", "timezone": "Europe/Berlin", "locale": "de-DE",
                "price_tolerance_percent": 2.5, "matching": {"threshold": 0.8, "rules": ["a"]}}
    assert validate_settings(settings) == settings


def test_every_bad_path_is_reported_at_once():
    with pytest.raises(InvalidInput) as caught:
        validate_settings({"default_currency": "EURO", "timezone": "Mars/Olympus",
                           "locale": "english", "price_tolerance_percent": 150})
    assert set(caught.value.errors) == {"settings.default_currency", "settings.timezone",
                                        "settings.locale", "settings.price_tolerance_percent"}


@pytest.mark.parametrize("value", [None, [], "x", 3])
def test_settings_must_be_an_object(value):
    with pytest.raises(InvalidInput):
        validate_settings(value)


def test_lowercase_currency_is_not_iso_4217():
    with pytest.raises(InvalidInput):
        validate_settings({"default_currency": "eur"})


def _nested(depth: int):
    value: object = "leaf"
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(("value", "problem"), [
    (_nested(5), "nested at most 4"),
    ({"": 1}, "keys must be strings of 1 to 100"),
    ({"k" * 101: 1}, "keys must be strings of 1 to 100"),
    ({"a\x1bb": 1}, "keys must be strings of 1 to 100"),
    ("say \x00 hello", "control characters"),
    (["zero\u200bwidth"], "control characters"),
    (2**63, "numbers must be within"),
    (-1e30, "numbers must be within"),
    (float("nan"), "plain JSON"),
    ({"a": object()}, "plain JSON"),
])
def test_free_form_values_are_plain_shallow_printable_json(value, problem):
    with pytest.raises(InvalidInput) as caught:
        validate_settings({"section": value})
    assert any(problem in p for p in caught.value.errors["settings.section"])


def test_free_form_values_within_the_rules_are_kept():
    settings = {"section": {"nested": _nested(3), "n": 2**63 - 1, "ok": "émile ñ 中文"}}
    assert validate_settings(settings)["section"] == settings["section"]


@pytest.mark.parametrize("key", ["", "x" * 101, "bell\x07"])
def test_top_level_keys_follow_the_same_rules(key):
    with pytest.raises(InvalidInput) as caught:
        validate_settings({key: 1})
    assert "settings" in caught.value.errors


def test_a_time_zone_is_one_the_tz_database_names():
    assert validate_settings({"timezone": "America/Lima"})["timezone"] == "America/Lima"
    for bad in ("../../etc/passwd", "posixrules", "UTC\x00"):
        with pytest.raises(InvalidInput):
            validate_settings({"timezone": bad})
