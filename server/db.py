"""Engine and sessions. The schema comes from Alembic (see ``driftwatch_server.migrate``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session


def create_db_engine(database_url: str, **kwargs: Any) -> Engine:
    """An engine for SQLite or PostgreSQL with the settings driftwatch relies on.

    SQLite gets foreign keys switched on (deleting a report cascades to its rows) and a
    busy timeout, so several workers can share one file.
    """
    if database_url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = sa.create_engine(database_url, **kwargs)

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return sa.create_engine(database_url, **kwargs)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def dialect_insert(session: Session, table: sa.Table) -> Any:
    """An INSERT for the session's database, with its ``on_conflict_do_*`` (the SQLite and
    PostgreSQL constructs share that API)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)
