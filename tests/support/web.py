"""The store's web page under test: the app `gwctl store serve` builds, served by uvicorn in a
thread behind a scanner of every byte it sends, and the headless Chromium that drives it.

The scanner looks for the planted credential values (`tests.support.canaries`): a test fails
if one ever leaves the server (in any page, redirect or asset), not only if it is visible.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import expect

from tests.support.canaries import PLANTED
from tests.support.paths import ARTIFACTS
from tests.support.people import Person, person

CHROMIUM = os.environ.get("GWCTL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
EXPECTED_STATUS_LOG = re.compile(
    r"^Failed to load resource: .* status of 4(01|03|04|09|13|22|29)\b"
)
BROWSER_ARTIFACTS = ARTIFACTS / "browser"


class CanaryScanner:
    """ASGI wrapper recording every response (headers and body) that carries a canary."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.leaks: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")

        async def scanning_send(message: Any) -> None:
            chunks: list[bytes] = []
            if message["type"] == "http.response.start":
                chunks = [name + b": " + value for name, value in message.get("headers", [])]
            elif message["type"] == "http.response.body":
                chunks = [message.get("body", b"")]
            for chunk in chunks:
                for canary in PLANTED:
                    if canary.encode() in chunk:
                        self.leaks.append(f"{scope['method']} {path}: {canary}")
            await send(message)

        await self.app(scope, receive, scanning_send)


@dataclass
class StoreApp:
    """The store app as `gwctl store serve` builds it (REST API and web page) on a SQLite file
    in the test's directory, with an admin token (alice) and a read token (auditor), and the
    users of the same names (tests.support.people) that sign in to the page."""

    app: Any  # FastAPI
    database_url: str
    admin_token: str
    read_token: str

    @property
    def store(self) -> Any:
        """The app's own GatewayStore, to seed accounts and check what the pages wrote."""
        return self.app.state.store


@dataclass
class WebStore:
    """`StoreApp` served by uvicorn on 127.0.0.1 behind a `CanaryScanner`."""

    base_url: str
    admin_token: str
    read_token: str
    scanner: CanaryScanner
    store: Any  # the app's GatewayStore, to seed accounts the way gwctl apply would

    def url(self, path: str) -> str:
        return self.base_url + path


@dataclass
class PageWatch:
    """What a page did that a test must notice: dialogs (an XSS would open one), console errors
    (a CSP violation is one)."""

    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


def sign_in(page: Any, who: Person | str) -> None:
    """Sign a Playwright page in as a person would, from the gateways page: with a user name
    and password (`who`, or the user a fixture's API token stands for)."""
    signing_in = person(who)
    page.goto("/gateways")
    expect(page).to_have_url(re.compile(r"/signin\?next="))
    expect(page.get_by_role("heading", name="Sign in to the gateway store")).to_be_visible()
    page.get_by_label("User name").fill(signing_in.name)
    page.get_by_label("Password").fill(signing_in.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/gateways$"))
    expect(page.get_by_role("heading", name="SMS Gateways", exact=True)).to_be_visible()
