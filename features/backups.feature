@postgres
Feature: Backups of the whole database
  An operator backs the database up to the object store, with a manifest of what it holds,
  and can bring it back into a new database without losing a row or an audit entry. A damaged
  backup is never restored, a database in use is never overwritten by accident, and backups
  older than the retention period (30 days unless BACKUP_RETENTION_DAYS says otherwise) are
  pruned only when the operator confirms.

  Background:
    Given the organizations acme and globex, each with members and an audit trail
    And an operator has backed the database up

  @seed-002-DoD-AC5
  Scenario: A backup restored into a new database holds everything it held
    When the operator restores the backup into a new database
    Then every table of the copy has as many rows as the original
    And every organization's audit trail ends at the same entry, with the same hash
    And the application reads acme's members in the copy, and only acme's

  Scenario: A damaged backup is refused before anything is touched
    Given the backup's dump has been damaged in the object store
    When the operator restores the backup into a new database
    Then the restore is refused because the backup is corrupted
    And no database was created

  Scenario: The database in use is not overwritten without --force
    When the operator restores the backup without naming a database
    Then the restore is refused because the database Groundwork serves is not empty

  @seed-002-DoD-AC5
  Scenario: Backups older than the retention period are pruned, the others kept
    Given 31 days have passed and the operator has backed up again
    When the operator prunes with --yes
    Then the first backup is gone and the second is listed

  Scenario: Pruning without a terminal to ask on needs --yes
    Given 31 days have passed and the operator has backed up again
    When the operator prunes without --yes and with no terminal
    Then pruning is refused in one line that asks for --yes
    And both backups are still listed
