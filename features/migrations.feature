@postgres
Feature: Database migrations
  As a developer
  I want the database schema to evolve only through versioned migrations
  So that every environment, from a laptop to production, has exactly the same database

  Each scenario starts from a brand-new, empty PostgreSQL database.

  Background:
    Given an empty database

  Scenario: Upgrading to the latest version applies every migration
    When I upgrade the database to the latest version
    Then the database reports the latest migration as its current version
    And every migration has been applied, oldest first
    And the tables "org", "users", "members" and "audit_entries" exist

  Scenario: The latest migration can be rolled back and applied again
    Given the database has been upgraded to the latest version
    When I roll back one migration
    Then the database reports the migration before the latest as its current version
    And the schema is exactly what it was before the latest migration
    When I upgrade the database to the latest version
    Then the database reports the latest migration as its current version
    And the schema matches the models exactly

  Scenario: Rolling every migration back leaves an empty database
    Given the database has been upgraded to the latest version
    When I roll every migration back
    Then the database reports no current version
    And no table is left but the migration bookkeeping

  Scenario: The migrated schema does not drift from the models
    When I upgrade the database to the latest version
    Then the schema matches the models exactly

  Scenario: A schema change made outside the migrations is noticed as drift
    Given the database has been upgraded to the latest version
    When someone adds a column "nickname" to the table "org" by hand
    Then the drift check reports the column "nickname"

  Scenario: The search extensions are installed and usable
    When I upgrade the database to the latest version
    Then the extensions "pg_trgm" and "vector" are installed
    And trigram similarity ranks "Acme Corp" closer to "acme corporation" than to "Globex"
    And vector distance between [1, 2, 3] and [1, 2, 4] is 1
