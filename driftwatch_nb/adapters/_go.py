"""The ``go_bench`` adapter: the text that ``go test -bench`` prints.

A result line is ``<name> <iterations> <value> <unit> [<value> <unit>...]`` (the Go benchmark
data format); every other line is ignored, so the output can be read as it is. Benchmarks keep
their full name, ``-8`` GOMAXPROCS suffix included, as Bencher does. Units read:

* ``ns/op`` -> ``latency`` (ns)
* ``MB/s`` -> ``bytes_per_second`` (Go's MB is 10^6 bytes)
* ``B/op`` -> ``bytes_per_op`` and ``allocs/op`` -> ``allocs_per_op`` (``-benchmem``)

Other units (custom ``b.ReportMetric`` ones) are skipped. One line per benchmark gives the value
alone; repeated lines (``-count=N``) give the mean ± sample standard deviation, and each line's
value as the samples (one line is itself an average over ``b.N`` iterations: no samples).
"""

from __future__ import annotations

import re
from decimal import Decimal

from ._exceptions import AdapterError
from ._model import ALLOCS_PER_OP, BYTES_PER_OP, BYTES_PER_SECOND, LATENCY, Results
from ._util import ResultsBuilder, decimal, summarize, terminal_lines

__all__ = ["parse", "scan"]

NAME = "go_bench"

_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:NaN|Inf)", re.I)
_UNITS: dict[str, tuple[str, int]] = {
    "ns/op": (LATENCY, 0),
    "MB/s": (BYTES_PER_SECOND, 6),
    "B/op": (BYTES_PER_OP, 0),
    "allocs/op": (ALLOCS_PER_OP, 0),
}


def _result_line(line: str) -> tuple[str, list[tuple[str, Decimal]]] | None:
    fields = line.split()
    if (
        len(fields) < 4
        or len(fields) % 2
        or not fields[0].startswith("Benchmark")
        or not (fields[1].isascii() and fields[1].isdigit())
    ):
        return None
    pairs: list[tuple[str, Decimal]] = []
    for number, unit in zip(fields[2::2], fields[3::2], strict=True):
        if not _NUMBER.fullmatch(number):
            return None
        if unit in _UNITS:
            measure, exponent = _UNITS[unit]
            pairs.append((measure, decimal(number).scaleb(exponent)))
    return (fields[0], pairs) if pairs else None


def scan(text: str, *, source: str = "stdout") -> ResultsBuilder:
    """Collect the results of every benchmark result line in `text` (possibly none)."""
    samples: dict[str, dict[str, list[Decimal]]] = {}
    for line in terminal_lines(text):
        parsed = _result_line(line)
        if parsed is not None:
            name, pairs = parsed
            for measure, amount in pairs:
                samples.setdefault(name, {}).setdefault(measure, []).append(amount)
    builder = ResultsBuilder(adapter=NAME, source=source, samples_over_limit="drop")
    for name, measures in samples.items():
        for measure, amounts in measures.items():
            builder.add(name, measure, summarize(amounts, keep_samples=True))
    return builder


def parse(text: str, *, source: str = "stdout") -> Results:
    """Parse ``go test -bench`` output, ignoring every line that is not a result line."""
    builder = scan(text, source=source)
    if not builder:
        raise AdapterError(
            source,
            "not go test -bench output: no result lines like "
            "'BenchmarkName-8  1000  123 ns/op' found",
        )
    return builder.build()
