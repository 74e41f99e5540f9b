"""Alembic migrations of the store's database (run by gwctl.store.migrate, no alembic.ini)."""
