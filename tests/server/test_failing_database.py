"""A lost or full database is named, with a code, everywhere (issue 15, item 5).

- lost: every authenticated call got a plain-text HTTP 500 and ``/healthz`` said ``ok``;
- full: ``createReport`` and ``createFlamegraphUploadUrl`` said "Unexpected error.".

Both databases fail for real: PostgreSQL's database is dropped (and a ``disk_full`` error is
raised by the server itself), SQLite's file is taken away (and the file is capped with
``max_page_count``, so SQLite itself answers "database or disk is full").
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from driftwatch_nb import Client
from tests.cli.helpers import clean_env, driftwatch
from tests.support.server import LiveServer

UPLOAD_URL = """mutation { createFlamegraphUploadUrl(projectSlug: "demo", fileName: "a.svg",
  fileSize: 100) { storagePath } }"""


def lose_database(live_server: LiveServer, request: pytest.FixtureRequest) -> None:
    engine = live_server.engine
    if engine.dialect.name == "sqlite":
        path = Path(str(engine.url.database))
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{path}{suffix}").exists():
                os.replace(f"{path}{suffix}", f"{path}{suffix}.lost")
        path.mkdir()  # nothing can open it any more
    else:
        admin: Engine = request.getfixturevalue("postgres_admin_engine")
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE "{engine.url.database}" WITH (FORCE)'))
        engine.dispose()


def graphql(live_server: LiveServer, query: str) -> httpx.Response:
    return httpx.post(
        f"{live_server.url}/graphql",
        json={"query": query},
        headers={"Authorization": f"Bearer {live_server.token}"},
        timeout=120,  # a 400-benchmark report on a loaded 2-core machine can take over 5 s
    )


def test_a_lost_database_is_service_unavailable_and_unhealthy(
    live_server: LiveServer, request: pytest.FixtureRequest
) -> None:
    healthy = httpx.get(f"{live_server.url}/healthz")
    assert healthy.status_code == 200
    assert healthy.json() == {"status": "ok", "database": "ok", "storage": "ok", "ready": True}

    lose_database(live_server, request)

    response = graphql(live_server, "query { projects { slug } }")
    assert response.status_code == 503
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert "database is unavailable" in error["message"]

    health = httpx.get(f"{live_server.url}/healthz")
    assert health.status_code == 503
    body = health.json()
    assert body["status"] == "unavailable"
    assert body["database"].startswith("unavailable: the database is unavailable")
    assert body["storage"] == "ok"
    assert body["ready"] is False

    env = clean_env(DRIFTWATCH_URL=live_server.url, DRIFTWATCH_TOKEN=live_server.token)
    listed = driftwatch("reports", "-p", "demo", env=env)
    assert listed.returncode != 0
    assert "the database is unavailable" in listed.stderr, listed.stderr


def fill_the_database(live_server: LiveServer) -> None:
    """Make further inserts fail with the database's own "disk full" error."""
    engine = live_server.engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "CREATE FUNCTION disk_full() RETURNS trigger AS $$ BEGIN "
                    "RAISE EXCEPTION 'could not extend file: No space left on device' "
                    "USING ERRCODE = 'disk_full'; END $$ LANGUAGE plpgsql"
                )
            )
            for table in ("reports", "pending_uploads"):
                connection.execute(
                    sa.text(
                        f"CREATE TRIGGER {table}_disk_full BEFORE INSERT ON {table} "
                        "FOR EACH ROW EXECUTE FUNCTION disk_full()"
                    )
                )
        return

    @sa.event.listens_for(engine, "connect")
    def _cap(dbapi_connection: object, _record: object) -> None:
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count = {pages}")
        cursor.close()

    engine.dispose()
    # Fill the last page of pending_uploads: appends then have nowhere to go.
    failures = 0
    with engine.connect() as connection:
        project_id = connection.execute(sa.text("select id from projects")).scalar_one()
        user_id = connection.execute(sa.text("select owner_id from projects")).scalar_one()
        connection.rollback()
        while failures < 30:
            try:
                with connection.begin():
                    connection.execute(
                        sa.text(
                            "insert into pending_uploads (id, storage_path, project_id, user_id, "
                            "expires_at) values (:id, :path, :project, :user, :at)"
                        ),
                        {
                            "id": str(uuid.uuid4()),
                            "path": "f/" + uuid.uuid4().hex,  # smaller than any real row
                            "project": project_id,
                            "user": user_id,
                            # Expired: filler, not counted against the project's
                            # cap on unconfirmed uploads (issue 13, item 4).
                            "at": dt.datetime.now(dt.UTC) - dt.timedelta(days=1),
                        },
                    )
            except sa.exc.OperationalError as exc:
                assert "full" in str(exc)
                failures += 1


def test_a_full_database_is_named_by_create_report_and_upload_urls(
    live_server: LiveServer,
) -> None:
    client = Client(live_server.url, live_server.token, retries=1)
    client.create_project("demo")
    fill_the_database(live_server)

    now = dt.datetime.now(dt.UTC).isoformat()
    # Big enough to need new pages: SQLite cannot fit it in the space it has.
    results = ", ".join(
        f'{{ benchmark: "{"b" * 190}{index}", measures: [{{ measure: "latency", value: 1 }}] }}'
        for index in range(400)
    )
    report = (
        f'mutation {{ createReport(input: {{ projectSlug: "demo", branch: "main", '
        f'startTime: "{now}", endTime: "{now}", results: [{results}] }}) {{ id }} }}'
    )
    for query in (report, UPLOAD_URL):
        response = graphql(live_server, query)
        assert "errors" in response.json(), (query[:40], response.json())
        (error,) = response.json()["errors"]
        assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE", error
        assert "out of disk space" in error["message"]
        assert "Unexpected error" not in error["message"]
