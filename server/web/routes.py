"""The dashboard: sign-in, the project list and ``/workspaces/{slug}`` with its Reports tab.

Pages read their data through the same GraphQL schema as every other client, executed
in-process with the signed-in user's context. The flamegraph viewer is the notebook widget's
own front-end module (``driftwatch_nb/core/static/viewer.js``), served at ``/static/viewer.js``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import anyio.to_thread
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from fastapi.templating import Jinja2Templates
from sqlmodel import Session
from strawberry.types import ExecutionResult

from driftwatch_nb.core.graphql import operation
from driftwatch_nb.core.history import series_from_history, sparkline_points
from driftwatch_server.auth import client_address
from driftwatch_server.graphql.context import Context
from driftwatch_server.graphql.schema import schema
from driftwatch_server.models import User
from driftwatch_server.storage import LocalStorage
from driftwatch_server.storage.routes import SVG_SECURITY_HEADERS
from driftwatch_server.web import format as fmt
from driftwatch_server.web.sessions import (
    COOKIE_NAME,
    SESSION_LIFETIME,
    end_session,
    issue_session,
    session_user,
)

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
TEMPLATES.env.filters.update(
    nanoseconds=fmt.format_measure, bytes=fmt.format_bytes, when=fmt.format_time
)

PROJECTS_QUERY = operation("ProjectsPage")
WORKSPACE_QUERY = operation("WorkspacePage")
FLAMEGRAPH_URL_QUERY = operation("FlamegraphUrl")
FLAMEGRAPH_STACKS_QUERY = operation("FlamegraphStacks")
ALERTS_QUERY = operation("AlertsPage")
UPDATE_ALERT = operation("UpdateAlert")
BENCHMARKS_QUERY = operation("BenchmarksPage")
BENCHMARK_SERIES_QUERY = operation("BenchmarkSeries")
BENCHMARK_QUERY = operation("BenchmarkPage")
ALERT_DIFF_SVG_QUERY = operation("AlertDiffSvg")
ALERT_DIFF_STACKS_QUERY = operation("AlertDiffStacks")
FLAMEGRAPH_DIFF_QUERY = operation("FlamegraphDiff")
BENCHMARK_ALERT_QUERY = operation("BenchmarkAlert")
DIFF_SHAPES = {"head": "HEAD", "base": "BASE"}
PAGE_SIZE = 20
ALERTS_SHOWN = 50
SPARKLINE_POINTS = 30
BENCHMARK_HISTORY = 500
DIFF_FUNCTIONS = 10
CHART_SERIES = 6  # the chart's palette
ALERT_ACTIONS = {"acknowledge": "ACKNOWLEDGED", "dismiss": "DISMISSED", "reopen": "ACTIVE"}


def content_security_policy(storage_origin: str | None) -> str:
    """Our pages run only our own scripts; SVG is fetched, sanitized and inlined as markup."""
    connect = "'self'" + (f" {storage_origin}" if storage_origin else "")
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data: blob:; connect-src {connect}; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'self'"
    )


def build_dashboard_router() -> APIRouter:
    """Routes of the dashboard; mounted at the root of the app."""
    router = APIRouter(include_in_schema=False)

    @router.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next_path: str = Query("/", alias="next")) -> Response:
        context = {"error": None, "next": _safe_next(next_path)}
        return _page(request, "login.html", context, user=None)

    @router.post("/login", response_class=HTMLResponse)
    def login(
        request: Request,
        token: str = Form(default=""),
        next_path: str = Form(default="/", alias="next"),
    ) -> Response:
        if not _same_origin(request):
            return _cross_site_refused(request)
        cookie = None
        if token.strip():
            with Session(request.app.state.engine, expire_on_commit=False) as session:
                cookie = issue_session(session, token.strip(), secret_key=_secret(request))
        address = client_address(request)
        throttle = request.app.state.token_throttle
        if cookie is None and token.strip() and throttle.retry_after(address) > 0:
            wait = throttle.failed(address)
            message = f"Too many tokens that were not accepted: try again in {wait:.0f} s."
            context = {"error": message, "next": _safe_next(next_path)}
            response = _page(request, "login.html", context, user=None, status_code=429)
            response.headers["Retry-After"] = str(max(1, round(wait)))
            return response
        if cookie is None and token.strip():
            throttle.failed(address)
        if cookie is None:
            message = (
                "That token was not accepted. Paste an API token as printed by "
                "`driftwatch serve` or `driftwatch admin create-token`."
            )
            context = {"error": message, "next": _safe_next(next_path)}
            return _page(request, "login.html", context, user=None, status_code=401)
        response = RedirectResponse(_safe_next(next_path), status_code=303)
        response.set_cookie(
            COOKIE_NAME,
            cookie,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            max_age=int(SESSION_LIFETIME.total_seconds()),
        )
        return response

    @router.post("/logout")
    def logout(request: Request) -> Response:
        if not _same_origin(request):
            return _cross_site_refused(request)
        with Session(request.app.state.engine) as session:
            end_session(session, request.cookies.get(COOKIE_NAME), secret_key=_secret(request))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE_NAME)
        return response

    @router.get("/", response_class=HTMLResponse)
    async def projects(request: Request) -> Response:
        user = await _session_user_off_loop(request)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        data, codes = await _query(request, user, PROJECTS_QUERY, {})
        if not data and SERVICE_UNAVAILABLE in codes:
            return _unavailable(request, user)
        return _page(request, "projects.html", {"projects": data["projects"]}, user=user)

    @router.get("/workspaces/{slug}", response_class=HTMLResponse)
    async def workspace(
        request: Request,
        slug: str,
        branch: str | None = None,
        after: str | None = None,
        before: str | None = None,
    ) -> Response:
        user = await _session_user_off_loop(request)
        if user is None:
            target = quote(f"/workspaces/{quote(slug, safe='')}", safe="")
            return RedirectResponse(f"/login?next={target}", status_code=303)
        # The pager walks by cursor: a page stays the same while new reports arrive.
        variables = {
            "slug": slug,
            "branch": branch or None,
            "first": PAGE_SIZE,
            "after": after or None,
            "before": None if after else before or None,
        }
        data, codes = await _query(request, user, WORKSPACE_QUERY, variables)
        # Only the project itself missing is a 404: a flamegraph whose file is missing costs
        # its own `url` field (null), never the page. A database or storage that is down is
        # a 503 that says so, never a "not found".
        if (not data or data.get("project") is None) and SERVICE_UNAVAILABLE in codes:
            return _unavailable(request, user)
        if not data or data.get("project") is None:
            return _page(request, "not_found.html", {"slug": slug}, user=user, status_code=404)
        project = data["project"]
        reports = project["reports"]
        for report in reports["nodes"]:
            report["table"] = fmt.metric_table(report["metrics"])
        context = {
            "project": project,
            "tab": "reports",
            "active_count": project["active"]["totalCount"],
            "reports": reports,
            "branch": branch or "",
            "storage_unavailable": SERVICE_UNAVAILABLE in codes,
        }
        # The reports are still worth showing, but the flamegraphs are not reachable: 503.
        status = 503 if SERVICE_UNAVAILABLE in codes else 200
        return _page(request, "workspace.html", context, user=user, status_code=status)

    @router.get("/workspaces/{slug}/alerts", response_class=HTMLResponse)
    async def alerts_tab(request: Request, slug: str) -> Response:
        user = _session_user(request)
        if user is None:
            return _to_login(f"/workspaces/{quote(slug, safe='')}/alerts")
        data, _ = await _query(request, user, ALERTS_QUERY, {"slug": slug, "first": ALERTS_SHOWN})
        if not data or data.get("project") is None:
            return _not_found(request, slug, user)
        project = data["project"]
        context = {
            "project": project,
            "tab": "alerts",
            "active_count": project["active"]["totalCount"],
            "groups": [
                ("active", "Active", project["active"]),
                ("acknowledged", "Acknowledged", project["acknowledged"]),
                ("dismissed", "Dismissed", project["dismissed"]),
            ],
        }
        return _page(request, "alerts.html", context, user=user)

    @router.post("/workspaces/{slug}/alerts/{alert_id}")
    async def update_alert(
        request: Request, slug: str, alert_id: str, action: str = Form(default="")
    ) -> Response:
        """Acknowledge, dismiss or re-open an alert: a same-origin form (Origin/Referer checked,
        the session cookie is SameSite=Strict) by the alert's owner; anyone else gets a 404."""
        if not _same_origin(request):
            return _cross_site_refused(request)
        user = _session_user(request)
        if user is None:
            return _to_login(f"/workspaces/{quote(slug, safe='')}/alerts")
        status = ALERT_ACTIONS.get(action)
        if status is None:
            return PlainTextResponse(f"unknown action {action!r}", status_code=400)
        data, codes = await _query(request, user, UPDATE_ALERT, {"id": alert_id, "status": status})
        updated = (data or {}).get("updateAlert")
        if not updated or updated["projectSlug"] != slug:
            # Another user's alert (or none) is NOT_FOUND in GraphQL: the same 404 as a page.
            return _not_found(request, slug, user)
        target = f"/workspaces/{quote(slug, safe='')}/alerts#alert-{quote(alert_id, safe='')}"
        return RedirectResponse(target, status_code=303)

    @router.get("/workspaces/{slug}/alerts/{alert_id}/diff.svg")
    async def alert_diff_svg(
        request: Request, slug: str, alert_id: str, shape: str = "head"
    ) -> Response:
        """The alert's differential flamegraph (red grew, blue shrank), for the viewer.

        Served like a stored flamegraph (a sandboxing CSP, nosniff): the SVG's function names
        come from profiles. Another user's alert, or one without profiles on both sides, is 404.
        """
        user = _session_user(request)
        if user is None:
            return PlainTextResponse("sign in again", status_code=401)
        if shape not in DIFF_SHAPES:
            return PlainTextResponse("shape must be head or base", status_code=400)
        variables = {"slug": slug, "id": alert_id, "shape": DIFF_SHAPES[shape]}
        data, _ = await _query(request, user, ALERT_DIFF_SVG_QUERY, variables)
        alert = ((data or {}).get("project") or {}).get("alert")
        diff = (alert or {}).get("flamegraphDiff")
        if not diff:
            return PlainTextResponse("not found", status_code=404)
        return _diff_svg_response(diff["svg"])

    @router.get("/workspaces/{slug}/alerts/{alert_id}/diff")
    async def alert_diff(request: Request, slug: str, alert_id: str) -> Response:
        """The alert's profiles compared, as JSON for the dashboard's canvas viewer: the
        summary, the functions ranked the alert's way and both sides' folded stacks
        (``baseFolded``/``headFolded``, bounded). Another user's alert, or one without
        profiles on both sides, is 404."""
        user = await _session_user_off_loop(request)
        if user is None:
            return JSONResponse({"error": "sign in again"}, status_code=401)
        if len(alert_id) > MAX_ID_LENGTH:
            return JSONResponse({"error": "not found"}, status_code=404)
        variables = {"slug": slug, "id": alert_id, "first": DIFF_FUNCTIONS}
        data, _ = await _query(request, user, ALERT_DIFF_STACKS_QUERY, variables)
        alert = ((data or {}).get("project") or {}).get("alert")
        diff = (alert or {}).get("flamegraphDiff")
        if not diff:
            return JSONResponse({"error": "not found"}, status_code=404)
        return JSONResponse(diff, headers={"Cache-Control": "no-store"})

    @router.get("/api/flamegraphs/diff")
    async def flamegraph_diff(request: Request, base: str = "", head: str = "") -> Response:
        """Two of the user's flamegraphs compared (the benchmark page's two selected points):
        the summary, the functions ranked by change in self time and both sides' folded stacks
        (``baseFolded``/``headFolded``, bounded; the canvas draws the diff from them), as JSON.
        Another user's flamegraph is 404."""
        user = await _session_user_off_loop(request)
        if user is None:
            return JSONResponse({"error": "sign in again"}, status_code=401)
        diff, refused = await _two_flamegraphs_diff(
            request, user, base, head, svg=False, folded=True
        )
        if refused is not None:
            return JSONResponse({"error": refused[1]}, status_code=refused[0])
        keys = ("summary", "normalized", "functions", "baseFolded", "headFolded", "foldedOmitted")
        body = {key: diff[key] for key in keys}
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    @router.get("/api/flamegraphs/diff.svg")
    async def flamegraph_diff_svg(
        request: Request, base: str = "", head: str = "", shape: str = "head"
    ) -> Response:
        """The differential flamegraph of two of the user's flamegraphs (red grew, blue
        shrank), served like the alert's: a stored SVG's headers. Another user's is 404."""
        user = await _session_user_off_loop(request)
        if user is None:
            return PlainTextResponse("sign in again", status_code=401)
        if shape not in DIFF_SHAPES:
            return PlainTextResponse("shape must be head or base", status_code=400)
        diff, refused = await _two_flamegraphs_diff(
            request, user, base, head, svg=True, shape=shape
        )
        if refused is not None:
            return PlainTextResponse(refused[1], status_code=refused[0])
        return _diff_svg_response(diff["svg"])

    @router.get("/workspaces/{slug}/benchmarks", response_class=HTMLResponse)
    async def benchmarks_tab(request: Request, slug: str) -> Response:
        user = _session_user(request)
        if user is None:
            return _to_login(f"/workspaces/{quote(slug, safe='')}/benchmarks")
        variables = {"slug": slug, "last": SPARKLINE_POINTS}
        data, _ = await _query(request, user, BENCHMARKS_QUERY, variables)
        if not data or data.get("project") is None:
            return _not_found(request, slug, user)
        project = data["project"]
        # One row per series: each benchmark's latency on each branch that has it (on the
        # branch's newest testbed for it), read in one set-based pass (`Project.series`).
        rows = [
            _series_row(series_from_history(history))
            for history in project["series"]
            if history["points"]
        ]
        context = {
            "project": project,
            "tab": "benchmarks",
            "active_count": project["active"]["totalCount"],
            "rows": rows,
        }
        return _page(request, "benchmarks.html", context, user=user)

    @router.get("/workspaces/{slug}/benchmarks/{benchmark:path}", response_class=HTMLResponse)
    async def benchmark_page(
        request: Request,
        slug: str,
        benchmark: str,
        measure: str = "latency",
        branch: str | None = None,
        page: int = 1,
    ) -> Response:
        user = _session_user(request)
        if user is None:
            path = f"/workspaces/{quote(slug, safe='')}/benchmarks/{quote(benchmark, safe='')}"
            return _to_login(path)
        variables = {
            "slug": slug,
            "benchmark": benchmark,
            "measure": measure,
            "branch": branch or None,
            "last": BENCHMARK_HISTORY,
        }
        data, _ = await _query(request, user, BENCHMARK_QUERY, variables)
        project = (data or {}).get("project")
        if not project or not project.get("history"):
            return _not_found(request, slug, user, benchmark=benchmark)
        series = series_from_history(project["history"])
        chart_series = await _branch_series(request, user, slug, series)
        page = max(1, page)
        newest_first = list(reversed(series["points"]))
        shown = newest_first[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        # The alerts on this series, each with its profiles' diff (computed only for these).
        series_alerts = []
        for found in project["alerts"]["nodes"]:
            if (
                found["benchmark"]["name"] != series["benchmark"]
                or found["branch"]["name"] != series["branch"]
                or found["measure"] != series["measure"]
                or found["testbed"]["name"] != series["testbed"]
            ):
                continue
            one, _ = await _query(
                request, user, BENCHMARK_ALERT_QUERY, {"slug": slug, "id": found["id"]}
            )
            alert = ((one or {}).get("project") or {}).get("alert")
            if alert:
                series_alerts.append(alert)
        context = {
            "project": project,
            "tab": "benchmarks",
            "active_count": project["active"]["totalCount"],
            "alerts": series_alerts,
            "series": series,
            "chart_series": chart_series,
            "row": _series_row(series),
            "points": shown,
            "page": page,
            "has_more": page * PAGE_SIZE < len(newest_first),
            "measure": measure,
            "branch": branch or "",
            "change_reports": {cp["reportId"]: cp for cp in series["changePoints"]},
        }
        return _page(request, "benchmark.html", context, user=user)

    @router.get("/api/flamegraphs/{flamegraph_id}/url")
    async def fresh_flamegraph_url(request: Request, flamegraph_id: str) -> Response:
        """A new signed URL for the viewer when the one in the page has expired."""
        user = await _session_user_off_loop(request)
        if user is None:
            return JSONResponse({"error": "sign in again"}, status_code=401)
        data, codes = await _query(request, user, FLAMEGRAPH_URL_QUERY, {"id": flamegraph_id})
        if not data and SERVICE_UNAVAILABLE in codes:
            return JSONResponse({"error": "the storage is unreachable"}, status_code=503)
        if not data:
            return JSONResponse({"error": "not found"}, status_code=404 if codes else 500)
        return JSONResponse({"url": data["flamegraphUrl"]}, headers={"Cache-Control": "no-store"})

    @router.get("/api/flamegraphs/{flamegraph_id}/stacks")
    async def flamegraph_stacks(request: Request, flamegraph_id: str) -> Response:
        """The flamegraph's stacks for the viewer, which draws them itself: ``{"status":
        "READY", "folded": "..."}``, or ``{"status": "PICTURE_ONLY"}`` (show the SVG).

        Same origin, session cookie; ownership is the GraphQL resolver's (another user's
        flamegraph is a 404)."""
        user = await _session_user_off_loop(request)
        if user is None:
            return JSONResponse({"error": "sign in again"}, status_code=401)
        data, codes = await _query(request, user, FLAMEGRAPH_STACKS_QUERY, {"id": flamegraph_id})
        if not data and SERVICE_UNAVAILABLE in codes:
            return JSONResponse({"error": "the storage is unreachable"}, status_code=503)
        if not data:
            return JSONResponse({"error": "not found"}, status_code=404 if codes else 500)
        stacks = data["flamegraph"]
        body = {"status": stacks["status"], "unit": stacks["unit"], "note": stacks["note"]}
        if stacks["status"] == "READY":
            body["folded"] = stacks["folded"] or ""
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    return router


async def _branch_series(
    request: Request,
    user: User,
    slug: str,
    shown: dict[str, Any],
) -> list[dict[str, Any]]:
    """The benchmark page's chart: the shown series and the same benchmark and measure on the
    project's other branches (each on its newest testbed for it), ``main`` first, then by
    name; at most ``CHART_SERIES`` series, the shown one always among them. One query
    (``Project.series``) whatever the number of branches."""
    variables = {
        "slug": slug,
        "benchmark": shown["benchmark"],
        "measure": shown["measure"],
        "last": BENCHMARK_HISTORY,
    }
    data, _ = await _query(request, user, BENCHMARK_SERIES_QUERY, variables)
    found = [
        series_from_history(history)
        for history in ((data or {}).get("project") or {}).get("series") or []
        if history["points"] and history["branch"]["name"] != shown["branch"]
    ]
    chart = [shown, *found[: CHART_SERIES - 1]]
    chart.sort(key=lambda s: (s["branch"] != "main", s["branch"]))
    return chart


def _diff_svg_response(svg: str) -> Response:
    """A differential flamegraph, served like a stored flamegraph (a sandboxing CSP, nosniff):
    its function names come from profiles, so it is untrusted markup."""
    return Response(
        svg.encode("utf-8"),
        media_type="image/svg+xml",
        headers={**SVG_SECURITY_HEADERS, "Cache-Control": "no-store"},
    )


DIFF_REFUSALS = {
    "NOT_FOUND": 404,
    "BAD_USER_INPUT": 422,
    "SERVICE_UNAVAILABLE": 503,
    "UNAUTHENTICATED": 401,
}


async def _two_flamegraphs_diff(
    request: Request,
    user: User,
    base: str,
    head: str,
    *,
    svg: bool,
    shape: str = "head",
    folded: bool = False,
) -> tuple[dict[str, Any], tuple[int, str] | None]:
    """``flamegraphDiff`` of two flamegraph ids from a query string, or why not (status and
    message: 400 for missing ids, else the GraphQL error's code mapped to an HTTP status)."""
    if not base or not head:
        return {}, (400, "base and head (flamegraph ids) are required")
    if len(base) > MAX_ID_LENGTH or len(head) > MAX_ID_LENGTH:
        return {}, (404, "not found")
    variables = {
        "baseId": base,
        "headId": head,
        "first": DIFF_FUNCTIONS,
        "withSvg": svg,
        "withFolded": folded,
        "shape": DIFF_SHAPES[shape],
    }
    result = await _execute(request, user, FLAMEGRAPH_DIFF_QUERY, variables)
    diff = (result.data or {}).get("flamegraphDiff")
    if diff:
        return diff, None
    errors = result.errors or []
    code = str((errors[0].extensions or {}).get("code")) if errors else ""
    status = DIFF_REFUSALS.get(code, 500)
    if status == 404:
        return {}, (404, "not found")
    if status == 422:
        return {}, (422, errors[0].message)
    return {}, (status, "the diff could not be computed; try again later")


def _to_login(path: str) -> Response:
    return RedirectResponse(f"/login?next={quote(path, safe='')}", status_code=303)


def _not_found(
    request: Request, slug: str, user: User, *, benchmark: str | None = None
) -> Response:
    context = {"slug": slug, "benchmark": benchmark}
    return _page(request, "not_found.html", context, user=user, status_code=404)


def _series_row(series: dict[str, Any]) -> dict[str, Any]:
    """A Benchmarks-tab row: latest value, change vs the previous segment, sparkline."""
    points = series["points"]
    last_change = series["changePoints"][-1] if series["changePoints"] else None
    values = [p["value"] for p in points[-SPARKLINE_POINTS:]]
    return {
        "benchmark": series["benchmark"],
        "measure": series["measure"],
        "branch": series["branch"],
        "testbed": series["testbed"],
        "latest": points[-1]["value"] if points else None,
        "count": len(points),
        "change": last_change,
        "sparkline": sparkline_points(values),
    }


SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
MAX_ID_LENGTH = 64
"""Longer than any id the server hands out: refused before a query is run."""


def _safe_next(target: str) -> str:
    """Where to go after signing in: a path on this site, never another origin."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if any(ord(char) < 0x20 for char in target):
        return "/"
    return target


def _storage_origin(request: Request) -> str | None:
    """The origin signed URLs point at, which the viewer must be allowed to fetch from.

    The embedded backend's URLs use ``public_url``: when people reach the dashboard under
    another name (``localhost`` vs ``127.0.0.1``, a proxy's host name), ``'self'`` alone would
    make the browser refuse every flamegraph fetch.
    """
    state = request.app.state
    settings = state.settings
    if isinstance(state.storage, LocalStorage):
        base = state.storage.public_url
    elif settings.storage_backend == "supabase" and settings.supabase_url:
        base = settings.supabase_url
    else:
        return None
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def _secret(request: Request) -> str:
    return request.app.state.secret_key


def _session_user(request: Request) -> User | None:
    value = request.cookies.get(COOKIE_NAME)
    if not value:
        return None
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        return session_user(session, value, secret_key=_secret(request))


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def _same_origin(request: Request) -> bool:
    """Whether a state-changing form post comes from this site (login CSRF protection).

    Browsers send ``Origin`` on every POST; a cross-site form's is another origin, or ``null``
    when it hides its origin, and both are refused. Without ``Origin`` the ``Referer`` must be
    ours when present; a request with neither comes from no browser page and is let through.
    """
    allowed = {
        _origin_of(str(request.base_url)),
        _origin_of(request.app.state.settings.resolved_public_url),
    }
    origin = request.headers.get("origin")
    if origin is not None:
        return origin.strip().lower() in allowed
    referer = request.headers.get("referer")
    if referer is not None:
        return _origin_of(referer) in allowed
    return True


def _cross_site_refused(request: Request) -> Response:
    response = PlainTextResponse(
        "Refused: this form was posted from another site. Sign in from the driftwatch "
        "dashboard's own page.",
        status_code=403,
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


async def _session_user_off_loop(request: Request) -> User | None:
    return await anyio.to_thread.run_sync(_session_user, request)


def _unavailable(request: Request, user: User | None) -> Response:
    return _page(request, "unavailable.html", {}, user=user, status_code=503)


async def _execute(
    request: Request, user: User, query: str, variables: dict[str, Any]
) -> ExecutionResult:
    """Run a named operation in a worker thread (its own event loop): the database session is
    synchronous, and the server's loop must stay free for other requests."""
    state = request.app.state

    async def execute() -> Any:
        with Session(state.engine, expire_on_commit=False) as session:
            context = Context(
                session=session, user=user, storage=state.storage, settings=state.settings
            )
            return await schema.execute(query, variable_values=variables, context_value=context)

    return await anyio.to_thread.run_sync(lambda: asyncio.run(execute()))


async def _query(
    request: Request, user: User, query: str, variables: dict[str, Any]
) -> tuple[dict[str, Any], set[str]]:
    """A named operation's data (empty when it failed) and its errors' codes."""
    result = await _execute(request, user, query, variables)
    codes = {str((error.extensions or {}).get("code")) for error in result.errors or []}
    return result.data or {}, codes


def _page(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    user: User | None,
    status_code: int = 200,
) -> Response:
    response = TEMPLATES.TemplateResponse(
        request, template, {**context, "user": user}, status_code=status_code
    )
    response.headers["Content-Security-Policy"] = content_security_policy(_storage_origin(request))
    response.headers["X-Content-Type-Options"] = "nosniff"
    # same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on our own
    # forms, which the CSRF check must refuse.
    response.headers["Referrer-Policy"] = "same-origin"
    return response
