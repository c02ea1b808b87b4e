Feature: Organizations
  As a platform operator
  I want to create, find and retire organizations
  So that every customer gets its own space, reachable by a unique, URL-friendly slug

  Every organization is a tenant: all business data hangs off it. Its slug appears in URLs,
  so it is unique whatever its case, and it never collides with a word the platform uses itself.

  Background:
    Given I am a platform operator

  @seed-000-US3-AC1
  Scenario: A new organization gets an id, timestamps and default settings
    When I create the organization "Acme Corp" with slug "acme"
    Then the organization "Acme Corp" is created with slug "acme"
    And it is identified by a UUID
    And its creation and last-update times are both the moment it was created
    And its settings are the defaults:
      | setting          | value |
      | default_currency | EUR   |
      | timezone         | UTC   |
      | locale           | en    |
    And "owner@acme.test" is its only member, as owner

  Scenario: Settings given at creation are kept and completed with the defaults
    When I create the organization "Globex" with slug "globex" and the settings:
      | setting          | value         |
      | default_currency | USD           |
      | timezone         | Europe/Berlin |
    Then its settings are:
      | setting          | value         |
      | default_currency | USD           |
      | timezone         | Europe/Berlin |
      | locale           | en            |

  @seed-000-US3-AC2
  Scenario Outline: An organization is found by its slug, whatever the case
    Given the organization "Acme Corp" with slug "acme"
    And the organization "Globex" with slug "globex"
    When I look up the organization with slug "<asked for>"
    Then I get the organization "Acme Corp" with slug "acme"

    Examples:
      | asked for |
      | acme      |
      | ACME      |

  Scenario: Looking up a slug nobody uses finds nothing
    Given the organization "Acme Corp" with slug "acme"
    When I look up the organization with slug "acme-two"
    Then the lookup is refused because the organization is not found

  @seed-000-US3-AC4 @seed-000-FR-006
  Scenario Outline: A slug is taken whatever its case or surrounding spaces
    Given the organization "Acme Corp" with slug "acme"
    When I try to create the organization "Copycat" with slug <slug>
    Then it is refused as a conflict because the slug "acme" is already taken
    And "acme" is still the only organization, named "Acme Corp"

    Examples: the slug is quoted to show its spaces
      | slug     |
      | "acme"   |
      | "Acme"   |
      | "ACME"   |
      | " ACME " |
      | "acme  " |

  Scenario: A slug is trimmed and lower-cased before it is stored
    When I create the organization "Initech" with slug " InitTech "
    Then the organization "Initech" is created with slug "inittech"

  @seed-000-FR-006
  Scenario Outline: A slug that is not fit for a URL is refused with a reason
    When I try to create the organization "Acme Corp" with slug "<slug>"
    Then it is refused as invalid input on "slug", saying it "<reason>"
    And no organization exists

    Examples: Special characters
      | slug      | reason                                                        |
      | acme!     | may contain only lowercase letters, digits and single hyphens |
      | acme corp | may contain only lowercase letters, digits and single hyphens |
      | acme_corp | may contain only lowercase letters, digits and single hyphens |
      | acmé      | may contain only lowercase letters, digits and single hyphens |
      | acme/corp | may contain only lowercase letters, digits and single hyphens |
      | acme--x   | may contain only lowercase letters, digits and single hyphens |

    Examples: Hyphens at either end
      | slug  | reason                             |
      | -acme | may not start or end with a hyphen |
      | acme- | may not start or end with a hyphen |

    Examples: Length
      | slug | reason                          |
      | ab   | must be 3 to 63 characters long |

  Scenario Outline: A reserved word is not available as a slug
    When I try to create the organization "Acme Corp" with slug "<slug>"
    Then it is refused as a conflict because the slug "<reserved>" is reserved
    And no organization exists

    Examples:
      | slug  | reserved |
      | admin | admin    |
      | Admin | admin    |
      | api   | api      |
      | login | login    |

  @seed-000-EC-AC1 @seed-000-FR-011
  Scenario: An organization that still has members cannot be deleted
    Given the organization "Acme Corp" with slug "acme", owned by "owner@acme.test"
    And "ann@acme.test" is a member of "acme"
    And "bob@acme.test" is a viewer of "acme"
    When I try to delete the organization "acme"
    Then it is refused as a conflict listing the blocking dependencies:
      | dependency | count |
      | members    | 2     |
    And the organization "acme" can still be looked up

  Scenario: An organization can be deleted once only its owners remain
    Given the organization "Acme Corp" with slug "acme", owned by "owner@acme.test"
    And "co-owner@acme.test" is an owner of "acme"
    And "ann@acme.test" is a member of "acme"
    When I remove "ann@acme.test" from "acme"
    And I delete the organization "acme"
    Then the organization "acme" is marked as deleted
    And looking up the organization with slug "acme" finds nothing

  Scenario: The last owner cannot be removed
    Given the organization "Acme Corp" with slug "acme", owned by "owner@acme.test"
    And "ann@acme.test" is an admin of "acme"
    When I try to remove "owner@acme.test" from "acme"
    Then it is refused because an organization must keep at least one owner
    And the members of "acme" are still:
      | email           | role  |
      | owner@acme.test | owner |
      | ann@acme.test   | admin |

  Scenario: An owner can leave once another owner remains
    Given the organization "Acme Corp" with slug "acme", owned by "owner@acme.test"
    And "co-owner@acme.test" is an owner of "acme"
    When I remove "owner@acme.test" from "acme"
    Then the members of "acme" are still:
      | email              | role  |
      | co-owner@acme.test | owner |

  Scenario: Every invalid setting is reported with its field path, all at once
    When I try to create the organization "Acme Corp" with slug "acme" and the settings:
      | setting          | value        |
      | default_currency | EURO         |
      | timezone         | Mars/Olympus |
      | locale           | en           |
    Then it is refused as invalid input on exactly these fields:
      | field                     | reason mentions |
      | settings.default_currency | ISO 4217        |
      | settings.timezone         | IANA time zone  |
    And no organization exists

  Scenario Outline: A single invalid setting is refused, naming its field
    When I try to create the organization "Acme Corp" with slug "acme" and the settings:
      | setting   | value   |
      | <setting> | <value> |
    Then it is refused as invalid input on exactly these fields:
      | field              | reason mentions |
      | settings.<setting> | <reason>        |
    And no organization exists

    Examples:
      | setting          | value        | reason         |
      | default_currency | EURO         | ISO 4217       |
      | default_currency | XYZ          | ISO 4217       |
      | timezone         | Mars/Olympus | IANA time zone |
      | locale           | english      | BCP 47         |

  Scenario: Invalid settings on an existing organization leave its settings untouched
    Given the organization "Acme Corp" with slug "acme"
    When I try to change the settings of "acme" to:
      | setting          | value        |
      | default_currency | EURO         |
      | timezone         | Mars/Olympus |
    Then it is refused as invalid input on exactly these fields:
      | field                     | reason mentions |
      | settings.default_currency | ISO 4217        |
      | settings.timezone         | IANA time zone  |
    And the settings of "acme" are still the defaults
