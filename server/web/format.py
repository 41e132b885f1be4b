"""Formatting for the dashboard's tables: human units for nanoseconds, bytes and times."""

from __future__ import annotations

import datetime as dt
from typing import Any

_TIME_UNITS = ((1e9, "s"), (1e6, "ms"), (1e3, "µs"), (1.0, "ns"))


def format_measure(value: float | None, measure: str = "latency") -> str:
    """``1234567`` latency -> ``1.23 ms``; throughput in ops/s; other measures as numbers."""
    if value is None:
        return ""
    if measure == "latency":
        # Round to the digits shown before picking the unit: 999.96 ns is "1 µs", not "1e+03 ns".
        shown = float(f"{value:.3g}")
        for scale, unit in _TIME_UNITS:
            if abs(shown) >= scale or unit == "ns":
                return f"{shown / scale:.3g} {unit}"
    if measure == "throughput":
        return f"{format_number(value)} ops/s"
    return format_number(value)


def format_number(value: float) -> str:
    """``12345.6`` -> ``12,346``; ``0.01234`` -> ``0.0123``.

    Never scientific notation: ``format(12345.6, ",.4g")`` gives ``1.235e+04``, which nobody
    wants to read in a table of results.
    """
    if abs(float(f"{value:.3g}")) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def format_bytes(size: int) -> str:
    """``2_500_000`` -> ``2.4 MiB``."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def format_time(value: str) -> str:
    """An ISO timestamp as ``2026-11-28 15:04 UTC``."""
    moment = dt.datetime.fromisoformat(value).astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def metric_table(metrics: list[dict[str, Any]]) -> dict[str, Any]:
    """Metrics as rows per benchmark and one column per measure."""
    measures: list[str] = []
    rows: dict[str, dict[str, dict[str, Any]]] = {}
    for metric in metrics:
        measure = metric["measure"]
        if measure not in measures:
            measures.append(measure)
        rows.setdefault(metric["benchmark"]["name"], {})[measure] = metric
    return {"measures": measures, "rows": rows}
