"""Benchmark output parsers for ``driftwatch run``: tool output in, Bencher Metric Format out.

``parse_results(text, adapter="auto")`` returns ``{benchmark: {measure: MetricValue}}``.
Measures: ``latency`` in nanoseconds, ``throughput`` in operations per second, and for tools
that report them ``bytes_per_second``, ``bytes_per_op`` and ``allocs_per_op``; JSON input may
carry any other lowercase slug.

Unless a tool reports something else, ``latency`` is the mean with mean ± one standard
deviation as lower and upper values (Bencher's default). Each adapter module says exactly what
it reads: `_json`, `_pytest`, `_hyperfine`, `_google`, `_go`, `_criterion`.

``MetricValue.samples`` carries the raw per-round / per-run values where the tool reports them
(pytest-benchmark ``stats.data``, hyperfine ``times``, Google Benchmark repetitions, repeated
``go test -count`` lines, driftwatch JSON's ``samples``), checked by ``core.limits``. A harness
that ran more rounds than a metric keeps loses the samples, not the run: `AdapterWarning`.
"""

from __future__ import annotations

from ._exceptions import AdapterError, AdapterWarning
from ._model import (
    ALLOCS_PER_OP,
    BYTES_PER_OP,
    BYTES_PER_SECOND,
    LATENCY,
    THROUGHPUT,
    MetricValue,
    Results,
)
from ._parse import ADAPTERS, parse_results

__all__ = [
    "ADAPTERS",
    "ALLOCS_PER_OP",
    "BYTES_PER_OP",
    "BYTES_PER_SECOND",
    "LATENCY",
    "THROUGHPUT",
    "AdapterError",
    "AdapterWarning",
    "MetricValue",
    "Results",
    "parse_results",
]
