@postgres
Feature: Data migrations that reach every organization
  As an operator upgrading Groundwork on a database of many organizations
  I want a migration that rewrites every organization's data to work through them in batches,
  each organization under its own tenant binding, and to resume where it stopped
  So that an upgrade never half-applies, never leaks one tenant's data into another's, and never
  has to start over after a crash or a deploy

  The example is the migration that gave members their "last sign-in": the sign-ins made before
  it are only in each organization's audit log, and its backfill copies them over.

  Background:
    Given a database at the revision before the last sign-in, with 30 organizations whose sign-ins are only in their audit logs

  Scenario: A backfill stopped after its first batch resumes there and reaches every organization
    When the database is upgraded with batches of 10 organizations, and the upgrade stops after the first batch
    Then the last sign-ins of 10 organizations are filled in, and those of the other 20 are not
    And the backfill is reported as pending
    When the database is upgraded again
    Then every member's last sign-in is the latest one their organization's audit log records
    And the backfill is recorded as finished after 30 organizations, each visited once

  Scenario: A backfill statement that forgets to name its organization still stays inside it
    When a backfill that names no organization copies "the latest sign-in" to every owner
    Then each owner gets the latest sign-in of their own organization, not the platform's latest
