"""Query limits: one request must not be able to stall the server for everyone.

Strawberry's own extensions refuse too many tokens (at parse time, before any work), too many
aliases and too deep a selection; ``CostLimiter`` refuses an operation whose estimated cost is
over ``GRAPHQL_MAX_COST`` before it runs; ``AnonymousIntrospection`` refuses ``__schema`` and
``__type`` to clients that sent no valid token. The limits live in ``driftwatch_nb.core.limits``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValidationRule,
    get_named_type,
)
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from driftwatch_nb.core.errors import AuthenticationError, ErrorCode, InvalidInput
from driftwatch_nb.core.limits import (
    GRAPHQL_LIST_COST,
    GRAPHQL_MAX_ALIASES,
    GRAPHQL_MAX_COST,
    GRAPHQL_MAX_DEPTH,
    GRAPHQL_MAX_TOKENS,
    MAX_METRICS_PER_REPORT,
    MAX_REPORT_PAGE,
    check_metric_count,
)

PAGE_ARGUMENTS = ("first", "last")
INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


def _page_size(node: FieldNode) -> int | None:
    for argument in node.arguments or ():
        if argument.name.value in PAGE_ARGUMENTS:
            if isinstance(argument.value, IntValueNode):
                return max(1, min(int(argument.value.value), 10 * MAX_REPORT_PAGE))
            return MAX_REPORT_PAGE  # a variable: assume a full page
    return None


def _unwrap_list(field_type: Any) -> bool:
    while isinstance(field_type, GraphQLNonNull):
        field_type = field_type.of_type
    return isinstance(field_type, GraphQLList)


class _Cost:
    def __init__(self, fragments: dict[str, FragmentDefinitionNode], schema: Any) -> None:
        self.fragments = fragments
        self.schema = schema

    def selection_set(
        self, selection_set: SelectionSetNode | None, parent: Any, depth: int, paged: bool = False
    ) -> int:
        """``paged``: the parent field's page size already counts the lists below it (a
        page's ``nodes``)."""
        if selection_set is None or depth > 4 * GRAPHQL_MAX_DEPTH:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, depth, paged)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection_set(selection.selection_set, target, depth + 1, paged)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    target = self.schema.get_type(fragment.type_condition.name.value)
                    total += self.selection_set(fragment.selection_set, target, depth + 1, paged)
        return total

    def field(self, node: FieldNode, parent: Any, depth: int, paged: bool = False) -> int:
        definition = None
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            definition = parent.fields.get(node.name.value)
        if definition is None:
            return 1  # __typename, introspection, or a field validation will refuse anyway
        page = _page_size(node)
        if page is not None:
            multiplier = page
        elif _unwrap_list(definition.type) and not paged:
            multiplier = GRAPHQL_LIST_COST
        else:
            multiplier = 1
        children = self.selection_set(
            node.selection_set, get_named_type(definition.type), depth + 1, page is not None
        )
        return 1 + multiplier * children


def operation_costs(document: Any, schema: Any) -> dict[str, int]:
    """The estimated cost of each operation of ``document``."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    cost = _Cost(fragments, schema)
    costs: dict[str, int] = {}
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        root = {
            OperationType.QUERY: schema.query_type,
            OperationType.MUTATION: schema.mutation_type,
            OperationType.SUBSCRIPTION: schema.subscription_type,
        }[definition.operation]
        name = definition.name.value if definition.name else "anonymous"
        costs[name] = cost.selection_set(definition.selection_set, root, 0)
    return costs


class _CostRule(ValidationRule):
    def __init__(self, context: Any) -> None:
        super().__init__(context)
        for name, value in operation_costs(context.document, context.schema).items():
            if value > GRAPHQL_MAX_COST:
                context.report_error(
                    GraphQLError(
                        f"operation {name!r} is too expensive: its estimated cost is {value:,}, "
                        f"the limit is {GRAPHQL_MAX_COST:,} (ask for fewer or smaller pages, "
                        "or fewer aliases)",
                        extensions={"code": str(ErrorCode.QUERY_TOO_COMPLEX)},
                    )
                )


class AnonymousIntrospection(SchemaExtension):
    """Introspection (``__schema``, ``__type``) needs a valid token: anonymous clients are
    refused, so the schema is not handed to whoever finds the server."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        user = getattr(context.context, "user", None)
        if document is not None and user is None and _asks_introspection(document):
            error = AuthenticationError(
                "introspection needs an API token: send one as 'Authorization: Bearer <token>'"
            )
            context.result = ExecutionResult(
                data=None,
                errors=[
                    GraphQLError(error.message, original_error=error, extensions=error.extensions)
                ],
            )
        yield


class RefuseOversizedReports(SchemaExtension):
    """Count a report's metrics in the raw variables, before graphql-core coerces them: turning
    100,000 input objects into Python costs tens of seconds only to be refused afterwards."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.result is None:
            count = _most_metrics(context.variables or {})
            if count > MAX_METRICS_PER_REPORT:
                try:
                    check_metric_count(count)
                except InvalidInput as error:
                    context.result = ExecutionResult(
                        data=None,
                        errors=[
                            GraphQLError(
                                error.message, original_error=error, extensions=error.extensions
                            )
                        ],
                    )
        yield


def _most_metrics(value: Any, depth: int = 0) -> int:
    """The most metrics any ``results`` list in a variable's value carries."""
    if depth > 8:
        return 0
    if isinstance(value, dict):
        most = 0
        results = value.get("results")
        if isinstance(results, list):
            most = sum(
                len(item["measures"])
                if isinstance(item, dict) and isinstance(item.get("measures"), list)
                else 1
                for item in results
            )
        for item in value.values():
            if isinstance(item, dict):
                most = max(most, _most_metrics(item, depth + 1))
        return most
    return 0


def _asks_introspection(document: Any) -> bool:
    pending: list[Any] = list(document.definitions)
    while pending:
        node = pending.pop()
        if isinstance(node, FieldNode) and node.name.value in INTROSPECTION_FIELDS:
            return True
        selection_set = getattr(node, "selection_set", None)
        if selection_set is not None:
            pending.extend(selection_set.selections)
    return False


# Built once: each limiter extension makes a new rule class when it is created, and a new
# class per request would miss strawberry's ValidationCache every time (validation of the
# project page cost more than its SQL).
_VALIDATION_RULES = [
    *MaxAliasesLimiter(max_alias_count=GRAPHQL_MAX_ALIASES).validation_rules,
    *QueryDepthLimiter(max_depth=GRAPHQL_MAX_DEPTH).validation_rules,
    _CostRule,
]


def limit_extensions() -> list[Any]:
    """The schema extensions that bound one request's work."""
    return [
        lambda: MaxTokensLimiter(max_token_count=GRAPHQL_MAX_TOKENS),
        lambda: AddValidationRules(_VALIDATION_RULES),
        AnonymousIntrospection,
        RefuseOversizedReports,
    ]
