Feature: Hardening against an outsider
  What an attacker tries against a live server is refused in the same way every time, with a
  clear problem document and no change to anyone's data: a stolen API key cannot hand out
  power, a single-use token works once however many requests race with it, a failed sign-in
  cannot be aimed at another organization's audit log, and hostile bytes get a 4xx, never a
  server error.

  Background:
    Given the organization acme with an owner and an admin, each signed in

  Scenario: An API key cannot make anyone an admin or an owner
    Given the owner has made an API key that may write members
    When the API key tries to add "takeover@evil.test" to acme as an admin
    Then it is refused as forbidden
    And "takeover@evil.test" is not a member of acme

  @seed-004-S2-AC3
  Scenario: An API key dies with its creator's role and with their membership
    Given the admin has made an API key that may write the organization
    When the owner makes the admin a member
    Then the API key's rename of acme is refused as unauthenticated
    When the owner makes the member an admin again
    Then the API key's rename of acme is refused as unauthenticated
    When the owner removes the admin from acme
    Then the API key's next request is refused as unauthenticated
    When an operator adds the admin back to acme
    Then the API key's next request is refused as unauthenticated

  Scenario Outline: Invitations die with their sender's role and with their membership
    Given the admin has invited "friend@evil.test" to acme as an admin
    When <what happens to the admin>
    Then "friend@evil.test" cannot accept the invitation
    And "friend@evil.test" is not a member of acme

    Examples:
      | what happens to the admin            |
      | the owner makes the admin a member   |
      | the owner removes the admin from acme |

  Scenario: Invitations an API key sent die with its creator's membership
    Given the admin has made an API key that may write members
    And the API key has invited "friend@evil.test" to acme as a member
    When the owner removes the admin from acme
    Then "friend@evil.test" cannot accept the invitation

  Scenario: An invitation sent while its sender is being demoted does not outlive the demotion
    Given acme has five more admins, each signed in
    When each of them invites six admins while the owner makes them a member, at once
    Then none of those invitations can be accepted

  Scenario: A sign-in racing the person's removal leaves no session behind
    Given acme has five more admins, each signed in
    When each of them signs in three times while the owner removes them, at once
    And an operator adds each of them back to acme
    Then none of the tokens those sign-ins got works

  Scenario: A password link sent by ten requests at once sets one password
    Given the owner has been sent a password link
    When ten requests use the link at once, each with another password
    Then exactly one of them succeeds and the others are refused as unauthenticated
    And the owner signs in with the winning password only

  @seed-004-S2-AC6
  Scenario: A failed sign-in that names acme cannot write into acme's audit log
    When a stranger fails to sign in naming acme, with a forged user agent
    Then acme's audit log has no new entry but the owner's own reading of it
    And the platform's failure log holds the attempt without control characters

  @seed-004-S2-AC6
  Scenario: A stranger who uses up the owner's sign-in attempts does not lock the owner out
    When a stranger fails to sign in as the owner 12 times from one address
    Then the stranger's next attempt is refused with 429
    And the platform's failure log counts every refused attempt from the stranger's address
    And the owner still signs in from another address

  Scenario: Reading the audit log is itself recorded
    When the admin searches acme's audit log
    And the owner searches acme's audit log
    Then the owner sees that the admin read the audit log

  Scenario: No one reads on in the audit log without its first, recorded page
    When the admin asks for acme's audit log from a page cursor made by hand
    Then the answer is a 400 problem document
    When the admin asks for acme's logins with the cursor of a search for everything
    Then the answer is a 400 problem document
    When the owner searches acme's audit log
    Then the owner sees no reading of the audit log by the admin

  @seed-001-CODE-AC6 @seed-004-S3-AC4
  Scenario Outline: Hostile input gets a clear 4xx problem, never a server error
    When the owner sends <input>
    Then the answer is a <status> problem document
    And acme is unchanged

    Examples:
      | input                                      | status |
      | a name with a NUL byte                     | 422    |
      | a name with a terminal escape              | 422    |
      | a name with a zero-width space             | 422    |
      | settings nested 1,200 levels deep          | 400    |
      | settings nested 9 levels deep              | 422    |
      | a number of 5,000 digits                   | 400    |
      | a body that is not JSON                    | 415    |
      | no body at all                             | 400    |

  Scenario: A chain cut short after a signed digest is reported as truncated
    Given acme's audit chain head has been signed into a digest
    When someone with access to the table deletes acme's newest audit entries
    Then verifying acme's chain by itself finds nothing wrong
    But verifying it against the digest reports it truncated

  Scenario: An organization deleted row and all after a signed digest is reported as missing
    Given acme's audit chain head has been signed into a digest
    When someone with access to the tables deletes acme and everything in it
    Then verifying every chain against the digest reports acme's missing

  Scenario: Two people signing up for one slug at the same moment: one gets it
    When two people sign up for the same new slug at the same moment
    Then one of them gets the organization
    And the other is told that the slug is taken

  Scenario: An admin cannot remove someone the owner is promoting at that moment
    Given acme has five more admins
    When for each of them the owner makes them an owner while the admin removes them, at once
    Then each time exactly one of the two is done
    And a removal that lost is refused as forbidden, a promotion that lost finds no such member

  @seed-004-S2-AC6
  Scenario: The sign-in cap is one count for every server process
    Given two server processes on acme's database, each counting attempts in the database
    When a stranger sends 16 wrong passwords for the owner, spread over both, all at once
    Then 10 of them are checked and refused as unauthenticated
    And the other 6 are refused as too many attempts
