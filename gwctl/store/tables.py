"""Every table of the store on one metadata: the rows of gwctl.store.db plus those that live
beside the code that owns them (users, throttle counters, token addresses).

Code that walks all tables (backup, restore, the migration check) takes them from here, so a
table defined in its own module cannot be missed because nothing happened to import it.
"""

from __future__ import annotations

from sqlalchemy import MetaData

from gwctl.store import throttle, token_use, users
from gwctl.store.db import Base

# The modules that define tables, named so that importing this module registers them.
TABLE_MODULES = (throttle, token_use, users)


def store_metadata() -> MetaData:
    """The metadata of every store table."""
    return Base.metadata
