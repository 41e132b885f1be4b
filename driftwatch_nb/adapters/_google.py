"""The ``cpp_google`` adapter: Google Benchmark's ``--benchmark_format=json`` output.

Benchmarks are named by ``run_name`` (``name`` in old versions), and ``latency`` is
``real_time`` (wall clock, as Bencher uses) converted from ``time_unit`` (default ``ns``).

* One run: that ``real_time``, no bounds.
* ``--benchmark_repetitions``: the ``mean`` aggregate ± the ``stddev`` aggregate; without
  aggregate rows, the mean ± sample standard deviation of the repetitions.
* ``items_per_second`` becomes ``throughput`` and ``bytes_per_second`` becomes
  ``bytes_per_second``, with the same rules.
* Samples: with several repetitions, each repetition's iteration row gives one sample
  (``real_time`` in nanoseconds, and the counters' per-repetition values); a single run, or
  ``--benchmark_report_aggregates_only`` (no iteration rows), gives none.

Rows that report an error or a skip, and other aggregates (median, cv, BigO, RMS), are ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from decimal import Decimal
from typing import cast

from ._model import BYTES_PER_SECOND, LATENCY, THROUGHPUT, MetricValue, Results
from ._util import JsonFormat, JsonReader, ResultsBuilder, load_json, spread, summarize, to_ns

__all__ = ["FORMAT", "parse"]

NAME = "cpp_google"
LABEL = "Google Benchmark JSON"

_TIME_UNITS = ("ns", "us", "ms", "s")
_COUNTERS = {"items_per_second": THROUGHPUT, "bytes_per_second": BYTES_PER_SECOND}

Row = dict[str, object]


def _looks_like(document: object) -> bool:
    if not isinstance(document, dict) or not isinstance(document.get("benchmarks"), list):
        return False
    entries = document["benchmarks"]
    return "context" in document or any(
        isinstance(e, dict) and ("real_time" in e or "run_type" in e) for e in entries
    )


def _real_time(reader: JsonReader, row: Row) -> Decimal:
    where = f"benchmark {row['name']!r}"
    unit = row.get("time_unit", "ns")
    if unit not in _TIME_UNITS:
        raise reader.error(f"{where} has unknown time_unit {unit!r}")
    return to_ns(reader.number(row, "real_time", where), cast(str, unit))


def _counter(reader: JsonReader, row: Row, counter: str) -> Decimal:
    return reader.number(row, counter, f"benchmark {row['name']!r}")


def _metrics(
    reader: JsonReader, rows: list[Row], aggregates: dict[str, Row]
) -> Iterator[tuple[str, MetricValue]]:
    """Yield (measure, metric) for one run name from its iteration and aggregate rows."""
    mean, stddev = aggregates.get("mean"), aggregates.get("stddev")

    def samples(read: Callable[[Row], Decimal]) -> tuple[float, ...] | None:
        return tuple(float(read(r)) for r in rows) if len(rows) > 1 else None

    if mean is not None:
        deviation = None if stddev is None else _real_time(reader, stddev)
        latency = spread(_real_time(reader, mean), deviation)
        yield LATENCY, replace(latency, samples=samples(lambda r: _real_time(reader, r)))
        for counter, measure in _COUNTERS.items():
            if counter in mean:
                deviation = None
                if stddev is not None and counter in stddev:
                    deviation = _counter(reader, stddev, counter)
                metric = spread(_counter(reader, mean, counter), deviation)
                if all(counter in r for r in rows):
                    metric = replace(
                        metric, samples=samples(lambda r, c=counter: _counter(reader, r, c))
                    )
                yield measure, metric
    elif rows:
        yield LATENCY, summarize([_real_time(reader, r) for r in rows], keep_samples=True)
        for counter, measure in _COUNTERS.items():
            if all(counter in r for r in rows):
                amounts = [_counter(reader, r, counter) for r in rows]
                yield measure, summarize(amounts, keep_samples=True)


def _convert(document: object, source: str) -> Results:
    reader = JsonReader(label=LABEL, source=source)
    reader.check(document, "an object", "the document")
    entries = reader.field(cast(dict[str, object], document), "benchmarks", "an array")
    iterations: dict[str, list[Row]] = {}
    aggregates: dict[str, dict[str, Row]] = {}
    for index, entry in enumerate(cast(list[object], entries)):
        reader.check(entry, "an object", f"benchmark {index}")
        row = cast(Row, entry)
        name = reader.field(row, "name", "a string", f"benchmark {index}")
        if row.get("error_occurred") or row.get("skipped"):
            continue
        run_name = cast(str, row["run_name"] if isinstance(row.get("run_name"), str) else name)
        iterations.setdefault(run_name, [])
        if row.get("run_type") == "aggregate":
            aggregates.setdefault(run_name, {})[cast(str, row.get("aggregate_name"))] = row
        else:
            iterations[run_name].append(row)

    builder = ResultsBuilder(adapter=NAME, source=source, samples_over_limit="drop")
    for run_name, rows in iterations.items():
        for measure, metric in _metrics(reader, rows, aggregates.get(run_name, {})):
            builder.add(run_name, measure, metric)
    return builder.build()


FORMAT = JsonFormat(name=NAME, label=LABEL, looks_like=_looks_like, convert=_convert)


def parse(text: str, *, source: str = "stdout") -> Results:
    """Parse Google Benchmark JSON (the whole text, or the one such object inside it)."""
    return load_json(text, FORMAT, source=source)
