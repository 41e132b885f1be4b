"""Issue 13, item 7: one authenticated request must not stall the server for everyone.

Each limit (tokens, aliases, depth, cost, body size, metrics per report, anonymous
introspection) is refused quickly and with a code; the named operations a normal client sends
still pass; and a slow request runs off the event loop, so a concurrent one is answered first.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import httpx
import pytest

from driftwatch_nb import Client
from driftwatch_nb.core.graphql import operation
from driftwatch_nb.core.limits import (
    GRAPHQL_MAX_ALIASES,
    GRAPHQL_MAX_DEPTH,
    MAX_METRICS_PER_REPORT,
    MAX_REQUEST_BYTES,
)
from tests.support.server import LiveServer


def post(server: LiveServer, body: Any, *, token: str | None = "default", **kw: Any) -> Any:
    token = server.token if token == "default" else token
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    kw.setdefault("timeout", 60)
    return httpx.post(f"{server.url}/graphql", json=body, headers=headers, **kw)


def first_error(response: httpx.Response) -> dict[str, Any]:
    errors = response.json().get("errors")
    assert errors, response.text[:500]
    return errors[0]


@pytest.fixture
def demo(live_server: LiveServer) -> Client:
    client = Client(live_server.url, live_server.token, retries=1)
    client.create_project("demo")
    now = dt.datetime.now(dt.UTC)
    client.create_report("demo", "main", {"parse": {"latency": 1.0}}, start_time=now, end_time=now)
    return client


def test_many_aliases_of_me_are_refused(live_server: LiveServer) -> None:
    query = "query {" + " ".join(f"a{i}: me {{ name }}" for i in range(10_000)) + "}"
    error = first_error(post(live_server, {"query": query}))
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "aliases" in error["message"] or "tokens" in error["message"]


def test_aliases_over_the_limit_are_refused(live_server: LiveServer) -> None:
    query = (
        "query {" + " ".join(f"a{i}: me {{ name }}" for i in range(GRAPHQL_MAX_ALIASES + 1)) + "}"
    )
    error = first_error(post(live_server, {"query": query}))
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "aliases" in error["message"]


def test_duplicated_fields_are_refused_by_the_token_limit(live_server: LiveServer) -> None:
    query = "query { me { " + "name " * 100_000 + "} }"
    error = first_error(post(live_server, {"query": query}))
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "tokens" in error["message"]


def test_deep_queries_are_refused(live_server: LiveServer, demo: Client) -> None:
    inner = "id"
    for _ in range(GRAPHQL_MAX_DEPTH):
        inner = f"report {{ alerts {{ {inner} }} }}"
    query = f'query {{ project(slug: "demo") {{ alerts {{ nodes {{ {inner} }} }} }} }}'
    error = first_error(post(live_server, {"query": query}))
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "depth" in error["message"]


def test_aliases_of_full_report_pages_are_over_the_cost_budget(
    live_server: LiveServer, demo: Client
) -> None:
    page = (
        'project(slug: "demo") { reports(first: 100) { nodes { id metrics { measure value '
        "lowerValue upperValue benchmark { name } } flamegraphs { id url fileName } } } }"
    )
    query = "query {" + " ".join(f"p{i}: {page}" for i in range(20)) + "}"
    error = first_error(post(live_server, {"query": query}))
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "cost" in error["message"]


def test_the_named_operations_of_a_normal_client_pass(
    live_server: LiveServer, demo: Client
) -> None:
    variables = {"slug": "demo", "branch": None, "first": 100, "offset": 0}
    response = post(live_server, {"query": operation("WorkspacePage"), "variables": variables})
    assert response.status_code == 200
    assert "errors" not in response.json(), response.text
    assert len(demo.reports("demo", limit=100)) == 1


def test_a_body_over_the_limit_is_refused(live_server: LiveServer) -> None:
    body = b'{"query": "query { me { name } }", "x": "' + b"a" * MAX_REQUEST_BYTES + b'"}'
    response = httpx.post(
        f"{live_server.url}/graphql",
        content=body,
        headers={
            "Authorization": f"Bearer {live_server.token}",
            "content-type": "application/json",
        },
        timeout=60,
    )
    assert response.status_code == 413
    assert first_error(response)["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


def test_a_chunked_body_over_the_limit_is_refused(live_server: LiveServer) -> None:
    def chunks():
        yield b'{"query": "query { me { name } }", "x": "'
        for _ in range(MAX_REQUEST_BYTES // 65536 + 2):
            yield b"a" * 65536
        yield b'"}'

    response = httpx.post(
        f"{live_server.url}/graphql",
        content=chunks(),
        headers={
            "Authorization": f"Bearer {live_server.token}",
            "content-type": "application/json",
        },
        timeout=60,
    )
    assert response.status_code == 413
    assert first_error(response)["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


def test_too_many_metrics_in_one_report_are_refused(live_server: LiveServer, demo: Client) -> None:
    now = dt.datetime.now(dt.UTC).isoformat()
    results = [
        {"benchmark": f"b{i}", "measures": [{"measure": "latency", "value": 1.0}]}
        for i in range(MAX_METRICS_PER_REPORT + 1)
    ]
    report = {
        "projectSlug": "demo",
        "branch": "main",
        "startTime": now,
        "endTime": now,
        "results": results,
    }
    query = "mutation($input: ReportInput!) { createReport(input: $input) { id } }"
    error = first_error(post(live_server, {"query": query, "variables": {"input": report}}))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "results"
    assert f"{MAX_METRICS_PER_REPORT:,}" in error["message"]


def test_introspection_needs_a_token(live_server: LiveServer) -> None:
    query = "query { __schema { queryType { name } } }"
    error = first_error(post(live_server, {"query": query}, token=None))
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    signed_in = post(live_server, {"query": query}).json()
    assert signed_in["data"]["__schema"]["queryType"]["name"] == "Query"
    # __typename is not introspection of the schema: anonymous clients may ask it.
    assert post(live_server, {"query": "{ __typename }"}, token=None).json()["data"]


def test_a_slow_request_does_not_hold_up_the_others(
    live_server: LiveServer, demo: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from driftwatch_server import reports

    release = threading.Event()
    slow_started = threading.Event()
    original = reports.list_reports

    def slow_list_reports(*args: Any, **kwargs: Any) -> Any:
        slow_started.set()
        release.wait(timeout=20)  # a blocking call, like a large synchronous query
        return original(*args, **kwargs)

    monkeypatch.setattr("driftwatch_server.graphql.types.list_reports", slow_list_reports)
    order: list[str] = []

    def slow() -> None:
        post(live_server, {"query": '{ project(slug: "demo") { reports { totalCount } } }'})
        order.append("slow")

    thread = threading.Thread(target=slow)
    thread.start()
    assert slow_started.wait(timeout=20)
    me = post(live_server, {"query": "{ me { name } }"}, timeout=15)
    order.append("me")
    release.set()
    thread.join(timeout=30)
    assert me.json()["data"]["me"]["name"] == "alice"
    assert order == ["me", "slow"]


def test_every_named_operation_is_well_under_the_budget() -> None:
    from pathlib import Path

    from graphql import parse

    import driftwatch_nb.core.graphql as operations
    from driftwatch_nb.core.limits import GRAPHQL_MAX_COST
    from driftwatch_server.graphql.limits import operation_costs
    from driftwatch_server.graphql.schema import schema

    text = (Path(operations.__file__).parent / "operations.graphql").read_text()
    costs = operation_costs(parse(text), schema._schema)
    assert costs and max(costs.values()) * 4 < GRAPHQL_MAX_COST, costs
