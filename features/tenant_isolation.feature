@postgres
Feature: Tenant isolation in the database
  As a platform architect
  I want PostgreSQL itself to keep every organization's data apart
  So that no bug in application code can ever show one customer's data to another

  The application talks to the database as its own role, which owns no table and is subject
  to row-level security. Each transaction names its organization with SET LOCAL app.org_id.
  These scenarios use plain SQL as that role, so nothing in the application code can help.

  Background:
    Given organization "A" with 2 members besides its owner
    And organization "B" with 1 member besides its owner

  @seed-000-US3-AC3 @seed-000-SC-005 @seed-001-TEST-AC3 @seed-002-S0.1-AC3 @seed-002-DoD-AC4 @seed-002-DoD-AC10 @seed-003-S1.3-AC2 @seed-004-S6-AC5 @seed-004-MT-AC2 @seed-004-MT-AC3 @seed-004-CHK-AC4
  Scenario: A transaction bound to an organization sees only that organization's members
    When the application reads every member in a transaction bound to organization "A"
    Then it sees exactly the 3 members of organization "A"
    And none of them belongs to organization "B"

  @seed-000-US3-AC3 @seed-000-SC-005 @seed-001-TEST-AC3 @seed-002-S0.1-AC3 @seed-002-DoD-AC4 @seed-002-DoD-AC10 @seed-003-S1.3-AC2 @seed-004-S6-AC3 @seed-004-S6-AC5 @seed-004-MT-AC2 @seed-004-CHK-AC4
  Scenario: Asking explicitly for another organization's rows returns nothing
    When the application, bound to organization "A", asks for the members of organization "B"
    Then it gets no rows

  @seed-002-S0.1-AC3 @seed-004-S6-AC1
  Scenario: The organization is forgotten when the transaction ends
    Given the application has finished a transaction bound to organization "A"
    When the application reads every member in a new transaction on the same connection
    Then the query fails with an error saying the tenant context is missing

  @seed-002-S0.1-AC3 @seed-004-S6-AC1
  Scenario Outline: Reading a tenant table with no organization set is an error, not an empty result
    When the application reads every row of "<table>" without setting an organization
    Then the query fails with an error saying the tenant context is missing

    Examples:
      | table         |
      | members       |
      | audit_entries |
      | sessions      |

  @seed-000-SC-005 @seed-002-DoD-AC4 @seed-002-DoD-AC10 @seed-003-S1.3-AC2 @seed-004-S6-AC2 @seed-004-S6-AC3 @seed-004-S6-AC5 @seed-004-MT-AC2 @seed-004-CHK-AC4
  Scenario: Writing a row for another organization is refused
    When the application, bound to organization "A", adds a member to organization "B"
    Then the database refuses it because of the row-level security policy
    And organization "B" still has 2 members

  @seed-000-TC-003 @seed-002-S0.1-AC2 @seed-004-S6-AC2
  Scenario Outline: A row of one organization cannot reference another organization's member
    When <who>, bound to organization "B", adds a member of "B" invited by a member of "A"
    Then the database refuses it because the inviting member is not in organization "B"
    And organization "B" still has 2 members

    Examples:
      | who                                                          |
      | the application                                              |
      | the schema owner, who is not held back by row-level security |

  @seed-004-S6-AC3
  Scenario: The application role is neither a superuser nor able to bypass row-level security
    When I look up the role the application connects as
    Then the application role is not a superuser
    And the application role does not have the BYPASSRLS attribute
    And the application role owns no table

  @seed-004-S6-AC3
  Scenario Outline: The application role cannot switch row-level security off
    When the application tries to <escape>
    Then the attempt is refused because "<reason>"
    And reading the members of organization "A" with no organization set still fails

    Examples:
      | escape                                          | reason                                               |
      | turn row security off for its session           | query would be affected by row-level security policy |
      | disable row-level security on the members table | must be owner of table members                       |
      | drop the isolation policy of the members table  | must be owner of relation members                    |
      | create a policy that lets it see every row      | must be owner of table members                       |
      | become the schema owner                         | permission denied to set role                        |
      | give itself the BYPASSRLS attribute             | permission denied to alter role                      |

  @seed-000-FR-004 @seed-000-FR-011 @seed-000-TC-001 @seed-000-TC-002 @seed-000-TC-003 @seed-000-SC-004 @seed-002-S0.1-AC2 @seed-002-S0.1-AC3 @seed-003-S1.3-AC1 @seed-003-S1.3-AC2 @seed-004-S6-AC2 @seed-004-MT-AC2
  Scenario: Every tenant table follows the multi-tenant conventions
    When the schema conventions are checked on the migrated database
    Then no convention is broken
    And every tenant table has:
      | safeguard                                                                              |
      | an org_id column that is never empty                                                   |
      | row-level security, enabled and forced                                                 |
      | an isolation policy, and no other policy that lets rows of other organizations through |
      | an index that leads with org_id                                                        |
      | a primary key of org_id and id                                                         |
      | a foreign key to its organization                                                      |

  @seed-000-SC-004
  Scenario: The conventions check catches a tenant table that forgets its safeguards
    Given a new table "notes" with an id and timestamps but no org_id and no row-level security
    When the schema conventions are checked on the migrated database
    Then the check reports exactly these broken rules for "notes":
      | rule          | meaning                                      |
      | org_id        | it has no org_id column                      |
      | rls           | row-level security is not enabled and forced |
      | policy        | it has no isolation policy                   |
      | composite_key | its primary key is not (org_id, id)          |
      | org_fk        | it has no foreign key to its organization    |
      | org_id_index  | it has no index that leads with org_id       |

  Scenario: A policy that a distributed database would refuse is named before scaling out
    Given a new policy on "api_keys" that wraps the tenant function in a subquery
    Then the policy is named as one that Citus refuses, or Citus has already refused it

  Scenario Outline: The audit trail is append-only
    Given organization "A" has an audit trail
    When <who>, bound to organization "A", tries to <change> its audit entries
    Then the database refuses it because "<reason>"
    And the audit trail of organization "A" is unchanged

    Examples:
      | who              | change   | reason                                          |
      | the application  | update   | permission denied for table audit_entries       |
      | the application  | delete   | permission denied for table audit_entries       |
      | the application  | truncate | permission denied for table audit_entries       |
      | the schema owner | update   | audit entries are append-only: UPDATE refused   |
      | the schema owner | delete   | audit entries are append-only: DELETE refused   |
      | the schema owner | truncate | audit entries are append-only: TRUNCATE refused |
