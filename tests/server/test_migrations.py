"""Alembic is the only way the schema is made: it must match the models on both databases."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import driftwatch_server.models  # noqa: F401

EXPECTED_TABLES = {
    "users",
    "api_tokens",
    "projects",
    "branches",
    "testbeds",
    "benchmarks",
    "reports",
    "metrics",
    "flamegraphs",
    "pending_uploads",
    "alerts",
    "detection_rules",
    "measure_directions",
    "series_states",
    "dashboard_sessions",
    "server_state",
    "flamegraph_stacks",
    "alembic_version",
}


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []
    assert set(sa.inspect(engine).get_table_names()) == EXPECTED_TABLES


def test_flamegraphs_are_indexed_by_report(engine: Engine) -> None:
    indexes = sa.inspect(engine).get_indexes("flamegraphs")
    assert any(index["column_names"] == ["report_id"] for index in indexes)


def test_deleting_a_report_row_cascades_in_the_database(engine: Engine) -> None:
    import datetime as dt

    from driftwatch_server.auth import create_user
    from driftwatch_server.db import session_scope
    from driftwatch_server.models import Flamegraph, Metric, Report
    from driftwatch_server.reports import MeasureValue, ReportCreate, create_project, create_report

    with session_scope(engine) as session:
        user = create_user(session, name="u")
        create_project(session, owner=user, slug="p", name=None)
        now = dt.datetime.now(dt.UTC)
        report = create_report(
            session,
            user=user,
            data=ReportCreate(
                project_slug="p",
                branch="main",
                start_time=now,
                end_time=now,
                values=[MeasureValue(benchmark="b", measure="latency", value=1.0)],
            ),
        )
        session.add(
            Flamegraph(report_id=report.id, storage_path="x", file_name="x.svg", file_size=1)
        )
        report_id = report.id
    # A raw DELETE, bypassing the service: the foreign keys themselves must cascade.
    with engine.begin() as connection:
        connection.execute(sa.delete(Report).where(Report.id == report_id))
    with engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(Metric)).scalar_one() == 0
        assert (
            connection.execute(sa.select(sa.func.count()).select_from(Flamegraph)).scalar_one() == 0
        )


def test_db_upgrade_command_migrates_an_empty_database(database_url: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DRIFTWATCH_DATABASE_URL": database_url,
        "DRIFTWATCH_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "driftwatch_nb.cli", "db", "upgrade"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "newest schema" in result.stderr
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            version = connection.execute(
                sa.text("select version_num from alembic_version")
            ).scalar_one()
        assert version == head_revision()
        assert set(sa.inspect(engine).get_table_names()) == EXPECTED_TABLES
    finally:
        engine.dispose()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    from driftwatch_server.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def test_0002_fills_the_series_columns_of_existing_metrics(database_url: str) -> None:
    """Metrics stored before 0002 get their report's branch, testbed and start time."""
    from alembic import command

    from driftwatch_server.migrate import alembic_config

    engine = sa.create_engine(database_url)
    config = alembic_config(database_url)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0001")
            connection.execute(
                sa.text("insert into users values ('u', 'alice', false, '2026-11-01 10:00:00+00');")
            )
            for statement in (
                "insert into projects values ('p', 'demo', 'Demo', 'u', '2026-11-01 10:00:00+00')",
                "insert into branches values ('b', 'p', 'main')",
                "insert into testbeds values ('t', 'p', 'ci')",
                "insert into benchmarks values ('k', 'p', 'parse')",
                "insert into reports values ('r', 'p', 'b', 't', null, 'json', "
                "'2026-11-01 10:00:00+00', '2026-11-01 10:01:00+00', '2026-11-01 10:02:00+00')",
                "insert into metrics values ('m', 'r', 'k', 'latency', 5.0, null, null)",
            ):
                connection.execute(sa.text(statement))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        with engine.connect() as connection:
            row = connection.execute(
                sa.text("select branch_id, testbed_id, start_time, samples from metrics")
            ).one()
        assert (row.branch_id, row.testbed_id, row.samples) == ("b", "t", None)
        assert str(row.start_time).startswith("2026-11-01 10:00:00")
    finally:
        engine.dispose()
