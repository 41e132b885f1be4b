"""Plain HTTP endpoints beside GraphQL: the bulk metrics export.

``GET /api/projects/{slug}/metrics[.arrow|.csv]`` streams a project's metrics (see
``driftwatch_server.export``). It is authorized like GraphQL: ``Authorization: Bearer`` (or the
dashboard's session cookie), and another user's project is the same 404 ``NOT_FOUND`` as in
GraphQL. Errors come in GraphQL's shape (``{"errors": [{"message", "extensions"}]}``) so the
client maps them to the same exception classes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from sqlmodel import Session

from driftwatch_nb.core.errors import ApiError, AuthenticationError, ErrorCode
from driftwatch_nb.core.export import ARROW_MEDIA_TYPE, CSV_MEDIA_TYPE, MAX_ROWS_HEADER
from driftwatch_server import export
from driftwatch_server.models import User
from driftwatch_server.reports import owned_project
from driftwatch_server.web.sessions import COOKIE_NAME, session_user

log = logging.getLogger(__name__)

_STATUS = {
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.BAD_USER_INPUT: 400,
}

NO_TOKEN = (
    "send an API token as 'Authorization: Bearer <token>' "
    "(create one with `driftwatch admin create-token`)"
)
TOKEN_REFUSED = (
    "the server refused this token (revoked, expired, mistyped, or for another server); check "
    "it with `driftwatch login`, or ask for a new one (`driftwatch admin create-token`)"
)


def error_response(error: ApiError) -> JSONResponse:
    """An ``ApiError`` as GraphQL shapes it, with the matching HTTP status."""
    body = {"data": None, "errors": [{"message": error.message, "extensions": error.extensions}]}
    return JSONResponse(body, status_code=_STATUS.get(error.code, 500))


def build_api_router(current_user: Callable[..., Any]) -> APIRouter:
    """The ``/api`` routes; ``current_user`` is the app's bearer-token dependency (it also
    applies the bad-token back-off)."""
    router = APIRouter()

    def export_metrics(
        request: Request, slug: str, user: User | None, format_from_path: str | None
    ) -> Response:
        engine = request.app.state.engine
        settings = request.app.state.settings
        try:
            if user is None and not request.headers.get("authorization"):
                user = _cookie_user(request)
            if user is None:
                refused = getattr(request.state, "token_refused", False)
                raise AuthenticationError(TOKEN_REFUSED if refused else NO_TOKEN)
            wanted = export.parse_filter(
                list(request.query_params.multi_items()), format_from_path=format_from_path
            )
            with Session(engine, expire_on_commit=False) as session:
                project = owned_project(session, user=user, slug=slug)
                resolved = export.resolve(session, project=project, request=wanted)
        except ApiError as error:
            return error_response(error)
        max_rows = settings.export_max_rows
        batches = export.row_batches(engine, resolved, max_rows=max_rows)
        if wanted.format == "csv":
            body = export.csv_stream(batches, samples=wanted.samples)
            media_type, suffix = CSV_MEDIA_TYPE, "csv"
        else:
            body = export.arrow_stream(batches, samples=wanted.samples)
            media_type, suffix = ARROW_MEDIA_TYPE, "arrow"
        headers = {
            "Content-Disposition": f'attachment; filename="{slug}-metrics.{suffix}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            MAX_ROWS_HEADER: str(max_rows),
        }
        return StreamingResponse(_logged(body, slug=slug), media_type=media_type, headers=headers)

    @router.get("/api/projects/{slug}/metrics.arrow", include_in_schema=False)
    def metrics_arrow(
        request: Request, slug: str, user: User | None = Depends(current_user)
    ) -> Response:
        """The project's metrics as an Arrow IPC stream."""
        return export_metrics(request, slug, user, "arrow")

    @router.get("/api/projects/{slug}/metrics.csv", include_in_schema=False)
    def metrics_csv(
        request: Request, slug: str, user: User | None = Depends(current_user)
    ) -> Response:
        """The project's metrics as CSV."""
        return export_metrics(request, slug, user, "csv")

    @router.get("/api/projects/{slug}/metrics", include_in_schema=False)
    def metrics(request: Request, slug: str, user: User | None = Depends(current_user)) -> Response:
        """The project's metrics, as ``format`` says (``arrow``, the default, or ``csv``)."""
        return export_metrics(request, slug, user, None)

    return router


def _cookie_user(request: Request) -> User | None:
    value = request.cookies.get(COOKIE_NAME)
    if not value:
        return None
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        return session_user(session, value, secret_key=request.app.state.secret_key)


def _logged(body: Iterator[bytes], *, slug: str) -> Iterator[bytes]:
    """Pass the stream on; a failure mid-stream is logged and cuts the response (the client
    sees an incomplete body, never a shorter export that looks whole)."""
    try:
        yield from body
    except export.ExportTooLarge as exc:
        log.warning("metrics export of %r cut: %s", slug, exc)
        raise
    except Exception:
        log.exception("metrics export of %r failed mid-stream", slug)
        raise
