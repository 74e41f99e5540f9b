"""Infobip, Twilio, Clickatell (and the tests' fourth provider, Vonage) on 127.0.0.1, answering
`gwctl verify`'s requests with the response bodies of the providers' own documentation.

Each account is picked out by its identifier (Twilio SID, Infobip API key, Clickatell user
name, Vonage API key) and answers as told: `server.answer("smsplus-user", "suspended")`.
Scenarios: ok, rejected, suspended, closed (Twilio), rate_limited_once (429 with
`Retry-After: 1`, then ok), rate_limited (429 asking for an hour), error (500), hang (no
answer until the server stops). Every request is recorded, and the most requests ever in
flight at once is counted, so tests see concurrency without timing anything.

`tls_server()` is the same behind a self-signed certificate nobody trusts.
"""

from __future__ import annotations

import base64
import datetime
import json
import ssl
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from tests.support.repos import ConfigRepo

PROVIDERS = ("infobip", "twilio", "clickatell")
SCENARIOS = (
    "ok",
    "rejected",
    "suspended",
    "closed",
    "rate_limited_once",
    "rate_limited",
    "error",
    "hang",
)


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    @property
    def basic_auth(self) -> tuple[str, str] | None:
        value = self.headers.get("authorization", "")
        if not value.startswith("Basic "):
            return None
        user, _, password = base64.b64decode(value[6:]).decode().partition(":")
        return user, password


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class ProviderServer:
    """Use as a context manager (or `start()`/`stop()`); `base_url` is where it listens."""

    def __init__(self, *, delay: float = 0.0, tls_context: ssl.SSLContext | None = None) -> None:
        self.delay = delay
        self.requests: list[Recorded] = []
        self.max_in_flight = 0
        self._answers: dict[str, str] = {}
        self._limited_once: set[str] = set()
        self._in_flight = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        if tls_context is not None:
            self._server.socket = tls_context.wrap_socket(self._server.socket, server_side=True)
        scheme = "https" if tls_context else "http"
        self.base_url = f"{scheme}://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def answer(self, identifier: str, scenario: str) -> None:
        assert scenario in SCENARIOS, scenario
        self._answers[identifier] = scenario

    def start(self) -> ProviderServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> ProviderServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # --- answering ------------------------------------------------------------------------

    def respond(self, request: Recorded) -> Answer | None:
        """The answer to one request; None: hang until the server stops."""
        with self._lock:
            self.requests.append(request)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            if self.delay:
                time.sleep(self.delay)
            provider, identifier = _identify(request)
            scenario = self._scenario(identifier)
            if scenario == "hang":
                self._stopping.wait(60)
                return None
            return _documented(provider, scenario, request)
        finally:
            with self._lock:
                self._in_flight -= 1

    def _scenario(self, identifier: str) -> str:
        scenario = self._answers.get(identifier, "ok")
        if scenario == "rate_limited_once":
            with self._lock:
                if identifier in self._limited_once:
                    return "ok"
                self._limited_once.add(identifier)
        return scenario


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up early (gwctl cancelling its other checks after a refusal) is no
    error of the server: no traceback on stderr, which a test's CLI output would then hold."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError | ssl.SSLError):
            super().handle_error(request, client_address)


def _handler_for(server: ProviderServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # headers and body go out in two writes: with Nagle's algorithm on, the body waits
        # for the client's delayed ACK (40 ms), slower than the providers' own servers
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            parts = urlsplit(self.path)
            recorded = Recorded(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query),
                headers={name.lower(): value for name, value in self.headers.items()},
                body=self.rfile.read(length),
            )
            answer = server.respond(recorded)
            if answer is None:
                return
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, *_args: Any) -> None:  # quiet: pytest shows failures
            pass

    return Handler


def _identify(request: Recorded) -> tuple[str, str]:
    """Which provider's API was asked, and the account's identifier in the request."""
    if request.path.startswith("/2010-04-01/Accounts/"):
        return "twilio", request.path.rsplit("/", 1)[-1].removesuffix(".json")
    if request.path == "/account/1/balance":
        return "infobip", request.headers.get("authorization", "").removeprefix("App ")
    if request.path == "/http/auth":
        return "clickatell", parse_qs(request.body.decode()).get("user", [""])[0]
    if request.path == "/account/get-balance":
        return "vonage", request.query.get("api_key", [""])[0]
    return "unknown", ""


def _json(status: int, body: Any, **headers: str) -> Answer:
    return Answer(
        status, json.dumps(body).encode(), {"Content-Type": "application/json", **headers}
    )


def _text(body: str, status: int = 200) -> Answer:
    return Answer(status, body.encode(), {"Content-Type": "text/plain"})


_RETRY_SOON = {"Retry-After": "1"}
_RETRY_LATER = {"Retry-After": "3600"}


def _documented(provider: str, scenario: str, request: Recorded) -> Answer:
    answers = {
        "twilio": _twilio,
        "infobip": _infobip,
        "clickatell": _clickatell,
        "vonage": _vonage,
    }
    if provider not in answers:
        return _text("Not Found", 404)
    return answers[provider](scenario, request)


def _twilio(scenario: str, request: Recorded) -> Answer:
    sid = request.path.rsplit("/", 1)[-1].removesuffix(".json")
    auth = request.basic_auth or ("", "")
    if scenario in ("ok", "suspended", "closed") and auth[0] == sid and auth[1]:
        # Twilio's account resource, as its API reference shows it: it echoes the Auth Token
        status = "active" if scenario == "ok" else scenario
        return _json(200, _twilio_account(sid, auth[1], status))
    if scenario.startswith("rate_limited"):
        headers = _RETRY_SOON if scenario == "rate_limited_once" else _RETRY_LATER
        return _json(429, _twilio_error(20429, "Too Many Requests", 429), **headers)
    if scenario == "error":
        return _json(500, _twilio_error(20500, "Internal Server Error", 500))
    return _json(401, _twilio_error(20003, "Authenticate", 401))


def _twilio_account(sid: str, token: str, status: str) -> dict[str, Any]:
    return {
        "auth_token": token,
        "date_created": "Thu, 30 Jul 2015 20:00:00 +0000",
        "date_updated": "Thu, 30 Jul 2015 20:00:00 +0000",
        "friendly_name": "friendly_name",
        "owner_account_sid": sid,
        "sid": sid,
        "status": status,
        "subresource_uris": {"balance": f"/2010-04-01/Accounts/{sid}/Balance.json"},
        "type": "Full",
        "uri": f"/2010-04-01/Accounts/{sid}.json",
    }


def _twilio_error(code: int, message: str, status: int) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def _infobip(scenario: str, _request: Recorded) -> Answer:
    if scenario == "ok":
        return _json(200, {"balance": 47.79134, "creditLimit": 100, "currency": "EUR"})
    if scenario.startswith("rate_limited"):
        headers = _RETRY_SOON if scenario == "rate_limited_once" else _RETRY_LATER
        return _json(429, _infobip_error("TOO_MANY_REQUESTS", "Too many requests"), **headers)
    if scenario == "error":
        text = "Something went wrong. Please contact support."
        return _json(500, _infobip_error("GENERAL_ERROR", text))
    if scenario == "suspended":
        return _json(403, _infobip_error("FORBIDDEN", "Forbidden"))
    return _json(401, _infobip_error("UNAUTHORIZED", "Invalid login details"))


def _infobip_error(message_id: str, text: str) -> dict[str, Any]:
    return {"requestError": {"serviceException": {"messageId": message_id, "text": text}}}


def _clickatell(scenario: str, request: Recorded) -> Answer:
    form = parse_qs(request.body.decode())
    if scenario == "ok" and form.get("password", [""])[0]:
        return _text("OK: f6b9af2a2c9e5b18ee2d257e3def5d66")
    if scenario == "suspended":
        return _text("ERR: 004, Account frozen")
    if scenario.startswith("rate_limited"):
        headers = _RETRY_SOON if scenario == "rate_limited_once" else _RETRY_LATER
        return Answer(429, b"Too Many Requests", headers)
    if scenario == "error":
        return _text("Internal Server Error", 500)
    return _text("ERR: 001, Authentication failed")


def _vonage(scenario: str, _request: Recorded) -> Answer:
    if scenario == "ok":
        return _json(200, {"value": 10.28, "autoReload": False})
    return _json(401, {"error-code": "401", "error-code-label": "authentication failed"})


# --- a TLS server nobody trusts ------------------------------------------------------------


def self_signed_context(directory: Path) -> ssl.SSLContext:
    """A server context with a fresh self-signed certificate for 127.0.0.1."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context


@contextmanager
def tls_server(directory: Path) -> Iterator[ProviderServer]:
    with ProviderServer(tls_context=self_signed_context(directory)) as server:
        yield server


def point_at(repo: ConfigRepo, base_url: str, *, providers: tuple[str, ...] = PROVIDERS) -> None:
    """The repository's gwctl.yaml sends every provider's check to `base_url`."""
    settings = {"verify": {"base_urls": dict.fromkeys(providers, base_url)}}
    repo.write_plain("gwctl.yaml", yaml.safe_dump(settings))
