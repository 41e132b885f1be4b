"""The ``json`` adapter: Bencher Metric Format (BMF) JSON, driftwatch's own result format.

``{"benchmark": {"measure": {"value": 1.0, "lower_value": 0.9, "upper_value": 1.1}}}``: the
numbers are taken as they are (``latency`` is expected in nanoseconds), measure slugs must be
lowercase ``[a-z0-9_-]+``, and unknown keys in a metric are refused so that a typo such as
``"lower"`` is not silently dropped.

driftwatch extension: a metric may also carry ``"samples": [1.0, 2.0, ...]``, the raw
per-iteration values in the measure's unit (``latency``: nanoseconds). They must be finite
numbers, not negative for the built-in measures, at most ``MAX_SAMPLES_PER_METRIC`` (10,000) per
metric and ``MAX_SAMPLES_PER_REPORT`` (500,000) in all; anything else is refused. Bencher itself
does not read the key.
"""

from __future__ import annotations

from typing import cast

from ._model import MetricValue, Results
from ._util import JsonFormat, JsonReader, ResultsBuilder, json_type, load_json

__all__ = ["FORMAT", "parse"]

NAME = "json"
LABEL = "Bencher Metric Format JSON"

_KEYS = ("value", "lower_value", "upper_value", "samples")


def _looks_like(document: object) -> bool:
    return (
        isinstance(document, dict)
        and bool(document)
        and all(
            isinstance(measures, dict)
            and bool(measures)
            and all(isinstance(m, dict) and "value" in m for m in measures.values())
            for measures in document.values()
        )
    )


def _convert(document: object, source: str) -> Results:
    reader = JsonReader(label=LABEL, source=source)
    if not isinstance(document, dict):
        raise reader.error(
            f"expected an object mapping benchmark names to measures, got {json_type(document)}"
        )
    builder = ResultsBuilder(adapter=NAME, source=source)
    for benchmark, measures in document.items():
        where = f"benchmark {benchmark!r}"
        reader.check(measures, "an object", where)
        if not measures:
            raise reader.error(f"{where} has no measures")
        for measure, metric in cast(dict[str, object], measures).items():
            what = f"{where} measure {measure!r}"
            reader.check(metric, "an object", what)
            metric = cast(dict[str, object], metric)
            unknown = sorted(set(metric) - set(_KEYS))
            if unknown:
                raise reader.error(
                    f"{what} has unknown key {unknown[0]!r} (expected value, lower_value, "
                    "upper_value, samples)"
                )
            value = reader.number(metric, "value", what)
            lower, upper = (
                None if metric.get(key) is None else float(reader.number(metric, key, what))
                for key in ("lower_value", "upper_value")
            )
            samples = reader.numbers(metric, "samples", what)
            builder.add(
                benchmark,
                measure,
                MetricValue(
                    float(value),
                    lower,
                    upper,
                    samples=None if samples is None else tuple(float(s) for s in samples),
                ),
            )
    return builder.build()


FORMAT = JsonFormat(name=NAME, label=LABEL, looks_like=_looks_like, convert=_convert)


def parse(text: str, *, source: str = "stdout") -> Results:
    """Parse Bencher Metric Format JSON (the whole text, or the one BMF object inside it)."""
    return load_json(text, FORMAT, source=source)
