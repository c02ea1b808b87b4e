@postgres
Feature: Database migrations
  As a developer
  I want the database schema to evolve only through versioned migrations
  So that every environment, from a laptop to production, has exactly the same database

  Each scenario starts from a brand-new, empty PostgreSQL database.

  Background:
    Given an empty database

  @seed-000-US2-AC1 @seed-000-US2-AC2 @seed-000-FR-003 @seed-000-SC-003 @seed-001-CODE-AC2 @seed-004-CHK-AC2
  Scenario: Upgrading to the latest version applies every migration
    When I upgrade the database to the latest version
    Then the database reports the latest migration as its current version
    And every migration has been applied, oldest first
    And the tables "org", "users", "members" and "audit_entries" exist

  @seed-000-US2-AC2 @seed-000-US2-AC3 @seed-000-FR-003 @seed-000-SC-006 @seed-001-CODE-AC2 @seed-004-S4-AC5
  Scenario: The latest migration can be rolled back and applied again
    Given the database has been upgraded to the latest version
    When I roll back one migration
    Then the database reports the migration before the latest as its current version
    And the schema is exactly what it was before the latest migration
    When I upgrade the database to the latest version
    Then the database reports the latest migration as its current version
    And the schema matches the models exactly

  @seed-000-FR-003 @seed-000-SC-003 @seed-001-CODE-AC2 @seed-004-S4-AC5
  Scenario: Rolling every migration back leaves an empty database
    Given the database has been upgraded to the latest version
    When I roll every migration back
    Then the database reports no current version
    And no table is left but the migration bookkeeping

  @seed-000-SC-006
  Scenario: The migrated schema does not drift from the models
    When I upgrade the database to the latest version
    Then the schema matches the models exactly

  @seed-000-SC-006
  Scenario: A schema change made outside the migrations is noticed as drift
    Given the database has been upgraded to the latest version
    When someone adds a column "nickname" to the table "org" by hand
    Then the drift check reports the column "nickname"

  @seed-000-US1-AC2 @seed-000-FR-002 @seed-000-SC-002
  Scenario: The search extensions are installed and usable
    When I upgrade the database to the latest version
    Then the extensions "pg_trgm" and "vector" are installed
    And trigram similarity ranks "Acme Corp" closer to "acme corporation" than to "Globex"
    And vector distance between [1, 2, 3] and [1, 2, 4] is 1
