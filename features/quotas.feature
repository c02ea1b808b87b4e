Feature: Plans and quotas
  Each organization is on a plan (free, pro, enterprise) that limits how many members, API keys
  and pending invitations it may have and how much it may store. Operators edit the plans and
  may give one organization its own limits. A limit holds even when many requests race for
  the last place.

  Background:
    Given Ada owns acme, on the free plan, and is signed in

  Scenario: An organization sees its limits and what it uses
    When Ada looks at acme's usage
    Then she sees the plan free
    And members are 1 of 5, API keys 0 of 3, pending invitations 0 of 10

  Scenario: The last places go to exactly as many as fit, however many race for them
    Given an operator has limited acme to 5 API keys
    When Ada asks for 20 API keys at the same moment
    Then exactly 5 are made
    And the 15 others are refused because the limit of 5 API keys is reached

  Scenario: Inviting stops at the limit of pending invitations
    Given an operator has limited acme to 2 pending invitations
    When Ada invites 3 people
    Then the third invitation is refused because the limit of 2 pending invitations is reached
    And acme's usage shows 2 of 2 pending invitations

  Scenario: A larger plan lifts the limits
    Given an operator has limited acme to 1 API key
    And Ada has made an API key
    When an operator moves acme to the pro plan and clears its own limit
    Then Ada can make another API key
    And acme's usage shows the plan pro with 2 of 25 API keys

  Scenario: An operator changes a plan for every organization on it
    When an operator lets the free plan have 7 members
    Then acme's usage shows 1 of 7 members

  Scenario: An organization over its plan's requests per minute is told to slow down
    Given an operator has set acme's requests per minute to 3
    When Ada reads acme 4 times within a minute
    Then the fourth answer is a 429 problem rate_limited with Retry-After
    And every answer said the limit of 3, what remained of it and when the minute ends
