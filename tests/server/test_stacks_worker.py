"""Stacks ready before anyone asks (issue 11): after the confirm of a foreign SVG, the app's
background worker stores its stacks with no read request; a picture gets its PICTURE_ONLY row;
``serve`` catches up on flamegraphs confirmed while no worker ran; the lazy path and the worker
racing each other store one row and agree. On SQLite and PostgreSQL (the ``live_server``)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from driftwatch_nb import Client
from driftwatch_nb.core.profiles import embedded_stacks, unpack_stacks
from driftwatch_server.stacks_worker import StacksWorker
from tests.support.profiles import flamegraph_pl_svg
from tests.support.server import LiveServer
from tests.test_profiles import BASE

PICTURE = b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="3"/></svg>'
WAIT_SECONDS = 60


@pytest.fixture
def client(live_server: LiveServer) -> Client:
    client = Client(live_server.url, live_server.token)
    client.create_project("prof")
    return client


def attach(client: Client, data: bytes, name: str) -> str:
    report = client.create_report("prof", "main", {"parse": {"latency": 1.0}})
    return client.attach_flamegraph(report, data, file_name=name, benchmark="parse").id


def stored_rows(engine: sa.Engine, flamegraph_id: str) -> list[tuple[str, bytes, str | None]]:
    with engine.connect() as connection:
        return [
            (status, bytes(data), note)
            for status, data, note in connection.execute(
                sa.text(
                    "select status, data, note from flamegraph_stacks where flamegraph_id = :id"
                ),
                {"id": flamegraph_id},
            )
        ]


def wait_for_row(engine: sa.Engine, flamegraph_id: str) -> tuple[str, bytes, str | None]:
    """Poll the database (never the API: no read may trigger the recovery) for the row."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        rows = stored_rows(engine, flamegraph_id)
        if rows:
            assert len(rows) == 1
            return rows[0]
        time.sleep(0.05)
    raise AssertionError(f"no stacks row for flamegraph {flamegraph_id} after {WAIT_SECONDS} s")


def local_storage(live_server: LiveServer):  # noqa: ANN201
    from driftwatch_server.storage import LocalStorage

    return LocalStorage(
        live_server.storage_dir,
        public_url=live_server.url,
        secret_key=live_server.settings.secret_key,
    )


def test_a_foreign_flamegraph_gets_its_stacks_without_any_read(
    live_server: LiveServer, client: Client
) -> None:
    svg = flamegraph_pl_svg(BASE)
    assert embedded_stacks(svg) is None  # only the frames say what the stacks are
    flamegraph_id = attach(client, svg, "base.svg")
    status, data, _note = wait_for_row(live_server.engine, flamegraph_id)
    assert status == "READY"
    assert unpack_stacks(data) == BASE
    assert client.flamegraph_stacks(flamegraph_id) == BASE
    assert len(stored_rows(live_server.engine, flamegraph_id)) == 1


def test_a_picture_gets_its_picture_only_row_without_any_read(
    live_server: LiveServer, client: Client
) -> None:
    flamegraph_id = attach(client, PICTURE, "logo.svg")
    status, data, note = wait_for_row(live_server.engine, flamegraph_id)
    assert status == "PICTURE_ONLY" and data == b""
    assert note is not None and "kept as a picture" in note


@pytest.mark.server_settings(stacks_workers=0)
def test_serve_catches_up_on_flamegraphs_confirmed_while_no_worker_ran(
    live_server: LiveServer, client: Client
) -> None:
    from fastapi.testclient import TestClient

    from driftwatch_server.app import create_app

    assert not live_server.app.state.stacks_worker.enabled
    flamegraph_id = attach(client, flamegraph_pl_svg(BASE), "base.svg")
    picture_id = attach(client, PICTURE, "logo.svg")
    assert stored_rows(live_server.engine, flamegraph_id) == []
    # `driftwatch serve` starting again with the worker on (uvicorn runs the lifespan).
    settings = live_server.settings.model_copy(update={"stacks_workers": 1})
    app = create_app(settings, engine=live_server.engine)
    with TestClient(app):
        status, data, _note = wait_for_row(live_server.engine, flamegraph_id)
        assert wait_for_row(live_server.engine, picture_id)[0] == "PICTURE_ONLY"
    assert status == "READY" and unpack_stacks(data) == BASE
    assert app.state.stacks_worker.catch_up() == 0  # closed with the lifespan


@pytest.mark.server_settings(stacks_workers=0)
def test_reads_racing_the_worker_store_one_row_and_agree(
    live_server: LiveServer, client: Client
) -> None:
    from driftwatch_server.stacks_worker import recover_stacks

    flamegraph_id = attach(client, flamegraph_pl_svg(BASE), "base.svg")
    storage = local_storage(live_server)
    start = threading.Barrier(6)

    def worker_side() -> dict[str, int]:
        start.wait()
        row = recover_stacks(live_server.engine, storage, flamegraph_id)
        assert row is not None and row.status == "READY"
        return unpack_stacks(row.data)

    def reader_side() -> dict[str, int]:
        reader = Client(live_server.url, live_server.token)
        start.wait()
        return reader.flamegraph_stacks(flamegraph_id)

    with ThreadPoolExecutor(6) as pool:
        futures = [pool.submit(worker_side) for _ in range(3)]
        futures += [pool.submit(reader_side) for _ in range(3)]
        results = [future.result(timeout=WAIT_SECONDS) for future in futures]
    assert results == [BASE] * 6
    assert len(stored_rows(live_server.engine, flamegraph_id)) == 1
    # The worker, asked again, finds the row instead of storing another.
    again = recover_stacks(live_server.engine, storage, flamegraph_id)
    assert again is not None and unpack_stacks(again.data) == BASE


@pytest.mark.server_settings(stacks_workers=0)
def test_a_read_during_the_workers_recovery_waits_for_it_instead_of_parsing_again(
    live_server: LiveServer, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    import driftwatch_server.flamegraphs as service
    from driftwatch_server.stacks_parse import read_stacks

    flamegraph_id = attach(client, flamegraph_pl_svg(BASE), "base.svg")
    parsing, release = threading.Event(), threading.Event()

    class Held(StacksWorker):
        def _parse_in_child(self, data: bytes, file_name: str):  # noqa: ANN202
            parsing.set()
            release.wait(WAIT_SECONDS)
            return read_stacks(data, file_name=file_name)

    def second_parse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the reader parsed the SVG beside the worker")

    monkeypatch.setattr(service, "read_stacks", second_parse)
    worker = Held(live_server.engine, local_storage(live_server), workers=1, queue_limit=4)
    try:
        assert worker.submit(flamegraph_id)
        assert parsing.wait(WAIT_SECONDS)
        with ThreadPoolExecutor(1) as pool:
            read = pool.submit(
                Client(live_server.url, live_server.token).flamegraph_stacks, flamegraph_id
            )
            time.sleep(0.5)  # let the request reach the stacks (ordering, not a timing check)
            assert not read.done()  # it waits for the worker...
            release.set()
            assert read.result(timeout=WAIT_SECONDS) == BASE  # ...and answers with its row
    finally:
        release.set()
        worker.close()
    assert len(stored_rows(live_server.engine, flamegraph_id)) == 1


def test_the_worker_skips_a_flamegraph_deleted_before_its_turn(live_server: LiveServer) -> None:
    from driftwatch_server.stacks_worker import recover_stacks

    assert recover_stacks(live_server.engine, local_storage(live_server), "no-such-id") is None


# -- the bounds, without a database -------------------------------------------------------------


class _Blocked(StacksWorker):
    """A worker whose recoveries wait for ``release``, recording which ran."""

    def __init__(self, **kwargs: int) -> None:
        super().__init__(None, None, **kwargs)  # type: ignore[arg-type]
        self.release = threading.Event()
        self.running = threading.Semaphore(0)
        self.ran: list[str] = []
        self.lock = threading.Lock()
        self.at_once = 0
        self.most_at_once = 0

    def _recover(self, flamegraph_id: str) -> None:
        with self.lock:
            self.at_once += 1
            self.most_at_once = max(self.most_at_once, self.at_once)
        self.running.release()
        self.release.wait(WAIT_SECONDS)
        with self.lock:
            self.at_once -= 1
            self.ran.append(flamegraph_id)


def test_the_queue_is_bounded_and_a_flamegraph_is_queued_once() -> None:
    worker = _Blocked(workers=2, queue_limit=3)
    assert worker.submit("a") and worker.submit("b")
    assert not worker.submit("a")  # already queued
    assert worker.submit("c")
    assert not worker.submit("d")  # the queue is full
    assert worker.pending() == 3
    for _ in range(2):
        assert worker.running.acquire(timeout=WAIT_SECONDS)
    assert not worker.running.acquire(timeout=0.3)  # the third waits while two run
    worker.release.set()
    assert worker.running.acquire(timeout=WAIT_SECONDS)
    deadline = time.monotonic() + WAIT_SECONDS
    while worker.pending() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert worker.pending() == 0
    assert sorted(worker.ran) == ["a", "b", "c"]
    assert worker.most_at_once == 2  # never more than `workers` recoveries at once
    assert worker.submit("d")  # room again
    worker.close(wait=True)
    assert not worker.submit("e")  # closed


def test_no_worker_when_switched_off() -> None:
    worker = _Blocked(workers=0, queue_limit=3)
    assert not worker.enabled
    assert not worker.submit("a")
    assert worker.catch_up() == 0
    assert worker.ran == []
