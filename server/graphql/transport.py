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
