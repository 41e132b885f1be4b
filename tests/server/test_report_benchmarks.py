"""``Report.benchmarks(names:)``: whether a report measured a name, without its metrics."""

from __future__ import annotations

import datetime as dt

import httpx

from driftwatch_nb import Client
from driftwatch_nb.core.graphql import operation
from tests.support.server import LiveServer


def ask(server: LiveServer, token: str, report_id: str, names: list[str] | None) -> dict:
    return httpx.post(
        f"{server.url}/graphql",
        json={
            "query": operation("ReportBenchmarks"),
            "variables": {"id": report_id, "names": names},
        },
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    ).json()


def test_names_are_checked_listed_bounded_and_owned(live_server: LiveServer) -> None:
    now = dt.datetime.now(dt.UTC)
    with Client(live_server.url, live_server.token) as client:
        client.create_project("demo")
        results = {"render": {"latency": 2.0, "memory": 5.0}, "parse": {"latency": 1.0}}
        report = client.create_report("demo", "main", results, start_time=now, end_time=now)
        client.create_report("demo", "main", {"other": {"latency": 1.0}})

    def benchmarks(names: list[str] | None) -> list[str]:
        body = ask(live_server, live_server.token, report.id, names)
        assert "errors" not in body, body
        assert body["data"]["report"]["projectSlug"] == "demo"
        return body["data"]["report"]["benchmarks"]

    # Sorted, each once (render has two measures), none from the project's other report.
    assert benchmarks(None) == ["parse", "render"]
    assert benchmarks(["render", "nope", "other"]) == ["render"]
    assert benchmarks(["nope"]) == []
    assert benchmarks([]) == []

    too_many = ask(live_server, live_server.token, report.id, [f"b{i}" for i in range(101)])
    (error,) = too_many["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "names" and "at most 100" in error["message"]

    theirs = ask(live_server, live_server.other_token, report.id, ["render"])
    assert theirs["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert theirs["data"] is None
