"""Replicas that do not share the embedded storage refuse to start (issue 15, item 4).

Before, a second replica with its own data directory started, took uploads the first could not
see, and a confirm on the wrong replica deleted the pending row, so the retry failed too.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from driftwatch_nb import Client, InvalidInput
from driftwatch_nb.flamegraph import render_flamegraph
from tests.cli.helpers import clean_env, driftwatch
from tests.support.server import LiveServer


def settings_for(engine: Engine, data_dir: Path, secret: str):  # type: ignore[no-untyped-def]
    from driftwatch_server.config import Settings

    return Settings(
        data_dir=data_dir,
        database_url=engine.url.render_as_string(hide_password=False),
        secret_key=secret,
    )


def test_a_replica_with_its_own_data_directory_refuses_to_start(
    engine: Engine, tmp_path: Path
) -> None:
    from driftwatch_server.app import create_app
    from driftwatch_server.replicas import StorageNotShared

    secret = uuid.uuid4().hex
    create_app(settings_for(engine, tmp_path / "shared", secret), engine=engine)
    # A second replica sharing the directory starts.
    create_app(settings_for(engine, tmp_path / "shared", secret), engine=engine)
    with pytest.raises(StorageNotShared, match="must share one DRIFTWATCH_DATA_DIR"):
        create_app(settings_for(engine, tmp_path / "elsewhere", secret), engine=engine)

    # And `driftwatch serve` says so and exits, before listening.
    env = clean_env(
        DRIFTWATCH_DATA_DIR=str(tmp_path / "elsewhere"),
        DRIFTWATCH_DATABASE_URL=engine.url.render_as_string(hide_password=False),
        DRIFTWATCH_SECRET_KEY=secret,
        DRIFTWATCH_PORT="9",
    )
    served = driftwatch("serve", env=env)
    assert served.returncode != 0
    assert "must share one DRIFTWATCH_DATA_DIR" in served.stderr


def test_confirming_before_the_object_is_visible_keeps_the_pending_upload(
    live_server: LiveServer,
) -> None:
    import datetime as dt

    client = Client(live_server.url, live_server.token, retries=1)
    client.create_project("demo")
    now = dt.datetime.now(dt.UTC)
    report = client.create_report(
        "demo", "main", {"b": {"latency": 1.0}}, start_time=now, end_time=now
    )
    svg = render_flamegraph({"main;a": 2}, title="t")
    issued = client.get_flamegraph_upload_url("demo", "cpu.svg", len(svg))

    with pytest.raises(InvalidInput, match="nothing was uploaded"):
        client.confirm_flamegraph_upload(report.id, issued.storage_path, "cpu.svg", len(svg))
    with live_server.engine.connect() as connection:
        pending = connection.execute(sa.text("select count(*) from pending_uploads")).scalar_one()
    assert pending == 1, "the pending upload survives a confirm that came too early"

    put = httpx.put(issued.upload_url, content=svg, headers={"Content-Type": "image/svg+xml"})
    assert put.status_code == 200
    flamegraph = client.confirm_flamegraph_upload(
        report.id, issued.storage_path, "cpu.svg", len(svg)
    )
    assert httpx.get(client.flamegraph_url(flamegraph.id)).content == svg
