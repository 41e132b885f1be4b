"""Value types shared by every adapter: the Bencher Metric Format shape in Python."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ALLOCS_PER_OP",
    "BYTES_PER_OP",
    "BYTES_PER_SECOND",
    "LATENCY",
    "THROUGHPUT",
    "MetricValue",
    "Results",
]

LATENCY = "latency"
"""Measure slug for time per operation, in nanoseconds."""

THROUGHPUT = "throughput"
"""Measure slug for operations (items, elements) per second."""

BYTES_PER_SECOND = "bytes_per_second"
"""Measure slug for data throughput, in bytes per second (Go ``MB/s``, Criterion ``MiB/s``...)."""

BYTES_PER_OP = "bytes_per_op"
"""Measure slug for heap bytes allocated per operation (Go ``-benchmem`` ``B/op``)."""

ALLOCS_PER_OP = "allocs_per_op"
"""Measure slug for heap allocations per operation (Go ``-benchmem`` ``allocs/op``)."""


@dataclass(frozen=True)
class MetricValue:
    """One measured value with its optional spread (for ``latency``: nanoseconds).

    `lower_value` and `upper_value` are ``None`` when the tool reports no spread; what they mean
    depends on the adapter (mean ± one standard deviation for most, a confidence interval for
    Criterion).
    """

    value: float
    lower_value: float | None = None
    upper_value: float | None = None


Results = dict[str, dict[str, MetricValue]]
"""Benchmark name -> measure slug -> value, the shape of Bencher Metric Format (BMF) JSON."""
