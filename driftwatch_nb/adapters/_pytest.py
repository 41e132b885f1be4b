"""The ``python_pytest`` adapter: pytest-benchmark's ``--benchmark-json`` output.

Each entry of ``benchmarks`` becomes one benchmark named by its ``fullname`` (``file.py::test``,
as Bencher names it). ``latency`` is ``stats.mean`` converted from seconds to nanoseconds, with
``mean ± stats.stddev`` as lower and upper values (Bencher's default ``--average mean``); when
the stddev is larger than the mean (a slow outlier round), ``stats.min`` and ``stats.max``
instead, never a bound below zero. The
``ops`` figure is not reported separately: it is ``1 / mean`` and would only duplicate latency.

``stats.data`` (seconds per iteration of each round) becomes the samples, in nanoseconds.
pytest-benchmark always writes it to ``--benchmark-json`` files; the files ``--benchmark-save``
and ``--benchmark-autosave`` keep have it only with ``--benchmark-save-data``. More than
``MAX_SAMPLES_PER_METRIC`` rounds (fast functions run many) keep value and bounds, without
samples, with an ``AdapterWarning``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import cast

from ._model import LATENCY, Results
from ._util import JsonFormat, JsonReader, ResultsBuilder, load_json, spread, to_ns

__all__ = ["FORMAT", "parse"]

NAME = "python_pytest"
LABEL = "pytest-benchmark JSON"


def _looks_like(document: object) -> bool:
    if not isinstance(document, dict) or not isinstance(document.get("benchmarks"), list):
        return False
    entries = document["benchmarks"]
    return "machine_info" in document or any(isinstance(e, dict) and "stats" in e for e in entries)


def _convert(document: object, source: str) -> Results:
    reader = JsonReader(label=LABEL, source=source)
    reader.check(document, "an object", "the document")
    entries = reader.field(cast(dict[str, object], document), "benchmarks", "an array")
    builder = ResultsBuilder(adapter=NAME, source=source, samples_over_limit="drop")
    for index, entry in enumerate(cast(list[object], entries)):
        reader.check(entry, "an object", f"benchmark {index}")
        entry = cast(dict[str, object], entry)
        key = "fullname" if "fullname" in entry else "name"
        name = cast(str, reader.field(entry, key, "a string", f"benchmark {index}"))
        where = f"benchmark {name!r}"
        stats = cast(dict[str, object], reader.field(entry, "stats", "an object", where))
        where = f"the 'stats' object of benchmark {name!r}"
        mean = to_ns(reader.number(stats, "mean", where), "s")
        stddev = to_ns(reader.number(stats, "stddev", where), "s")
        rounds = reader.numbers(stats, "data", where)
        samples = None if rounds is None else tuple(float(to_ns(r, "s")) for r in rounds)
        # A stddev above the mean (one slow outlier round) keeps pytest-benchmark's own
        # min and max as bounds rather than a range starting below zero.
        observed = (
            (to_ns(reader.number(stats, "min", where), "s"),
             to_ns(reader.number(stats, "max", where), "s"))
            if "min" in stats and "max" in stats
            else None
        )  # fmt: skip
        builder.add(
            name, LATENCY, replace(spread(mean, stddev, observed=observed), samples=samples)
        )
    return builder.build()


FORMAT = JsonFormat(name=NAME, label=LABEL, looks_like=_looks_like, convert=_convert)


def parse(text: str, *, source: str = "stdout") -> Results:
    """Parse pytest-benchmark JSON (the whole text, or the one such object inside it)."""
    return load_json(text, FORMAT, source=source)
