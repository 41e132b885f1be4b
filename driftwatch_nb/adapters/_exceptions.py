"""The adapters' one exception.

Exception tree: ``AdapterError`` is an ``InvalidFile`` (``driftwatch_nb.core.errors``), so it
is a ``DriftwatchError`` and a ``ValueError``.

Errors raised while reading JSON or text are translated into `AdapterError` at the boundary, so
callers never see `json.JSONDecodeError`, `KeyError` or `decimal` exceptions.
"""

from __future__ import annotations

from driftwatch_nb.core.errors import InvalidFile

__all__ = ["AdapterError", "AdapterWarning"]


class AdapterError(InvalidFile):
    """Benchmark output could not be turned into results; the message names the source and why."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"results from {source}", reason)
        self.source = source

    def __reduce__(self) -> tuple[type[AdapterError], tuple[str, str]]:
        return (type(self), (self.source, self.reason))


class AdapterWarning(UserWarning):
    """Results were read, but something the harness reported is left out (e.g. samples over
    ``core.limits.MAX_SAMPLES_PER_METRIC``); the message names the benchmark and why."""
