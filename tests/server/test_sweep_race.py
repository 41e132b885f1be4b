"""The sweep beside uploads in flight loses nothing, on SQLite and PostgreSQL (issue 15, item 1).

Upload chains (upload URL -> PUT -> confirm) run in threads while the sweep runs in a loop with
no minimum age, so only its transactional re-check protects fresh objects. Afterwards every
flamegraph row has its file and every file has its row.
"""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from driftwatch_nb import Client
from driftwatch_nb.flamegraph import render_flamegraph
from tests.support.server import LiveServer

CHAINS = 60
THREADS = 6


def sweep_loop(live_server: LiveServer, stop: threading.Event, counts: list[int]) -> None:
    from driftwatch_server.db import session_scope
    from driftwatch_server.flamegraphs import sweep
    from driftwatch_server.storage import get_storage

    storage = get_storage(live_server.settings)  # type: ignore[arg-type]
    while not stop.is_set():
        with session_scope(live_server.engine) as session:
            result = sweep(session, storage, min_age=dt.timedelta(0))
        counts.append(result.orphan_objects + result.expired_uploads)


def files_and_rows(live_server: LiveServer) -> tuple[set[str], set[str]]:
    root = live_server.storage_dir / "flamegraphs"
    files = {path.relative_to(root).as_posix() for path in live_server.stored_files()}
    with live_server.engine.connect() as connection:
        rows = set(connection.execute(sa.text("select storage_path from flamegraphs")).scalars())
    return files, rows


def test_sweep_in_a_loop_beside_upload_chains_deletes_no_confirmed_file(
    live_server: LiveServer,
) -> None:
    setup = Client(live_server.url, live_server.token, retries=1)
    setup.create_project("race")
    now = dt.datetime.now(dt.UTC)
    report = setup.create_report(
        "race", "main", {"b": {"latency": 1.0}}, start_time=now, end_time=now
    )
    svg = render_flamegraph({"main;work": 10, "main;idle": 5}, title="race")

    local = threading.local()

    def chain(number: int) -> str:
        if not hasattr(local, "client"):
            local.client = Client(live_server.url, live_server.token, retries=1)
        client: Client = local.client
        flamegraph = client.attach_flamegraph(
            report.id, svg, file_name=f"chain{number}.svg", project="race"
        )
        return flamegraph.id

    stop = threading.Event()
    counts: list[int] = []
    sweeper = threading.Thread(target=sweep_loop, args=(live_server, stop, counts))
    sweeper.start()
    try:
        with ThreadPoolExecutor(THREADS) as pool:
            ids = list(pool.map(chain, range(CHAINS)))
    finally:
        stop.set()
        sweeper.join(timeout=60)
    assert len(counts) >= 2, "the sweep ran beside the uploads"

    files, rows = files_and_rows(live_server)
    assert len(set(ids)) == CHAINS
    assert len(rows) == CHAINS
    assert rows - files == set(), f"{len(rows - files)} of {len(rows)} flamegraphs lost files"
    assert files == rows, "every stored file belongs to a flamegraph"
    # And every confirmed flamegraph still reads back.
    assert all(f.url for f in setup.report(report.id).flamegraphs)


def test_the_sweep_never_removes_the_part_file_of_an_upload_in_flight(
    live_server: LiveServer,
) -> None:
    from driftwatch_server.db import session_scope
    from driftwatch_server.flamegraphs import sweep
    from driftwatch_server.storage import get_storage

    storage = get_storage(live_server.settings)  # type: ignore[arg-type]
    writer = storage.open_writer("projects/p/flamegraphs/x.svg", content_type="image/svg+xml")  # type: ignore[attr-defined]
    writer.write(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    with session_scope(live_server.engine) as session:
        assert sweep(session, storage, min_age=dt.timedelta(0)).partial_uploads == 0
    assert writer.commit().size > 0, "the upload in flight still completes"
