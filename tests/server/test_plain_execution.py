"""The one-pass completion of plain objects (``graphql.execution``) answers exactly what
graphql-core's own execution answers: same data, same order, same errors."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import strawberry
from sqlalchemy.engine import Engine
from sqlmodel import Session
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from driftwatch_server.config import Settings
from driftwatch_server.graphql.context import Context
from driftwatch_server.graphql.execution import PlainObjectsExecutionContext
from driftwatch_server.graphql.schema import schema
from driftwatch_server.models import User
from driftwatch_server.storage.local import LocalStorage
from tests.server.test_query_count import seed

QUERIES = [
    # aliases, __typename, a fragment, @include/@skip, nested plain objects
    """query($with: Boolean!) { project(slug: "demo") { reports(first: 7) {
        pageInfo { __typename endCursor hasNextPage }
        nodes { id __typename b: branch { n: name id } testbed { name }
          metrics { ...M value @include(if: $with) lowerValue @skip(if: $with) } } } } }
    fragment M on Metric { __typename measure v: value benchmark { name __typename } }""",
    # samples (a resolver) inside metrics: the metrics are not plain any more
    """{ project(slug: "demo") { reports(first: 3) { nodes { metrics { measure samples } } } } }""",
    # a flamegraph's url and benchmark are resolvers; its other fields are plain
    """{ project(slug: "demo") { reports(first: 3) { totalCount nodes {
        flamegraphs { id fileName fileSize createdAt url benchmark { name } } } } } }""",
]


def execute(engine: Engine, tmp_path: Path, user_id: str, query: str, executor: type) -> Any:
    settings = Settings(data_dir=tmp_path, secret_key="k")
    storage = LocalStorage(tmp_path / "storage", public_url="http://test", secret_key="k")
    previous = schema.execution_context_class
    schema.execution_context_class = executor
    try:
        with Session(engine) as session:
            context = Context(
                session=session, user=session.get(User, user_id), storage=storage, settings=settings
            )
            result = asyncio.run(
                schema.execute(query, variable_values={"with": True}, context_value=context)
            )
    finally:
        schema.execution_context_class = previous
    return result


@pytest.mark.parametrize("query", QUERIES)
def test_the_plain_pass_answers_like_graphql_core(
    engine: Engine, tmp_path: Path, query: str
) -> None:
    storage = LocalStorage(tmp_path / "storage", public_url="http://test", secret_key="k")
    user_id = seed(engine, storage, 9)
    assert schema.execution_context_class is PlainObjectsExecutionContext
    fast = execute(engine, tmp_path, user_id, query, PlainObjectsExecutionContext)
    slow = execute(engine, tmp_path, user_id, query, StrawberryGraphQLCoreExecutionContext)
    assert fast.errors is None and slow.errors is None, (fast.errors, slow.errors)
    assert fast.data == slow.data
    # Same key order too: clients may print the JSON as it comes.
    assert repr(fast.data) == repr(slow.data)
    assert fast.data["project"]["reports"]["nodes"]


@strawberry.type
class Item:
    name: str


@strawberry.type
class BrokenQuery:
    @strawberry.field
    def items(self) -> list[Item]:
        return [Item(name="a"), Item(name=None)]  # type: ignore[arg-type]


def test_a_null_in_a_non_null_plain_field_is_reported_as_graphql_core_does() -> None:
    answers = []
    for executor in (PlainObjectsExecutionContext, StrawberryGraphQLCoreExecutionContext):
        small = strawberry.Schema(query=BrokenQuery, execution_context_class=executor)
        answers.append(small.execute_sync("{ items { name } }"))
    fast, slow = answers
    assert fast.data == slow.data is None
    assert [e.message for e in fast.errors] == [e.message for e in slow.errors]
    assert "Cannot return null for non-nullable field Item.name" in fast.errors[0].message
