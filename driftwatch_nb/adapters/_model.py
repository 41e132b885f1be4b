"""Value types shared by every adapter: the Bencher Metric Format shape in Python."""

from __future__ import annotations

from dataclasses import dataclass, field

from driftwatch_nb.core.measures import (
    ALLOCS_PER_OP,
    BYTES_PER_OP,
    BYTES_PER_SECOND,
    LATENCY,
    THROUGHPUT,
)

__all__ = [
    "ALLOCS_PER_OP",
    "BYTES_PER_OP",
    "BYTES_PER_SECOND",
    "LATENCY",
    "THROUGHPUT",
    "MetricValue",
    "Results",
]


@dataclass(frozen=True)
class MetricValue:
    """One measured value with its optional spread (for ``latency``: nanoseconds).

    `lower_value` and `upper_value` are ``None`` when the tool reports no spread; what they mean
    depends on the adapter (mean ± one standard deviation for most, a confidence interval for
    Criterion). `samples` are the raw per-round / per-run values the harness reported, in the
    measure's unit (``latency``: nanoseconds), or ``None`` when it reported none. They are left
    out of the repr: a benchmark may carry thousands.
    """

    value: float
    lower_value: float | None = None
    upper_value: float | None = None
    samples: tuple[float, ...] | None = field(default=None, repr=False)


Results = dict[str, dict[str, MetricValue]]
"""Benchmark name -> measure slug -> value, the shape of Bencher Metric Format (BMF) JSON."""
