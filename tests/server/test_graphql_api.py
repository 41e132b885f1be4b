"""The GraphQL API through HTTP, driven by a third-party client (gql), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import httpx
import pytest
from gql import Client, GraphQLRequest
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXTransport

from tests.support.server import LiveServer

REPORT_FIELDS = """
  id projectSlug gitHash adapter startTime endTime
  branch { name } testbed { name }
  metrics { measure value lowerValue upperValue benchmark { name } }
  flamegraphs { id }
"""
CREATE_REPORT = (
    f"mutation($input: ReportInput!) {{ createReport(input: $input) {{ {REPORT_FIELDS} }} }}"
)


def gql_client(server: LiveServer, token: str | None) -> Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return Client(transport=HTTPXTransport(url=f"{server.url}/graphql", headers=headers))


def run(client: Client, query: str, **variables: Any) -> dict[str, Any]:
    return client.execute(GraphQLRequest(query, variable_values=variables or None))


def refusal(client: Client, query: str, **variables: Any) -> dict[str, Any]:
    with pytest.raises(TransportQueryError) as caught:
        run(client, query, **variables)
    assert caught.value.errors, "a refusal carries GraphQL errors"
    return caught.value.errors[0]


def report_input(project: str = "demo", **overrides: Any) -> dict[str, Any]:
    start = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
    data = {
        "projectSlug": project,
        "branch": "main",
        "testbed": "ci-linux",
        "gitHash": "0123abcd",
        "adapter": "json",
        "startTime": start.isoformat(),
        "endTime": (start + dt.timedelta(seconds=5)).isoformat(),
        "results": [
            {
                "benchmark": f"bench_{name}",
                "measures": [
                    {
                        "measure": "latency",
                        "value": 1000.0 * (i + 1),
                        "lowerValue": 900.0 * (i + 1),
                        "upperValue": 1100.0 * (i + 1),
                    },
                    {"measure": "throughput", "value": 1e9 / (1000.0 * (i + 1))},
                ],
            }
            for i, name in enumerate(["parse", "render", "upload"])
        ],
    }
    data.update(overrides)
    return data


@pytest.fixture
def alice(live_server: LiveServer) -> Client:
    client = gql_client(live_server, live_server.token)
    run(client, 'mutation { createProject(slug: "demo", name: "Demo") { slug } }')
    return client


def test_report_round_trip_with_three_benchmarks_and_two_measures(alice: Client) -> None:
    created = run(alice, CREATE_REPORT, input=report_input())["createReport"]

    read = run(
        alice, f"query($id: ID!) {{ report(id: $id) {{ {REPORT_FIELDS} }} }}", id=created["id"]
    )
    report = read["report"]
    assert report["projectSlug"] == "demo"
    assert report["branch"]["name"] == "main" and report["testbed"]["name"] == "ci-linux"
    assert report["gitHash"] == "0123abcd"
    values = {(m["benchmark"]["name"], m["measure"]): m for m in report["metrics"]}
    assert len(values) == 6
    assert values[("bench_render", "latency")]["value"] == 2000.0
    assert values[("bench_render", "latency")]["lowerValue"] == 1800.0
    assert values[("bench_upload", "throughput")]["value"] == pytest.approx(1e9 / 3000.0)
    assert dt.datetime.fromisoformat(report["endTime"]) - dt.datetime.fromisoformat(
        report["startTime"]
    ) == dt.timedelta(seconds=5)

    project = run(
        alice,
        'query { project(slug: "demo") { branches { name } testbeds { name } '
        "benchmarks { name } } }",
    )["project"]
    assert [b["name"] for b in project["benchmarks"]] == [
        "bench_parse",
        "bench_render",
        "bench_upload",
    ]
    assert project["branches"] == [{"name": "main"}]


def test_reports_are_newest_first_paginated_and_filtered_by_branch(alice: Client) -> None:
    ids = []
    for branch in ["main", "feature", "main", "main"]:
        ids.append(
            run(alice, CREATE_REPORT, input=report_input(branch=branch))["createReport"]["id"]
        )
    query = (
        'query($b: String, $first: Int!, $offset: Int!) { project(slug: "demo") { '
        "reports(branch: $b, first: $first, offset: $offset) { totalCount hasMore nodes { id branch { name } } } } }"
    )
    page = run(alice, query, b=None, first=2, offset=0)["project"]["reports"]
    assert page["totalCount"] == 4 and page["hasMore"] is True
    assert [node["id"] for node in page["nodes"]] == [ids[3], ids[2]]
    main = run(alice, query, b="main", first=10, offset=0)["project"]["reports"]
    assert [node["id"] for node in main["nodes"]] == [ids[3], ids[2], ids[0]]
    assert run(alice, query, b="nope", first=10, offset=0)["project"]["reports"]["totalCount"] == 0


def test_another_users_project_is_refused(live_server: LiveServer, alice: Client) -> None:
    report_id = run(alice, CREATE_REPORT, input=report_input())["createReport"]["id"]
    mallory = gql_client(live_server, live_server.other_token)

    error = refusal(mallory, 'query { project(slug: "demo") { slug } }')
    assert error["extensions"]["code"] in {"NOT_FOUND", "FORBIDDEN"}
    error = refusal(mallory, "query($id: ID!) { report(id: $id) { id } }", id=report_id)
    assert error["extensions"]["code"] in {"NOT_FOUND", "FORBIDDEN"}
    error = refusal(mallory, CREATE_REPORT, input=report_input())
    assert error["extensions"]["code"] in {"NOT_FOUND", "FORBIDDEN"}
    error = refusal(mallory, "mutation($id: ID!) { deleteReport(id: $id) }", id=report_id)
    assert error["extensions"]["code"] in {"NOT_FOUND", "FORBIDDEN"}
    assert run(mallory, "query { projects { slug } }") == {"projects": []}
    # Still there for its owner.
    assert run(alice, "query($id: ID!) { report(id: $id) { id } }", id=report_id)


def test_requests_without_a_valid_token_are_unauthenticated(live_server: LiveServer) -> None:
    for token, says in ((None, "Authorization: Bearer"), ("dw_not-a-real-token", "refused")):
        error = refusal(gql_client(live_server, token), "query { me { name } }")
        assert error["extensions"]["code"] == "UNAUTHENTICATED"
        assert says in error["message"]


@pytest.mark.parametrize(
    ("overrides", "code", "fragment"),
    [
        ({"projectSlug": "missing"}, "NOT_FOUND", "no project 'missing'"),
        ({"branch": "  "}, "BAD_USER_INPUT", "branch must not be empty"),
        (
            {"endTime": "2026-11-01T11:00:00+00:00"},
            "BAD_USER_INPUT",
            "endTime 2026-11-01T11:00:00+00:00 is before startTime",
        ),
        ({"results": []}, "BAD_USER_INPUT", "at least one metric"),
        (
            {"results": [{"benchmark": "b", "measures": [{"measure": "Latency!", "value": 1}]}]},
            "BAD_USER_INPUT",
            "measure 'Latency!' must be a lowercase slug",
        ),
    ],
)
def test_bad_report_input_is_refused_with_a_message_naming_the_field(
    alice: Client, overrides: dict[str, Any], code: str, fragment: str
) -> None:
    error = refusal(alice, CREATE_REPORT, input=report_input(**overrides))
    assert error["extensions"]["code"] == code
    assert fragment in error["message"]


def test_nan_value_is_bad_user_input_not_a_server_error(
    live_server: LiveServer, alice: Client
) -> None:
    body = {
        "query": CREATE_REPORT,
        "variables": {
            "input": report_input(
                results=[
                    {"benchmark": "b", "measures": [{"measure": "latency", "value": math.nan}]}
                ]
            )
        },
    }
    response = httpx.post(
        f"{live_server.url}/graphql",
        content=json.dumps(body),  # json.dumps writes NaN, as a careless client would
        headers={
            "Authorization": f"Bearer {live_server.token}",
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 200
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "value" in error["message"]


def test_invalid_and_taken_slugs(alice: Client) -> None:
    for slug, fragment in [
        ("", "is not valid"),
        ("Has Space", "is not valid"),
        ("demo", "is not available"),
    ]:
        error = refusal(alice, "mutation($s: String!) { createProject(slug: $s) { slug } }", s=slug)
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "slug"}
        assert fragment in error["message"]


def test_delete_report_removes_it_and_its_metrics(live_server: LiveServer, alice: Client) -> None:
    import sqlalchemy as sa

    report_id = run(alice, CREATE_REPORT, input=report_input())["createReport"]["id"]
    assert run(alice, "mutation($id: ID!) { deleteReport(id: $id) }", id=report_id) == {
        "deleteReport": True
    }
    error = refusal(alice, "query($id: ID!) { report(id: $id) { id } }", id=report_id)
    assert error["extensions"]["code"] == "NOT_FOUND"
    with live_server.engine.connect() as connection:
        left = connection.execute(sa.text("select count(*) from metrics")).scalar_one()
    assert left == 0
