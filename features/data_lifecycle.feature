Feature: An organization's data over its life
  Owners take a full copy of their organization's data; operators suspend an organization,
  lift the suspension, and bring back one deleted by mistake while its grace period lasts.

  Background:
    Given Ada owns acme, where Vic is a viewer, and both are signed in

  Scenario: An owner exports the whole organization
    When Ada asks for an export of acme
    Then the export is done, with a file per table and a manifest
    And every file matches the checksum and row count its manifest gives
    And no file holds a password, key or link hash

  Scenario: A person takes their own data
    When Vic asks for his own data
    Then he gets his profile, his membership of acme and his sessions
    And the audit entries about him, and no credential

  Scenario: A viewer cannot export
    When Vic asks for an export of acme
    Then he is refused for his role

  Scenario: While suspended, an organization lets nobody in and says why
    When an operator suspends acme for unpaid invoices
    Then Ada's session is refused because acme is suspended
    And signing in to acme is refused because it is suspended
    When the operator resumes acme
    Then Ada's session works again

  Scenario: A deleted organization comes back within its grace period
    Given Ada has deleted acme
    When an operator restores acme
    Then Ada can sign in to acme again

  Scenario: A deleted organization is purged for good, and the slug is free again
    Given Ada has deleted acme
    When an operator purges acme without waiting for its grace period
    Then nothing of acme is left, not even a file
    And the purge certificate counts what was deleted and names the export taken first
    And the name acme can be taken by a new organization

  Scenario: A purged organization is brought back from its last export
    Given Ada has deleted acme
    And an operator has purged acme
    When the operator imports acme from the export the purge certificate names
    Then acme has the same rows as in its export, table by table
    And acme's audit trail verifies
    And Ada can sign in to acme again

  Scenario: An organization still in its grace period is not purged by accident
    Given Ada has deleted acme
    When an operator purges acme
    Then the purge is refused until the grace period ends
    And Ada's data is still there to restore
