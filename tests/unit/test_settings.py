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
