"""The GraphQL contract in ``driftwatch_nb/core/graphql``: the exported schema matches the
server's Strawberry schema, and every named operation the clients send is valid against it."""

from __future__ import annotations

import pytest
from graphql import build_schema, parse, validate

from driftwatch_nb.core.graphql import operation, operation_names, schema_text


def test_exported_schema_matches_the_server() -> None:
    from driftwatch_server.graphql.export import schema_sdl

    assert schema_text() == schema_sdl(), (
        "driftwatch_nb/core/graphql/schema.graphql is stale: run "
        "`python -m driftwatch_server.graphql.export` and commit the result"
    )


@pytest.mark.parametrize("name", operation_names())
def test_every_operation_is_valid_against_the_schema(name: str) -> None:
    schema = build_schema(schema_text())
    document = parse(operation(name))
    assert validate(schema, document) == []
    (definition,) = [d for d in document.definitions if d.kind == "operation_definition"]
    assert definition.name is not None and definition.name.value == name


def test_operations_cover_the_client_and_the_dashboard() -> None:
    names = set(operation_names())
    assert {"CreateReport", "Report", "Reports", "WorkspacePage", "ProjectsPage"} <= names
    # One fragment serves every report selection.
    for name in ("CreateReport", "Report", "Reports", "WorkspacePage"):
        assert "fragment ReportFields on Report" in operation(name)


def test_an_invalid_operation_would_be_caught() -> None:
    schema = build_schema(schema_text())
    broken = operation("Report").replace("gitHash", "gitHashh")
    assert validate(schema, parse(broken)) != []


def test_unknown_operation_names_are_refused() -> None:
    with pytest.raises(KeyError, match="no GraphQL operation named 'Nope'"):
        operation("Nope")
    with pytest.raises(KeyError):
        operation("ReportFields")  # a fragment, not an operation
