"""Lists are resolved with DataLoaders: the number of SQL queries does not grow with the list."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from driftwatch_server.auth import create_user
from driftwatch_server.config import Settings
from driftwatch_server.db import session_scope
from driftwatch_server.graphql.context import Context
from driftwatch_server.graphql.schema import schema
from driftwatch_server.models import Flamegraph, User
from driftwatch_server.reports import MeasureValue, ReportCreate, create_project, create_report
from driftwatch_server.storage.local import LocalStorage

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"/>'
PROJECT_QUERY = """
query {
  project(slug: "demo") {
    reports(first: 20) {
      totalCount
      nodes {
        id gitHash branch { name } testbed { name }
        metrics { measure value benchmark { name } }
        flamegraphs { id fileName url benchmark { name } }
      }
    }
  }
}
"""


@contextmanager
def counting_queries(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def seed(engine: Engine, storage: LocalStorage, reports: int) -> str:
    now = dt.datetime.now(dt.UTC)
    with session_scope(engine) as session:
        user = create_user(session, name="alice")
        create_project(session, owner=user, slug="demo", name=None)
        for index in range(reports):
            report = create_report(
                session,
                user=user,
                data=ReportCreate(
                    project_slug="demo",
                    branch=f"branch-{index % 3}",
                    testbed=f"tb-{index % 2}",
                    start_time=now,
                    end_time=now,
                    values=[
                        MeasureValue(benchmark=f"b{b}", measure=measure, value=float(index + b + 1))
                        for b in range(5)
                        for measure in ("latency", "throughput")
                    ],
                ),
            )
            path = f"projects/x/flamegraphs/{report.id}.svg"
            storage.write_object(path, [SVG], content_type="image/svg+xml")
            session.add(
                Flamegraph(
                    report_id=report.id,
                    storage_path=path,
                    file_name="a.svg",
                    file_size=len(SVG),
                )
            )
        return user.id


def count_for(engine: Engine, tmp_path: Path, reports: int) -> tuple[int, dict[str, Any]]:
    settings = Settings(data_dir=tmp_path, secret_key="k")
    storage = LocalStorage(tmp_path / "storage", public_url="http://test", secret_key="k")
    user_id = seed(engine, storage, reports)
    with Session(engine) as session:
        context = Context(
            session=session, user=session.get(User, user_id), storage=storage, settings=settings
        )
        with counting_queries(engine) as statements:
            result = asyncio.run(schema.execute(PROJECT_QUERY, context_value=context))
    assert result.errors is None, result.errors
    return len(statements), result.data  # type: ignore[return-value]


def test_loading_reports_runs_a_constant_number_of_queries(engine: Engine, tmp_path: Path) -> None:
    few, data = count_for(engine, tmp_path / "few", reports=2)
    assert len(data["project"]["reports"]["nodes"]) == 2

    with engine.begin() as connection:
        for table in (
            "flamegraphs",
            "metrics",
            "reports",
            "benchmarks",
            "branches",
            "testbeds",
            "projects",
            "users",
        ):
            connection.execute(sa.text(f"delete from {table}"))

    many, data = count_for(engine, tmp_path / "many", reports=25)
    nodes = data["project"]["reports"]["nodes"]
    assert len(nodes) == 20 and data["project"]["reports"]["totalCount"] == 25
    assert all(len(node["metrics"]) == 10 and len(node["flamegraphs"]) == 1 for node in nodes)
    assert all(node["flamegraphs"][0]["url"].startswith("http://test/") for node in nodes)
    assert many == few, f"{few} queries for 2 reports but {many} for 20"
