"""``Project.series``: every series of a measure in one set-based pass, the same series as
``Project.history`` answers one at a time, in a number of SQL queries that does not grow with
the number of benchmarks and branches."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from driftwatch_server.auth import create_user
from driftwatch_server.config import Settings
from driftwatch_server.db import session_scope
from driftwatch_server.graphql.context import Context
from driftwatch_server.graphql.schema import schema
from driftwatch_server.models import User
from driftwatch_server.reports import MeasureValue, ReportCreate, create_project, create_report
from driftwatch_server.storage.local import LocalStorage
from tests.server.test_query_count import counting_queries

START = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
FIELDS = """benchmark { name } measure branch { name } testbed { name }
  direction { higherIsBetter }
  points { report { id startTime } value lowerValue upperValue }
  changePoints { report { id } index direction change before after pValue }"""
SERIES = (
    'query($last: Int!, $b: String) { project(slug: "demo") {'
    " series(last: $last, benchmark: $b) { " + FIELDS + " } } }"
)
HISTORY = (
    'query($b: String!, $branch: String, $last: Int!) { project(slug: "demo") {'
    " history(benchmark: $b, branch: $branch, last: $last) { " + FIELDS + " } } }"
)


def seed(engine: Engine, *, benchmarks: int, branches: int, reports: int) -> str:
    """A project whose main has a step in b0 at report 24; feature branches have fewer reports,
    on two testbeds (the newest one is the series')."""
    rng = random.Random(benchmarks * 100 + branches)
    with session_scope(engine) as session:
        user = create_user(session, name="alice")
        create_project(session, owner=user, slug="demo", name=None)
        other = create_user(session, name="mallory")
        create_project(session, owner=other, slug="other", name=None)
        runs = [("main", "ci", i) for i in range(reports)]
        for b in range(1, branches):
            runs += [(f"feature-{b}", "laptop" if i < 3 else "ci", i) for i in range(6 + b)]
        for branch, testbed, i in runs:
            step = 1.5 if branch == "main" and i >= 24 else 1.0
            create_report(
                session,
                user=user,
                data=ReportCreate(
                    project_slug="demo",
                    branch=branch,
                    testbed=testbed,
                    start_time=START + dt.timedelta(hours=i),
                    end_time=START + dt.timedelta(hours=i),
                    values=[
                        MeasureValue(
                            benchmark=f"b{k}",
                            measure=measure,
                            value=(k + 1)
                            * 1e6
                            * (step if k == 0 else 1.0)
                            * (1 + rng.gauss(0, 0.01)),
                        )
                        for k in range(benchmarks)
                        for measure in ("latency", "throughput")
                    ],
                ),
            )
        create_report(
            session,
            user=other,
            data=ReportCreate(
                project_slug="other",
                branch="main",
                testbed="ci",
                start_time=START,
                end_time=START,
                values=[MeasureValue(benchmark="secret", measure="latency", value=1.0)],
            ),
        )
        return user.id


def run(engine: Engine, tmp_path: Path, user_id: str, query: str, **variables: Any) -> Any:
    settings = Settings(data_dir=tmp_path, secret_key="k")
    storage = LocalStorage(tmp_path / "storage", public_url="http://test", secret_key="k")
    with Session(engine) as session:
        context = Context(
            session=session, user=session.get(User, user_id), storage=storage, settings=settings
        )
        result = asyncio.run(
            schema.execute(query, variable_values=variables, context_value=context)
        )
    return result


def test_series_are_the_histories_of_every_benchmark_and_branch(
    engine: Engine, tmp_path: Path
) -> None:
    user_id = seed(engine, benchmarks=2, branches=3, reports=32)
    result = run(engine, tmp_path, user_id, SERIES, last=30)
    assert result.errors is None, result.errors
    series = result.data["project"]["series"]
    keys = [(s["benchmark"]["name"], s["branch"]["name"]) for s in series]
    assert keys == [
        ("b0", "main"), ("b0", "feature-1"), ("b0", "feature-2"),
        ("b1", "main"), ("b1", "feature-1"), ("b1", "feature-2"),
    ]  # fmt: skip
    for one in series:
        alone = run(
            engine, tmp_path, user_id, HISTORY,
            b=one["benchmark"]["name"], branch=one["branch"]["name"], last=30,
        )  # fmt: skip
        assert alone.errors is None, alone.errors
        assert one == alone.data["project"]["history"], (one["benchmark"], one["branch"])
    main_b0 = series[0]
    assert len(main_b0["points"]) == 30  # the last 30 of 32
    assert [c["index"] for c in main_b0["changePoints"]] == [22]  # report 24 of 32
    assert all(s["testbed"]["name"] == "ci" for s in series)  # the newest testbed
    assert [len(s["points"]) for s in series[1:3]] == [4, 5]  # ci's points only

    one = run(engine, tmp_path, user_id, SERIES, last=5, b="b1")
    assert one.errors is None
    assert [s["benchmark"]["name"] for s in one.data["project"]["series"]] == ["b1"] * 3
    assert all(len(s["points"]) <= 5 for s in one.data["project"]["series"])


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"last": 0}, "BAD_USER_INPUT"),
        ({"last": 501}, "BAD_USER_INPUT"),
        ({"last": 5, "b": "secret"}, "NOT_FOUND"),  # another user's benchmark name
    ],
)
def test_series_arguments_are_checked(
    engine: Engine, tmp_path: Path, variables: dict[str, Any], code: str
) -> None:
    user_id = seed(engine, benchmarks=1, branches=1, reports=3)
    result = run(engine, tmp_path, user_id, SERIES, **variables)
    assert result.errors and result.errors[0].extensions["code"] == code, result.errors


def test_series_run_a_fixed_number_of_queries(engine: Engine, tmp_path: Path) -> None:
    def count(benchmarks: int, branches: int) -> int:
        user_id = seed(engine, benchmarks=benchmarks, branches=branches, reports=8)
        with counting_queries(engine) as statements:
            result = run(engine, tmp_path, user_id, SERIES, last=30)
        assert result.errors is None, result.errors
        assert len(result.data["project"]["series"]) == benchmarks * branches
        with engine.begin() as connection:
            for table in (
                "alerts", "series_states", "metrics", "reports", "benchmarks", "branches",
                "testbeds", "detection_rules", "measure_directions", "projects", "api_tokens",
                "dashboard_sessions", "users",
            ):  # fmt: skip
                connection.execute(sa.text(f"delete from {table}"))
        return len(statements)

    few = count(benchmarks=1, branches=1)
    many = count(benchmarks=4, branches=5)
    assert many == few, f"{few} queries for 1 series but {many} for 20"
