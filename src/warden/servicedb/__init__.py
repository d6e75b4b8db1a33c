"""The matching service's storage (``warden serve``): API keys, banks' state, match records and webhook
deliveries, in SQLite by default or PostgreSQL, created and upgraded by its own numbered migrations. Every SQL
statement of the service lives in this package."""
