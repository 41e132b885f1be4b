"""Server-side commands: ``serve``, ``db upgrade`` and ``admin ...``.

They need the ``[server]`` extra; without it they say how to install it.
"""

from __future__ import annotations

import argparse
from typing import Any

from driftwatch_nb.core.commands import abort, info


def register(commands: Any) -> None:
    """Add the server commands to the top-level parser."""
    serve = commands.add_parser(
        "serve",
        help="run the driftwatch server (SQLite + local storage unless configured otherwise)",
        description="Run the server. Settings come from DRIFTWATCH_* variables (see README). "
        "The database is migrated to the newest schema first; on an empty database an "
        "'admin' user is created and its token printed once.",
    )
    serve.add_argument("--host", help="bind address (env DRIFTWATCH_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (env DRIFTWATCH_PORT, default 8787)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.set_defaults(handler=_serve)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", metavar="COMMAND", required=True)
    upgrade = db_commands.add_parser("upgrade", help="migrate the database to the newest schema")
    upgrade.set_defaults(handler=_db_upgrade)

    admin = commands.add_parser("admin", help="users, tokens and storage clean-up")
    admin_commands = admin.add_subparsers(dest="admin_command", metavar="COMMAND", required=True)
    create_user = admin_commands.add_parser("create-user", help="create a user and print a token")
    create_user.add_argument("name")
    create_user.add_argument("--admin", action="store_true", help="make the user an admin")
    create_user.set_defaults(handler=_create_user)
    create_token = admin_commands.add_parser("create-token", help="print a new token for a user")
    create_token.add_argument("name", help="the user's name")
    create_token.add_argument("--label", default="", help="a note to recognise the token by")
    create_token.add_argument(
        "--expires-in-days",
        type=int,
        metavar="DAYS",
        help="the token stops working after this many days (default: never)",
    )
    create_token.set_defaults(handler=_create_token)
    list_tokens = admin_commands.add_parser(
        "list-tokens", help="list API tokens (id, user, label, created, expires, last used)"
    )
    list_tokens.add_argument("--user", help="only this user's tokens")
    list_tokens.set_defaults(handler=_list_tokens)
    revoke = admin_commands.add_parser(
        "revoke-token", help="revoke a token by the id list-tokens shows (ends its sessions)"
    )
    revoke.add_argument("token_id", metavar="ID", help="a token id, or its first 8+ characters")
    revoke.set_defaults(handler=_revoke_token)
    sweep = admin_commands.add_parser(
        "sweep", help="delete expired unconfirmed uploads and stored files no report refers to"
    )
    sweep.set_defaults(handler=_sweep)


def _server_modules() -> Any:
    try:
        import uvicorn  # noqa: F401

        import driftwatch_server  # noqa: F401
    except ImportError as exc:
        abort(
            f"the server is not installed ({exc.name} is missing); "
            "install it with: pip install 'driftwatch-nb[server]'"
        )
    from driftwatch_server import config, db, migrate

    return config, db, migrate


def _prepared_engine(settings: Any) -> Any:
    """An engine on a migrated database (creating the data directory for SQLite)."""
    _, db, migrate = _server_modules()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = db.create_db_engine(settings.resolved_database_url)
    try:
        migrate.upgrade_to_head(engine)
    except Exception as exc:  # noqa: BLE001 - a connection problem is a user-facing error
        abort(f"cannot migrate the database at {engine.url!r}: {exc.__class__.__name__}: {exc}")
    return engine


def _serve(args: argparse.Namespace) -> int:
    config, db, _ = _server_modules()
    overrides = {key: value for key in ("host", "port") if (value := getattr(args, key))}
    settings = config.Settings(**overrides)
    engine = _prepared_engine(settings)
    from driftwatch_server.auth import ensure_admin
    from driftwatch_server.replicas import StorageNotShared, claim_local_storage
    from driftwatch_server.storage import LocalStorage, get_storage

    storage = get_storage(settings)
    if isinstance(storage, LocalStorage):
        try:
            claim_local_storage(engine, storage)
        except StorageNotShared as exc:
            abort(str(exc))
    with db.session_scope(engine) as session:
        token = ensure_admin(session)
    if token:
        info("Created the user 'admin'. Its API token (shown only this once):")
        info(f"  {token}")
        info(f"Use it with: driftwatch login --url {settings.resolved_public_url} --token {token}")
    info(f"driftwatch server on {settings.resolved_public_url} (database: {engine.url!r})")
    engine.dispose()

    import os

    import uvicorn

    # Workers rebuild settings from the environment, so pass the CLI overrides through it.
    for key, value in overrides.items():
        os.environ[f"DRIFTWATCH_{key.upper()}"] = str(value)
    options: dict[str, Any] = {
        "factory": True,
        "host": settings.host,
        "port": settings.port,
        "log_level": "warning",
        # Requests still running when Ctrl-C comes get this long, then are cut.
        "timeout_graceful_shutdown": STOP_GRACE_SECONDS,
    }
    if args.workers > 1:
        info("Ctrl-C stops the server")
        uvicorn.run("driftwatch_server.app:create_app", workers=args.workers, **options)
        return 0
    info("Ctrl-C stops the server")
    server = _stopping_server(uvicorn)(
        uvicorn.Config("driftwatch_server.app:create_app", **options)
    )
    _quiet_cancelled_requests()
    import contextlib

    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the Ctrl-C it handled
        server.run()
    info("driftwatch: stopped")
    return 0


def _quiet_cancelled_requests() -> None:
    """Requests cut at the end of the grace period are not errors worth a traceback each."""
    import asyncio
    import logging

    def keep(record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        while exc is not None:
            if isinstance(exc, asyncio.CancelledError):
                return False
            exc = exc.__context__
        return True

    logging.getLogger("uvicorn.error").addFilter(keep)


STOP_GRACE_SECONDS = 0.5
"""How long ``serve`` lets requests in flight finish after Ctrl-C (it stops within 2 s)."""


def _stopping_server(uvicorn: Any) -> Any:
    class StoppingServer(uvicorn.Server):  # type: ignore[misc, name-defined]
        """uvicorn's server, saying that it stops and what it waits for."""

        def handle_exit(self, sig: int, frame: Any) -> None:
            if not self.should_exit:
                in_flight = len(self.server_state.tasks)
                waits = (
                    f"waiting up to {STOP_GRACE_SECONDS} s for {in_flight} request(s) in flight"
                    if in_flight
                    else "no request in flight"
                )
                info(f"driftwatch: stopping ({waits}; Ctrl-C again to stop at once)")
            super().handle_exit(sig, frame)

    return StoppingServer


def _db_upgrade(_args: argparse.Namespace) -> int:
    config, _, _ = _server_modules()
    settings = config.Settings()
    engine = _prepared_engine(settings)
    info(f"database at {engine.url!r} is at the newest schema")
    return 0


def _create_user(args: argparse.Namespace) -> int:
    config, db, _ = _server_modules()
    from driftwatch_nb.core.errors import ApiError
    from driftwatch_server.auth import create_user, issue_token

    engine = _prepared_engine(config.Settings())
    try:
        with db.session_scope(engine) as session:
            user = create_user(session, name=args.name, is_admin=args.admin)
            token = issue_token(session, user=user, label="created by admin")
    except ApiError as exc:
        abort(exc.message)
    print(token)
    return 0


def _create_token(args: argparse.Namespace) -> int:
    config, db, _ = _server_modules()
    import datetime as dt

    from driftwatch_nb.core.errors import ApiError
    from driftwatch_server.auth import issue_token, user_named

    engine = _prepared_engine(config.Settings())
    if args.expires_in_days is not None and args.expires_in_days <= 0:
        abort("--expires-in-days must be a positive number of days")
    lifetime = dt.timedelta(days=args.expires_in_days) if args.expires_in_days else None
    try:
        with db.session_scope(engine) as session:
            user = user_named(session, args.name)
            if user is None:
                abort(f"no user named {args.name!r}; create one with: driftwatch admin create-user")
            token = issue_token(session, user=user, label=args.label, expires_in=lifetime)
    except ApiError as exc:
        abort(exc.message)
    print(token)
    return 0


def _when(moment: Any) -> str:
    from driftwatch_server.models import as_utc

    return as_utc(moment).strftime("%Y-%m-%d %H:%M") if moment is not None else "-"


def _list_tokens(args: argparse.Namespace) -> int:
    config, db, _ = _server_modules()
    from driftwatch_server.auth import list_tokens, user_named

    engine = _prepared_engine(config.Settings())
    with db.session_scope(engine) as session:
        user = None
        if args.user:
            user = user_named(session, args.user)
            if user is None:
                abort(f"no user named {args.user!r}")
        rows = list_tokens(session, user=user)
        lines = [
            (
                token.id,
                owner.name,
                token.label or "-",
                _when(token.created_at),
                _when(token.expires_at),
                _when(token.last_used_at),
            )
            for token, owner in rows
        ]
    header = ("id", "user", "label", "created (UTC)", "expires", "last used")
    widths = [max(len(str(row[i])) for row in [header, *lines]) for i in range(len(header))]
    for row in [header, *lines]:
        print(
            "  ".join(
                str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)
            ).rstrip()
        )
    return 0


def _revoke_token(args: argparse.Namespace) -> int:
    config, db, _ = _server_modules()
    from driftwatch_nb.core.errors import ApiError
    from driftwatch_server.auth import revoke_token

    engine = _prepared_engine(config.Settings())
    try:
        with db.session_scope(engine) as session:
            row = revoke_token(session, args.token_id)
            label = f" ({row.label})" if row.label else ""
    except ApiError as exc:
        abort(exc.message)
    info(f"revoked token {row.id}{label}; its dashboard sessions ended too")
    return 0


def _sweep(_args: argparse.Namespace) -> int:
    config, db, _ = _server_modules()
    import datetime as dt

    from driftwatch_server.flamegraphs import sweep
    from driftwatch_server.storage import get_storage

    settings = config.Settings()
    engine = _prepared_engine(settings)
    min_age = dt.timedelta(seconds=settings.pending_upload_ttl_seconds)
    with db.session_scope(engine) as session:
        result = sweep(session, get_storage(settings), min_age=min_age)
    info(
        f"swept {result.expired_uploads} expired upload(s), "
        f"{result.orphan_objects} stored file(s) with no report and "
        f"{result.partial_uploads} interrupted upload(s)"
    )
    return 0
