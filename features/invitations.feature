Feature: Invitations an organization has sent
  Owners and admins see who has been asked to join and has not answered yet, take an invitation
  back, or send it again with a new link. The link that was replaced or taken back stops
  working at once; nobody else's invitations can be reached.

  Background:
    Given acme, whose owner Ada and admin Bob are signed in, where Cleo is a member

  Scenario: The open invitations, page by page
    Given Ada has invited "one@x.test", "two@x.test" and "three@x.test"
    When Ada lists acme's invitations 2 at a time
    Then she gets "one@x.test" and "two@x.test", and a link to the next page
    And the next page holds "three@x.test" and no link

  Scenario: An invitation taken back stops working
    Given Ada has invited "gone@x.test"
    When Ada takes the invitation of "gone@x.test" back
    Then "gone@x.test" cannot accept it
    And acme's invitations no longer list "gone@x.test"
    And acme's audit log says that Ada took back the invitation of "gone@x.test"

  Scenario: Sending again gives a new link, once a minute at most
    Given Ada has invited "late@x.test" a minute ago
    When Ada sends the invitation of "late@x.test" again
    Then the old link no longer works, and the new one does
    And sending it again right away is refused as too soon

  Scenario: Who may see and take back invitations
    Given Ada has invited "boss@x.test" as an owner
    When Bob tries to take the invitation of "boss@x.test" back
    Then it is refused as forbidden
    When Cleo asks for acme's invitations
    Then it is refused as forbidden
    When the owner of another organization tries to take the invitation of "boss@x.test" back
    Then it is not found

  Scenario: Taking back and accepting at the same moment: exactly one happens
    Given Ada has invited five people
    When for each of them Ada takes the invitation back while they accept it, at once
    Then each time exactly one of the two is done

  Scenario: Accepting an invitation signs the newcomer in to the organization joined
    Given Ada has invited Nia, who has no account yet
    When Nia accepts the invitation, choosing her password
    Then Nia is signed in to acme, with no second factor asked
    And acme's members include Nia

  Scenario: A person who has an account gives their own password to accept
    Given Dan has an account of his own, in another organization
    And Ada has invited Dan
    When Dan accepts the invitation without giving a password
    Then it is refused: Dan must give his password
    When Dan accepts the invitation with a wrong password
    Then it is refused as not signed in
    When Dan accepts the same invitation with his own password
    Then Dan is signed in to acme, with no second factor asked

  Scenario: Someone signed in as another person cannot accept the invitation
    Given Dan has an account of his own, in another organization
    And Ada has invited Dan
    When Ada, signed in as herself, tries to accept the invitation sent to Dan
    Then it is refused as forbidden: the invitation is for another address
    And acme's members do not include Dan

  Scenario: An invitee who is signed in accepts with their own session
    Given Dan has an account of his own, in another organization
    And Ada has invited Dan
    And Dan is signed in to his own organization
    When Dan accepts the invitation while signed in, giving no password
    Then Dan is signed in to acme, with no second factor asked
