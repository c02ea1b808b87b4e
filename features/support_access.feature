Feature: Support access for platform operators
  An operator who must look into an organization opens support access to it, with a reason and
  for a limited time. The organization's owners see who had access, why and until when; what
  the operator does under it is in the organization's own audit log; when the time is up, it ends.

  Scenario: An operator opens support access with a reason; the owners see it; it expires
    Given Ada owns acme and is signed in
    When an operator opens support access to acme for 30 minutes because "ticket 42: no invoices"
    Then Ada sees the operator's open access to acme and its reason
    And the operator reads acme's members, and acme's audit log records it with the grant
    When 30 minutes pass
    Then Ada sees that access as expired
    And the operator is refused acme's members for want of an open grant
    And acme's audit chain verifies
