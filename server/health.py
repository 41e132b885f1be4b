"""What is down: database and storage checks for ``/healthz``, and the errors clients get.

A database that is unreachable or full, or a storage that fails, is reported to clients as
``SERVICE_UNAVAILABLE`` naming the part and the cause (never as "Unexpected error."), and
``/healthz`` answers 503 while the database is down.
"""

from __future__ import annotations

import errno
import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from driftwatch_nb.core.errors import ServiceUnavailable
from driftwatch_server.storage.base import StorageBackend, StorageError, StorageUnreachable

log = logging.getLogger(__name__)

_DISK_FULL_SQLSTATES = {"53100"}  # PostgreSQL disk_full


def _is_disk_full(exc: BaseException) -> bool:
    # Follow every link: SQLite rolls back on SQLITE_FULL, so what surfaces may be a later
    # "no such savepoint" whose context is the real cause.
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno == errno.ENOSPC:
            return True
        if getattr(current, "sqlstate", None) in _DISK_FULL_SQLSTATES:
            return True
        # sqlite3 reports SQLITE_FULL as "database or disk is full".
        if "disk is full" in str(current) or "No space left on device" in str(current):
            return True
        for link in (getattr(current, "orig", None), current.__cause__, current.__context__):
            if isinstance(link, BaseException):
                pending.append(link)
    return False


def service_unavailable_for(exc: BaseException) -> ServiceUnavailable | None:
    """The client-facing error for a failing database, disk or storage; ``None`` otherwise."""
    if isinstance(exc, sa.exc.DBAPIError | sa.exc.DisconnectionError):
        if _is_disk_full(exc):
            return ServiceUnavailable(
                "the database is out of disk space; nothing was saved. Free space on the "
                "database's disk and try again"
            )
        if isinstance(
            exc, sa.exc.OperationalError | sa.exc.InterfaceError | sa.exc.DisconnectionError
        ):
            return ServiceUnavailable(
                "the database is unavailable (it cannot be reached or opened); nothing was "
                "saved. Check that the database is running, then try again"
            )
        return None
    if isinstance(exc, StorageUnreachable):
        return ServiceUnavailable(str(exc))
    if isinstance(exc, StorageError):
        return ServiceUnavailable(f"the storage failed: {exc}")
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return ServiceUnavailable("the server's disk is full; nothing was saved")
    return None


def check_database(engine: Engine) -> str:
    """``"ok"``, or what is wrong with the database."""
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("select 1 from users limit 1"))
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        log.warning("health check: database failed: %s", exc)
        mapped = service_unavailable_for(exc)
        return f"unavailable: {mapped.message if mapped else exc.__class__.__name__}"
    return "ok"


def check_storage(storage: StorageBackend) -> str:
    """``"ok"``, or what is wrong with the storage (``check()`` where the backend has one)."""
    check: Any = getattr(storage, "check", None)
    if check is None:
        return "ok"
    try:
        check()
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        log.warning("health check: storage failed: %s", exc)
        return f"unavailable: {exc}"
    return "ok"
