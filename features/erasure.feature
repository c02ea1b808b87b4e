Feature: Erasing a person, and how long the audit log is kept
  A person deletes their own account, or an operator erases them: their memberships, sessions
  and links end, and their name and address are erased from every organization's audit log,
  whose hash chain still verifies (it hashes salted digests of such fields, not the fields).
  Operators apply each organization's audit retention: the oldest entries go, and leave a
  checkpoint signed by the server from which the chain is verified on.

  Background:
    Given Ada owns acme, where Vic is a member, and both are signed in

  @seed-004-AUD-AC3
  Scenario: A person deletes their own account
    When Vic deletes his account with his password
    Then his session, his refresh token and his password no longer work
    When the operator's daily erasure run has passed
    Then acme's audit log no longer holds his address, and says he was erased
    And every audit chain still verifies

  @seed-004-AUD-AC3
  Scenario: The only owner cannot delete their account
    When Ada deletes her account with her password
    Then she is told that acme has no other owner
    And her session still works

  @seed-004-AUD-AC3
  Scenario: An operator erases a person another organization invited
    Given globex invited Vic
    When an operator erases Vic
    Then neither acme's nor globex's audit log holds his address
    And every audit chain still verifies

  @seed-004-AUD-AC4
  Scenario: Audit entries past an organization's retention are removed
    Given acme keeps its audit entries for 30 days
    And 31 days later Vic became a viewer
    When an operator prunes the audit logs
    Then acme's log starts after a checkpoint where its oldest entries were
    And every audit chain still verifies

  @seed-004-AUD-AC4
  Scenario: An entry removed behind a made-up checkpoint is found
    Given acme keeps its audit entries for 30 days
    And 31 days later Vic became a viewer
    And an operator has pruned the audit logs
    When someone with the owner's password removes an entry and moves the checkpoint over it
    Then verifying acme's audit chain names a checkpoint this server did not sign
