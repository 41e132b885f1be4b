"""The client on the bulk export, on SQLite and PostgreSQL: ``reports().to_pandas()``,
``history()`` and ``metrics()`` give what the GraphQL path gives (same rows, values and dtypes),
as Arrow and as CSV (no pyarrow), and refusals become the usual exceptions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from driftwatch_nb import Client, _export
from driftwatch_nb import client as client_module
from driftwatch_nb.core.errors import (
    AuthenticationError,
    ConnectionFailed,
    InvalidInput,
    NotFoundError,
)
from driftwatch_nb.core.export import COLUMNS
from driftwatch_server import export
from tests.support.server import LiveServer

START = dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def client(live_server: LiveServer) -> Client:
    """Thirty reports on two branches; a step in ``parse`` at report 20 (a change point)."""
    client = Client(live_server.url, live_server.token, retries=1)
    client.create_project("demo")
    for index in range(30):
        start = START + dt.timedelta(hours=index)
        level = 1000.0 if index < 20 else 1500.0
        wiggle = (index * 7 % 5) - 2.0
        results: dict[str, Any] = {
            "parse": {
                "latency": {
                    "value": level + wiggle,
                    "lower_value": level + wiggle - 5,
                    "upper_value": level + wiggle + 5,
                    "samples": [level + wiggle - 1, level + wiggle + 1],
                }
            },
            "render": {"latency": 300.0 + index, "throughput": 9.5},
        }
        client.create_report(
            "demo",
            "main" if index % 3 else "feature",
            results,
            testbed="ci",
            git_hash=None if index == 4 else f"{index:07x}",
            start_time=start,
            end_time=start,
        )
    return client


@pytest.fixture(params=["arrow", "csv"])
def wire(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Read the export as Arrow, or as CSV as a client without pyarrow does."""
    if request.param == "csv":
        monkeypatch.setattr(_export, "have_pyarrow", lambda: False)
    return request.param


def strip_urls(reports: Any) -> list[Any]:
    import dataclasses

    return [dataclasses.replace(report, flamegraphs=()) for report in reports]


@pytest.mark.parametrize("samples", [False, True])
def test_reports_through_the_export_equal_graphql(client: Client, wire: str, samples: bool) -> None:
    for branch in (None, "main"):
        exported = client.reports("demo", branch=branch, limit=25, offset=2, samples=samples)
        assert exported.frame is not None  # the export path was taken
        graphql = client._reports_graphql("demo", branch, 25, 2, samples)
        assert graphql.frame is None
        assert exported.total_count == graphql.total_count
        assert strip_urls(exported) == strip_urls(graphql)
        pd.testing.assert_frame_equal(
            exported.to_pandas(samples=samples), graphql.to_pandas(samples=samples)
        )
    assert len(exported.to_pandas()) == 3 * min(25, exported.total_count - 2)


def test_a_small_page_stays_one_graphql_request(client: Client) -> None:
    page = client.reports("demo", limit=client_module.EXPORT_REPORTS_MIN - 1)
    assert page.frame is None
    assert len(page) == client_module.EXPORT_REPORTS_MIN - 1


def test_history_through_the_export_equals_graphql(
    client: Client, wire: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    graphql = client.history("demo", "parse", branch="main", last=15)
    monkeypatch.setattr(client_module, "HISTORY_EXPORT_MIN", 0)
    exported = client.history("demo", "parse", branch="main", last=15)
    assert exported == graphql
    assert len(exported) == 15
    assert [c.index for c in exported.change_points] == [c.index for c in graphql.change_points]
    assert exported.change_points, "the step at report 20 is a change point"
    pd.testing.assert_frame_equal(exported.to_pandas(), graphql.to_pandas())


def test_metrics_for_analysts(client: Client, wire: str) -> None:
    everything = client.metrics("demo", samples=True)
    assert list(everything.columns) == [*COLUMNS, "samples"]
    assert len(everything) == 30 * 3
    assert everything["time"].is_monotonic_increasing
    # The same rows as the reports' frame, in time order.
    reports = client.reports("demo", limit=30, samples=True).to_pandas(samples=True)
    key = ["time", "report", "benchmark", "measure"]
    pd.testing.assert_frame_equal(
        everything.sort_values(key).reset_index(drop=True),
        reports.sort_values(key).reset_index(drop=True),
    )
    window = client.metrics(
        "demo",
        branch="main",
        benchmark="render",
        measure="throughput",
        since=START + dt.timedelta(hours=10),
        until="2026-05-02T04:00:00Z",  # START + 20 h,
    )
    assert list(window.columns) == list(COLUMNS)
    assert set(window["branch"]) == {"main"} and set(window["measure"]) == {"throughput"}
    hours = [(t - START) / dt.timedelta(hours=1) for t in window["time"]]
    assert hours == [h for h in range(10, 20) if h % 3]
    assert client.metrics("demo", benchmark="no-such-benchmark").empty


def test_refusals_are_the_usual_exceptions(
    client: Client, live_server: LiveServer, wire: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(InvalidInput) as bad:
        client.metrics("demo", since="last tuesday")
    assert bad.value.field == "since"
    mallory = Client(live_server.url, live_server.other_token, retries=1)
    with pytest.raises(NotFoundError, match="no project 'demo' among yours"):
        mallory.metrics("demo")
    with pytest.raises(AuthenticationError):
        Client(live_server.url, "dw_wrong", retries=1).metrics("demo")
    monkeypatch.setattr(export, "BATCH_ROWS", 7)
    monkeypatch.setattr(live_server.settings, "export_max_rows", 20)
    with pytest.raises(ConnectionFailed, match=r"cut short.*\(20, DRIFTWATCH_EXPORT_MAX_ROWS\)"):
        client.metrics("demo")
    assert len(client.metrics("demo", benchmark="parse", branch="feature")) == 10
