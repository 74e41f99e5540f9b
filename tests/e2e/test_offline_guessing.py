"""An offline dictionary attack on the credentials, by a read token and by whoever holds a
dump of the store's database: 10,000 common passwords plus the one planted, tried against
every digest, salt and mask either can see. Nothing may confirm a guess."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import itertools
import json
import re
import sqlite3
from collections.abc import Iterator

import httpx

from gwctl.store.server import create_named_token
from tests.support.repos import ConfigRepo
from tests.support.servers import LiveStore

PLANTED = "Summer2024!"
WORDS = ("password", "summer", "winter", "welcome", "letmein", "dragon", "monkey", "qwerty",
         "admin", "sunshine", "football", "iloveyou", "princess", "master", "shadow", "secret",
         "smsplus", "infobip", "twilio", "clickatell")  # fmt: skip
SUFFIXES = ("", "1", "12", "123", "1234", "!", "1!", "2023", "2024", "2024!", "2025", "01", "99")


def common_passwords() -> list[str]:
    """10,000 guesses of the kind real lists open with (word, case, year, symbol), and the
    digit strings 12345678-style lists always hold."""
    shaped = (
        variant + suffix
        for word, suffix in itertools.product(WORDS, SUFFIXES)
        for variant in (word, word.capitalize(), word.upper())
    )
    digits = (str(number).zfill(8) for number in range(10_000))
    return list(itertools.islice(itertools.chain(shaped, ["12345678"], digits), 10_000))


def read_token_view(store: LiveStore, repo: ConfigRepo) -> str:
    """Everything a read token can GET, as text."""
    token = create_named_token(repo.database_url, "auditor", "read")
    with httpx.Client(
        base_url=store.server.base_url, headers={"Authorization": f"Bearer {token}"}
    ) as reader:
        listed = reader.get("/api/v1/gateways", params={"limit": 1000}).json()
        pages = [listed, reader.get("/api/v1/providers").json()]
        pages += [reader.get(f"/api/v1/gateways/{g['key']}").json() for g in listed["items"]]
        for path in ("/api/v1/audit", "/api/v1/audit/checkpoints", "/api/v1/lock"):
            pages.append(reader.get(path, params={"limit": 1000} if "audit" in path else {}).json())
        pages.append(reader.get("/api/v1/audit/signing-key").json())
    return json.dumps(pages)


def database_dump(repo: ConfigRepo) -> str:
    """Every value of every table, as a backup would hold it."""
    with sqlite3.connect(repo.database_url.removeprefix("sqlite:///")) as connection:
        query = "SELECT name FROM sqlite_master WHERE type = 'table'"
        tables = [row[0] for row in connection.execute(query)]
        rows = [
            value.hex() if isinstance(value, bytes) else str(value)
            for table in tables
            if table.isidentifier()
            for row in connection.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - own names
            for value in row
        ]
    return "\n".join(rows)


def salts(text: str) -> set[bytes]:
    """Every piece of the text that could be a salt or a key: base64 or hex of 8-64 bytes."""
    found: set[bytes] = set()
    for token in set(re.findall(r"[A-Za-z0-9_\-+/=]{8,}", text)):
        for decode in (bytes.fromhex, _b64):
            try:
                raw = decode(token)
            except (ValueError, binascii.Error):
                continue
            if 8 <= len(raw) <= 64:
                found.add(raw)
    return found


def _b64(token: str) -> bytes:
    padded = token + "=" * (-len(token) % 4)
    return base64.urlsafe_b64decode(padded.replace("+", "-").replace("/", "_"))


def digests(guess: str, keys: set[bytes]) -> Iterator[str]:
    """What a guess turns into under every construction worth trying."""
    data = guess.encode()
    for name in ("sha256", "sha1", "md5", "sha512"):
        yield hashlib.new(name, data).hexdigest()
    for key in keys:
        for message in (data, b"password\n" + data, b"gwctl-credential/1\npassword\n" + data):
            yield hmac.new(key, message, hashlib.sha256).hexdigest()


def confirmed(guesses: list[str], text: str) -> list[str]:
    keys = salts(text)
    seen = set(re.findall(r"[0-9a-f]{32,128}", text))
    return [guess for guess in guesses if any(d in seen for d in digests(guess, keys))]


def applied_with_planted_password(repo: ConfigRepo) -> None:
    repo.write_secret("clickatell-africa", {"username": "smsplus-test", "password": PLANTED})
    repo.apply()


def test_the_guess_list_holds_10000_common_passwords_and_the_planted_one() -> None:
    guesses = common_passwords()
    assert len(set(guesses)) == 10_000
    assert PLANTED in guesses
    assert "12345678" in guesses


def test_nothing_a_read_token_can_get_confirms_a_guess(repo: ConfigRepo, remote: LiveStore) -> None:
    applied_with_planted_password(repo)
    view = read_token_view(remote, repo)
    assert "gwctl-hmac-sha256:" in view  # the fingerprints are there, just of no use
    assert confirmed(common_passwords(), view) == []
    assert PLANTED[-4:] not in view  # no mask shows a password's tail


def test_nothing_in_a_database_dump_confirms_a_guess(repo: ConfigRepo, remote: LiveStore) -> None:
    applied_with_planted_password(repo)
    assert confirmed(common_passwords(), database_dump(repo)) == []


def test_the_attack_would_find_a_password_under_the_old_salted_fingerprints() -> None:
    salt = b"0123456789abcdef"
    old = (
        f"hmac-sha256:{base64.urlsafe_b64encode(salt).decode().rstrip('=')}:"
        + hmac.new(salt, PLANTED.encode(), hashlib.sha256).hexdigest()
    )
    assert confirmed(common_passwords(), json.dumps({"fingerprint": old})) == [PLANTED]
