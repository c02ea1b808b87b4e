Feature: A person and their organizations
  A signed-in person runs their own account: they see the organizations they belong to, start
  another one of their own, and leave one they no longer work with. None of it needs an
  operator, and none of it reaches into an organization the person is not part of.

  Background:
    Given Ada owns acme, where Bob is an admin, and both are signed in

  Scenario: A signed-in person starts another organization and becomes its owner
    When Ada creates the organization "Acme Labs" with slug "acme-labs"
    Then Ada's organizations are acme as owner and acme-labs as owner
    And Ada can switch her sign-in to acme-labs
    And acme-labs's audit log says that Ada created it

  Scenario: A slug that is taken is refused, and nothing is made
    When Ada creates the organization "Copy" with slug "acme"
    Then the answer is a 409 problem
    And Ada's organizations are acme as owner

  Scenario: Starting organizations is capped per person
    Given a person may start 2 organizations an hour
    When Ada creates 3 organizations
    Then the third is refused as too many, with a time to wait

  Scenario: A member leaves, and everything of theirs in the organization ends
    Given Bob has made an API key in acme
    When Bob leaves acme
    Then Bob's sign-in to acme no longer works
    And Bob's API key no longer works
    And Bob is not a member of acme
    And acme's audit log says that Bob left

  Scenario: The last owner cannot leave
    When Ada leaves acme
    Then the answer is a 409 problem saying an organization must keep an owner
    And Ada is still the owner of acme

  Scenario: An API key cannot act as a person
    Given Ada has made an API key in acme
    When the API key asks for "my organizations", to create an organization and to leave acme
    Then each is refused as forbidden, because a person's session is needed

  Scenario: Changing my password ends my other sessions, not this one
    Given Ada is also signed in on her phone
    When Ada changes her password, giving the current one
    Then the answer says 1 other session ended
    And Ada's phone is signed out, and this sign-in still works
    And Ada signs in with the new password, not with the old one

  Scenario: A wrong current password changes nothing, and guessing it is capped
    When Ada tries to change her password 11 times with a wrong current one
    Then the first 10 are refused as the wrong current password
    And the 11th is refused as too many, with a time to wait
    And Ada's password is unchanged: she signs in with it from another address

  Scenario: I see where I am signed in, and end a session I do not recognise
    Given Ada is also signed in on her phone
    When Ada lists her sessions
    Then she sees 2 sessions in acme, this one marked as current
    When Ada ends the session on her phone
    Then Ada's phone is signed out, and this sign-in still works
    And acme's audit log says that Ada ended a session

  Scenario: I end all my other sessions at once
    Given Ada is also signed in on her phone
    And Ada has started acme-labs and signed in there too
    When Ada ends every other session
    Then the answer says 2 other sessions ended
    And Ada's phone is signed out, and this sign-in still works

  Scenario: Someone else's session cannot be ended, nor even found
    When Ada tries to end Bob's session
    Then the answer is a 404 problem
    And Bob is still signed in

  Scenario: A forgotten password: the same answer for any address, a link by mail for a real one
    When someone asks for a password link for Ada's address and for an address nobody uses
    Then both answers are the same 202, word for word
    And only Ada gets a mail, with a link to set her password on the web app
    When Ada sets a new password with that link
    Then Ada's sign-ins so far are all signed out
    And Ada signs in with the new password, not with the old one

  Scenario: A newer link ends the older one
    When Ada asks for a password link twice
    Then the first link no longer works
    And the second one does

  Scenario: Asking for links is capped per address
    When someone asks for a password link for Ada's address 4 times
    Then the 4th is refused as too many, with a time to wait
    And Ada got 3 mails

  Scenario: Ten requests racing with one link set one password
    Given Ada has asked for a password link
    When ten requests use that link at once, each with its own new password
    Then exactly one of them is taken
    And the others are refused as an invalid link

  Scenario: I change my name, and my organizations see it
    When Ada changes her name to "Ada King, Countess of Lovelace"
    Then her profile says "Ada King, Countess of Lovelace"
    And acme's member list shows her new name
    And acme's audit log says that Ada renamed herself

  Scenario: A name with control characters is refused, and nothing changes
    When Ada changes her name to a name with a NUL byte in it
    Then the answer is a 422 problem
    And her profile still has her old name
