"""Refuse NUL characters in every string argument, before anything runs.

PostgreSQL cannot store ``\\u0000`` in text (the driver raises, which was an unexpected error)
and SQLite stores it silently; neither is wanted. The check walks the operation's arguments,
literal and variable alike, so each refusal names the field it came from.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    ListValueNode,
    ObjectValueNode,
    StringValueNode,
    ValueNode,
    VariableNode,
)
from strawberry.extensions import SchemaExtension

from driftwatch_nb.core.errors import InvalidInput

NUL = "\x00"


def _value_paths(value: Any, path: str) -> Iterator[str]:
    """Paths of the strings containing NUL in a variable's JSON value."""
    if isinstance(value, str):
        if NUL in value:
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and NUL in key:
                yield f"{path}.{key!r}"
            yield from _value_paths(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _value_paths(item, f"{path}[{index}]")


def _node_paths(node: ValueNode, path: str, variables: dict[str, Any]) -> Iterator[str]:
    if isinstance(node, StringValueNode):
        if NUL in node.value:
            yield path
    elif isinstance(node, VariableNode):
        yield from _value_paths(variables.get(node.name.value), path)
    elif isinstance(node, ObjectValueNode):
        for field in node.fields:
            yield from _node_paths(field.value, f"{path}.{field.name.value}", variables)
    elif isinstance(node, ListValueNode):
        for index, item in enumerate(node.values):
            yield from _node_paths(item, f"{path}[{index}]", variables)


def nul_fields(document: DocumentNode, variables: dict[str, Any] | None) -> list[str]:
    """Every argument path of ``document`` whose string value contains NUL."""
    variables = variables or {}
    found: list[str] = []
    pending: list[Any] = list(document.definitions)
    while pending:
        node = pending.pop()
        for definition in getattr(node, "variable_definitions", None) or ():
            if definition.default_value is not None:
                name = definition.variable.name.value
                found.extend(_node_paths(definition.default_value, name, variables))
        for argument in getattr(node, "arguments", None) or ():
            found.extend(_node_paths(argument.value, argument.name.value, variables))
        for directive in getattr(node, "directives", None) or ():
            pending.append(directive)
        selection_set = getattr(node, "selection_set", None)
        if selection_set is not None:
            pending.extend(selection_set.selections)
    return found


class RefuseNulCharacters(SchemaExtension):
    """Answer BAD_USER_INPUT naming the field when any string argument contains NUL."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        fields = nul_fields(document, context.variables) if document is not None else []
        if fields:
            field = fields[0]
            error = InvalidInput(f"{field} must not contain NUL characters (\\u0000)", field=field)
            context.result = ExecutionResult(
                data=None,
                errors=[
                    GraphQLError(error.message, original_error=error, extensions=error.extensions)
                ],
            )
        yield
