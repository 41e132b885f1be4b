"""What drift detection costs on ingest, and what a history read costs, on SQLite and PostgreSQL.

    python -m bench.bench_drift_cost [--reports 1000] [--benchmarks 200] [--rounds 9]

A project gets a history of ``--reports`` reports with ``--benchmarks`` latency benchmarks
each (bulk-inserted rows, 2 % noise). Then, interleaved round by round, the same
``createReport`` service call (200 metrics onto that history) runs with detection on and off;
the ratio of the medians is the cost of detection (goal: at most 1.5x). Last, ``history`` of
one 1,000-point series with its change points, in process through the service and through the
GraphQL schema (goal: under 100 ms).

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
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

POSTGRES_URL = os.environ.get(
    "DRIFTWATCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@contextmanager
def database(kind: str) -> Iterator[Engine]:
    """A migrated scratch database of ``kind``."""
    from driftwatch_server.db import create_db_engine
    from driftwatch_server.migrate import upgrade_to_head

    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="driftwatch-bench-") as folder:
            engine = create_db_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
            upgrade_to_head(engine)
            yield engine
            engine.dispose()
        return
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"dw_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine = create_db_engine(make_url(POSTGRES_URL).set(database=name).render_as_string(False))
    try:
        upgrade_to_head(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def seed(engine: Engine, *, reports: int, benchmarks: int) -> tuple[list[float], str]:
    """A project with ``reports`` x ``benchmarks`` metrics, inserted in bulk; returns the
    benchmarks' levels and the user's name."""
    from driftwatch_server.auth import create_user
    from driftwatch_server.db import session_scope
    from driftwatch_server.models import Benchmark, Branch, Metric, Project, Report, Testbed

    rng = random.Random(7)
    levels = [rng.uniform(1e4, 1e7) for _ in range(benchmarks)]
    with session_scope(engine) as session:
        user = create_user(session, name="bench")
        project = Project(slug="bench", name="bench", owner_id=user.id)
        session.add(project)
        session.flush()
        branch = Branch(project_id=project.id, name="main")
        testbed = Testbed(project_id=project.id, name="ci")
        marks = [Benchmark(project_id=project.id, name=f"bench_{i:03d}") for i in range(benchmarks)]
        session.add_all([branch, testbed, *marks])
        session.flush()
        ids = (project.id, branch.id, testbed.id, [b.id for b in marks])
    project_id, branch_id, testbed_id, benchmark_ids = ids
    report_rows, metric_rows = [], []
    for index in range(reports):
        report_id = str(uuid.uuid4())
        start = START + dt.timedelta(hours=index)
        report_rows.append(
            {
                "id": report_id, "project_id": project_id, "branch_id": branch_id,
                "testbed_id": testbed_id, "git_hash": None, "adapter": "json",
                "start_time": start, "end_time": start, "created_at": start,
            }
        )  # fmt: skip
        for benchmark_id, level in zip(benchmark_ids, levels, strict=True):
            metric_rows.append(
                {
                    "id": str(uuid.uuid4()), "report_id": report_id, "benchmark_id": benchmark_id,
                    "measure": "latency", "value": level * (1 + rng.gauss(0, 0.02)),
                    "lower_value": None, "upper_value": None, "branch_id": branch_id,
                    "testbed_id": testbed_id, "start_time": start, "samples": None,
                }
            )  # fmt: skip
    with engine.begin() as connection:
        connection.execute(sa.insert(Report.__table__), report_rows)  # type: ignore[attr-defined]
        for offset in range(0, len(metric_rows), 20_000):
            connection.execute(
                sa.insert(Metric.__table__),  # type: ignore[attr-defined]
                metric_rows[offset : offset + 20_000],
            )
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(sa.text("ANALYZE"))
    return levels, "bench"


def ingest(engine: Engine, levels: list[float], index: int, *, detect: bool) -> float:
    """Seconds for one ``create_report`` of every benchmark, committed."""
    from driftwatch_server.auth import user_named
    from driftwatch_server.db import session_scope
    from driftwatch_server.reports import MeasureValue, ReportCreate, create_report

    rng = random.Random(index)
    start = START + dt.timedelta(hours=index)
    data = ReportCreate(
        project_slug="bench",
        branch="main",
        testbed="ci",
        start_time=start,
        end_time=start,
        values=[
            MeasureValue(
                benchmark=f"bench_{i:03d}",
                measure="latency",
                value=level * (1 + rng.gauss(0, 0.02)),
            )
            for i, level in enumerate(levels)
        ],
    )
    began = time.perf_counter()
    with session_scope(engine) as session:
        user = user_named(session, "bench")
        assert user is not None
        create_report(session, user=user, data=data, detect=detect)
    return time.perf_counter() - began


def history_timings(engine: Engine, rounds: int) -> tuple[float, float, int]:
    """Median seconds of ``history(last=1000)`` through the service and through GraphQL."""
    from driftwatch_server.alerts import history
    from driftwatch_server.auth import user_named
    from driftwatch_server.config import Settings
    from driftwatch_server.db import session_scope
    from driftwatch_server.graphql.context import Context
    from driftwatch_server.graphql.schema import schema
    from driftwatch_server.models import Project
    from driftwatch_server.storage import get_storage

    query = """query { project(slug: "bench") { history(benchmark: "bench_000", last: 1000) {
      points { report { id gitHash startTime } value lowerValue upperValue }
      changePoints { report { id } direction change before after pValue } } } }"""
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder), secret_key="bench")
        storage = get_storage(settings)

        def service() -> int:
            with session_scope(engine) as session:
                project = session.exec(sa.select(Project)).scalars().first()
                found = history(session, project=project, benchmark="bench_000", last=1000)
                return len(found.points)

        def graphql() -> int:
            with session_scope(engine) as session:
                context = Context(
                    session=session,
                    user=user_named(session, "bench"),
                    storage=storage,
                    settings=settings,
                )
                result = asyncio.run(schema.execute(query, context_value=context))
                assert result.errors is None, result.errors
                return len(result.data["project"]["history"]["points"])

        points = service()
        graphql()  # warm caches alike
        return _median(service, rounds), _median(graphql, rounds), points


def _median(call: Callable[[], object], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        began = time.perf_counter()
        call()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--benchmarks", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--kinds", default="sqlite,postgresql")
    args = parser.parse_args()
    failed = False
    for kind in args.kinds.split(","):
        with database(kind) as engine:
            began = time.perf_counter()
            levels, _ = seed(engine, reports=args.reports, benchmarks=args.benchmarks)
            print(
                f"[{kind}] seeded {args.reports} reports x {args.benchmarks} benchmarks "
                f"in {time.perf_counter() - began:.1f} s"
            )
            index = args.reports
            ingest(engine, levels, index, detect=True)  # warm up both paths
            ingest(engine, levels, index + 1, detect=False)
            index += 2
            on, off = [], []
            for _ in range(args.rounds):
                on.append(ingest(engine, levels, index, detect=True))
                off.append(ingest(engine, levels, index + 1, detect=False))
                index += 2
            ratio = statistics.median(on) / statistics.median(off)
            print(
                f"[{kind}] createReport of {args.benchmarks} metrics onto {args.reports} reports: "
                f"detection on {statistics.median(on) * 1e3:.0f} ms, off "
                f"{statistics.median(off) * 1e3:.0f} ms, ratio {ratio:.2f} (goal <= 1.5)"
            )
            service, graphql, points = history_timings(engine, args.rounds)
            print(
                f"[{kind}] history of {points} points with change points: service "
                f"{service * 1e3:.1f} ms, GraphQL in process {graphql * 1e3:.1f} ms "
                "(goal < 100 ms)"
            )
            failed |= ratio > 1.5 or graphql > 0.1
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
