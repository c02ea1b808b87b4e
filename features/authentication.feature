Feature: Signing in, and reaching only your own organization
  As a member of an organization
  I want to sign in with my email and password and get tokens that open my organization only
  So that my organization's data stays private from everyone else on the platform

  Signing in gives an access token, good for 15 minutes, and a refresh token, good for 7 days
  and for one use only. Every request carries the access token as "Authorization: Bearer ...".
  The organization comes from the token, never from the request: asking for another
  organization answers 404, exactly as if it did not exist.

  Scenarios tagged @postgres run against PostgreSQL with row-level security; the others run
  on the in-memory adapters. Tenants are named here by label ("acme"); their real slugs are
  made unique for each run.

  # --- Signing in ------------------------------------------------------------------------

  @seed-001-CODE-AC3 @seed-001-TEST-AC2 @seed-001-FUNC-AC2 @seed-004-S2-AC1 @seed-004-AUTH-AC1 @seed-004-MT-AC4 @seed-004-DP-AC1 @seed-004-AUD-AC2 @seed-004-CHK-AC3
  Scenario: An owner signs in, then reads their organization and its members
    Given the tenant acme with an owner
    And Ann is a member of acme
    When the owner of acme signs in
    Then the sign-in succeeds with a Bearer access token valid for 15 minutes and a refresh token
    And the answer names the organization acme
    When the owner of acme reads the organization acme
    Then the answer is the organization acme
    When the owner of acme lists the members of acme
    Then the members are:
      | person            | role   | last sign-in |
      | the owner of acme | owner  | just now     |
      | Ann               | member | never        |
    And no answer so far contained a password or a password hash
    And the audit log of acme records "auth.login" for the owner of acme

  @seed-004-S2-AC6 @seed-004-MT-AC4 @seed-004-AUD-AC2
  Scenario: A wrong password and an unknown email get exactly the same answer
    Given the tenant acme with an owner
    When the owner of acme signs in with a wrong password
    And someone signs in as "ghost@nowhere.test", an email nobody uses
    Then both sign-ins are refused with 401 "invalid credentials"
    And the two answers are identical
    And the audit log of acme records "auth.login_failed" for the owner of acme

  @seed-000-SC-005 @seed-002-DoD-AC4 @seed-002-DoD-AC10 @seed-004-S2-AC2 @seed-004-S6-AC5 @seed-004-CHK-AC4
  Scenario: A person in two organizations picks one when signing in
    Given the tenants acme and globex each with an owner
    And Ann is a member of acme
    And Ann is also a viewer of globex
    When Ann signs in without naming an organization
    Then the sign-in is refused as invalid with the code "org_required", offering acme and globex
    When Ann signs in to globex
    Then the answer names the organization globex
    And Ann can read the organization globex
    And Ann's token is for globex as a viewer
    But Ann cannot see the organization acme: it answers 404

  # --- Tokens ----------------------------------------------------------------------------

  @seed-001-TEST-AC4 @seed-001-TEST-AC5 @seed-004-S2-AC1
  Scenario Outline: A missing, broken, forged or expired access token is refused, always alike
    Given the tenant acme with an owner
    And the owner of acme has signed in
    When the owner of acme reads the organization acme with <credential>
    Then the request is refused as unauthenticated, saying only "invalid or expired credentials"
    And the answer is the same as for a request with no token at all

    Examples: Missing or not a token
      | credential                            |
      | no Authorization header               |
      | an empty Bearer token                 |
      | a Basic password instead of a token   |
      | a token that is not a JWT             |
      | their refresh token instead           |

    Examples: Forged or tampered
      | credential                            |
      | the token with its signature altered  |
      | the token with another org slipped in |
      | the token signed with another key     |
      | the token signed with HS512 instead   |
      | the token with the algorithm "none"   |
      | the token for another audience        |
      | the token from another issuer         |
      | the token without a session id        |

    Examples: Outside its lifetime
      | credential                            |
      | the token expired a minute ago        |
      | the token not valid for another hour  |

  @seed-001-CODE-AC3 @seed-001-TEST-AC2 @seed-001-TEST-AC5 @seed-004-AUTH-AC1
  Scenario: An access token runs out after 15 minutes; the refresh token gets a new one
    Given the tenant acme with an owner
    And the owner of acme has signed in
    When 16 minutes pass
    Then the owner of acme can no longer read the organization acme
    When the owner of acme refreshes the session
    Then the owner of acme can read the organization acme

  @seed-001-CODE-AC3 @seed-001-TEST-AC2 @seed-004-AUTH-AC2 @seed-004-MT-AC4 @seed-004-AUD-AC2 @seed-004-CHK-AC3
  Scenario: Refreshing swaps both tokens; the new access token works
    Given the tenant acme with an owner
    And the owner of acme has signed in
    When the owner of acme refreshes the session
    Then the owner of acme gets a new access token and a new refresh token
    And the owner of acme can read the organization acme
    And the audit log of acme records "auth.refresh" for the owner of acme

  @seed-004-AUTH-AC2 @seed-004-MT-AC4 @seed-004-AUD-AC2
  Scenario: A refresh token used twice ends the whole session
    Given the tenant acme with an owner
    And the owner of acme has signed in
    And the owner of acme has refreshed the session
    When the first refresh token of the owner of acme is presented again
    Then it is refused as unauthenticated
    And the newest refresh token of the owner of acme is refused too
    And the owner of acme can no longer read the organization acme
    And the audit log of acme records "auth.refresh_reuse_detected" for the owner of acme

  @seed-001-TEST-AC2 @seed-004-S2-AC4 @seed-004-MT-AC4 @seed-004-AUD-AC2 @seed-004-CHK-AC3
  Scenario: Signing out ends the session at once, and only that session
    Given the tenant acme with an owner
    And the owner of acme has signed in on a laptop
    And the owner of acme has signed in on a phone
    When the owner of acme signs out on the laptop
    Then the sign-out answers 204 with no body
    And the laptop's access token is refused
    And the laptop's refresh token is refused
    But the phone still reads the organization acme
    And the audit log of acme records "auth.logout" for the owner of acme

  # --- Failed sign-ins ---------------------------------------------------------------------

  @seed-004-S2-AC6 @seed-004-MT-AC4 @seed-004-AUD-AC2
  Scenario: Repeated wrong passwords are throttled, and the wait is announced
    Given the tenant acme with an owner
    And Ann is a member of acme
    When the owner of acme signs in with a wrong password 10 times
    Then every one of those sign-ins is refused with 401 "invalid credentials"
    And the audit log of acme records 10 failed sign-ins for the owner of acme
    When the owner of acme then signs in with the right password
    Then the sign-in is refused with 429 and a Retry-After of at most 15 minutes
    But Ann, signing in at the same time, gets in

  # --- Roles and membership ----------------------------------------------------------------

  Scenario: Removing a member ends their access at once
    Given the tenant acme with an owner
    And Ann is a member of acme
    And Ann has signed in
    When the owner of acme removes Ann from acme
    Then Ann can no longer read the organization acme
    And Ann can no longer refresh the session
    And Ann can no longer sign in to acme

  @seed-004-S2-AC3
  Scenario Outline: A role decides what a signed-in member may do
    Given the tenant acme with an owner
    And Ann is a <role> of acme
    And Ann has signed in
    Then Ann may read the organization acme
    And Ann <add> add a member to acme
    And Ann <audit> read the audit log of acme
    And Ann <rename> rename acme

    Examples:
      | role   | add     | audit   | rename  |
      | admin  | may     | may     | may     |
      | member | may not | may not | may not |
      | viewer | may not | may not | may not |

  @seed-004-S2-AC5
  Scenario Outline: A new account's password must be long, uncommon and not the email
    When someone signs up the organization "Hooli" as "gavin@hooli.test" with the password "<password>"
    Then the sign-up is refused as invalid, saying the password "<problem>"

    Examples:
      | password         | problem                                        |
      | short            | must be at least 12 characters long            |
      | 123456789012     | is too common; choose a passphrase of your own |
      | gavin@hooli.test | must not be your email address                 |

  # --- The API as a developer sees it ------------------------------------------------------

  @seed-001-CODE-AC6 @seed-001-SEC-AC5 @seed-004-S3-AC4 @seed-004-DP-AC1
  Scenario Outline: Every refusal answers in one standard error format
    Given the tenant acme with an owner
    And Ann is a viewer of acme
    And Ann has signed in
    When the client sends <request>
    Then the answer is a problem document with the status <status> and the code "<code>"
    And it shows no stack trace and no password

    Examples:
      | request                                      | status | code              |
      | a sign-in whose body is not JSON             | 400    | malformed_body    |
      | a sign-in without a password                 | 422    | validation_failed |
      | a sign-in with a wrong password              | 401    | unauthenticated   |
      | Ann's request to rename acme                 | 403    | forbidden         |
      | Ann's request for an organization nobody has | 404    | org_not_found     |

  @seed-001-FUNC-AC5 @seed-001-DOC-AC3 @seed-004-S3-AC2 @seed-004-CHK-AC5
  Scenario: The API documentation shows how to sign in and how to send the token
    When a developer opens the API documentation
    Then it is served at "/docs"
    And sign-in, refresh and sign-out are documented, sign-in with its 401 answer
    And the organization and member routes ask for a Bearer token

  # --- Tenant isolation --------------------------------------------------------------------

  @postgres @seed-001-FUNC-AC2 @seed-004-S2-AC1 @seed-004-S2-AC2 @seed-004-AUTH-AC1
  Scenario: Three tenants' owners each sign in and get a token for their own organization
    Given three tenants acme, globex and initech each with an owner
    When each owner signs in
    Then each owner gets an HS256 token for their own organization, expiring in 15 minutes
    And each owner can read their own organization and its members

  @postgres @seed-000-SC-005 @seed-001-CODE-AC4 @seed-001-FUNC-AC3 @seed-002-DoD-AC4 @seed-002-DoD-AC10 @seed-004-S2-AC2 @seed-004-S6-AC5 @seed-004-MT-AC1 @seed-004-CHK-AC4
  Scenario Outline: No API call of one tenant reaches another tenant's data
    Given three tenants acme, globex and initech each with an owner
    And each owner has signed in
    When the owner of <tenant> reads the organization, members, owner, API keys and audit log of <other>
    Then every answer is 404, as if <other> did not exist
    When the owner of <tenant> tries to rename <other>, and to add, invite, demote or remove its people
    And the owner of <tenant> tries to create an API key in <other>, and to delete <other>
    Then every answer is 404, as if <other> did not exist
    And <other> is unchanged
    And the owner of <tenant> can still read the organization <tenant>

    Examples:
      | tenant  | other   |
      | acme    | globex  |
      | acme    | initech |
      | globex  | acme    |
      | globex  | initech |
      | initech | acme    |
      | initech | globex  |

  @postgres @seed-000-SC-005 @seed-002-DoD-AC4 @seed-002-DoD-AC10 @seed-004-S2-AC2 @seed-004-S6-AC5 @seed-004-CHK-AC4
  Scenario: A token opens only the organization it was issued for, even to someone in both
    Given the tenants acme and globex each with an owner
    And the owner of acme is also an admin of globex
    When the owner of acme signs in to acme
    Then the owner of acme cannot see the organization globex: it answers 404
    When the owner of acme signs in to globex
    Then the owner of acme can read the organization globex
    But the owner of acme cannot see the organization acme: it answers 404

  @postgres @seed-000-SC-005 @seed-001-TEST-AC6 @seed-002-DoD-AC4 @seed-002-DoD-AC10 @seed-004-S6-AC5 @seed-004-CHK-AC4
  Scenario: Tenants working at the same time never see each other's data
    Given three tenants acme, globex and initech each with an owner and 2 members
    And each owner has signed in
    When the three owners each list their members 20 times, all at once
    Then every answer lists exactly the members of the asker's own organization
