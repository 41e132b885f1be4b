"""Helpers shared by the adapters: exact unit scaling, validation, and finding JSON in output."""

from __future__ import annotations

import json
import math
import re
import statistics
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Literal, cast

from driftwatch_nb.core.errors import InvalidInput
from driftwatch_nb.core.limits import (
    MAX_SAMPLES_PER_METRIC,
    MAX_SAMPLES_PER_REPORT,
    check_measure,
    check_name,
    check_samples,
)
from driftwatch_nb.core.measures import BUILTIN_MEASURES

from ._exceptions import AdapterError, AdapterWarning
from ._model import MetricValue, Results

# Powers of ten from each time unit to nanoseconds. Numbers are read as decimals (JSON too) and
# scaling a decimal by a power of ten is exact, so "1.4e-06 s" becomes 1400.0 ns, not
# 1400.0000000000002, and the only rounding is the final one to float.
TIME_UNIT_EXPONENTS: dict[str, int] = {
    "ps": -3,
    "ns": 0,
    "us": 3,
    "µs": 3,  # U+00B5 MICRO SIGN, what Criterion prints
    "μs": 3,  # U+03BC GREEK SMALL LETTER MU, what some terminals and editors turn it into
    "ms": 6,
    "s": 9,
}

_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# Where a JSON object may start: "{" followed by a key or by "}".
_OBJECT_START = re.compile(r'\{\s*["}]')


def decimal(number: Decimal | float | int | str) -> Decimal:
    """Return `number` as a `Decimal` equal to its printed form (commas dropped)."""
    if isinstance(number, Decimal | int):
        return Decimal(number)
    text = number.replace(",", "") if isinstance(number, str) else repr(number)
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a number: {number!r}") from None


def to_ns(amount: Decimal, unit: str) -> Decimal:
    """Scale `amount` in time `unit` (a key of `TIME_UNIT_EXPONENTS`) to nanoseconds, exactly."""
    return amount.scaleb(TIME_UNIT_EXPONENTS[unit])


def spread(
    center: Decimal,
    deviation: Decimal | None,
    *,
    observed: tuple[Decimal, Decimal] | None = None,
) -> MetricValue:
    """Return ``center ± deviation`` as a metric; no bounds when `deviation` is ``None``.

    A noisy run can have a deviation larger than its mean, so ``center - deviation`` would be a
    time below zero. Then the harness's own observed range (``observed``: its fastest and
    slowest round) is kept instead, unclamped and asymmetric, so the report shows the real
    spread."""
    if deviation is None:
        return MetricValue(float(center))
    lower = center - deviation
    if observed is not None and lower.is_finite() and lower < 0:
        low, high = observed
        return MetricValue(float(center), float(low), float(high))
    # A noisy run can have a deviation larger than its mean; a time or rate below zero means
    # nothing, so the lower bound stops at zero.
    if lower.is_finite() and lower < 0:
        lower = Decimal(0)
    return MetricValue(float(center), float(lower), float(center + deviation))


def summarize(samples: Sequence[Decimal], *, keep_samples: bool = False) -> MetricValue:
    """Return the mean ± sample standard deviation of repeated runs (no bounds for one run).

    With `keep_samples`, several runs are also kept as the metric's samples (one run is only
    its own value, and gives none).
    """
    kept = tuple(float(s) for s in samples) if keep_samples and len(samples) > 1 else None
    for sample in samples:
        if not sample.is_finite():
            return MetricValue(float(sample), samples=kept)
    if len(samples) == 1:
        return MetricValue(float(samples[0]))
    return replace(spread(statistics.mean(samples), statistics.stdev(samples)), samples=kept)


def terminal_lines(text: str) -> list[str]:
    """Split terminal output into lines without colour escapes.

    `str.splitlines` also splits at the carriage returns that progress displays use to redraw
    a line, so each redrawn state becomes a line of its own.
    """
    return _ANSI_ESCAPE.sub("", text).splitlines()


def json_type(value: object) -> str:
    """Name the JSON type of a decoded value, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float | Decimal):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


class ResultsBuilder:
    """Collects metrics for one source and validates each as it is added.

    Samples are checked with ``core.limits.check_samples`` (finite; not negative for the
    built-in measures). Too many of them is refused when the input named them explicitly
    (`samples_over_limit="refuse"`, driftwatch JSON); a harness that simply ran many rounds
    (`"drop"`) keeps its value and bounds, loses the samples, and an `AdapterWarning` says so.
    """

    def __init__(
        self,
        *,
        adapter: str,
        source: str,
        samples_over_limit: Literal["refuse", "drop"] = "refuse",
    ) -> None:
        self.adapter = adapter
        self.source = source
        self.samples_over_limit = samples_over_limit
        self._results: Results = {}

    def __bool__(self) -> bool:
        return bool(self._results)

    def add(self, benchmark: str, measure: str, metric: MetricValue) -> None:
        """Add one metric; reject names the server would refuse (``core.limits``), duplicates,
        non-finite or negative numbers and bounds on the wrong side of the value."""
        try:
            check_name(benchmark, field="benchmark")
            check_measure(measure, where=f"benchmark {benchmark!r}: ")
        except InvalidInput as exc:
            raise AdapterError(self.source, exc.message) from None
        measures = self._results.setdefault(benchmark, {})
        if measure in measures:
            raise AdapterError(
                self.source, f"benchmark {benchmark!r} measure {measure!r} appears more than once"
            )
        for field in ("value", "lower_value", "upper_value"):
            number = getattr(metric, field)
            if number is None:
                continue
            if not math.isfinite(number):
                problem = "which is not a finite number"
            elif number < 0:
                problem = "which is negative"
            else:
                continue
            raise AdapterError(
                self.source,
                f"benchmark {benchmark!r} measure {measure!r} has {field} {number}, {problem}",
            )
        if metric.lower_value is not None and metric.lower_value > metric.value:
            raise AdapterError(
                self.source,
                f"benchmark {benchmark!r} measure {measure!r}: lower_value is above value",
            )
        if metric.upper_value is not None and metric.upper_value < metric.value:
            raise AdapterError(
                self.source,
                f"benchmark {benchmark!r} measure {measure!r}: upper_value is below value",
            )
        if metric.samples is not None:
            metric = self._checked_samples(benchmark, measure, metric)
        measures[measure] = metric

    def _checked_samples(self, benchmark: str, measure: str, metric: MetricValue) -> MetricValue:
        assert metric.samples is not None
        where = f"benchmark {benchmark!r} measure {measure!r}: "
        if not metric.samples:
            return replace(metric, samples=None)
        if len(metric.samples) > MAX_SAMPLES_PER_METRIC and self.samples_over_limit == "drop":
            self._warn(
                f"{where}{len(metric.samples):,} samples, more than the "
                f"{MAX_SAMPLES_PER_METRIC:,} a metric keeps; posting its value and bounds "
                "without samples"
            )
            return replace(metric, samples=None)
        try:
            values = check_samples(
                metric.samples, non_negative=measure in BUILTIN_MEASURES, where=where
            )
        except InvalidInput as exc:
            raise AdapterError(self.source, exc.message) from None
        return replace(metric, samples=tuple(values))

    def _warn(self, message: str) -> None:
        warnings.warn(f"results from {self.source}: {message}", AdapterWarning, stacklevel=4)

    def build(self) -> Results:
        """Return the results, refusing to return none at all."""
        if not self._results:
            raise AdapterError(self.source, f"the {self.adapter} results contain no benchmarks")
        total = sum(
            len(metric.samples or ())
            for measures in self._results.values()
            for metric in measures.values()
        )
        if total > MAX_SAMPLES_PER_REPORT:
            message = (
                f"the results carry {total:,} samples in all, more than the "
                f"{MAX_SAMPLES_PER_REPORT:,} a report keeps"
            )
            if self.samples_over_limit == "refuse":
                raise AdapterError(self.source, message)
            self._warn(f"{message}; posting values and bounds without samples")
            return {
                benchmark: {m: replace(v, samples=None) for m, v in measures.items()}
                for benchmark, measures in self._results.items()
            }
        return self._results


class JsonReader:
    """Typed access to a decoded JSON document; wrong shapes raise `AdapterError`."""

    _KINDS: dict[str, Callable[[object], bool]] = {
        "an object": lambda v: isinstance(v, dict),
        "an array": lambda v: isinstance(v, list),
        "a string": lambda v: isinstance(v, str),
        "a number": lambda v: isinstance(v, int | float | Decimal) and not isinstance(v, bool),
    }

    def __init__(self, *, label: str, source: str) -> None:
        self.label = label
        self.source = source

    def error(self, reason: str) -> AdapterError:
        """Return an error saying the document is not this format, and why."""
        return AdapterError(self.source, f"not {self.label}: {reason}")

    def check(self, value: object, kind: str, what: str) -> None:
        """Raise unless `value` is of `kind` (e.g. ``"an object"``)."""
        if not self._KINDS[kind](value):
            raise self.error(f"{what} must be {kind}, got {json_type(value)}")

    def field(self, obj: dict[str, object], key: str, kind: str, where: str = "") -> object:
        """Return ``obj[key]``, which must exist and be of `kind`; `where` names `obj`."""
        if key not in obj:
            raise self.error(f"{where} is missing key {key!r}" if where else f"missing key {key!r}")
        value = obj[key]
        self.check(value, kind, f"key {key!r} in {where}" if where else f"key {key!r}")
        return value

    def number(self, obj: dict[str, object], key: str, where: str = "") -> Decimal:
        """Return ``obj[key]`` as an exact `Decimal`; it must be a JSON number."""
        return decimal(cast(Decimal, self.field(obj, key, "a number", where)))

    def numbers(self, obj: dict[str, object], key: str, where: str = "") -> list[Decimal] | None:
        """Return ``obj[key]``, an array of JSON numbers, as exact `Decimal`s; ``None`` when the
        key is missing or null."""
        if obj.get(key) is None:
            return None
        values = cast(list[object], self.field(obj, key, "an array", where))
        number = self._KINDS["a number"]
        for index, value in enumerate(values):
            if not number(value):
                what = f"{key}[{index}] in {where}" if where else f"{key}[{index}]"
                raise self.error(f"{what} must be a number, got {json_type(value)}")
        return [decimal(cast(Decimal, value)) for value in values]


@dataclass(frozen=True)
class JsonFormat:
    """A JSON result format: how to recognise a document and how to convert it."""

    name: str
    label: str
    looks_like: Callable[[object], bool]
    convert: Callable[[object, str], Results]


def decode(text: str) -> tuple[object, json.JSONDecodeError | None]:
    """Decode all of `text` as JSON; return ``(document, None)`` or ``(None, error)``."""
    try:
        return json.loads(text, parse_float=Decimal), None
    except json.JSONDecodeError as exc:
        return None, exc
    except RecursionError:
        return None, json.JSONDecodeError("nested too deeply", text, 0)


def find_json_objects(text: str) -> list[dict[str, object]]:
    """Return the JSON objects embedded in `text` (logs around them), outermost only."""
    decoder = json.JSONDecoder(parse_float=Decimal)
    found: list[dict[str, object]] = []
    end = 0
    for match in _OBJECT_START.finditer(text):
        if match.start() < end:
            continue
        try:
            document, stop = decoder.raw_decode(text, match.start())
        except (ValueError, RecursionError):
            continue
        if isinstance(document, dict):
            found.append(document)
            end = stop
    return found


def latest_snapshot(snapshots: Sequence[Results], *, source: str) -> Results:
    """Pick one of several result documents found in one output.

    Tools that rewrite their export after each benchmark (hyperfine with ``--export-json
    /dev/stdout``) print growing snapshots; the last one holds everything the others do. Any
    other combination is ambiguous.
    """
    last = snapshots[-1]
    for earlier in snapshots[:-1]:
        for benchmark, measures in earlier.items():
            if any(last.get(benchmark, {}).get(m) != v for m, v in measures.items()):
                raise AdapterError(
                    source,
                    f"found {len(snapshots)} different JSON documents with benchmark results; "
                    "pass --file to read the one you mean",
                )
    return last


def load_json(text: str, fmt: JsonFormat, *, source: str) -> Results:
    """Parse `text` as `fmt`: the whole text, or the JSON object of that shape inside it."""
    text = text.lstrip("\ufeff")
    document, error = decode(text)
    if error is None:
        return fmt.convert(document, source)
    candidates = find_json_objects(text)
    matches = [c for c in candidates if fmt.looks_like(c)]
    if matches:
        return latest_snapshot([fmt.convert(m, source) for m in matches], source=source)
    if len(candidates) == 1:
        # One object of another shape: converting it explains what is missing.
        return fmt.convert(candidates[0], source)
    if candidates:
        reason = f"none of the {len(candidates)} JSON objects in the output has the expected shape"
    elif text.lstrip().startswith(("{", "[")):
        reason = f"invalid JSON ({error.msg} at line {error.lineno} column {error.colno})"
    else:
        reason = "no JSON object found"
    raise AdapterError(source, f"not {fmt.label}: {reason}")
