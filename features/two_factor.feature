Feature: Two-factor sign-in
  A person can ask for more than their password when they sign in: a six-digit code from an
  authenticator app on their phone. They get ten recovery codes for the day the phone is lost;
  each works once. An organization can require it of all its members, who then set it up the
  next time they sign in. Codes work once, guessing them is capped, and turning the factor off
  takes both the password and a code.

  Background:
    Given acme, whose owner Ada is signed in, where Bob is a member

  Scenario: A person turns two-factor sign-in on
    When Ada sets up two-factor sign-in and confirms it with her app's first code
    Then she gets 10 recovery codes, all different, shown this once
    And her two-factor sign-in is on, with 10 recovery codes left

  Scenario: With two-factor sign-in on, a password alone is not enough
    Given Ada has turned two-factor sign-in on
    When Ada signs in with her password
    Then she is asked for a code from her app, and gets no tokens
    And what she got does not work as a sign-in

  Scenario: The app's code finishes signing in
    Given Ada has turned two-factor sign-in on
    And Ada has signed in with her password
    When Ada answers with her app's code
    Then Ada is signed in to acme

  Scenario: A code works only once
    Given Ada has turned two-factor sign-in on
    And Ada has signed in with her password and her app's code
    When Ada signs in with her password again and gives the same code
    Then the code is refused, and she is not signed in

  Scenario: A recovery code signs in once
    Given Ada has turned two-factor sign-in on
    When Ada signs in with her password and one of her recovery codes
    Then Ada is signed in to acme, with 9 recovery codes left
    When Ada signs in with her password and that recovery code again
    Then the code is refused, and she is not signed in

  Scenario: Guessing codes is capped
    Given Ada has turned two-factor sign-in on
    And Ada has signed in with her password
    When Ada answers with 10 wrong codes
    Then each code is refused, and she is not signed in
    And even her app's right code is now refused as too many, with a time to wait

  Scenario: Turning it off needs the password and a code
    Given Ada has turned two-factor sign-in on
    When Ada turns two-factor sign-in off giving a wrong password and her app's code
    Then it is refused: the password is not right
    When Ada turns two-factor sign-in off giving her password and a wrong code
    Then it is refused: the code is not right
    When Ada turns two-factor sign-in off giving her password and her app's code
    Then it is turned off
    And her password alone signs her in again

  Scenario: Only an owner with two-factor sign-in on can require it of everyone
    When Ada, who has not set it up herself, requires two-factor sign-in for everyone in acme
    Then she is told to turn it on for herself first

  Scenario: An organization that requires two-factor sign-in makes a member set it up
    Given Bob has signed in to acme
    And Ada requires two-factor sign-in for everyone in acme
    Then Bob's session has ended
    When Bob, who has not set it up, signs in with his password
    Then he is asked to set up two-factor sign-in first, and gets no tokens
    And a code does not help before it is set up
    When Bob sets it up from that sign-in and answers with his app's first code
    Then Bob is signed in to acme
    And he gets 10 recovery codes, shown this once
    And from then on Bob's sign-in asks for a code from his app

  Scenario: An API key cannot see or set up two-factor sign-in
    Given Ada has made an API key in acme
    When the API key asks whether two-factor sign-in is on, and to set it up
    Then each is refused as forbidden, because a person's session is needed
