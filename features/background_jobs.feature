Feature: Background jobs
  Work a request starts and does not wait for (an export, a mail) is a job: a row in a queue in
  PostgreSQL that `groundwork worker` runs, and that `make run` starts beside the server. A job
  outlasts the server that queued it, and one that fails is tried again.

  Background:
    Given Ada owns acme and is signed in, on a server whose jobs wait for a worker

  Scenario: A queued export survives a restart
    When Ada asks for an export of acme
    And the server stops before a worker takes the job
    Then the export is still queued, and its job waits in the queue
    When the server starts again, with its worker
    Then the export is done
    And no job waits in the queue

  Scenario: A mail the mail server refuses at first goes out on a later try
    Given the mail server refuses the next message
    When someone asks for a link to set Ada's password
    And the worker runs the queue
    Then the link goes out on the second try, and it works
