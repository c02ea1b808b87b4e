Feature: Changing my account, and what an organization asks of it
  A person moves their account to another address: they give their password, a link goes to
  the new address, and the account moves only when that link is used; the old address is told.
  An organization may ask that people confirm their address before they invite anyone or make
  API keys. A person whose last organization is gone can still sign in, to start a new one.
  And the lists of my API keys, sessions and organizations come a page at a time.

  Background:
    Given Ada owns acme, has not confirmed her address yet, and is signed in

  Scenario: I move my account to a new address once the new address confirms it
    When Ada asks to move her account to a new address, giving her password
    Then the answer is accepted, and her profile still shows her old address
    And a link has been mailed to the new address
    When that link is used
    Then Ada's profile shows her new address, confirmed
    And her old address got a notice that the address was changed
    And Ada signs in with her new address, not with her old one
    And using the link again is refused as an invalid link

  Scenario: A wrong password moves nothing and mails nothing
    When Ada asks to move her account to a new address, giving a wrong password
    Then it is refused: the password is not right
    And nothing has been mailed to the new address
    And Ada's profile still shows her old address

  Scenario: An address that got an account in the meantime is not taken over
    Given Ada has asked to move her account to a new address
    And meanwhile someone else gets an account with that address
    When that link is used
    Then the answer is a 409 problem saying the address is taken
    And Ada's profile still shows her old address

  Scenario: A link to confirm my address does not change my address
    Given Ada has asked for a link to confirm her address
    When that link is used to move her account
    Then it is refused as an invalid link
    And the link still confirms her address

  Scenario: An organization that requires a confirmed address holds back sensitive actions
    Given Ada requires a confirmed address for sensitive actions in acme
    When Ada invites someone to acme and makes an API key
    Then each is refused as forbidden, because her address is not confirmed
    And Ada can still read acme's member list
    When Ada confirms her address with a link she asks for
    And Ada invites someone to acme and makes an API key
    Then both are done

  Scenario: An API key made earlier is held back like the person who made it
    Given Ada has made an API key in acme that may manage members
    And Ada requires a confirmed address for sensitive actions in acme
    When the API key invites someone to acme
    Then it is refused as forbidden, because her address is not confirmed

  Scenario: A person whose last organization is gone starts a new one at sign-in
    Given Ada has deleted acme, her only organization
    When Ada signs in with her password
    Then she is asked to start an organization first, and gets no tokens
    And what she got does not work as a sign-in
    When Ada starts the organization "Fresh Start" with slug "fresh" from that sign-in
    Then Ada is signed in to fresh, as its owner
    And from then on her password signs her in to fresh

  Scenario: A slug that is taken is refused, and another one works
    Given Ada has deleted acme, her only organization
    And the slug "taken" belongs to someone else's organization
    When Ada signs in with her password
    And Ada starts the organization "Copy" with slug "taken" from that sign-in
    Then the answer is a 409 problem
    When Ada starts the organization "Fresh Start" with slug "fresh" from that sign-in
    Then Ada is signed in to fresh, as its owner

  Scenario: Signing in to a deleted organization is refused
    Given Ada has deleted acme, her only organization
    When Ada signs in to acme with her password
    Then the answer is a 401 problem

  Scenario: acme's API keys come a page at a time, oldest first
    Given Ada has made the API keys "k1", "k2" and "k3" in acme
    When Ada lists acme's API keys 2 at a time
    Then she gets k1, k2, k3 over 2 pages, and the last page says no more follow

  Scenario: My sessions come a page at a time, newest first
    Given Ada is also signed in on 2 other devices
    When Ada lists her sessions 2 at a time
    Then she gets 3 different sessions over 2 pages, newest first, one marked as current

  Scenario: My organizations come a page at a time, by slug
    Given Ada has started 2 more organizations
    When Ada lists her organizations 1 at a time
    Then she gets her 3 organizations over 3 pages, in order of slug

  Scenario Outline: A made-up place in a list is refused
    When Ada asks for <list> from a made-up place in it
    Then the answer is a 400 problem saying the place in the list is not valid

    Examples:
      | list               |
      | acme's API keys    |
      | her sessions       |
      | her organizations  |
