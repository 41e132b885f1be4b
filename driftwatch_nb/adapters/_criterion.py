"""The ``rust_criterion`` adapter: the report lines Criterion.rs prints during ``cargo bench``.

``name  time: [low estimate high]`` gives ``latency``: the estimate as the value and the bounds
of Criterion's confidence interval (95% by default) as lower and upper values, exactly what the
line shows, converted from ps/ns/us/µs/ms/s to nanoseconds. A name too long for its column is
printed on the line before, and is taken from there. A ``thrpt: [...]`` line right after gives
``throughput`` (``elem/s`` units, as operations per second) or ``bytes_per_second``
(``B/s``, ``KiB/s``... binary, ``KB/s``... decimal). Every other line is ignored. The text
output carries no raw samples, so these metrics have none.
"""

from __future__ import annotations

import re
from decimal import Decimal

from ._exceptions import AdapterError
from ._model import BYTES_PER_SECOND, LATENCY, THROUGHPUT, MetricValue, Results
from ._util import TIME_UNIT_EXPONENTS, ResultsBuilder, decimal, terminal_lines, to_ns

__all__ = ["parse", "scan"]

NAME = "rust_criterion"

_TIME = re.compile(r"(?P<name>.*?)\s*\btime:\s*\[(?P<values>[^\]]*)\]\s*")
_THRPT = re.compile(r"\s*thrpt:\s*\[(?P<values>[^\]]*)\]\s*")
_NUMBER = re.compile(r"(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
_RATES: dict[str, tuple[str, int]] = {
    "elem/s": (THROUGHPUT, 1),
    "Kelem/s": (THROUGHPUT, 1000),
    "Melem/s": (THROUGHPUT, 1000**2),
    "Gelem/s": (THROUGHPUT, 1000**3),
    "B/s": (BYTES_PER_SECOND, 1),
    "KiB/s": (BYTES_PER_SECOND, 1024),
    "MiB/s": (BYTES_PER_SECOND, 1024**2),
    "GiB/s": (BYTES_PER_SECOND, 1024**3),
    "KB/s": (BYTES_PER_SECOND, 1000),
    "MB/s": (BYTES_PER_SECOND, 1000**2),
    "GB/s": (BYTES_PER_SECOND, 1000**3),
}


def _triple(values: str) -> list[tuple[Decimal, str]] | None:
    tokens = values.split()
    if len(tokens) != 6 or not all(_NUMBER.fullmatch(t) for t in tokens[::2]):
        return None
    return [(decimal(number), unit) for number, unit in zip(tokens[::2], tokens[1::2], strict=True)]


def _latency(values: str) -> MetricValue | None:
    triple = _triple(values)
    if triple is None or any(unit not in TIME_UNIT_EXPONENTS for _, unit in triple):
        return None
    low, estimate, high = (float(to_ns(amount, unit)) for amount, unit in triple)
    return MetricValue(estimate, low, high)


def _rate(values: str) -> tuple[str, MetricValue] | None:
    triple = _triple(values)
    if triple is None or any(unit not in _RATES for _, unit in triple):
        return None
    measures = {_RATES[unit][0] for _, unit in triple}
    if len(measures) != 1:
        return None
    # Rates are printed from the slowest to the fastest time, so order them explicitly.
    low, estimate, high = sorted(float(amount * _RATES[unit][1]) for amount, unit in triple)
    return measures.pop(), MetricValue(estimate, low, high)


def scan(text: str, *, source: str = "stdout") -> ResultsBuilder:
    """Collect the results of every Criterion report in `text` (possibly none)."""
    builder = ResultsBuilder(adapter=NAME, source=source)
    previous = ""
    current: str | None = None  # benchmark whose time line was the previous line
    for line in terminal_lines(text):
        time_line = _TIME.fullmatch(line)
        thrpt_line = _THRPT.fullmatch(line)
        if time_line is not None and (metric := _latency(time_line["values"])) is not None:
            name = time_line["name"].strip() or previous.strip()
            if name:
                builder.add(name, LATENCY, metric)
            current = name or None
        elif thrpt_line is not None and current is not None:
            rate = _rate(thrpt_line["values"])
            if rate is not None:
                builder.add(current, *rate)
            current = None
        else:
            current = None
        previous = line
    return builder


def parse(text: str, *, source: str = "stdout") -> Results:
    """Parse Criterion.rs output, ignoring every line that is not part of a report."""
    builder = scan(text, source=source)
    if not builder:
        raise AdapterError(
            source,
            "not Criterion output: no lines like 'name  time: [1.1 ns 1.2 ns 1.3 ns]' found",
        )
    return builder.build()
