"""The ``shell_hyperfine`` adapter: hyperfine's ``--export-json`` output.

Each entry of ``results`` becomes one benchmark named by its ``command``. ``latency`` is
``mean`` converted from seconds to nanoseconds with ``mean ± stddev`` as lower and upper values,
as Bencher does by default; a single run has ``"stddev": null`` and so no bounds. ``times``
(seconds, one per run) becomes the samples, in nanoseconds.
"""

from __future__ import annotations

from dataclasses import replace
from typing import cast

from ._model import LATENCY, Results
from ._util import JsonFormat, JsonReader, ResultsBuilder, load_json, spread, to_ns

__all__ = ["FORMAT", "parse"]

NAME = "shell_hyperfine"
LABEL = "hyperfine JSON"


def _looks_like(document: object) -> bool:
    if not isinstance(document, dict) or not isinstance(document.get("results"), list):
        return False
    entries = document["results"]
    return bool(entries) and all(isinstance(e, dict) and "command" in e for e in entries)


def _convert(document: object, source: str) -> Results:
    reader = JsonReader(label=LABEL, source=source)
    reader.check(document, "an object", "the document")
    entries = reader.field(cast(dict[str, object], document), "results", "an array")
    builder = ResultsBuilder(adapter=NAME, source=source, samples_over_limit="drop")
    for index, entry in enumerate(cast(list[object], entries)):
        reader.check(entry, "an object", f"result {index}")
        entry = cast(dict[str, object], entry)
        command = cast(str, reader.field(entry, "command", "a string", f"result {index}"))
        where = f"command {command!r}"
        mean = to_ns(reader.number(entry, "mean", where), "s")
        stddev = None
        if entry.get("stddev") is not None:
            stddev = to_ns(reader.number(entry, "stddev", where), "s")
        times = reader.numbers(entry, "times", where)
        samples = None if times is None else tuple(float(to_ns(t, "s")) for t in times)
        builder.add(command, LATENCY, replace(spread(mean, stddev), samples=samples))
    return builder.build()


FORMAT = JsonFormat(name=NAME, label=LABEL, looks_like=_looks_like, convert=_convert)


def parse(text: str, *, source: str = "stdout") -> Results:
    """Parse hyperfine JSON (the whole text, or the hyperfine object inside it)."""
    return load_json(text, FORMAT, source=source)
