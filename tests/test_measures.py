"""The one formatter family (``driftwatch_nb.core.measures``) and the surfaces that use it."""

from __future__ import annotations

import pytest

from driftwatch_nb.core.measures import (
    direction,
    format_bytes,
    format_change,
    format_duration_ns,
    format_measure,
    format_number,
    format_seconds,
    format_spread,
)


@pytest.mark.parametrize(
    ("nanoseconds", "text"),
    [
        (0, "0 ns"),
        (1.5, "1.5 ns"),
        (999.4, "999 ns"),
        (999.96, "1 µs"),  # rounded to the digits shown before the unit is chosen
        (1234.5, "1.23 µs"),
        (999_960, "1 ms"),
        (1_234_567, "1.23 ms"),
        (2.5e9, "2.5 s"),
    ],
)
def test_durations(nanoseconds: float, text: str) -> None:
    assert format_duration_ns(nanoseconds) == text
    assert format_measure(nanoseconds, "latency") == text
    assert format_seconds(nanoseconds / 1e9) == text


def test_999_96_ns_reads_the_same_in_cli_magics_and_dashboard() -> None:
    from driftwatch_nb.timing import Timings
    from driftwatch_server.web import format as dashboard

    timing = Timings(runs=(999.96e-9,) * 3, loops=1)
    assert timing.summary().startswith("1 µs ± 0 ns per loop")
    assert dashboard.format_measure(999.96, "latency") == "1 µs"
    assert format_spread(999.96, 999.96, 999.96) == "1 µs"  # the CLI's table cell


def test_other_numbers() -> None:
    assert format_measure(12345.6, "throughput") == "12,346 ops/s"
    assert format_measure(0.01234, "memory") == "0.0123"
    assert format_number(1234567.0) == "1,234,567"
    assert format_bytes(2_500_000) == "2.4 MiB"
    assert format_bytes(512) == "512 B"
    assert format_change(0.1244) == "+12.4 %"
    assert format_change(-0.03) == "-3.0 %"
    assert format_spread(1_000_000, 900_000, 1_100_000) == "1 ms ± 100 µs"


def test_direction() -> None:
    assert direction("latency").higher_is_better is False
    assert direction("throughput").higher_is_better is True
    unknown = direction("rss")
    assert (unknown.higher_is_better, unknown.known) == (False, False)
    assert direction("rss", {"rss": True}).higher_is_better is True
