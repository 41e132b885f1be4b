"""Shared fixtures: real databases (SQLite and PostgreSQL), real storage, a real server.

Every database test runs twice, on SQLite and on PostgreSQL. PostgreSQL must be reachable
(``DRIFTWATCH_TEST_POSTGRES_URL``, default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``):
when it is not, those tests fail with a message saying so; they never skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from tests.support.server import LiveServer, free_port, start_server

__all__ = ["LiveServer", "free_port", "start_server"]  # older imports from conftest

POSTGRES_URL = os.environ.get(
    "DRIFTWATCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
DATABASE_KINDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def postgres_admin_engine() -> Iterator[Engine]:
    """A connection to the PostgreSQL server, used to create one database per test."""
    engine = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("select 1"))
    except Exception as exc:  # noqa: BLE001
        pytest.fail(
            f"PostgreSQL is required at {POSTGRES_URL} ({exc.__class__.__name__}: {exc}); "
            "start it or set DRIFTWATCH_TEST_POSTGRES_URL",
            pytrace=False,
        )
    yield engine
    engine.dispose()


@pytest.fixture(params=DATABASE_KINDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh PostgreSQL database dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'driftwatch.db'}"
        return
    admin: Engine = request.getfixturevalue("postgres_admin_engine")
    name = f"dw_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a database migrated to head by Alembic."""
    from driftwatch_server.db import create_db_engine
    from driftwatch_server.migrate import upgrade_to_head

    engine = create_db_engine(database_url)
    upgrade_to_head(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def live_server(
    engine: Engine, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[LiveServer]:
    """A real server (GraphQL + embedded storage) on a free port, with two users; a test's
    ``@pytest.mark.server_settings(field=value, ...)`` overrides its ``Settings``."""
    from driftwatch_server.app import create_app
    from driftwatch_server.auth import create_user, issue_token
    from driftwatch_server.config import Settings
    from driftwatch_server.db import session_scope

    port = free_port()
    data_dir = tmp_path / "data"
    settings = Settings(
        data_dir=data_dir,
        database_url=engine.url.render_as_string(hide_password=False),
        port=port,
        secret_key="test-secret-key-" + uuid.uuid4().hex,
    )
    marker = request.node.get_closest_marker("server_settings")
    if marker is not None:
        settings = settings.model_copy(update=marker.kwargs)
    with session_scope(engine) as session:
        token = issue_token(session, user=create_user(session, name="alice"))
        other = issue_token(session, user=create_user(session, name="mallory"))
    app = create_app(settings, engine=engine)
    server, thread = start_server(app, port)
    yield LiveServer(
        url=f"http://127.0.0.1:{port}",
        token=token,
        other_token=other,
        engine=engine,
        data_dir=data_dir,
        settings=settings,
        app=app,
    )
    server.should_exit = True  # type: ignore[attr-defined]
    thread.join(timeout=10)
    app.state.stacks_worker.close()  # no recovery writes into a database being dropped


# The fast tier (`make test-fast`): tests that need no database, server, browser or JupyterLab.
_INTEGRATION_FIXTURES = frozenset(
    {"database_url", "engine", "live_server", "postgres_admin_engine"}
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs a real part ``integration``; the rest is the fast tier."""
    for item in items:
        needs = _INTEGRATION_FIXTURES & set(getattr(item, "fixturenames", ()))
        if needs or item.get_closest_marker("browser") or item.get_closest_marker("jupyter"):
            item.add_marker(pytest.mark.integration)
