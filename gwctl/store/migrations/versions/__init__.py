"""Alembic revisions of the store's database, oldest first."""
