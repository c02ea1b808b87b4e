from adapters.security.argon2_hasher import FAST_FOR_TESTS, PRODUCTION, Argon2Hasher


def test_production_parameters_meet_owasp_minimum_for_argon2id():
    assert PRODUCTION["memory_cost"] >= 19 * 1024
    assert PRODUCTION["time_cost"] >= 2
    assert Argon2Hasher.production().hash("a long passphrase").startswith("$argon2id$")


def test_verify_accepts_the_password_and_nothing_else():
    hasher = Argon2Hasher(**FAST_FOR_TESTS)
    stored = hasher.hash("correct horse battery")
    assert hasher.verify(stored, "correct horse battery")
    assert not hasher.verify(stored, "correct horse batterY")
    assert not hasher.verify("not-a-hash", "correct horse battery")


def test_hashes_made_with_older_parameters_ask_to_be_rehashed():
    old = Argon2Hasher(**FAST_FOR_TESTS).hash("correct horse battery")
    current = Argon2Hasher.production()
    assert current.needs_rehash(old)
    assert not current.needs_rehash(current.hash("correct horse battery"))
