"""The planted credential values: the one list every leak check searches for.

Tests write these as credentials (in secret files, API requests, web forms) and assert that
none ever appears in stdout, stderr, a log, an exception message, a page, a response or a
database file. If one shows up, a secret leaked.
"""

from __future__ import annotations

# Free text: any provider's secret (an Infobip secret key, a Clickatell password, ...)
CANARY = "CANARY-5e1f0c7a-never-print-me"
# A valid Twilio Auth Token (32 hex characters)
CANARY_HEX = "ca7a2b3c4d5e6f708192a3b4c5d6e7f8"
# An Infobip API key and secret key the web page must mask (their last four characters differ)
CANARY_API_KEY = "CANARYapikey7d1f3e9a55"
CANARY_SECRET_KEY = "CANARYsecret0b8c2d4e66"
# The example Clickatell account's password (tests.support.repos.SECRETS)
CANARY_PASSWORD = "CANARY-clickatell-pass-0042"

# The passwords of the people the web tests sign in as (tests.support.people)
CANARY_ADMIN_PASSWORD = "CANARY-admin-signin-9c41d2"
CANARY_READER_PASSWORD = "CANARY-reader-signin-77e0b5"

PLANTED = (
    CANARY,
    CANARY_HEX,
    CANARY_API_KEY,
    CANARY_SECRET_KEY,
    CANARY_PASSWORD,
    CANARY_ADMIN_PASSWORD,
    CANARY_READER_PASSWORD,
)


def assert_no_secret(*texts: str) -> None:
    """No planted credential value in any of the texts."""
    for text in texts:
        for planted in PLANTED:
            assert planted not in text, "a credential value leaked into the output"
