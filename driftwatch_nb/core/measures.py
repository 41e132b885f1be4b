"""Measures, their units and direction, and the one formatter family for numbers a person
reads (CLI, magics, dashboard and notebook alike).

A measure is a lowercase slug (``core.limits.MEASURE_PATTERN``). Built in (``BUILTIN_MEASURES``):
``latency`` in nanoseconds (lower is better), ``throughput`` in operations per second (higher is
better), and what the adapters report besides: ``bytes_per_second`` (higher is better),
``bytes_per_op`` and ``allocs_per_op`` (lower is better). Any other measure is a plain number;
unless a project says otherwise, its direction is unknown and treated as "higher is worse"
(``Direction.known`` is then ``False``).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

LATENCY = "latency"
"""Time per operation, in nanoseconds."""
THROUGHPUT = "throughput"
"""Operations (items, elements) per second."""
BYTES_PER_SECOND = "bytes_per_second"
"""Data throughput, in bytes per second (Go ``MB/s``, Criterion ``MiB/s``...)."""
BYTES_PER_OP = "bytes_per_op"
"""Heap bytes allocated per operation (Go ``-benchmem`` ``B/op``)."""
ALLOCS_PER_OP = "allocs_per_op"
"""Heap allocations per operation (Go ``-benchmem`` ``allocs/op``)."""

_TIME_UNITS = ((1e9, "s"), (1e6, "ms"), (1e3, "µs"), (1.0, "ns"))


@dataclass(frozen=True, kw_only=True, slots=True)
class Measure:
    """What a measure's numbers mean."""

    name: str
    unit: str
    """The unit values are stored in (``ns``, ``ops/s``, or ``""`` for a plain number)."""
    higher_is_better: bool


BUILTIN_MEASURES: dict[str, Measure] = {
    LATENCY: Measure(name=LATENCY, unit="ns", higher_is_better=False),
    THROUGHPUT: Measure(name=THROUGHPUT, unit="ops/s", higher_is_better=True),
    BYTES_PER_SECOND: Measure(name=BYTES_PER_SECOND, unit="B/s", higher_is_better=True),
    BYTES_PER_OP: Measure(name=BYTES_PER_OP, unit="B", higher_is_better=False),
    ALLOCS_PER_OP: Measure(name=ALLOCS_PER_OP, unit="", higher_is_better=False),
}


@dataclass(frozen=True, kw_only=True, slots=True)
class Direction:
    """Whether a rise in a measure is good news, and whether that is known or assumed."""

    higher_is_better: bool
    known: bool


def direction(measure: str, overrides: dict[str, bool] | None = None) -> Direction:
    """The direction of ``measure``: a project's override, the built-in one, else assumed
    "higher is worse" (``known=False``)."""
    if overrides and measure in overrides:
        return Direction(higher_is_better=overrides[measure], known=True)
    builtin = BUILTIN_MEASURES.get(measure)
    if builtin is not None:
        return Direction(higher_is_better=builtin.higher_is_better, known=True)
    return Direction(higher_is_better=False, known=False)


def format_measure(value: float | None, measure: str = LATENCY) -> str:
    """``1234567`` latency -> ``1.23 ms``; throughput in ops/s; other measures as numbers."""
    if value is None:
        return ""
    if measure == LATENCY:
        return format_duration_ns(value)
    if measure == THROUGHPUT:
        return f"{format_number(value)} ops/s"
    return format_number(value)


def format_duration_ns(nanoseconds: float) -> str:
    """Nanoseconds with three significant digits in the largest unit that keeps them >= 1.

    Rounds to the digits shown before picking the unit: 999.96 ns is "1 µs", not "1e+03 ns".
    """
    if math.isnan(nanoseconds):
        return "nan"
    shown = float(f"{nanoseconds:.3g}")
    for scale, unit in _TIME_UNITS:
        if abs(shown) >= scale or unit == "ns":
            return f"{shown / scale:.3g} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover - "ns" always matches


def format_seconds(seconds: float) -> str:
    """A duration given in seconds, formatted like ``format_duration_ns``."""
    return format_duration_ns(seconds * 1e9)


def format_number(value: float) -> str:
    """``12345.6`` -> ``12,346``; ``0.01234`` -> ``0.0123``.

    Never scientific notation: ``format(12345.6, ",.4g")`` gives ``1.235e+04``, which nobody
    wants to read in a table of results.
    """
    if abs(float(f"{value:.3g}")) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def format_spread(
    value: float, lower: float | None, upper: float | None, measure: str = LATENCY
) -> str:
    """``1.23 ms ± 40 µs``: the value with half its lower-upper range, when the range is
    centred on the value; ``1.03 ms (812 µs – 31.2 ms)`` when it is not (a harness's fastest
    and slowest rounds), so the printed spread never reaches below the lower bound."""
    text = format_measure(value, measure)
    if lower is not None and upper is not None and upper > lower:
        half = (upper - lower) / 2
        if abs((value - lower) - half) <= 0.01 * half:
            text += f" ± {format_measure(half, measure)}"
        else:
            text += f" ({format_measure(lower, measure)} – {format_measure(upper, measure)})"
    return text


def format_change(ratio: float) -> str:
    """A relative change ``after / before - 1`` as ``+12.4 %`` / ``-3.0 %``."""
    return f"{ratio * 100:+.1f} %"


def format_bytes(size: int) -> str:
    """``2_500_000`` -> ``2.4 MiB``."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def format_time(value: str | dt.datetime) -> str:
    """An ISO timestamp (or datetime) as ``2026-11-28 15:04 UTC``."""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
