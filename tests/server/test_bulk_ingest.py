"""The bulk ``createReport`` writer leaves the rows the row-by-row one left, in a number of
SQL statements that does not grow with the report."""

from __future__ import annotations

import datetime as dt
import random
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from driftwatch_server import models
from driftwatch_server.alerts import set_rule
from driftwatch_server.auth import create_user, user_named
from driftwatch_server.db import create_db_engine, session_scope
from driftwatch_server.migrate import upgrade_to_head
from driftwatch_server.models import Alert, Benchmark, Branch, Metric, Report
from driftwatch_server.reports import (
    MeasureValue,
    ReportCreate,
    create_project,
    create_report,
    delete_report_rows,
    owned_project,
)
from tests.conftest import POSTGRES_URL
from tests.server._reference_ingest import reference_create_report
from tests.server.test_query_count import counting_queries

START = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
Writer = Callable[..., Report]


@pytest.fixture
def second_engine(
    database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Engine]:
    """Another empty migrated database of the same kind as ``engine``."""
    if database_url.startswith("sqlite"):
        engine = create_db_engine(f"sqlite:///{tmp_path / 'reference.db'}")
        upgrade_to_head(engine)
        yield engine
        engine.dispose()
        return
    admin: Engine = request.getfixturevalue("postgres_admin_engine")
    name = f"dw_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine = create_db_engine(make_url(POSTGRES_URL).set(database=name).render_as_string(False))
    upgrade_to_head(engine)
    yield engine
    engine.dispose()
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def values(rng: random.Random, levels: dict[str, float], *, samples: bool) -> list[MeasureValue]:
    """One latency (with bounds, some with samples) and one throughput per benchmark."""
    out = []
    for name, level in levels.items():
        value = level * (1 + rng.gauss(0, 0.02))
        out.append(
            MeasureValue(
                benchmark=name,
                measure="latency",
                value=value,
                lower_value=value * 0.97,
                upper_value=value * 1.03,
                samples=[value * (1 + rng.gauss(0, 0.01)) for _ in range(5)] if samples else None,
            )
        )
        out.append(MeasureValue(benchmark=name, measure="throughput", value=1e6 / value))
    return out


def scenario(session: Session, write: Writer) -> dict[str, str]:
    """The same history through ``write``; returns each report's id by its label.

    Two branches and testbeds; a 30 % step on one benchmark (suspected, then confirmed and
    grown), one spike (suspected, then dismissed), a benchmark that appears half-way, a
    per-benchmark rule, a back-dated report, a deleted report (the cache is rebuilt from the
    metrics) and a new testbed for existing benchmarks.
    """
    user = user_named(session, "alice")
    assert user is not None
    project = create_project(session, owner=user, slug="demo", name=None)
    rng = random.Random(5)
    ids: dict[str, str] = {}

    def report(label: str, index: float, levels: dict[str, float], **kwargs: Any) -> None:
        start = START + dt.timedelta(hours=index)
        data = ReportCreate(
            project_slug="demo",
            branch=kwargs.pop("branch", "main"),
            testbed=kwargs.pop("testbed", "ci"),
            start_time=start,
            end_time=start + dt.timedelta(minutes=5),
            git_hash=f"{int(index * 2):040x}",
            values=values(rng, levels, samples=int(index) % 3 == 0),
        )
        ids[label] = write(session, user=user, data=data).id
        session.flush()

    base = {"parse": 1000.0, "render": 5000.0, "zip": 300.0, "spiky": 800.0}
    for index in range(26):
        report(f"main-{index}", index, base)
        if index % 4 == 0:
            report(f"feature-{index}", index, base, branch="feature")
    set_rule(session, project=project, benchmark="zip", min_change=0.5, sensitivity=None)
    for index in range(26, 34):
        levels = {**base, "parse": 1300.0, "zip": 400.0, "fresh": 42.0}
        if index == 27:
            levels["spiky"] = 2000.0
        if index >= 31:
            levels["parse"] = 1600.0  # a staircase: the confirmed alert grows
        report(f"main-{index}", index, levels)
    report("backdated", 10.5, {**base, "fresh": 40.0})
    delete_report_rows(session, report=session.get(Report, ids["main-33"]))
    for index in range(34, 37):
        report(f"main-{index}", index, {**base, "parse": 1600.0, "fresh": 44.0})
    for index in range(3):
        report(f"arm-{index}", 40 + index, base, testbed="arm")
    return ids


def snapshot(engine: Engine, labels: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Every table's rows, generated ids and timestamps left out, ids named by natural keys."""
    names: dict[str, str] = {report_id: f"report:{label}" for label, report_id in labels.items()}
    tables = sa.MetaData()
    tables.reflect(engine)
    with engine.connect() as connection:
        for model in (Branch, models.Testbed, Benchmark):
            table = model.__table__  # type: ignore[attr-defined]
            for row in connection.execute(sa.select(table.c.id, table.c.name)):
                names[row.id] = f"{table.name}:{row.name}"
        for table_name in ("users", "projects"):
            key = "name" if table_name == "users" else "slug"
            for row in connection.execute(sa.text(f"SELECT id, {key} FROM {table_name}")):
                names[row[0]] = f"{table_name}:{row[1]}"
        snap = {}
        for table in tables.sorted_tables:
            if table.name in ("alembic_version", "api_tokens", "server_state"):
                continue
            kept = [c for c in table.columns if c.name not in ("id", "created_at", "updated_at")]
            rows = [
                {
                    column: names.get(value, value) if isinstance(value, str) else value
                    for column, value in row._mapping.items()
                }
                for row in connection.execute(sa.select(*kept))
            ]
            snap[table.name] = sorted(rows, key=repr)
    return snap


def test_the_bulk_writer_leaves_the_rows_the_row_by_row_writer_left(
    engine: Engine, second_engine: Engine
) -> None:
    results = {}
    for name, target, write in (
        ("bulk", engine, create_report),
        ("reference", second_engine, reference_create_report),
    ):
        with session_scope(target) as session:
            create_user(session, name="alice")
        with session_scope(target) as session:
            labels = scenario(session, write)
        results[name] = snapshot(target, labels)
    bulk, reference = results["bulk"], results["reference"]
    # The scenario reaches every path worth comparing.
    alerts = reference["alerts"]
    assert {row["confidence"] for row in alerts} == {"CONFIRMED", "SUSPECTED"}, alerts
    assert {row["status"] for row in alerts} == {"ACTIVE", "DISMISSED"}, alerts
    assert len(reference["metrics"]) > 300 and reference["series_states"]
    assert any(row["samples"] is not None for row in reference["metrics"])
    assert bulk.keys() == reference.keys()
    for table in reference:
        assert bulk[table] == reference[table], f"table {table} differs"


def count_case(engine: Engine, *, benchmarks: int, slug: str) -> dict[str, int]:
    """Statements of ``create_report`` with ``benchmarks`` x 2 metrics: onto a history read
    from the metrics, onto cached windows with a step in every series, and of all-new
    benchmarks. Also checks that every series of the step raised an alert."""
    rng = random.Random(benchmarks)
    names = [f"{slug}_{b:04d}" for b in range(benchmarks)]
    levels = {name: rng.uniform(1e3, 1e6) for name in names}
    with session_scope(engine) as session:
        user = user_named(session, "alice")
        project = create_project(session, owner=user, slug=slug, name=None)
        # Noise of 1 % never moves a median by 5 %: no false alert makes one count differ.
        set_rule(session, project=project, benchmark=None, min_change=0.05, sensitivity=None)
        branch = Branch(project_id=project.id, name="main")
        testbed = models.Testbed(project_id=project.id, name="ci")
        marks = [Benchmark(project_id=project.id, name=name) for name in names]
        session.add_all([branch, testbed, *marks])
        session.flush()
        # A flat history of 24 reports, inserted directly (no cached windows yet).
        for index in range(24):
            start = START + dt.timedelta(hours=index)
            report = Report(
                project_id=project.id,
                branch_id=branch.id,
                testbed_id=testbed.id,
                start_time=start,
                end_time=start,
            )
            session.add(report)
            session.flush()
            session.execute(
                sa.insert(Metric.__table__),  # type: ignore[attr-defined]
                [
                    {
                        "id": str(uuid.uuid4()), "report_id": report.id,
                        "benchmark_id": mark.id, "measure": measure,
                        "value": levels[mark.name] * (1 + rng.gauss(0, 0.01)),
                        "branch_id": branch.id, "testbed_id": testbed.id,
                        "start_time": start,
                    }
                    for mark in marks
                    for measure in ("latency", "throughput")
                ],
            )  # fmt: skip

    def count(index: int, scale: float, names: list[str]) -> tuple[int, Report]:
        start = START + dt.timedelta(hours=index)
        data = ReportCreate(
            project_slug=slug,
            branch="main",
            testbed="ci",
            start_time=start,
            end_time=start,
            values=[
                MeasureValue(
                    benchmark=name,
                    measure=measure,
                    value=levels.get(name, 1.0) * scale * (1 + rng.gauss(0, 0.01)),
                )
                for name in names
                for measure in ("latency", "throughput")
            ],
        )
        with session_scope(engine) as session, counting_queries(engine) as statements:
            user = user_named(session, "alice")
            report = create_report(session, user=user, data=data)
        return len(statements), report

    counts = {}
    counts["history read from the metrics"], _ = count(24, 1.0, names)
    counts["cached windows, a step in every series"], stepped = count(25, 3.0, names)
    counts["new benchmarks"], _ = count(26, 1.0, [f"new_{name}" for name in names])
    with Session(engine) as session:
        raised = session.execute(
            sa.select(sa.func.count()).where(Alert.report_id == stepped.id)  # type: ignore[arg-type]
        ).scalar_one()
        project = owned_project(session, user=user_named(session, "alice"), slug=slug)
        created = session.execute(
            sa.select(sa.func.count()).where(
                Benchmark.project_id == project.id,  # type: ignore[arg-type]
                Benchmark.name.startswith("new_"),  # type: ignore[attr-defined]
            )
        ).scalar_one()
    assert raised == 2 * benchmarks, f"{raised} alerts for {2 * benchmarks} stepped series"
    assert created == benchmarks
    return counts


def test_statements_per_report_do_not_grow_with_its_metrics(engine: Engine) -> None:
    with session_scope(engine) as session:
        create_user(session, name="alice")
    small = count_case(engine, benchmarks=20, slug="small")
    large = count_case(engine, benchmarks=1000, slug="large")
    assert small == large, f"40 metrics: {small}; 2,000 metrics: {large}"
    assert max(small.values()) <= 16, small


def test_two_writers_creating_the_same_benchmarks_end_up_sharing_them(engine: Engine) -> None:
    with session_scope(engine) as session:
        user_id = create_user(session, name="alice").id
        create_project(session, owner=session.get(models.User, user_id), slug="demo", name=None)

    def data(index: int) -> ReportCreate:
        start = START + dt.timedelta(hours=index)
        return ReportCreate(
            project_slug="demo",
            branch="main",
            start_time=start,
            end_time=start,
            values=[
                MeasureValue(benchmark=f"b{k}", measure="latency", value=1.0) for k in range(50)
            ],
        )

    # The first writer has created branch, testbed and benchmarks but not committed yet.
    first = Session(engine, expire_on_commit=False)
    first_report = create_report(first, user=first.get(models.User, user_id), data=data(0))
    outcome: dict[str, Any] = {}

    def second() -> None:
        try:
            with session_scope(engine) as session:
                user = session.get(models.User, user_id)
                outcome["report"] = create_report(session, user=user, data=data(1)).id
        except BaseException as exc:  # noqa: BLE001 - asserted below
            outcome["error"] = exc

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(0.5)  # let it reach the rows the first writer holds
    first.commit()
    first.close()
    thread.join(60)
    assert not thread.is_alive() and "error" not in outcome, outcome
    with Session(engine) as session:
        assert session.execute(sa.select(sa.func.count()).select_from(Benchmark)).scalar_one() == 50
        assert session.execute(sa.select(sa.func.count()).select_from(Branch)).scalar_one() == 1
        used = {
            report_id: set(
                session.execute(
                    sa.select(Metric.benchmark_id).where(Metric.report_id == report_id)  # type: ignore[arg-type]
                ).scalars()
            )
            for report_id in (first_report.id, outcome["report"])
        }
    assert len(used[first_report.id]) == 50
    assert used[first_report.id] == used[outcome["report"]]


def test_a_report_naming_one_series_twice_leaves_the_rows_the_row_by_row_writer_left(
    engine: Engine, second_engine: Engine
) -> None:
    # The detector's windows are upserted in one statement on PostgreSQL, which may not
    # update a row twice: the last value of a series must win, as row by row.
    results = {}
    for name, target, write in (
        ("bulk", engine, create_report),
        ("reference", second_engine, reference_create_report),
    ):
        with session_scope(target) as session:
            create_user(session, name="alice")
        labels = {}
        with session_scope(target) as session:
            user = user_named(session, "alice")
            create_project(session, owner=user, slug="demo", name=None)
            rng = random.Random(11)
            for index in range(24):
                start = START + dt.timedelta(hours=index)
                twice = 100.0 * (1 + rng.gauss(0, 0.01))
                scale = 1.5 if index >= 21 else 1.0  # a step: alerts on both sides
                data = ReportCreate(
                    project_slug="demo",
                    branch="main",
                    testbed="ci",
                    start_time=start,
                    end_time=start,
                    values=[
                        MeasureValue(benchmark="dup", measure="latency", value=twice),
                        MeasureValue(benchmark="dup", measure="latency", value=twice * scale),
                        MeasureValue(benchmark="one", measure="latency", value=scale * 50.0),
                    ],
                )
                labels[str(index)] = write(session, user=user, data=data).id
                session.flush()
        results[name] = snapshot(target, labels)
    bulk, reference = results["bulk"], results["reference"]
    assert [row["benchmark_id"] for row in reference["series_states"]].count("benchmarks:dup") == 1
    assert reference["alerts"]
    for table in reference:
        assert bulk[table] == reference[table], f"table {table} differs"
