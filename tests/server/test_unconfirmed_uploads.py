"""Issue 13, item 4: unconfirmed uploads cannot fill the storage. Supabase Storage does not hold
a chunked PUT to the bucket's 10 MiB, so an oversized unconfirmed object is swept at the next
scheduled sweep (not after the pending-upload lifetime), and a project holds at most
``MAX_PENDING_UPLOADS_PER_PROJECT`` unconfirmed uploads."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from driftwatch_nb import Client
from driftwatch_nb.core.errors import RateLimited
from driftwatch_nb.core.limits import MAX_FLAMEGRAPH_BYTES, MAX_PENDING_UPLOADS_PER_PROJECT
from tests.support.server import LiveServer


@pytest.fixture
def client(live_server: LiveServer) -> Client:
    client = Client(live_server.url, live_server.token, retries=1)
    client.create_project("demo")
    return client


def let_through_oversized(live_server: LiveServer, storage_path: str) -> Path:
    """What a chunked PUT leaves on a Supabase that does not enforce the limit."""
    target = live_server.storage_dir / "flamegraphs" / storage_path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"x" * (2 * MAX_FLAMEGRAPH_BYTES))
    return target


def test_the_sweep_removes_an_oversized_unconfirmed_object_at_once(
    live_server: LiveServer, client: Client
) -> None:
    from driftwatch_server.db import session_scope
    from driftwatch_server.flamegraphs import sweep
    from driftwatch_server.storage import LocalStorage

    upload = client.get_flamegraph_upload_url("demo", "big.svg", 1000)
    target = let_through_oversized(live_server, upload.storage_path)
    storage = LocalStorage(
        live_server.storage_dir,
        public_url=live_server.url,
        secret_key=live_server.settings.secret_key,
    )
    assert storage.info(upload.storage_path).size == 2 * MAX_FLAMEGRAPH_BYTES
    with session_scope(live_server.engine) as session:
        result = sweep(session, storage)
    assert result.oversized_uploads == 1
    assert not target.exists()


def test_serve_sweeps_on_a_schedule(live_server: LiveServer, client: Client) -> None:
    from fastapi.testclient import TestClient

    from driftwatch_server.app import create_app

    upload = client.get_flamegraph_upload_url("demo", "big.svg", 1000)
    target = let_through_oversized(live_server, upload.storage_path)
    settings = live_server.settings.model_copy(update={"sweep_interval_seconds": 1})
    app = create_app(settings, engine=live_server.engine)
    with TestClient(app):  # runs the lifespan, as uvicorn does under `driftwatch serve`
        deadline = time.monotonic() + 30
        while target.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    assert not target.exists()


def test_a_project_holds_a_bounded_number_of_unconfirmed_uploads(client: Client) -> None:
    for index in range(MAX_PENDING_UPLOADS_PER_PROJECT):
        client.get_flamegraph_upload_url("demo", f"f{index}.svg", 1000)
    with pytest.raises(RateLimited, match="unconfirmed uploads"):
        client.get_flamegraph_upload_url("demo", "one-more.svg", 1000)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_chunked_put_over_the_limit_is_refused_by_the_embedded_backend(
    live_server: LiveServer, client: Client
) -> None:
    upload = client.get_flamegraph_upload_url("demo", "big.svg", 1000)

    def chunks():
        for _ in range(2 * MAX_FLAMEGRAPH_BYTES // 65536):
            yield b"x" * 65536

    response = httpx.put(
        upload.upload_url, content=chunks(), headers={"Content-Type": "image/svg+xml"}, timeout=60
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 400 and response.json()["statusCode"] == "413"
    assert live_server.stored_files() == []
