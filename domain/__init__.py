"""The Groundwork domain: tenants, people, roles and the audit trail. Standard library and attrs only."""
