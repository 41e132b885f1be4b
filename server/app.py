"""The FastAPI application: GraphQL API, embedded storage routes and the dashboard."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
import sqlalchemy as sa
import uvicorn
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from sqlmodel import Session
from strawberry.fastapi import GraphQLRouter

from driftwatch_nb.core import VERSION, static_dir
from driftwatch_nb.core.limits import MAX_REQUEST_BYTES
from driftwatch_server.api import build_api_router
from driftwatch_server.auth import BadTokenThrottle, bearer_token, client_address, token_for
from driftwatch_server.config import Settings, get_settings
from driftwatch_server.db import create_db_engine
from driftwatch_server.graphql.context import Context
from driftwatch_server.graphql.schema import schema
from driftwatch_server.graphql.transport import GraphQLShapedErrors, LimitRequestBody
from driftwatch_server.health import check_database, check_storage, service_unavailable_for
from driftwatch_server.models import User
from driftwatch_server.replicas import claim_local_storage
from driftwatch_server.stacks_worker import StacksWorker
from driftwatch_server.storage import (
    PARTIAL_UPLOAD_MAX_IDLE,
    STORAGE_API_PREFIX,
    LocalStorage,
    StorageBackend,
    build_storage_router,
    get_storage,
)
from driftwatch_server.web.routes import build_dashboard_router

log = logging.getLogger(__name__)

VIEWER_STATIC_DIR = static_dir()
DASHBOARD_STATIC_DIR = Path(__file__).parent / "web" / "static"


def get_session(request: Request) -> Iterator[Session]:
    """A database session for one request."""
    engine: Engine = request.app.state.engine
    with Session(engine, expire_on_commit=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


class TokenBackoff(Exception):
    """Too many bad tokens from this address: answer 429 with ``Retry-After``."""

    def __init__(self, wait: float) -> None:
        super().__init__(wait)
        self.wait = wait


def get_current_user(request: Request, session: SessionDep) -> User | None:
    """The user of the request's bearer token, if it sent a valid one.

    A token that was sent but refused marks the request (``token_refused``) so the error can say
    so, and counts against the sender's address (``BadTokenThrottle``); a valid token is always
    accepted, even from an address that is backing off.
    """
    token = bearer_token(request.headers.get("authorization"))
    if not token:
        return None
    found = token_for(session, token)
    if found is not None:
        request.state.token_id = found[1].id
        return found[0]
    throttle: BadTokenThrottle = request.app.state.token_throttle
    address = client_address(request)
    backing_off = throttle.retry_after(address) > 0
    wait = throttle.failed(address)
    if backing_off:
        raise TokenBackoff(wait)
    request.state.token_refused = True
    return None


CurrentUserDep = Annotated[User | None, Depends(get_current_user)]


async def get_context(request: Request, session: SessionDep, user: CurrentUserDep) -> Context:
    """The GraphQL context for one request."""
    state = request.app.state
    return Context(
        session=session,
        user=user,
        storage=state.storage,
        settings=state.settings,
        token_refused=getattr(request.state, "token_refused", False),
        token_id=getattr(request.state, "token_id", None),
        stacks_worker=state.stacks_worker,
    )


class ThreadedGraphQLRouter(GraphQLRouter):
    """Run each operation in a worker thread, on an event loop of its own.

    The resolvers use a synchronous database session; run on the server's event loop, one slow
    request (a large report, a big page) would hold up every other request until it finished.
    Here the server's loop only waits, so other requests are answered meanwhile.
    """

    async def execute_single(self, *args: Any, **kwargs: Any) -> Any:
        run = super().execute_single
        return await anyio.to_thread.run_sync(lambda: asyncio.run(run(*args, **kwargs)))


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Under ``driftwatch serve`` (uvicorn runs the lifespan): queue the flamegraphs confirmed
    without stacks while no worker ran (``StacksWorker.catch_up``), sweep every
    ``sweep_interval_seconds`` (so an unconfirmed upload over the limit, a chunked PUT Supabase
    let through, lives minutes, not the pending-upload lifetime), and stop the stacks worker at
    the end. Replicas may all run it: the sweep is safe beside itself and beside uploads in
    flight, and a stacks row is stored once whoever recovers it."""
    worker: StacksWorker = app.state.stacks_worker
    try:
        await anyio.to_thread.run_sync(worker.catch_up)
    except Exception:  # noqa: BLE001 - the first readers recover them instead
        log.exception("stacks catch-up at start failed")
    interval = app.state.settings.sweep_interval_seconds
    task = asyncio.create_task(_sweep_forever(app, interval)) if interval > 0 else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
        worker.close(wait=False)


async def _sweep_forever(app: FastAPI, interval: int) -> None:
    import datetime as dt

    from driftwatch_server.flamegraphs import sweep

    min_age = dt.timedelta(seconds=app.state.settings.pending_upload_ttl_seconds)

    def run_once() -> None:
        with Session(app.state.engine, expire_on_commit=False) as session:
            result = sweep(session, app.state.storage, min_age=min_age)
        log.info("scheduled sweep: %s", result)
        queued = app.state.stacks_worker.catch_up()
        if queued:
            log.info("stacks catch-up: %d flamegraphs queued", queued)

    while True:
        await asyncio.sleep(interval)
        try:
            await anyio.to_thread.run_sync(run_once)
        except Exception:  # noqa: BLE001 - the next round tries again
            log.exception("scheduled sweep failed")


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    storage: StorageBackend | None = None,
) -> FastAPI:
    """Build the app. The database must already be migrated (``driftwatch db upgrade``)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="driftwatch",
        version=VERSION,
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine or create_db_engine(settings.resolved_database_url)
    app.state.storage = storage or get_storage(settings)
    app.state.storage.ensure_bucket()
    if isinstance(app.state.storage, LocalStorage):
        # Refuse to serve a database whose other servers keep their files elsewhere.
        claim_local_storage(app.state.engine, app.state.storage)
        # Uploads interrupted by a crash (kill -9, power loss) leave hidden .part files.
        app.state.storage.remove_partial_uploads(older_than=PARTIAL_UPLOAD_MAX_IDLE)

    # Owned by the app; its threads start with the first job. The lifespan stops it under
    # `serve`; without one (`serve_in_thread`), its idle threads end at interpreter exit.
    app.state.stacks_worker = StacksWorker(
        app.state.engine,
        app.state.storage,
        workers=settings.stacks_workers,
        queue_limit=settings.stacks_queue_limit,
    )
    app.state.secret_key = settings.resolved_secret_key()
    app.state.token_throttle = BadTokenThrottle()

    # GraphiQL loads its code from a public CDN: off unless DRIFTWATCH_GRAPHIQL=true.
    graphql_ide = "graphiql" if settings.graphiql else None
    app.include_router(
        ThreadedGraphQLRouter(schema, context_getter=get_context, graphql_ide=graphql_ide),
        prefix="/graphql",
    )
    app.add_middleware(GraphQLShapedErrors, path="/graphql")
    app.add_middleware(LimitRequestBody, path="/graphql", max_bytes=MAX_REQUEST_BYTES)
    if isinstance(app.state.storage, LocalStorage):
        app.include_router(build_storage_router(app.state.storage), prefix=STORAGE_API_PREFIX)
    app.include_router(build_api_router(get_current_user))
    app.include_router(build_dashboard_router())
    # The dashboard's viewer is the notebook widget's own front-end module, not a copy.
    app.mount("/static", StaticFiles(directory=VIEWER_STATIC_DIR), name="viewer")
    app.mount("/assets", StaticFiles(directory=DASHBOARD_STATIC_DIR), name="assets")

    @app.exception_handler(TokenBackoff)
    async def token_backoff(request: Request, exc: TokenBackoff) -> Response:
        retry_after = str(max(1, round(exc.wait)))
        error = {
            "message": "too many refused tokens from this address: wait "
            f"{retry_after} s before sending another (a valid token is always accepted)",
            "extensions": {"code": "RATE_LIMITED"},
        }
        return JSONResponse(
            {"data": None, "errors": [error]},
            status_code=429,
            headers={"Retry-After": retry_after},
        )

    @app.exception_handler(sa.exc.DBAPIError)
    @app.exception_handler(sa.exc.DisconnectionError)
    async def database_failed(request: Request, exc: Exception) -> Response:
        # Raised outside GraphQL execution (the token lookup, the dashboard's session):
        # still answered in the API's shape, with a code and what is down.
        mapped = service_unavailable_for(exc)
        if mapped is None:
            raise exc
        log.error("database failure on %s %s", request.method, request.url.path, exc_info=exc)
        if request.url.path.startswith("/graphql"):
            error = {"message": mapped.message, "extensions": mapped.extensions}
            return JSONResponse({"data": None, "errors": [error]}, status_code=503)
        return PlainTextResponse(f"Service unavailable: {mapped.message}.", status_code=503)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> Response:
        """Liveness and readiness: the database (status) and the storage (ready)."""
        database = check_database(app.state.engine)
        storage = check_storage(app.state.storage)
        body = {
            "status": "ok" if database == "ok" else "unavailable",
            "database": database,
            "storage": storage,
            "ready": database == "ok" and storage == "ok",
        }
        return JSONResponse(body, status_code=200 if database == "ok" else 503)

    return app


def serve_in_thread(
    app: FastAPI, *, host: str, port: int, timeout: float = 30.0
) -> tuple[uvicorn.Server, threading.Thread]:
    """Run ``app`` with uvicorn in a daemon thread; returns once it accepts connections.

    Used by ``driftwatch demo``, the benchmarks and the tests. Stop it with
    ``server.should_exit = True``.
    """
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",
            lifespan="off",
            timeout_graceful_shutdown=1,  # requests in flight at stop get 1 s
        )
    )
    thread = threading.Thread(target=server.run, name="driftwatch-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the driftwatch server did not start on {host}:{port}")
        time.sleep(0.02)
    return server, thread
