"""A faster completion of plain objects, for the long lists of the project page.

graphql-core executes every field of every object through the full machinery (resolve info,
argument coercion, awaitable checks, path bookkeeping): about 10 microseconds a field, so a
page of 20 reports with 40 metrics each spent most of its time on ~5,000 fields that only read
an attribute. Here an object whose selected fields are all *plain* (a Strawberry field with no
resolver, no extension, no argument; a scalar, or a plain object of the same kind, or
``__typename``) is completed in one pass of ``getattr`` + the scalar's ``serialize``. Anything
else, and any value a plain pass cannot take (a null in a non-null field, a value the scalar
refuses), goes through graphql-core's own path, which also reports the error as usual.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

Completer = Callable[[Any], dict[str, Any]]


class _NotPlain(Exception):
    """A value the plain pass does not complete; graphql-core does instead."""


def _plain_field(field: GraphQLField) -> bool:
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    return (
        definition is not None
        and getattr(definition, "is_basic_field", False)
        and not field.args
        and not getattr(definition, "is_async", False)
    )


class PlainObjectsExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, completing plain objects in one pass."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # (type, id(grouped field set)) -> (the set, kept alive so its id stays unique; plan)
        self._plans: dict[tuple[str, int], tuple[Any, Completer | None]] = {}
        # A schema extension with a ``resolve`` hook must see every field: no plain pass then.
        manager = self.middleware_manager
        self._plain_allowed = manager is None or not getattr(manager, "middlewares", None)

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Any,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        """Complete ``source_value`` in one pass when its selection is plain."""
        if path is not None and self._plain_allowed:
            plan = self._plan(parent_type, grouped_field_set)
            if plan is not None:
                try:
                    return plan(source_value)
                except _NotPlain:
                    pass
        return super().execute_fields(
            parent_type, source_value, path, grouped_field_set, position_context
        )

    def complete_iterable_value(
        self,
        item_type: Any,
        field_details_list: Any,
        info: Any,
        path: Any,
        items: Any,
        position_context: Any,
    ) -> Any:
        """Complete a list of plain objects (a report's metrics) in one comprehension."""
        if self._plain_allowed and position_context is None and isinstance(items, list | tuple):
            non_null = isinstance(item_type, GraphQLNonNull)
            object_type = item_type.of_type if non_null else item_type
            if (
                isinstance(object_type, GraphQLObjectType)
                and not object_type.is_type_of
                and not _streamed(field_details_list)
            ):
                collected = self.collect_subfields(object_type, field_details_list)
                plan = None
                if not collected.new_defer_usages:
                    plan = self._plan(object_type, collected.grouped_field_set)
                if plan is not None:
                    try:
                        return [
                            plan(item) if item is not None else _null_item(non_null)
                            for item in items
                        ]
                    except _NotPlain:
                        pass
        return super().complete_iterable_value(
            item_type, field_details_list, info, path, items, position_context
        )

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> Completer | None:
        key = (parent_type.name, id(grouped_field_set))
        cached = self._plans.get(key)
        if cached is not None:
            return cached[1]
        plan = self._build(parent_type, grouped_field_set, depth=0)
        self._plans[key] = (grouped_field_set, plan)
        return plan

    def _build(
        self, parent_type: GraphQLObjectType, grouped_field_set: Any, *, depth: int
    ) -> Completer | None:
        if depth > 4:
            return None
        # (response name, attribute, non-null, scalar serialize, inner plan); no attribute
        # stands for __typename.
        steps: list[tuple[str, str | None, bool, Callable[[Any], Any] | None, Any]] = []
        for response_name, details in grouped_field_set.items():
            node = details[0].node
            if node.arguments or (node.directives and _has_other_directives(node)):
                return None
            if any(detail.defer_usage is not None for detail in details):
                return None
            name = node.name.value
            if name == "__typename":
                steps.append((response_name, None, True, None, None))
                continue
            field = parent_type.fields.get(name)
            if field is None or not _plain_field(field):
                return None
            attribute = field.extensions[GraphQLCoreConverter.DEFINITION_BACKREF].python_name
            field_type = field.type
            non_null = isinstance(field_type, GraphQLNonNull)
            if non_null:
                field_type = field_type.of_type
            if isinstance(field_type, GraphQLScalarType):
                serialize = _fast_serializers(field_type)
                steps.append((response_name, attribute, non_null, serialize, None))
            elif isinstance(field_type, GraphQLObjectType) and not field_type.is_type_of:
                collected = self.collect_subfields(field_type, details)
                if collected.new_defer_usages:
                    return None
                inner = self._build(field_type, collected.grouped_field_set, depth=depth + 1)
                if inner is None:
                    return None
                steps.append((response_name, attribute, non_null, None, inner))
            else:
                return None  # lists, enums, interfaces and unions: graphql-core's path
        type_name = parent_type.name

        def complete(source: Any) -> dict[str, Any]:
            result: dict[str, Any] = {}
            for response_name, attribute, non_null, serialize, inner in steps:
                if attribute is None:
                    result[response_name] = type_name
                    continue
                value = getattr(source, attribute)
                if value is None:
                    if non_null:
                        raise _NotPlain
                    result[response_name] = None
                elif serialize is not None:
                    try:
                        serialized = serialize(value)
                    except Exception as exc:  # the scalar refuses it: graphql-core says why
                        raise _NotPlain from exc
                    if serialized is None:
                        raise _NotPlain
                    result[response_name] = serialized
                else:
                    result[response_name] = inner(value)
            return result

        return complete


def _fast_serializers(scalar: GraphQLScalarType) -> Callable[[Any], Any]:
    """The scalar's ``serialize``, skipped for values that are already what it returns (a
    finite float for Float, a str for String and ID): graphql-core's coercion is most of the
    cost of a plain field."""
    serialize = scalar.serialize
    if scalar.name == "Float":
        return lambda value: (
            value if type(value) is float and math.isfinite(value) else serialize(value)
        )
    if scalar.name in ("String", "ID"):
        return lambda value: value if type(value) is str else serialize(value)
    return serialize


def _null_item(non_null: bool) -> None:
    if non_null:
        raise _NotPlain  # graphql-core reports the null in a non-null list
    return None


def _streamed(field_details_list: Any) -> bool:
    return any(
        d.name.value == "stream"
        for detail in field_details_list
        for d in detail.node.directives or ()
    )


def _has_other_directives(node: Any) -> bool:
    # @include/@skip were applied while collecting the fields; anything else is not plain.
    return any(d.name.value not in ("include", "skip") for d in node.directives)
