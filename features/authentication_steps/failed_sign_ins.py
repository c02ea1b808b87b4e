"""Failed sign-ins: a wrong password or an unknown email, alike, and throttled when repeated."""

from __future__ import annotations

from pytest_bdd import parsers, then, when

from features.authentication_steps.client import assert_problem, assert_unauthenticated, comparable, sign_in
from features.authentication_steps.world import WHO, WRONG_PASSWORD, audit_entries

# --- When ----------------------------------------------------------------------------------


@when(parsers.re(WHO + r" signs in with a wrong password"))
def signs_in_wrongly(world, who):
    world.attempts.append(sign_in(world, who, password=WRONG_PASSWORD))


@when(parsers.re(WHO + r" signs in with a wrong password (?P<times>\d+) times"))
def signs_in_wrongly_again_and_again(world, who, times):
    world.attempts = [sign_in(world, who, password=WRONG_PASSWORD) for _ in range(int(times))]


@when(parsers.re(WHO + r" then signs in with the right password"))
def then_signs_in_rightly(world, who):
    sign_in(world, who)


@when(parsers.parse('someone signs in as "{email}", an email nobody uses'))
def unknown_email_signs_in(world, email):
    world.attempts.append(world.call("POST", "/api/v1/auth/login",
                                     json={"email": email, "password": WRONG_PASSWORD}))


# --- Then ----------------------------------------------------------------------------------


@then(parsers.parse('both sign-ins are refused with 401 "{detail}"'))
def both_refused(world, detail):
    assert len(world.attempts) == 2
    for response in world.attempts:
        assert_unauthenticated(response, detail)


@then("the two answers are identical")
def answers_identical(world):
    wrong_password, unknown_email = world.attempts
    assert comparable(wrong_password) == comparable(unknown_email)
    assert wrong_password.get_data() == unknown_email.get_data()


@then(parsers.re(r"the audit log of (?P<label>\w+) records (?P<count>\d+) failed sign-ins for " + WHO))
def audit_records_failures(world, label, count, who):
    failures = [e for e in audit_entries(world, label) if e.action == "auth.login_failed"]
    assert len(failures) == int(count)
    assert {e.resource_id for e in failures} == {world.person(who).email}


@then(parsers.parse('every one of those sign-ins is refused with 401 "{detail}"'))
def all_refused(world, detail):
    for response in world.attempts:
        assert_unauthenticated(response, detail)


@then("the sign-in is refused with 429 and a Retry-After of at most 15 minutes")
def throttled(world):
    body = assert_problem(world.last, 429)
    assert 1 <= int(world.last.headers["Retry-After"]) <= 15 * 60
    assert "access_token" not in body


@then(parsers.re(WHO + r", signing in at the same time, gets in"))
def other_gets_in(world, who):
    response = sign_in(world, who)
    assert response.status_code == 200, response.get_json()
