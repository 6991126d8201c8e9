"""A loopback HTTP server (stdlib ``http.server`` in a thread on 127.0.0.1) for the pull tests.

A test gives it a handler (request → :class:`Reply`) that plays a vendor's documented API, and
may queue faults that hit the next request matching a predicate: an HTTP status with headers
(429 with ``Retry-After``, 500, 503) or a connection dropped half-way through the body. Every
request is recorded with the time it arrived.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes
    at: float

    def arg(self, name: str, default: str | None = None) -> str | None:
        for key, value in self.query:
            if key == name:
                return value
        return default

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body).encode()


@dataclass
class Fault:
    when: Callable[[Request], bool]
    kind: str  # "drop" or "status"
    reply: Reply | None = None
    times: int = 1


Handler = Callable[[Request], Reply]


class Loopback:
    """``with Loopback(handler) as server: server.url …``"""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[Request] = []
        self.faults: list[Fault] = []
        self._lock = threading.Lock()
        outer = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:
                return None

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = Request(
                    self.command,
                    parts.path,
                    parse_qsl(parts.query, keep_blank_values=True),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                    time.monotonic(),
                )
                fault = outer._take_fault(request)
                with outer._lock:
                    outer.requests.append(request)
                reply = fault.reply if fault and fault.kind == "status" else None
                if reply is None:
                    reply = outer.handler(request)
                payload = reply.payload()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                if fault is not None and fault.kind == "drop":
                    self.wfile.write(payload[: max(1, len(payload) // 2)])
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _serve  # noqa: N815

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def _take_fault(self, request: Request) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.times and fault.when(request):
                    fault.times -= 1
                    return fault
        return None

    def drop(self, when: Callable[[Request], bool], times: int = 1) -> None:
        """Close the connection half-way through the body of the next matching request(s)."""
        self.faults.append(Fault(when, "drop", times=times))

    def fail(self, when: Callable[[Request], bool], reply: Reply, times: int = 1) -> None:
        """Answer the next matching request(s) with ``reply`` instead."""
        self.faults.append(Fault(when, "status", reply, times=times))

    def clear(self) -> None:
        self.faults.clear()
        self.requests.clear()

    def __enter__(self) -> Loopback:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
