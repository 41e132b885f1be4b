"""Issue 13, item 11: a spread never reaches below zero, and the harness's real one is kept."""

from __future__ import annotations

import json

from driftwatch_nb.adapters import parse_results
from driftwatch_nb.core.measures import format_spread


def pytest_json(mean: float, stddev: float, low: float, high: float) -> str:
    stats = {"mean": mean, "stddev": stddev, "min": low, "max": high, "rounds": 50}
    return json.dumps(
        {"machine_info": {}, "benchmarks": [{"fullname": "b.py::t", "name": "t", "stats": stats}]}
    )


def latency(text: str):
    results = parse_results(text, adapter="python_pytest", source="test")
    return results["b.py::t"]["latency"]


def test_a_stddev_above_the_mean_keeps_the_harness_min_and_max() -> None:
    # The measured case: stddev 3,048 µs on a 1.03 ms mean.
    metric = latency(pytest_json(1.03e-3, 3.048e-3, 0.81e-3, 22.5e-3))
    assert (metric.value, metric.lower_value, metric.upper_value) == (
        1_030_000,
        810_000,
        22_500_000,
    )
    text = format_spread(metric.value, metric.lower_value, metric.upper_value)
    assert text == "1.03 ms (810 µs – 22.5 ms)", text
    assert "±" not in text and "0 ns" not in text


def test_an_ordinary_spread_is_still_mean_plus_minus_stddev() -> None:
    metric = latency(pytest_json(1.0e-3, 0.1e-3, 0.7e-3, 1.5e-3))
    assert (metric.lower_value, metric.upper_value) == (900_000, 1_100_000)
    assert format_spread(metric.value, metric.lower_value, metric.upper_value) == "1 ms ± 100 µs"
