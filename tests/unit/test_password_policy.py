import pytest

from domain.errors import InvalidInput
from domain.password import check_password, password_problems


@pytest.mark.parametrize("password", ["correct horse staple", "Zebra-lamp-42-orbit", "abcd" * 3])
def test_long_uncommon_passwords_pass_without_composition_rules(password):
    assert password_problems(password, email="ada@acme.test") == []


@pytest.mark.parametrize(("password", "reason"), [
    ("short", "at least 12"),
    ("Password1234", "too common"),
    ("QWERTYUIOP12", "too common"),
    ("ada.lovelace@acme.test", "email"),
    ("x" * 257, "at most"),
    ("x" * 12, "4 different characters"),
    (" " * 12, "4 different characters"),
    ("\u00a0" * 12, "4 different characters"),
    ("\u200b" * 12, "4 different characters"),
    ("ab ab ab ab ab ab", "4 different characters"),
])
def test_weak_passwords_are_refused_with_a_reason(password, reason):
    with pytest.raises(InvalidInput) as caught:
        check_password(password, email="ada.lovelace@acme.test")
    assert caught.value.code == "weak_password"
    assert any(reason in problem for problem in caught.value.errors["password"])


def test_a_password_that_is_the_mailbox_name_is_refused():
    assert password_problems("adalovelace1", email="adalovelace1@acme.test")
