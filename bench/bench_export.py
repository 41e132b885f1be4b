"""The bulk metrics export against its floor, on SQLite and PostgreSQL.

    python -m bench.bench_export [--reports 10000] [--db sqlite|postgresql|both] [--rounds 5]

A project gets ``--reports`` reports of 20 benchmarks x 2 measures (40 metrics each; 10,000
reports = 400,000 metrics), bulk-inserted. A real server (``driftwatch serve``, a process of its
own) answers the client; every floor is ``pandas.read_sql`` of the same rows from the same
database, measured in the same run, interleaved.

Goals (issue 14, item 3):

* ``Client().metrics(...)`` (the export into a DataFrame) of 100,000 metrics at most 2x
  ``pandas.read_sql`` of the same rows.
* The server's memory does not grow with the export: peak RSS growth of the server process
  (``VmHWM`` after ``clear_refs``) while it streams 100,000 and 400,000 rows, about equal.
* ``Project.history`` of one series at 10,000 reports under 100 ms, in process (service) and
  through GraphQL, with its offline change-point pass timed on its own.

Before/after: ``Client().reports(...).to_pandas()`` of 250 reports (10,000 metrics) the old way
(GraphQL pages with metrics) and the new (``ReportHeaders`` + export), each against its floor;
one benchmark's whole series at 10,000 reports (the old way paged through every report: 108 s
in issue 14; not re-run here) through ``Client().history(last=10000)``.

PostgreSQL: ``DRIFTWATCH_TEST_POSTGRES_URL`` (default the test server); a scratch database is
created and dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bench.bench_drift_cost import database
from tests.support.server import free_port

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
BENCHMARKS = 20
MEASURES = ("latency", "throughput")
PER_REPORT = BENCHMARKS * len(MEASURES)


def seed(engine: Engine, *, reports: int) -> str:
    """The project ``bench`` (branch main, testbed ci) with ``reports`` x 40 metrics; returns a
    token of its owner."""
    from driftwatch_server.auth import create_user, issue_token
    from driftwatch_server.db import session_scope
    from driftwatch_server.models import Benchmark, Branch, Metric, Project, Report, Testbed

    rng = random.Random(3)
    with session_scope(engine) as session:
        user = create_user(session, name="bench")
        token = issue_token(session, user=user)
        project = Project(slug="bench", name="bench", owner_id=user.id)
        session.add(project)
        session.flush()
        branch = Branch(project_id=project.id, name="main")
        testbed = Testbed(project_id=project.id, name="ci")
        marks = [Benchmark(project_id=project.id, name=f"bench_{i:02d}") for i in range(BENCHMARKS)]
        session.add_all([branch, testbed, *marks])
        session.flush()
        ids = (project.id, branch.id, testbed.id, [b.id for b in marks])
    project_id, branch_id, testbed_id, benchmark_ids = ids
    levels = [rng.uniform(1e4, 1e7) for _ in benchmark_ids]
    for first in range(0, reports, 1000):
        report_rows, metric_rows = [], []
        for index in range(first, min(first + 1000, reports)):
            report_id = str(uuid.uuid4())
            start = START + dt.timedelta(hours=index)
            report_rows.append(
                {
                    "id": report_id, "project_id": project_id, "branch_id": branch_id,
                    "testbed_id": testbed_id, "git_hash": f"{index:040x}", "adapter": "json",
                    "start_time": start, "end_time": start, "created_at": start,
                }
            )  # fmt: skip
            for benchmark_id, level in zip(benchmark_ids, levels, strict=True):
                for measure in MEASURES:
                    value = level * (1 + rng.gauss(0, 0.02))
                    metric_rows.append(
                        {
                            "id": str(uuid.uuid4()), "report_id": report_id,
                            "benchmark_id": benchmark_id, "measure": measure, "value": value,
                            "lower_value": value * 0.98, "upper_value": value * 1.02,
                            "branch_id": branch_id, "testbed_id": testbed_id,
                            "start_time": start, "samples": None,
                        }
                    )  # fmt: skip
        with engine.begin() as connection:
            connection.execute(sa.insert(Report.__table__), report_rows)  # type: ignore[attr-defined]
            connection.execute(sa.insert(Metric.__table__), metric_rows)  # type: ignore[attr-defined]
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(sa.text("ANALYZE"))
    return token


class Server:
    """``driftwatch serve`` on the bench database, in a process of its own."""

    def __init__(self, engine: Engine, data_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DRIFTWATCH_DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "DRIFTWATCH_DATA_DIR": str(data_dir),
            "DRIFTWATCH_PORT": str(self.port),
            "DRIFTWATCH_SECRET_KEY": uuid.uuid4().hex,
            "DRIFTWATCH_SWEEP_INTERVAL_SECONDS": "0",
        }
        command = [str(Path(sys.executable).parent / "driftwatch"), "serve"]
        self.process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("the bench server did not start")
            time.sleep(0.2)

    def rss_kib(self, field: str) -> int:
        """``VmRSS`` or ``VmHWM`` (peak) of the server process, in KiB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise RuntimeError(f"no {field} in /proc/{self.process.pid}/status")

    def reset_peak(self) -> None:
        """Reset the process's peak RSS to its current RSS (Linux ``clear_refs`` 5)."""
        Path(f"/proc/{self.process.pid}/clear_refs").write_text("5")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def floor(engine: Engine, **filters: object) -> pd.DataFrame:
    """``pandas.read_sql`` of the export's own query for the same filter."""
    from sqlmodel import Session, select

    from driftwatch_server.export import ExportFilter, export_statement, resolve
    from driftwatch_server.models import Project

    with Session(engine) as session:
        project = session.exec(select(Project).where(Project.slug == "bench")).one()
        resolved = resolve(session, project=project, request=ExportFilter(**filters))  # type: ignore[arg-type]
    with engine.connect() as connection:
        return pd.read_sql(export_statement(resolved), connection)


def interleaved(
    candidates: dict[str, Callable[[], object]],
    rounds: int,
    *,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, float]:
    """Median seconds per call of each candidate, in alternating rounds. ``clock`` may be
    ``time.process_time`` (this process's CPU) for in-process work on a loaded machine."""
    samples: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, call in candidates.items():
            began = clock()
            call()
            samples[name].append(clock() - began)
    return {name: statistics.median(values) for name, values in samples.items()}


def server_memory(server: Server, token: str, until: dt.datetime | None) -> tuple[int, int]:
    """(rows, peak RSS growth in KiB) of the server while it streams one export, which the
    bench reads and discards."""
    params = {"until": until.isoformat()} if until else {}
    server.reset_peak()
    before = server.rss_kib("VmRSS")
    received = 0
    with httpx.stream(
        "GET",
        f"{server.url}/api/projects/bench/metrics.arrow",
        params=params,
        headers={"Authorization": f"Bearer {token}"},
        timeout=300,
    ) as response:
        for chunk in response.iter_bytes():
            received += len(chunk)
    return received, server.rss_kib("VmHWM") - before


def history_timings(engine: Engine, last: int, rounds: int) -> dict[str, float]:
    """Median seconds of one series' ``history`` (service, GraphQL) and of its change-point
    pass alone."""
    from driftwatch_server.alerts import history
    from driftwatch_server.auth import user_named
    from driftwatch_server.config import Settings
    from driftwatch_server.db import session_scope
    from driftwatch_server.drift import detect_change_points
    from driftwatch_server.graphql.context import Context
    from driftwatch_server.graphql.schema import schema
    from driftwatch_server.models import Project
    from driftwatch_server.storage import get_storage

    query = f"""query {{ project(slug: "bench") {{ history(benchmark: "bench_00", last: {last}) {{
      points {{ report {{ id gitHash startTime }} value lowerValue upperValue }}
      changePoints {{ report {{ id }} direction change before after pValue }} }} }} }}"""
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder), secret_key="bench")
        storage = get_storage(settings)
        values: list[float] = []

        def service() -> None:
            with session_scope(engine) as session:
                project = session.exec(sa.select(Project)).scalars().first()
                found = history(session, project=project, benchmark="bench_00", last=last)
                values[:] = [p.value for p in found.points]

        def graphql() -> None:
            with session_scope(engine) as session:
                context = Context(
                    session=session,
                    user=user_named(session, "bench"),
                    storage=storage,
                    settings=settings,
                )
                result = asyncio.run(schema.execute(query, context_value=context))
                assert result.errors is None, result.errors

        service()
        graphql()
        calls = {"service": service, "graphql": graphql}
        timings = interleaved(calls, rounds)
        cpu = interleaved(calls, rounds, clock=time.process_time)
        timings["service cpu"], timings["graphql cpu"] = cpu["service"], cpu["graphql"]
        timings["change points"] = interleaved(
            {"cp": lambda: detect_change_points(values)}, rounds, clock=time.process_time
        )["cp"]
        timings["points"] = len(values)
        return timings


def run(kind: str, *, reports: int, rounds: int) -> None:
    from driftwatch_nb import Client

    print(f"\n== {kind}: {reports:,} reports x {PER_REPORT} metrics = {reports * PER_REPORT:,}")
    with database(kind) as engine, tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        token = seed(engine, reports=reports)
        print(f"seeded in {time.perf_counter() - began:.1f} s")
        server = Server(engine, Path(folder))
        try:
            client = Client(server.url, token, timeout=300)
            quarter = START + dt.timedelta(hours=reports // 4)  # 100,000 metrics at 10k reports

            # -- memory: the server streams 1/4 of the project, then all of it ---------------
            client.metrics("bench", until=START + dt.timedelta(hours=10))  # warm-up
            small_bytes, small_growth = server_memory(server, token, quarter)
            large_bytes, large_growth = server_memory(server, token, None)
            print(
                f"server peak RSS growth while streaming {reports // 4 * PER_REPORT:,} rows "
                f"({small_bytes / 1e6:.1f} MB): {small_growth / 1024:.1f} MiB; "
                f"{reports * PER_REPORT:,} rows ({large_bytes / 1e6:.1f} MB): "
                f"{large_growth / 1024:.1f} MiB; ratio {large_growth / max(small_growth, 1):.2f} "
                "(goal: about 1, not 4)"
            )

            # -- after: Client().metrics() of 1/4 of the project vs read_sql ----------------
            rows = len(floor(engine, until=quarter))
            timings = interleaved(
                {
                    "client": lambda: client.metrics("bench", until=quarter),
                    "floor": lambda: floor(engine, until=quarter),
                },
                rounds,
            )
            print(
                f"Client().metrics() of {rows:,} metrics: {timings['client'] * 1e3:7.0f} ms; "
                f"pandas.read_sql of the same rows: {timings['floor'] * 1e3:7.0f} ms; "
                f"ratio {timings['client'] / timings['floor']:.2f}x (goal <= 2x)"
            )

            # -- before/after: reports(...).to_pandas() of 250 reports ----------------------
            pages = [(0, 100), (100, 100), (200, 50)]
            ids = [
                r.id
                for offset, size in pages
                for r in client.reports("bench", limit=size, offset=offset)
            ]

            def old() -> pd.DataFrame:
                frames = [
                    client._reports_graphql("bench", None, size, offset, False).to_pandas()
                    for offset, size in pages
                ]
                return pd.concat(frames, ignore_index=True)

            def new() -> pd.DataFrame:
                frames = [
                    client.reports("bench", limit=size, offset=offset).to_pandas()
                    for offset, size in pages
                ]
                return pd.concat(frames, ignore_index=True)

            def page_floor() -> pd.DataFrame:
                return pd.concat(
                    [floor(engine, reports=tuple(ids[i : i + 100])) for i in range(0, 250, 100)]
                )

            assert old().equals(new()), "the two paths disagree"
            timings = interleaved({"old": old, "new": new, "floor": page_floor}, rounds)
            metrics = len(page_floor())
            print(
                f"reports(...).to_pandas() of 250 reports ({metrics:,} metrics), 3 pages: "
                f"before (GraphQL) {timings['old'] * 1e3:.0f} ms = "
                f"{timings['old'] / timings['floor']:.1f}x the floor; after (export) "
                f"{timings['new'] * 1e3:.0f} ms = {timings['new'] / timings['floor']:.1f}x; "
                f"floor {timings['floor'] * 1e3:.0f} ms"
            )

            # -- one benchmark over all reports ---------------------------------------------
            whole = interleaved(
                {
                    "history": lambda: client.history(
                        "bench", "bench_00", measure="latency", last=min(reports, 10_000)
                    ),
                    "floor": lambda: floor(
                        engine, benchmark="bench_00", measure="latency", branch="main"
                    ),
                },
                rounds,
            )
            print(
                f"Client().history(last={min(reports, 10_000):,}) (one benchmark over all "
                f"reports, with change points): {whole['history'] * 1e3:.0f} ms; read_sql of "
                f"its rows {whole['floor'] * 1e3:.0f} ms (issue 14: 108 s / 170 s paging)"
            )
        finally:
            server.stop()

        # -- Project.history at this many reports, in process --------------------------------
        for last in (500, min(reports, 10_000)):
            found = history_timings(engine, last, rounds)
            print(
                f"Project.history(last={last:,}): {found['points']:,} points; service "
                f"{found['service'] * 1e3:.1f} ms wall / {found['service cpu'] * 1e3:.1f} ms CPU, "
                f"GraphQL {found['graphql'] * 1e3:.1f} ms wall / "
                f"{found['graphql cpu'] * 1e3:.1f} ms CPU (goal < 100 ms); change-point pass "
                f"alone {found['change points'] * 1e3:.1f} ms CPU"
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    for kind in kinds:
        run(kind, reports=args.reports, rounds=args.rounds)


if __name__ == "__main__":
    main()
