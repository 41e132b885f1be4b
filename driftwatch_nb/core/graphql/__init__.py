"""The GraphQL contract shared by the server and every client.

* ``schema.graphql`` is the server's schema, exported from Strawberry
  (``python -m driftwatch_server.graphql.export``); a test fails when the two drift apart.
* ``operations.graphql`` holds every named operation the clients send; ``operation(name)``
  returns one with the fragments it uses, ready to send.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

__all__ = ["operation", "operation_names", "operations_text", "schema_text"]

_DEFINITION = re.compile(r"^(query|mutation|fragment)\s+(\w+)", re.M)
_SPREAD = re.compile(r"\.\.\.(\w+)")


def schema_text() -> str:
    """The exported schema (SDL)."""
    return (files(__name__) / "schema.graphql").read_text(encoding="utf-8")


def operations_text() -> str:
    """The whole operations document."""
    return (files(__name__) / "operations.graphql").read_text(encoding="utf-8")


@cache
def _definitions() -> dict[str, tuple[str, str]]:
    """``name -> (kind, text)`` for every operation and fragment of the document."""
    text = "\n".join(
        line for line in operations_text().splitlines() if not line.lstrip().startswith("#")
    )
    starts = list(_DEFINITION.finditer(text))
    found: dict[str, tuple[str, str]] = {}
    for match, following in zip(starts, [*starts[1:], None], strict=True):
        end = following.start() if following else len(text)
        found[match.group(2)] = (match.group(1), text[match.start() : end].strip())
    return found


def operation_names() -> list[str]:
    """The names of the operations (fragments excluded)."""
    return [name for name, (kind, _) in _definitions().items() if kind != "fragment"]


@cache
def operation(name: str) -> str:
    """The document for operation ``name``: the operation and the fragments it spreads."""
    definitions = _definitions()
    kind, text = definitions.get(name, ("", ""))
    if not text or kind == "fragment":
        raise KeyError(f"no GraphQL operation named {name!r} in operations.graphql")
    parts, pending, seen = [text], _SPREAD.findall(text), set()
    while pending:
        fragment = pending.pop()
        if fragment in seen:
            continue
        seen.add(fragment)
        fragment_text = definitions[fragment][1]
        parts.append(fragment_text)
        pending.extend(_SPREAD.findall(fragment_text))
    return "\n\n".join(parts)
