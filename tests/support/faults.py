"""A fault-injecting HTTP proxy on 127.0.0.1 between gwctl and a real store server.

One request per connection (`Connection: close` is forced), so each fault hits exactly one
request. Faults apply to requests whose first line starts with a given prefix, in order:
`"drop_response"` forwards the request (the store commits) and then closes the client's
connection without an answer; `"error_500"` and `"error_429"` (with `Retry-After: 1`)
answer without forwarding.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from dataclasses import dataclass, field

_CANNED = {
    "error_500": b"HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\n"
    b"content-length: 2\r\nconnection: close\r\n\r\n{}",
    "error_429": b"HTTP/1.1 429 Too Many Requests\r\nretry-after: 1\r\n"
    b"content-type: application/json\r\ncontent-length: 2\r\n"
    b"connection: close\r\n\r\n{}",
}


@dataclass
class FaultProxy:
    upstream_port: int
    target_prefix: bytes = b"POST /api/v1/changesets"
    faults: deque[str] = field(default_factory=deque)
    seen: list[str] = field(default_factory=list)
    port: int = 0

    def __post_init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        self._started.wait(10)
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._started.set()
        self._loop.run_forever()
        server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await _read_request(reader)
            fault = None
            if request.startswith(self.target_prefix) and self.faults:
                fault = self.faults.popleft()
            self.seen.append(f"{request.split(b' ', 2)[1].decode()} {fault or 'ok'}")
            if fault in _CANNED:
                writer.write(_CANNED[fault])
                return
            response = await _forward(self.upstream_port, request)
            if fault != "drop_response":
                writer.write(response)
        finally:
            writer.close()


async def _read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    lines = []
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
        if name.strip().lower() not in (b"connection", b"keep-alive"):
            lines.append(line)
    body = await reader.readexactly(length) if length else b""
    head = b"\r\n".join(line for line in lines if line) + b"\r\nConnection: close\r\n\r\n"
    return head + body


async def _forward(port: int, request: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    response = await reader.read()
    writer.close()
    return response
