"""The bulk metrics export (``GET /api/projects/{slug}/metrics``), on SQLite and PostgreSQL:
the same rows and values as GraphQL for the same filter, Arrow and CSV alike, authorized like
GraphQL, filters and their errors, and streamed in record batches, cut at the row limit."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import httpx
import pandas as pd
import pyarrow as pa
import pytest

from driftwatch_nb import Client
from driftwatch_nb.core.export import ARROW_MEDIA_TYPE, COLUMNS, MAX_ROWS_HEADER
from driftwatch_server import export
from tests.support.server import LiveServer

START = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
REPORTS = """
query($slug: String!, $branch: String) {
  project(slug: $slug) {
    reports(branch: $branch, first: 100, offset: 0) {
      nodes { id gitHash startTime branch { name } testbed { name }
              metrics { benchmark { name } measure value lowerValue upperValue samples } }
    }
  }
}
"""


def http(server: LiveServer, token: str | None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=server.url, headers=headers, timeout=60)


def arrow_rows(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == ARROW_MEDIA_TYPE
    return pa.ipc.open_stream(response.content).read_all().to_pylist()


@pytest.fixture
def seeded(live_server: LiveServer) -> Client:
    """Six reports on two branches and two testbeds: three benchmarks, two measures, samples
    on some metrics, a NULL git hash and NULL bounds."""
    client = Client(live_server.url, live_server.token, retries=1)
    client.create_project("demo")
    for index in range(6):
        start = START + dt.timedelta(days=index)
        results: dict[str, Any] = {
            "parse": {
                "latency": {
                    "value": 1000.0 + index,
                    "lower_value": 990.0 + index,
                    "upper_value": 1010.5 + index,
                    "samples": [999.0 + index, 1001.0 + index],
                },
                "throughput": 50.0 - index,
            },
            "render": {"latency": 2000.0 * (index + 1)},
            "io.read[big]": {"latency": {"value": 7.25, "samples": [7.0, 7.5]}},
        }
        client.create_report(
            "demo",
            "main" if index % 2 == 0 else "feature",
            results,
            testbed="ci" if index < 4 else "laptop",
            git_hash=None if index == 3 else f"abc{index:04d}",
            start_time=start,
            end_time=start,
        )
    return client


def graphql_rows(server: LiveServer, branch: str | None = None) -> list[dict[str, Any]]:
    """The same data as the export, read through GraphQL."""
    with http(server, server.token) as api:
        body = api.post(
            "/graphql", json={"query": REPORTS, "variables": {"slug": "demo", "branch": branch}}
        ).json()
    rows = []
    for node in body["data"]["project"]["reports"]["nodes"]:
        for metric in node["metrics"]:
            rows.append(
                {
                    "report": node["id"],
                    "time": dt.datetime.fromisoformat(node["startTime"]),
                    "branch": node["branch"]["name"],
                    "testbed": node["testbed"]["name"],
                    "git_hash": node["gitHash"],
                    "benchmark": metric["benchmark"]["name"],
                    "measure": metric["measure"],
                    "value": metric["value"],
                    "lower": metric["lowerValue"],
                    "upper": metric["upperValue"],
                    "samples": metric["samples"],
                }
            )
    return sorted(rows, key=_key)


def _key(row: dict[str, Any]) -> tuple:
    return (row["time"], row["report"], row["benchmark"], row["measure"])


def test_the_export_equals_graphql_for_the_same_filter(
    live_server: LiveServer, seeded: Client
) -> None:
    with http(live_server, live_server.token) as api:
        everything = arrow_rows(api.get("/api/projects/demo/metrics.arrow?samples=true"))
        feature = arrow_rows(api.get("/api/projects/demo/metrics.arrow?branch=feature&samples=1"))
        plain = arrow_rows(api.get("/api/projects/demo/metrics"))
    expected = graphql_rows(live_server)
    assert len(expected) == 6 * 4
    assert everything == expected  # same rows, same values, same order: oldest report first
    assert feature == graphql_rows(live_server, branch="feature")
    assert {row["branch"] for row in feature} == {"feature"}
    assert plain == [{k: v for k, v in row.items() if k != "samples"} for row in expected]
    assert list(plain[0]) == list(COLUMNS)


def test_csv_and_arrow_agree(live_server: LiveServer, seeded: Client) -> None:
    with http(live_server, live_server.token) as api:
        arrow = api.get("/api/projects/demo/metrics.arrow?samples=true")
        csv = api.get("/api/projects/demo/metrics.csv?samples=true")
        by_format = api.get("/api/projects/demo/metrics?format=csv&samples=true")
    assert csv.status_code == 200, csv.text
    assert csv.headers["content-type"].startswith("text/csv")
    assert by_format.content == csv.content
    from_arrow = pa.ipc.open_stream(arrow.content).read_all().to_pandas()
    from_csv = pd.read_csv(io.BytesIO(csv.content), keep_default_na=False, na_values=[""])
    assert list(from_csv.columns) == [*COLUMNS, "samples"]
    assert len(from_csv) == len(from_arrow) == 24
    assert list(from_csv["report"]) == list(from_arrow["report"])
    assert list(pd.to_datetime(from_csv["time"], utc=True)) == list(from_arrow["time"])
    for column in ("value", "lower", "upper"):
        pd.testing.assert_series_equal(from_csv[column], from_arrow[column], check_dtype=False)
    for column in ("branch", "testbed", "benchmark", "measure", "git_hash"):
        assert [None if pd.isna(v) else v for v in from_csv[column]] == [
            None if pd.isna(v) else v for v in from_arrow[column]
        ], column
    assert [None if pd.isna(v) else json.loads(v) for v in from_csv["samples"]] == [
        None if v is None else list(v) for v in from_arrow["samples"]
    ]


def test_filters(live_server: LiveServer, seeded: Client) -> None:
    everything = graphql_rows(live_server)

    def get(query: str) -> list[dict[str, Any]]:
        with http(live_server, live_server.token) as api:
            return arrow_rows(api.get(f"/api/projects/demo/metrics.arrow?{query}"))

    def expect(keep: Any) -> list[dict[str, Any]]:
        return [{k: v for k, v in row.items() if k != "samples"} for row in everything if keep(row)]

    assert get("benchmark=parse") == expect(lambda r: r["benchmark"] == "parse")
    assert get("measure=throughput") == expect(lambda r: r["measure"] == "throughput")
    assert get("testbed=laptop") == expect(lambda r: r["testbed"] == "laptop")
    assert get("benchmark=io.read%5Bbig%5D&branch=main") == expect(
        lambda r: r["benchmark"] == "io.read[big]" and r["branch"] == "main"
    )
    since, until = START + dt.timedelta(days=1), START + dt.timedelta(days=3)
    assert get(f"since={since.date()}T12:00:00Z&until={until.isoformat()}") == expect(
        lambda r: since <= r["time"] < until
    )
    assert get("since=2026-03-03 12:00") == get("since=2026-03-03T12:00:00 00:00")
    assert get("since=2026-03-05") == expect(
        lambda r: r["time"] >= dt.datetime(2026, 3, 5, tzinfo=dt.UTC)
    )
    newest_two = sorted(
        {r["report"] for r in everything},
        key=lambda i: next(r["time"] for r in everything if r["report"] == i),
    )[-2:]
    assert get(f"report={newest_two[0]}&report={newest_two[1]}") == expect(
        lambda r: r["report"] in newest_two
    )
    series = expect(lambda r: r["benchmark"] == "render")
    assert get("benchmark=render&measure=latency&last=3") == series[-3:]
    # A name the project does not have matches nothing (as Project.reports(branch) does).
    assert get("branch=nope") == []
    assert get("benchmark=nope&samples=true") == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("since=yesterday", "since"),
        ("until=2026-13-01", "until"),
        ("since=2026-03-05&until=2026-03-01", "until"),
        ("measure=Not%20A%20Slug", "measure"),
        ("branch=%20", "branch"),
        ("last=0", "last"),
        ("last=many", "last"),
        ("samples=maybe", "samples"),
        ("format=parquet", "format"),
        ("brnach=main", "brnach"),
        ("branch=main&branch=feature", "branch"),
        ("benchmark=a%00b", "benchmark"),
    ],
)
def test_a_bad_filter_is_400_naming_the_parameter(
    live_server: LiveServer, seeded: Client, query: str, field: str
) -> None:
    with http(live_server, live_server.token) as api:
        response = api.get(f"/api/projects/demo/metrics.arrow?{query}")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    assert field in error["message"]


def test_a_format_that_contradicts_the_path_is_400(live_server: LiveServer, seeded: Client) -> None:
    with http(live_server, live_server.token) as api:
        response = api.get("/api/projects/demo/metrics.arrow?format=csv")
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["field"] == "format"


def test_authorized_like_graphql(live_server: LiveServer, seeded: Client) -> None:
    with http(live_server, None) as anonymous:
        response = anonymous.get("/api/projects/demo/metrics.arrow")
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "Authorization: Bearer" in response.json()["errors"][0]["message"]

    with http(live_server, "dw_not-a-token") as wrong:
        response = wrong.get("/api/projects/demo/metrics.csv")
    assert response.status_code == 401
    assert "refused this token" in response.json()["errors"][0]["message"]

    # Another user's project is the same NOT_FOUND as in GraphQL, and so is a missing one.
    with http(live_server, live_server.other_token) as mallory:
        theirs = mallory.get("/api/projects/demo/metrics.arrow")
        missing = mallory.get("/api/projects/nothing-here/metrics.arrow")
        graphql = mallory.post(
            "/graphql", json={"query": 'query { project(slug: "demo") { slug } }'}
        ).json()
    assert theirs.status_code == missing.status_code == 404
    [error] = theirs.json()["errors"]
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert error["message"] == graphql["errors"][0]["message"]
    assert b"parse" not in theirs.content
    # Nor do her report ids leak through another project's export.
    alice = [row["report"] for row in graphql_rows(live_server)]
    Client(live_server.url, live_server.other_token, retries=1).create_project("theirs")
    with http(live_server, live_server.other_token) as mallory:
        response = mallory.get(
            "/api/projects/theirs/metrics.arrow", params=[("report", r) for r in alice[:3]]
        )
    assert arrow_rows(response) == []


def test_the_dashboard_session_cookie_works_too(live_server: LiveServer, seeded: Client) -> None:
    with httpx.Client(base_url=live_server.url, timeout=60) as browser:
        signed_in = browser.post(
            "/login",
            data={"token": live_server.token},
            headers={"Origin": live_server.url},
        )
        assert signed_in.status_code in (302, 303), signed_in.text
        response = browser.get("/api/projects/demo/metrics.arrow")
    assert len(arrow_rows(response)) == 24


def test_streamed_in_record_batches(
    live_server: LiveServer, seeded: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The server fetches and sends BATCH_ROWS rows at a time; with 5 the 24 rows are 5
    # record batches, each sent as it is read (chunked: no Content-Length, no whole document).
    monkeypatch.setattr(export, "BATCH_ROWS", 5)
    with http(live_server, live_server.token) as api:
        with api.stream("GET", "/api/projects/demo/metrics.arrow") as response:
            assert response.headers.get("transfer-encoding") == "chunked"
            assert "content-length" not in response.headers
            reader = pa.ipc.open_stream(response.read())
            sizes = [batch.num_rows for batch in reader]
        csv = api.get("/api/projects/demo/metrics.csv").text
    assert sizes == [5, 5, 5, 5, 4]
    assert len(csv.strip().splitlines()) == 25


def test_an_export_over_the_row_limit_is_cut_not_shortened(
    live_server: LiveServer, seeded: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export, "BATCH_ROWS", 5)
    monkeypatch.setattr(live_server.settings, "export_max_rows", 12)
    with http(live_server, live_server.token) as api:
        under = api.get("/api/projects/demo/metrics.arrow?benchmark=parse&branch=main")
        assert under.headers[MAX_ROWS_HEADER] == "12"
        assert len(arrow_rows(under)) == 6
        with pytest.raises(httpx.RemoteProtocolError):
            api.get("/api/projects/demo/metrics.arrow")
