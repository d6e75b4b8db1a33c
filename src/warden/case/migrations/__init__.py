"""Alembic migrations of the case database, numbered; applied when a case is opened."""
