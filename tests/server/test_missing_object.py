"""A flamegraph whose stored file is missing or cannot be signed costs only its own ``url``.

Issue 15, item 2: the non-null ``url`` used to null the whole ``project`` and the dashboard said
the project did not exist.
"""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from driftwatch_nb import Client
from driftwatch_nb.flamegraph import render_flamegraph
from tests.support.server import LiveServer

PROJECT_QUERY = """
query { project(slug: "demo") { slug reports { nodes { id
  flamegraphs { id fileName url } } } } }
"""


@pytest.fixture
def two_flamegraphs(live_server: LiveServer) -> tuple[Client, str, list[str]]:
    client = Client(live_server.url, live_server.token, retries=1)
    client.create_project("demo")
    now = dt.datetime.now(dt.UTC)
    report = client.create_report(
        "demo", "main", {"b": {"latency": 1.0}}, start_time=now, end_time=now
    )
    svg = render_flamegraph({"main;a": 3, "main;b": 1}, title="t")
    ids = [
        client.attach_flamegraph(report.id, svg, file_name=name, project="demo").id
        for name in ("kept.svg", "lost.svg")
    ]
    return client, report.id, ids


def graphql(live_server: LiveServer, query: str) -> dict:
    response = httpx.post(
        f"{live_server.url}/graphql",
        json={"query": query},
        headers={"Authorization": f"Bearer {live_server.token}"},
    )
    assert response.status_code == 200, response.text
    return response.json()


def lose_file(live_server: LiveServer, name: str) -> None:
    (lost,) = [path for path in live_server.stored_files() if path.name.endswith(name)]
    lost.unlink()


def test_a_missing_file_nulls_only_its_url(
    live_server: LiveServer, two_flamegraphs: tuple[Client, str, list[str]]
) -> None:
    client, report_id, (kept_id, lost_id) = two_flamegraphs
    lose_file(live_server, "_lost.svg")

    body = graphql(live_server, PROJECT_QUERY)
    assert body["data"]["project"] is not None, body
    flamegraphs = body["data"]["project"]["reports"]["nodes"][0]["flamegraphs"]
    urls = {fg["id"]: fg["url"] for fg in flamegraphs}
    assert urls[lost_id] is None
    assert urls[kept_id] and urls[kept_id].startswith("http")
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert error["path"][-1] == "url"

    # The client sees the report, with the lost flamegraph's url as None.
    report = client.report(report_id)
    assert {f.id: f.url is None for f in report.flamegraphs} == {kept_id: False, lost_id: True}


def test_unsignable_objects_cost_their_url_with_service_unavailable(
    live_server: LiveServer,
    two_flamegraphs: tuple[Client, str, list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from driftwatch_server.storage import LocalStorage

    def broken(*_args: object, **_kwargs: object) -> dict[str, str]:
        raise OSError("storage unreachable")

    monkeypatch.setattr(LocalStorage, "create_signed_read_urls", broken)
    body = graphql(live_server, PROJECT_QUERY)
    assert body["data"]["project"]["slug"] == "demo"
    assert {e["extensions"]["code"] for e in body["errors"]} == {"SERVICE_UNAVAILABLE"}
    assert all(e["path"][-1] == "url" for e in body["errors"])


def test_the_dashboard_shows_the_project_and_the_flamegraph_as_unavailable(
    live_server: LiveServer, two_flamegraphs: tuple[Client, str, list[str]]
) -> None:
    lose_file(live_server, "_lost.svg")
    with httpx.Client(base_url=live_server.url, headers={"Origin": live_server.url}) as browser:
        signed_in = browser.post("/login", data={"token": live_server.token, "next": "/"})
        assert signed_in.status_code == 303, signed_in.text
        page = browser.get("/workspaces/demo")
    assert page.status_code == 200, page.text
    assert "There is no project" not in page.text
    assert page.text.count('data-testid="open-flamegraph"') == 1
    assert page.text.count('data-testid="flamegraph-unavailable"') == 1
    assert "lost.svg <em>(unavailable)</em>" in page.text
