Feature: Confirming an email address
  A person proves that an address is theirs by using the link mailed to it. Sign-up sends the
  link; the person may ask for it again a few times an hour; accepting an invitation proves the
  address the invitation was mailed to. A link works once, and a newer one replaces it.

  Scenario: A new account confirms its address with the link it was mailed
    Given Dee has signed up for the organization dee-co
    Then Dee's profile says her address is not confirmed yet
    And Dee has got a mail with a link to confirm it
    When Dee uses that link
    Then Dee's profile says her address is confirmed
    And dee-co's audit log says that Dee confirmed her address
    And using the link again is refused as an invalid link

  Scenario: Asking again sends a new link, which replaces the old one, a few times an hour
    Given Dee has signed up for the organization dee-co
    When Dee asks for the confirmation mail again
    Then the first link is refused as an invalid link
    And the newest link confirms her address
    And asking again now that it is confirmed is refused as a conflict

  Scenario: Asking for the mail again is capped
    Given Dee has signed up for the organization dee-co
    When Dee asks for the confirmation mail again 4 times
    Then the 4th is refused as too many, with a time to wait

  Scenario: Accepting an invitation confirms the address it was sent to
    Given Dee has signed up for the organization dee-co
    When Dee invites "eve@x.test", who accepts
    Then Eve's address is confirmed
