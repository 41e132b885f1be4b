"""Adapter registry and `parse_results`, including ``auto`` detection."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from . import _criterion, _go, _google, _hyperfine, _json, _pytest
from ._exceptions import AdapterError
from ._model import Results
from ._util import JsonFormat, decode, find_json_objects, latest_snapshot

__all__ = ["ADAPTERS", "parse_results"]


class _Parser(Protocol):
    def __call__(self, text: str, *, source: str = "stdout") -> Results: ...


_PARSERS: dict[str, _Parser] = {
    "json": _json.parse,
    "python_pytest": _pytest.parse,
    "shell_hyperfine": _hyperfine.parse,
    "cpp_google": _google.parse,
    "go_bench": _go.parse,
    "rust_criterion": _criterion.parse,
}

ADAPTERS: dict[str, Callable[[str], Results]] = dict(_PARSERS)
"""Adapter name (as ``--adapter`` takes it, Bencher's names) -> parser of that tool's output.

Each parser also takes a keyword-only ``source`` naming the input in error messages.
"""

# Detection order: the specific JSON shapes before BMF, whose shape is the loosest.
_JSON_FORMATS: tuple[JsonFormat, ...] = (
    _pytest.FORMAT,
    _hyperfine.FORMAT,
    _google.FORMAT,
    _json.FORMAT,
)
_TRIED = ", ".join(_PARSERS)


def _json_format(document: object) -> JsonFormat | None:
    return next((f for f in _JSON_FORMATS if f.looks_like(document)), None)


def _auto(text: str, source: str) -> Results:
    document, error = decode(text)
    if error is None:
        fmt = _json_format(document)
        if fmt is not None:
            return fmt.convert(document, source)
    else:
        found = [(f, d) for d in find_json_objects(text) if (f := _json_format(d)) is not None]
        if found:
            return latest_snapshot([f.convert(d, source) for f, d in found], source=source)
        go, criterion = _go.scan(text, source=source), _criterion.scan(text, source=source)
        if go and criterion:
            raise AdapterError(
                source, "found both go_bench and rust_criterion results; pass --adapter to choose"
            )
        if go or criterion:
            return (go or criterion).build()
    raise AdapterError(
        source,
        f"no benchmark results recognised (tried {_TRIED}); pass --adapter to choose the "
        "format or --file to read the results from a file",
    )


def parse_results(text: str, *, adapter: str = "auto", source: str = "stdout") -> Results:
    """Turn benchmark output into results: benchmark name -> measure slug -> `MetricValue`.

    `adapter` is ``"auto"`` or a key of `ADAPTERS`. ``auto`` reads, in order: the whole text as
    JSON of a known shape (pytest-benchmark, hyperfine, Google Benchmark, else Bencher Metric
    Format); a JSON object of a known shape inside other output (logs around it; several
    snapshots of growing results count as the last one); ``go test -bench`` lines; Criterion
    report lines. `source` names where the text came from (``"stdout"``, a file name) in error
    messages. Raises `AdapterError` when nothing valid is found, and for any non-finite or
    negative number, naming the benchmark and measure.
    """
    if adapter != "auto" and adapter not in _PARSERS:
        choices = ", ".join(["auto", *sorted(_PARSERS)])
        raise AdapterError(source, f"unknown adapter {adapter!r}; choose one of {choices}")
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise AdapterError(source, "nothing to parse, the output is empty")
    if adapter == "auto":
        return _auto(text, source)
    return _PARSERS[adapter](text, source=source)
