"""Transport-level refusals on ``/graphql`` in GraphQL's shape, with an ``extensions.code``.

Strawberry answers a malformed JSON body, a batch, or a request without a query with a plain
text 4xx. Clients branch on ``extensions.code`` for every error, so this ASGI middleware turns
those answers into ``{"data": null, "errors": [{"message": ..., "extensions": {"code": ...}}]}``
(same status). It touches nothing else: JSON answers and other paths pass through unchanged.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from driftwatch_nb.core.errors import ErrorCode

CODES = {
    400: ErrorCode.BAD_REQUEST,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
}


class GraphQLShapedErrors:
    """Rewrite plain-text error answers of ``path`` as GraphQL error documents."""

    def __init__(self, app: ASGIApp, *, path: str = "/graphql") -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].rstrip("/") != self.path:
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = {k.lower(): v for k, v in message.get("headers", [])}
                content_type = headers.get(b"content-type", b"").decode("latin-1")
                if message["status"] >= 400 and content_type.startswith("text/plain"):
                    start = message
                    return
                await send(message)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            body.append(message.get("body", b""))
            if not message.get("more_body", False):
                await send_json(start["status"], b"".join(body).decode("utf-8", "replace"))

        async def send_json(status: int, text: str) -> None:
            document: dict[str, Any] = {
                "data": None,
                "errors": [
                    {
                        "message": text.strip() or "the request was refused",
                        "extensions": {"code": str(CODES.get(status, ErrorCode.BAD_REQUEST))},
                    }
                ],
            }
            payload = json.dumps(document).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(payload)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": payload})

        await self.app(scope, receive, send=capture)


class LimitRequestBody:
    """Refuse a body over ``max_bytes`` on ``path`` with 413 PAYLOAD_TOO_LARGE, in GraphQL's
    shape: at once when ``Content-Length`` says so, and as soon as a chunked body goes over."""

    def __init__(self, app: ASGIApp, *, path: str, max_bytes: int) -> None:
        self.app = app
        self.path = path
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].rstrip("/") != self.path:
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        from driftwatch_nb.core.limits import size_text

        document = {
            "data": None,
            "errors": [
                {
                    "message": f"the request body is over {size_text(self.max_bytes)}",
                    "extensions": {"code": str(ErrorCode.PAYLOAD_TOO_LARGE)},
                }
            ],
        }
        payload = json.dumps(document).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})


class _BodyTooLarge(Exception):
    pass
