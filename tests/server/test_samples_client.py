"""Raw samples through the Python client, on SQLite and PostgreSQL: posted, read back equal,
left out unless asked for, and refused on the client (nothing sent) when the server would
refuse them."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sqlalchemy as sa

from driftwatch_nb import Client, InvalidInput
from driftwatch_nb.adapters import MetricValue
from driftwatch_nb.core.limits import MAX_SAMPLES_PER_METRIC, MAX_SAMPLES_PER_REPORT
from tests.support.server import LiveServer

PARSE = (1510.5, 1498.25, 1502.0, 1620.125, 1489.0)
RENDER_RATE = [400.0, 401.5, 398.25]


@pytest.fixture
def client(live_server: LiveServer) -> Client:
    client = Client(live_server.url, live_server.token, retries=1)
    client.create_project("demo")
    return client


def report_rows(live_server: LiveServer) -> int:
    with live_server.engine.connect() as connection:
        return connection.execute(sa.text("select count(*) from reports")).scalar_one()


def test_samples_round_trip_and_are_fetched_only_when_asked(client: Client) -> None:
    results = {
        "parse": {"latency": MetricValue(1524.0, 1489.0, 1620.125, samples=PARSE)},
        "render": {
            "throughput": {"value": 400.0, "samples": RENDER_RATE},
            # A NumPy array is a sequence of numbers too.
            "latency": {"value": 2.5e6, "samples": np.array([2.4e6, 2.6e6])},
        },
        "build": {"size-delta": {"value": 0.0, "samples": [-3.0, 3.0]}},  # any sign off-list
        "plain": {"latency": 900.0},
    }
    created = client.create_report("demo", "main", results)

    # The default selection does not carry samples, even right after posting them.
    assert all(metric.samples is None for metric in created.metrics)
    assert all(metric.samples is None for metric in client.report(created.id).metrics)

    report = client.report(created.id, samples=True)
    samples = {(m.benchmark, m.measure): m.samples for m in report.metrics}
    assert samples == {
        ("parse", "latency"): PARSE,
        ("render", "throughput"): tuple(RENDER_RATE),
        ("render", "latency"): (2.4e6, 2.6e6),
        ("build", "size-delta"): (-3.0, 3.0),
        ("plain", "latency"): None,
    }
    parse = next(m for m in report.metrics if m.benchmark == "parse")
    assert (parse.value, parse.lower_value, parse.upper_value) == (1524.0, 1489.0, 1620.125)
    assert "samples" not in repr(parse)

    default_frame = client.reports("demo").to_pandas()
    assert "samples" not in default_frame.columns
    assert len(default_frame) == 5
    with pytest.raises(ValueError, match="fetched without its samples"):
        client.reports("demo").to_pandas(samples=True)

    frame = client.reports("demo", samples=True).to_pandas(samples=True)
    assert list(frame.columns) == [*default_frame.columns, "samples"]
    by_key = {(row.benchmark, row.measure): row.samples for row in frame.itertuples()}
    assert by_key[("parse", "latency")] == list(PARSE)
    assert by_key[("render", "throughput")] == RENDER_RATE
    assert by_key[("plain", "latency")] is None
    assert frame.drop(columns="samples").equals(default_frame)
    assert list(report.to_pandas(samples=True)["samples"]) == list(
        client.report(created.id, samples=True).to_pandas(samples=True)["samples"]
    )


def test_empty_samples_are_the_same_as_none(client: Client) -> None:
    created = client.create_report(
        "demo", "main", {"a": {"latency": {"value": 1.0, "samples": []}}}
    )
    [metric] = client.report(created.id, samples=True).metrics
    assert metric.samples is None


@pytest.mark.parametrize(
    ("samples", "message"),
    [
        (
            [1.0, math.nan],
            "benchmark 'parse' measure 'latency': samples[1] must be a finite number, got nan",
        ),
        (
            [math.inf],
            "benchmark 'parse' measure 'latency': samples[0] must be a finite number, got inf",
        ),
        ([5.0, -1.0], "benchmark 'parse' measure 'latency': samples[1] is negative (-1.0)"),
        (
            [1.0] * 10**6,
            "benchmark 'parse' measure 'latency': samples has 1,000,000 values; at most 10,000 "
            "are kept per metric (send a summary, or fewer rounds)",
        ),
        ("123", "benchmark 'parse' measure 'latency': samples must be a sequence of numbers"),
        (
            [1.0, "fast"],
            "benchmark 'parse' measure 'latency': samples must be a sequence of numbers",
        ),
    ],
    ids=["nan", "inf", "negative", "a-million", "string", "not-a-number"],
)
def test_bad_samples_are_refused_before_anything_is_sent(
    client: Client, live_server: LiveServer, samples: object, message: str
) -> None:
    results = {
        "fine": {"latency": MetricValue(10.0, samples=(9.0, 11.0))},
        "parse": {"latency": {"value": 1500.0, "samples": samples}},
    }
    with pytest.raises(InvalidInput) as caught:
        client.create_report("demo", "main", results)
    assert caught.value.message == message
    assert caught.value.field == "samples"
    assert report_rows(live_server) == 0
    assert client.reports("demo").total_count == 0


def test_more_samples_than_a_report_keeps_are_refused_before_sending(
    client: Client, live_server: LiveServer
) -> None:
    per_metric = [1.0] * MAX_SAMPLES_PER_METRIC
    count = MAX_SAMPLES_PER_REPORT // MAX_SAMPLES_PER_METRIC + 1
    results = {f"b{i}": {"latency": {"value": 1.0, "samples": per_metric}} for i in range(count)}
    with pytest.raises(InvalidInput, match="the report carries 510,000 samples; at most 500,000"):
        client.create_report("demo", "main", results)
    assert report_rows(live_server) == 0
