"""Ingest throughput of ``createReport`` over HTTP, on SQLite and PostgreSQL.

    python -m bench.bench_ingest [--workers 4] [--clients 4] [--reports 40] [--kinds ...]

For each database a real ``driftwatch serve --workers N`` runs on loopback (detection on, as
by default). Measured, all in the same run:

- throughput: ``--clients`` concurrent clients (one testbed each, like a CI matrix) post
  reports of 40 metrics (20 benchmarks x latency and throughput) onto a growing history;
  reports/s over all of them (goal on PostgreSQL with 4 clients: at least 100 reports/s);
- latency of one report of 2,000 metrics (1,000 benchmarks x 2 measures) over HTTP, median,
  onto a history of ``--history`` reports (inserted directly beforehand) so that detection
  judges every series on a real window (goal: under 1 s);
- SQL statements per ``create_report`` of 40 and of 2,000 metrics, counted in process on the
  same database (goal: the same number for both);
- in process, interleaved round by round on the same database: the service time of the
  row-by-row writer (``tests/server/_reference_ingest.py``, the code before the bulk one) and
  of ``create_report``, for 40 and for 2,000 metrics onto a history, detection on; the ratio
  is the gain in the same run whatever else loads the machine;
- floor: a kept-alive ``{ me { name } }`` request against the same server, so the reports/s
  can be read against what the server does per request without any ingest work.

PostgreSQL: ``DRIFTWATCH_TEST_POSTGRES_URL`` (default the test server); a scratch database is
created and dropped.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bench.bench_drift_cost import database
from tests.support.server import free_port

DRIFTWATCH = str(Path(sys.executable).parent / "driftwatch")
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
MUTATION = "mutation($input: ReportInput!) { createReport(input: $input) { id } }"
GOAL_RATE = 100.0
GOAL_LATENCY = 1.0


def report_input(
    *, slug: str, testbed: str, index: int, benchmarks: int, rng: random.Random
) -> dict[str, Any]:
    """A ``ReportInput`` of ``benchmarks`` x (latency, throughput), the ``index``-th in time."""
    start = (START + dt.timedelta(minutes=index)).isoformat()
    return {
        "projectSlug": slug,
        "branch": "main",
        "testbed": testbed,
        "startTime": start,
        "endTime": start,
        "results": [
            {
                "benchmark": f"bench_{b:04d}",
                "measures": [
                    {"measure": "latency", "value": (1000 + b) * (1 + rng.gauss(0, 0.02))},
                    {"measure": "throughput", "value": (50 + b) * (1 + rng.gauss(0, 0.02))},
                ],
            }
            for b in range(benchmarks)
        ],
    }


def prepare(engine: Engine) -> str:
    """A user with a token and the projects the bench writes to; returns the token."""
    from driftwatch_server.auth import create_user, issue_token
    from driftwatch_server.db import session_scope
    from driftwatch_server.reports import create_project

    with session_scope(engine) as session:
        user = create_user(session, name="bench")
        for slug in ("rate", "big", "count"):
            create_project(session, owner=user, slug=slug, name=None)
        return issue_token(session, user=user)


@contextmanager
def server(engine: Engine, workers: int) -> Iterator[str]:
    """``driftwatch serve --workers`` on ``engine``'s database; yields its URL."""
    data_dir = Path(tempfile.mkdtemp(prefix="driftwatch-bench-ingest-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTWATCH_")}
    env.update(
        DRIFTWATCH_DATA_DIR=str(data_dir),
        DRIFTWATCH_DATABASE_URL=engine.url.render_as_string(hide_password=False),
        DRIFTWATCH_PORT=str(port),
        DRIFTWATCH_SECRET_KEY=uuid.uuid4().hex,
    )
    process = subprocess.Popen(
        [DRIFTWATCH, "serve", "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit(f"serve --workers {workers} did not start")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(30)


def post(client: httpx.Client, payload: dict[str, Any]) -> None:
    response = client.post("/graphql", json={"query": MUTATION, "variables": {"input": payload}})
    body = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise SystemExit(f"createReport failed: {response.status_code} {body}")


def throughput(url: str, token: str, *, clients: int, reports: int) -> float:
    """Reports/s of ``clients`` threads posting ``reports`` 40-metric reports each."""
    headers = {"Authorization": f"Bearer {token}"}
    sessions = [httpx.Client(base_url=url, headers=headers, timeout=120) for _ in range(clients)]
    payloads = [
        [
            report_input(slug="rate", testbed=f"ci-{c}", index=i, benchmarks=20, rng=rng)
            for i in range(reports + 5)
        ]
        for c in range(clients)
        for rng in [random.Random(c)]
    ]
    for c, client in enumerate(sessions):  # warm up: benchmarks, series, connections
        for payload in payloads[c][:5]:
            post(client, payload)
    barrier = threading.Barrier(clients + 1)
    failures: list[BaseException] = []

    def run(c: int) -> None:
        barrier.wait()
        try:
            for payload in payloads[c][5:]:
                post(sessions[c], payload)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    for client in sessions:
        client.close()
    if failures:
        raise SystemExit(f"a client failed: {failures[0]}")
    return clients * reports / elapsed


def floor_rate(url: str, token: str, *, clients: int, requests: int) -> float:
    """Requests/s of a trivial authenticated query with the same clients: the ceiling the
    server's per-request work allows."""
    headers = {"Authorization": f"Bearer {token}"}
    query = {"query": "query { me { name } }"}

    def run(client: httpx.Client) -> None:
        for _ in range(requests):
            client.post("/graphql", json=query).raise_for_status()

    sessions = [httpx.Client(base_url=url, headers=headers, timeout=60) for _ in range(clients)]
    for client in sessions:
        run(client)
    threads = [threading.Thread(target=run, args=(client,)) for client in sessions]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    for client in sessions:
        client.close()
    return clients * requests / elapsed


def seed_history(engine: Engine, *, slug: str, benchmarks: int, reports: int) -> None:
    """``reports`` reports of ``benchmarks`` x 2 metrics on main/ci, inserted in bulk, with the
    values ``report_input`` would send."""
    from driftwatch_server.db import session_scope
    from driftwatch_server.models import Benchmark, Branch, Metric, Project, Report, Testbed

    with session_scope(engine) as session:
        project = session.execute(sa.select(Project).where(Project.slug == slug)).scalar_one()
        branch = Branch(project_id=project.id, name="main")
        testbed = Testbed(project_id=project.id, name="ci")
        marks = [Benchmark(project_id=project.id, name=f"bench_{b:04d}") for b in range(benchmarks)]
        session.add_all([branch, testbed, *marks])
        session.flush()
        ids = project.id, branch.id, testbed.id, [mark.id for mark in marks]
    project_id, branch_id, testbed_id, benchmark_ids = ids
    rng = random.Random(3)
    report_rows, metric_rows = [], []
    for index in range(reports):
        report_id = str(uuid.uuid4())
        start = START + dt.timedelta(minutes=index)
        report_rows.append(
            {
                "id": report_id, "project_id": project_id, "branch_id": branch_id,
                "testbed_id": testbed_id, "git_hash": None, "adapter": "json",
                "start_time": start, "end_time": start, "created_at": start,
            }
        )  # fmt: skip
        payload = report_input(slug=slug, testbed="ci", index=index, benchmarks=benchmarks, rng=rng)
        for benchmark_id, result in zip(benchmark_ids, payload["results"], strict=True):
            for measure in result["measures"]:
                metric_rows.append(
                    {
                        "id": str(uuid.uuid4()), "report_id": report_id,
                        "benchmark_id": benchmark_id, "measure": measure["measure"],
                        "value": measure["value"], "lower_value": None, "upper_value": None,
                        "branch_id": branch_id, "testbed_id": testbed_id, "start_time": start,
                        "samples": None,
                    }
                )  # fmt: skip
    with engine.begin() as connection:
        connection.execute(sa.insert(Report.__table__), report_rows)  # type: ignore[attr-defined]
        connection.execute(sa.insert(Metric.__table__), metric_rows)  # type: ignore[attr-defined]
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(sa.text("ANALYZE"))


def big_latency(url: str, token: str, *, history: int, rounds: int) -> float:
    """Median seconds of one 2,000-metric createReport over HTTP onto ``history`` reports
    (after one warm-up, which also rebuilds the detector's cached windows)."""
    rng = random.Random(99)
    with httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120
    ) as client:
        post(
            client, report_input(slug="big", testbed="ci", index=history, benchmarks=1000, rng=rng)
        )
        samples = []
        for index in range(history + 1, history + rounds + 1):
            payload = report_input(slug="big", testbed="ci", index=index, benchmarks=1000, rng=rng)
            began = time.perf_counter()
            post(client, payload)
            samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def statements(engine: Engine, benchmarks: int, index: int) -> int:
    """SQL statements of one in-process ``create_report`` of ``benchmarks`` x 2 metrics onto
    existing benchmarks and series."""
    from driftwatch_server.auth import user_named
    from driftwatch_server.db import session_scope
    from driftwatch_server.reports import MeasureValue, ReportCreate, create_report

    rng = random.Random(index)
    raw = report_input(slug="count", testbed="ci", index=index, benchmarks=benchmarks, rng=rng)
    start = dt.datetime.fromisoformat(raw["startTime"])
    data = ReportCreate(
        project_slug="count",
        branch="main",
        testbed="ci",
        start_time=start,
        end_time=start,
        values=[
            MeasureValue(benchmark=r["benchmark"], measure=m["measure"], value=m["value"])
            for r in raw["results"]
            for m in r["measures"]
        ],
    )
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    with session_scope(engine) as session:
        user = user_named(session, "bench")
        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            create_report(session, user=user, data=data)
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)
    return len(seen)


def service_times(
    engine: Engine, *, benchmarks: int, history: int, rounds: int
) -> dict[str, float]:
    """Median seconds of one in-process report of ``benchmarks`` x 2 metrics, through the
    row-by-row reference writer and through ``create_report``, in alternate rounds, each on
    its own project seeded with ``history`` reports."""
    from driftwatch_server.auth import user_named
    from driftwatch_server.db import session_scope
    from driftwatch_server.reports import MeasureValue, ReportCreate, create_project, create_report
    from tests.server._reference_ingest import reference_create_report

    writers = {"row-by-row": reference_create_report, "bulk": create_report}
    with session_scope(engine) as session:
        user = user_named(session, "bench")
        for name in writers:
            create_project(session, owner=user, slug=f"{name}-{benchmarks}", name=None)
    for name in writers:
        seed_history(engine, slug=f"{name}-{benchmarks}", benchmarks=benchmarks, reports=history)
    samples: dict[str, list[float]] = {name: [] for name in writers}
    for index in range(history, history + rounds + 1):
        for name, write in writers.items():
            rng = random.Random(index)
            slug = f"{name}-{benchmarks}"
            raw = report_input(slug=slug, testbed="ci", index=index, benchmarks=benchmarks, rng=rng)
            start = dt.datetime.fromisoformat(raw["startTime"])
            data = ReportCreate(
                project_slug=slug,
                branch="main",
                testbed="ci",
                start_time=start,
                end_time=start,
                values=[
                    MeasureValue(benchmark=r["benchmark"], measure=m["measure"], value=m["value"])
                    for r in raw["results"]
                    for m in r["measures"]
                ],
            )
            began = time.perf_counter()
            with session_scope(engine) as session:
                write(session, user=user_named(session, "bench"), data=data)
            if index > history:  # the first one rebuilds the detector's cached windows
                samples[name].append(time.perf_counter() - began)
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4, help="server worker processes")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients")
    parser.add_argument("--reports", type=int, default=25, help="timed reports per client")
    parser.add_argument("--rounds", type=int, default=5, help="timed 2,000-metric reports")
    parser.add_argument(
        "--history", type=int, default=30, help="reports of history under the 2,000-metric ones"
    )
    parser.add_argument("--kinds", default="sqlite,postgresql")
    args = parser.parse_args()
    failed = False
    for kind in args.kinds.split(","):
        with database(kind) as engine:
            token = prepare(engine)
            seed_history(engine, slug="big", benchmarks=1000, reports=args.history)
            # Statements first (in process, its own project), then the server's numbers.
            statements(engine, 20, 0)
            statements(engine, 1000, 1)
            small, large = statements(engine, 20, 2), statements(engine, 1000, 3)
            print(
                f"[{kind}] SQL statements per createReport: 40 metrics {small}, "
                f"2,000 metrics {large} (goal: equal)"
            )
            for benchmarks, rounds in ((20, 9), (1000, 3)):
                times = service_times(
                    engine, benchmarks=benchmarks, history=args.history, rounds=rounds
                )
                old, new = times["row-by-row"], times["bulk"]
                print(
                    f"[{kind}] in process, {2 * benchmarks:,} metrics onto {args.history} "
                    f"reports: row-by-row {old * 1e3:.0f} ms, bulk {new * 1e3:.0f} ms, "
                    f"ratio {new / old:.2f}"
                )
            with server(engine, args.workers) as url:
                floor = floor_rate(url, token, clients=args.clients, requests=100)
                rate = throughput(url, token, clients=args.clients, reports=args.reports)
                latency = big_latency(url, token, history=args.history, rounds=args.rounds)
            print(
                f"[{kind}] workers={args.workers} clients={args.clients}: "
                f"{rate:.1f} reports/s of 40 metrics (goal >= {GOAL_RATE:.0f} on PostgreSQL); "
                f"floor {floor:.0f} trivial requests/s, ratio {rate / floor:.3f}"
            )
            print(
                f"[{kind}] one report of 2,000 metrics onto {args.history} reports, over HTTP: "
                f"{latency * 1e3:.0f} ms "
                f"(goal < {GOAL_LATENCY * 1e3:.0f} ms)"
            )
            failed |= latency > GOAL_LATENCY or small != large
            if kind == "postgresql":
                failed |= rate < GOAL_RATE
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
