Feature: The request path
  Every authenticated request is one transaction, from the credential to the answer, in a few
  round trips to the database. Whether a credential is still live is never cached (only what
  cannot change: that a token's signature is ours, which organization a key belongs to), so
  taking access away takes effect with the very next request. With no Redis, the request is
  first counted against its plan's requests per minute: one statement of its own, before.

  Background:
    Given the organization acme with an owner, an admin and a member, each signed in
    And acme has an API key that may read and write the organization

  Scenario: Reading the members list is one transaction of four round trips
    When the owner lists the members of acme
    Then the answer lists the owner, the admin and the member
    And the database saw one transaction of 5 statements in at most 4 round trips

  @seed-004-AUTH-AC4
  Scenario: An API key's read costs what a token's does
    When the API key lists the members of acme
    Then the answer lists the owner, the admin and the member
    And the database saw one transaction of 5 statements in at most 4 round trips

  @seed-001-FUNC-AC4 @seed-004-MT-AC4 @seed-004-AUD-AC1 @seed-004-AUD-AC2
  Scenario: A settings change and its audit entry are one transaction
    When the owner sets acme's timezone to "Europe/Berlin"
    Then the database saw one transaction that updated the organization and appended one audit entry
    And the audit log of acme ends with "org.updated" by the owner

  @seed-004-S2-AC4
  Scenario: Signing out is in force for the next request
    Given the member has just listed the members of acme
    When the member signs out
    Then the member's next request is refused as unauthenticated

  Scenario: A removed member is refused at once
    Given the member has just listed the members of acme
    When the owner removes the member from acme
    Then the member's next request is refused as unauthenticated

  Scenario: A removed member added back does not get the old sign-in back
    Given the member has just listed the members of acme
    When the owner removes the member from acme
    And an operator adds the member back to acme
    Then the member's next request is refused as unauthenticated

  @seed-004-S2-AC3
  Scenario: A demoted admin's sessions end, and the admin's rights with them
    Given the admin has just renamed acme to "Acme Labs"
    When the owner makes the admin a viewer
    Then the admin's next request is refused as unauthenticated
    And once signed in again, the admin's rename of acme is refused as forbidden

  @seed-004-AUTH-AC4
  Scenario: A revoked API key is refused at once
    Given the API key has just listed the members of acme
    When the owner revokes the API key
    Then the API key's next request is refused as unauthenticated

  @seed-000-SC-005 @seed-001-CODE-AC4 @seed-001-FUNC-AC3 @seed-002-DoD-AC4 @seed-002-DoD-AC10 @seed-004-S2-AC2 @seed-004-S6-AC5 @seed-004-MT-AC1 @seed-004-CHK-AC4
  Scenario: A credential never reaches another organization
    Given the organization globex exists
    When the owner lists the members of globex
    Then the answer is "not found", and the database saw no read of members
