"""The people the web tests sign in as: an admin (alice) and a read user (auditor), whose
passwords are planted canaries (a password must never leave the server either).

The fixtures make both users beside the API tokens of the same names, and remember which
token stands for whom: a test may sign in "with" `web_store.admin_token` and is signed in as
the admin user (the page takes no tokens; the API does).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.canaries import CANARY_ADMIN_PASSWORD, CANARY_READER_PASSWORD


@dataclass(frozen=True)
class Person:
    """A user name and the password that signs it in."""

    name: str
    password: str


ADMIN = Person("alice", CANARY_ADMIN_PASSWORD)
READER = Person("auditor", CANARY_READER_PASSWORD)
_BY_TOKEN: dict[str, Person] = {}


def add_people(store: Any, admin_token: str, read_token: str | None = None) -> None:
    """Create the admin and the read user on `store` (a GatewayStore), standing for the
    fixture's admin and read tokens."""
    from gwctl.store.users import create_user

    for person, role, token in ((ADMIN, "admin", admin_token), (READER, "read", read_token)):
        create_user(store.engine, person.name, role, person.password, actor="tests")
        if token is not None:
            _BY_TOKEN[token] = person


def add_people_to(database_url: str, key_file: Path, admin_token: str) -> None:
    """`add_people` on the store at `database_url` (e.g. one a server process runs)."""
    from gwctl.store.service import GatewayStore

    store = GatewayStore.open(database_url, key_file=key_file)
    try:
        add_people(store, admin_token)
    finally:
        store.close()


def person(who: Person | str) -> Person:
    """`who` itself, or the user a fixture's API token stands for."""
    if isinstance(who, Person):
        return who
    assert who in _BY_TOKEN, "not a token of a web fixture: pass a Person to sign in"
    return _BY_TOKEN[who]
