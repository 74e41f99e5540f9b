"""A small Language Server Protocol client, enough to drive yaml-language-server in tests.

It speaks JSON-RPC 2.0 with Content-Length framing over the server's stdin/stdout. A reader
thread parses the server's messages into a queue; the test's thread answers the requests the
server sends (`workspace/configuration`, `client/registerCapability`, ...), keeps the latest
diagnostics per document, and waits for responses with a deadline, so a silent or crashed
server fails the test with a clear message instead of hanging it.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

DEFAULT_TIMEOUT = 20.0
# A document's diagnostics are final once the server stayed quiet about it this long: the
# server first publishes what it found and may publish again when a schema finished loading.
SETTLE_SECONDS = 0.5


class LanguageServerError(AssertionError):
    """The server did not answer in time, answered with an error, or exited."""


class LanguageServer:
    """A language server subprocess and the client side of its conversation.

    `settings` is what the client answers to `workspace/configuration`, by section name
    (e.g. {"yaml": {...}}); sections it does not hold are answered with null.
    """

    def __init__(self, command: Sequence[str], settings: Mapping[str, Any]) -> None:
        self.settings = dict(settings)
        self.diagnostics: dict[str, list[dict[str, Any]]] = {}
        self._published_at: dict[str, float] = {}
        self._next_id = 0
        self._inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._process = subprocess.Popen(
            list(command),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # its log is noise; problems show as missing answers
        )
        assert self._process.stdout is not None
        self._reader = threading.Thread(
            target=self._read_messages, args=(self._process.stdout,), daemon=True
        )
        self._reader.start()

    # --- the conversation ---------------------------------------------------------------------

    def initialize(self, workspace: Path) -> dict[str, Any]:
        """The `initialize` handshake with one workspace folder, then `initialized`."""
        uri = workspace.as_uri()
        result: dict[str, Any] = self.request(
            "initialize",
            {
                "processId": None,
                "rootUri": uri,
                "workspaceFolders": [{"uri": uri, "name": workspace.name}],
                "capabilities": {
                    "workspace": {
                        "configuration": True,
                        "didChangeConfiguration": {"dynamicRegistration": True},
                    },
                    "textDocument": {
                        "publishDiagnostics": {"versionSupport": True},
                        "completion": {"completionItem": {"snippetSupport": False}},
                    },
                },
            },
        )
        self.notify("initialized", {})
        self.notify("workspace/didChangeConfiguration", {"settings": self.settings})
        return result

    def open(self, path: Path, language: str = "yaml") -> str:
        """Open a file as the editor would (`textDocument/didOpen`); returns its URI."""
        uri = path.as_uri()
        self.diagnostics.pop(uri, None)
        self._published_at.pop(uri, None)
        self.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": uri,
                    "languageId": language,
                    "version": 1,
                    "text": path.read_text(encoding="utf-8"),
                }
            },
        )
        return uri

    def wait_for_diagnostics(
        self, uri: str, timeout: float = DEFAULT_TIMEOUT
    ) -> list[dict[str, Any]]:
        """The diagnostics of a document once the server has published them and gone quiet."""
        deadline = time.monotonic() + timeout
        while True:
            published = self._published_at.get(uri)
            if published is not None and time.monotonic() - published >= SETTLE_SECONDS:
                return self.diagnostics[uri]
            if time.monotonic() >= deadline:
                raise LanguageServerError(f"no diagnostics for {uri} within {timeout} s")
            self._handle_next(min(SETTLE_SECONDS, deadline - time.monotonic()))

    def completion(self, uri: str, line: int, character: int) -> list[dict[str, Any]]:
        """The completion items at a 0-based position."""
        result = self.request(
            "textDocument/completion",
            {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}},
        )
        if isinstance(result, dict):  # a CompletionList rather than a bare list
            items: list[dict[str, Any]] = result.get("items", [])
            return items
        return list(result or [])

    def shutdown(self) -> None:
        """`shutdown` and `exit`, then make sure the process is gone."""
        try:
            if self._process.poll() is None:
                self.request("shutdown", None, timeout=5)
                self.notify("exit", None)
                self._process.wait(timeout=5)
        except (LanguageServerError, OSError, subprocess.TimeoutExpired):
            pass  # it is killed below either way
        finally:
            if self._process.poll() is None:
                self._process.kill()
                self._process.wait(timeout=5)
            self._reader.join(timeout=5)  # it stops at the end of the server's output
            for pipe in (self._process.stdin, self._process.stdout):
                if pipe is not None:
                    pipe.close()

    # --- JSON-RPC -------------------------------------------------------------------------------

    def request(self, method: str, params: Any, timeout: float = DEFAULT_TIMEOUT) -> Any:
        """Send a request and wait for its response, handling whatever arrives meanwhile."""
        self._next_id += 1
        request_id = self._next_id
        self._send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LanguageServerError(f"no answer to {method} within {timeout} s")
            message = self._handle_next(remaining)
            if message is not None and message.get("id") == request_id and "method" not in message:
                if "error" in message:
                    raise LanguageServerError(f"{method} failed: {message['error']}")
                return message.get("result")

    def notify(self, method: str, params: Any) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def _send(self, message: Mapping[str, Any]) -> None:
        body = json.dumps(message).encode("utf-8")
        stdin = self._process.stdin
        assert stdin is not None
        try:
            stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            stdin.flush()
        except OSError as exc:  # BrokenPipeError: the server has exited
            raise LanguageServerError(f"cannot write to the language server: {exc}") from None

    def _handle_next(self, timeout: float) -> dict[str, Any] | None:
        """Take one message from the server (None when none came in time) and react to it:
        answer its requests, record its diagnostics."""
        try:
            message = self._inbox.get(timeout=max(timeout, 0))
        except queue.Empty:
            return None
        if message is None:
            raise LanguageServerError(f"the language server exited (code {self._process.poll()})")
        method = message.get("method")
        if method is not None and "id" in message:
            self._send(
                {
                    "jsonrpc": "2.0",
                    "id": message["id"],
                    "result": self._answer(method, message.get("params")),
                }
            )
        elif method == "textDocument/publishDiagnostics":
            uri = message["params"]["uri"]
            self.diagnostics[uri] = message["params"]["diagnostics"]
            self._published_at[uri] = time.monotonic()
        return message

    def _answer(self, method: str, params: Any) -> Any:
        """The result for a request from the server: the settings it pulls, and null for the
        registrations and progress tokens it announces."""
        if method == "workspace/configuration":
            return [self.settings.get(item.get("section", "")) for item in params["items"]]
        return None

    def _read_messages(self, stream: IO[bytes]) -> None:
        """Reader thread: parse framed messages into the inbox; None marks the end."""
        try:
            while True:
                length = _content_length(stream)
                if length is None:
                    break
                self._inbox.put(json.loads(stream.read(length)))
        finally:
            self._inbox.put(None)


def _content_length(stream: IO[bytes]) -> int | None:
    """Read a message's header lines; its Content-Length, or None at the end of the stream."""
    length = None
    while True:
        line = stream.readline()
        if not line:
            return None
        line = line.strip()
        if not line:
            if length is not None:
                return length
            continue
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
