Feature: When the object store or the mail server is down
  Exports are written to the object store and mail goes out through the mail server, both in
  background jobs. While either is down the rest of the service works as usual: what needs it
  waits in the queue and is tried again, and goes through once it is back. The readiness check
  names what is down, for deploys and for whoever is on call.

  Background:
    Given Ada owns acme and is signed in, on a server with an object store and a mail server

  Scenario: An export asked for while the object store is down is made once it is back
    Given the object store is down
    When Ada asks for an export of acme
    Then she is told it is under way
    When the worker tries to make it
    Then the export has failed for now because the object store cannot be reached
    And its job waits in the queue to be tried again
    And the readiness check names the object store as down
    And Ada can still sign in, list the members, create an API key, invite someone and read the audit log
    When the object store is back
    And the worker tries again
    Then the export is done and its files can be downloaded
    And no job waits in the queue

  Scenario: A mail asked for while the mail server is down arrives once it is back
    Given the mail server is down
    When someone asks for a link to set Ada's password
    Then they are told it is on its way
    When the worker tries to send it
    Then its job waits in the queue to be tried again
    And the readiness check names the mail server as down
    When the mail server is back
    And the worker tries again
    Then Ada receives the link once, and it works
    And no job waits in the queue

  Scenario: An invitation sent while the mail server is down reaches the invitee once it is back
    Given the mail server is down
    When Ada invites Bo to acme
    Then the invitation is kept, waiting for Bo's answer
    When the worker tries to send it
    Then its job waits in the queue to be tried again
    When the mail server is back
    And the worker tries again
    Then Bo receives the invitation once, and its link lets him join acme
    And no job waits in the queue
