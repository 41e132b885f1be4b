"""``Client``'s drift methods against a real server (SQLite and PostgreSQL): alerts from
``create_report``, the alert page, status changes, history as a DataFrame, rules, directions,
and samples in and out."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from driftwatch_nb import Client, NotFoundError
from tests.support.server import LiveServer

START = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


@pytest.fixture
def client(live_server: LiveServer) -> Client:
    client = Client(live_server.url, live_server.token)
    client.create_project("demo")
    return client


def test_alerts_history_and_their_frames(client: Client) -> None:
    rng = random.Random(3)
    raised = []
    for index in range(36):
        level = 1e6 if index < 30 else 1.3e6
        report = client.create_report(
            "demo",
            "main",
            {"parse": {"latency": level * (1 + rng.gauss(0, 0.01))}},
            git_hash=f"{index:040x}",
            start_time=START + dt.timedelta(hours=index),
        )
        raised += [(index, alert) for alert in report.alerts]
    confirmed = [(i, a) for i, a in raised if a.is_confirmed]
    assert len(confirmed) == 1
    index, alert = confirmed[0]
    assert alert.is_regression and alert.change == pytest.approx(0.3, abs=0.03)
    assert alert.change_git_hash == f"{30:040x}" and (alert.branch, alert.testbed) == (
        "main",
        "localhost",
    )

    page = client.alerts("demo")
    assert [a.id for a in page] == [alert.id] and page.total_count == 1
    frame = page.to_pandas()
    assert frame.loc[0, "benchmark"] == "parse" and str(frame["created_at"].dtype).endswith("UTC]")

    assert client.update_alert(alert.id, "acknowledged").status == "ACKNOWLEDGED"
    assert len(client.alerts("demo")) == 0
    assert [a.id for a in client.alerts("demo", status=None)] == [alert.id]
    assert len(client.alerts("demo", branch="other")) == 0
    with pytest.raises(NotFoundError, match="no alert"):
        client.update_alert("nope", "DISMISSED")

    history = client.history("demo", "parse")
    assert len(history) == 36 and history.direction.higher_is_better is False
    (change,) = history.change_points
    assert change.index == 30 and change.direction == "REGRESSION"
    frame = history.to_pandas()
    assert list(frame["change_point"]).index(True) == 30
    assert frame["time"].is_monotonic_increasing
    assert frame.loc[0, "git_hash"] == "0" * 40


def test_rules_directions_and_samples(client: Client) -> None:
    report = client.create_report(
        "demo",
        "main",
        {"parse": {"latency": {"value": 2.0, "samples": [1.0, 2.0, 3.0]}, "rss": 5.0}},
    )
    assert report.metrics[0].samples is None, "ReportFields stays light"
    with_samples = client.report_samples(report.id)
    by_measure = {m.measure: m.samples for m in with_samples.metrics}
    assert by_measure == {"latency": (1.0, 2.0, 3.0), "rss": None}
    assert client.latest_report_id("demo", branch="main") == report.id
    assert client.latest_report_id("demo", branch="main", testbed="elsewhere") is None

    rule = client.set_detection_rule("demo", min_change=0.05, sensitivity=2)
    assert (rule.benchmark, rule.min_change, rule.sensitivity) == (None, 0.05, 2.0)
    client.set_detection_rule("demo", "parse", min_change=0.1)
    direction = client.set_measure_direction("demo", "rss", True)
    assert direction.higher_is_better and direction.known
    detection = client.detection("demo")
    assert detection.rule("parse") is not None and detection.rule("parse").min_change == 0.1
    assert detection.overrides() == {"rss": True}
    assert detection.default_min_change == pytest.approx(0.02)
