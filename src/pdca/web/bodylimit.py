"""A cap on every request's body, before anything reads it (:class:`BodyLimit`).

The largest body the app takes is an upload (``PDCA_WEB_UPLOAD_MAX``, default 200 MiB, plus
room for the form's other fields). Every request is held to that before any handler, dependency
or the CSRF check parses it: a request whose ``Content-Length`` says more is answered 413 without
reading it, and a body sent without a length (chunked) is counted as it arrives and stopped with
413 at the limit — so no form parser spools more than the limit to disk.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SLACK = 2**20
"""Room for the multipart framing and the form's other fields beside the file."""


class BodyTooLarge(HTTPException):
    """The body passed the limit while it was read (a 413 wherever it surfaces)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request is larger than the limit ({limit:,} bytes)")


class BodyLimit:
    """ASGI middleware: at most ``limit()`` bytes of body per request (see the module)."""

    def __init__(self, app: ASGIApp, *, limit: Callable[[], int]) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit() + SLACK
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(send, limit)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if started:
                raise
            await _refuse(send, limit)


async def _refuse(send: Send, limit: int) -> None:
    body = f'{{"detail":"the request is larger than the limit ({limit:,} bytes)"}}'.encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
