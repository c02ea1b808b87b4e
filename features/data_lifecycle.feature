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
