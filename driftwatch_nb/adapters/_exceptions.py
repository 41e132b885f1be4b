"""The adapters' one exception.

Exception tree::

    ValueError
    └── AdapterError

Errors raised while reading JSON or text are translated into `AdapterError` at the boundary, so
callers never see `json.JSONDecodeError`, `KeyError` or `decimal` exceptions.
"""

from __future__ import annotations

__all__ = ["AdapterError"]


class AdapterError(ValueError):
    """Benchmark output could not be turned into results; the message names the source and why."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"results from {source}: {reason}")

    def __reduce__(self) -> tuple[type[AdapterError], tuple[str, str]]:
        return (type(self), (self.source, self.reason))
