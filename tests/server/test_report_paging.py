"""Pages of reports by cursor: stable while reports arrive, a fixed number of SQL statements per
page, ``totalCount`` counted only when asked, owners only (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from driftwatch_nb import Client
from driftwatch_nb.core.errors import InvalidInput, NotFoundError
from driftwatch_nb.core.limits import MAX_BARE_REPORT_PAGE, MAX_REPORT_PAGE
from driftwatch_server.config import Settings
from driftwatch_server.graphql.context import Context
from driftwatch_server.graphql.schema import schema
from driftwatch_server.models import User
from driftwatch_server.storage.local import LocalStorage
from tests.server.test_query_count import counting_queries, seed
from tests.support.server import LiveServer

START = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)

PAGE_QUERY = """
query($first: Int!, $after: String, $before: String, $offset: Int! = 0) {
  project(slug: "demo") {
    reports(first: $first, after: $after, before: $before, offset: $offset) {
      %s
      pageInfo { startCursor endCursor hasNextPage hasPreviousPage }
      nodes {
        id startTime branch { name } testbed { name }
        metrics { measure value benchmark { name } }
        flamegraphs { id url benchmark { name } }
      }
    }
  }
}
"""


def add_reports(
    client: Client, count: int, *, first_hour: int, same_time: bool = False
) -> list[str]:
    ids = []
    for index in range(count):
        hour = first_hour if same_time else first_hour + index
        report = client.create_report(
            "demo",
            "main",
            {"bench_a": {"latency": 1000.0 + index}},
            start_time=START + dt.timedelta(hours=hour),
            end_time=START + dt.timedelta(hours=hour),
        )
        ids.append(report.id)
    return ids


def scan(client: Client, *, page_size: int, between_pages: Any, by_offset: bool) -> list[str]:
    """Walk every page of the project, calling ``between_pages`` after each one."""
    seen: list[str] = []
    after: str | None = None
    offset = 0
    while True:
        if by_offset:
            page = client.reports("demo", limit=page_size, offset=offset)
        else:
            page = client.reports("demo", limit=page_size, after=after)
        seen += [report.id for report in page]
        between_pages()
        if not page.has_more:
            return seen
        after, offset = page.end_cursor, offset + page_size


def test_a_cursor_scan_sees_every_report_once_while_reports_arrive(
    live_server: LiveServer,
) -> None:
    with Client(live_server.url, live_server.token) as alice:
        alice.create_project("demo")
        # Ties on start time too: 4 reports at the same hour, ordered by arrival.
        existing = add_reports(alice, 12, first_hour=0) + add_reports(
            alice, 4, first_hour=5, same_time=True
        )
        arrived: list[str] = []
        hours = iter(range(100, 200, 2))
        rounds = [0]

        def more_arrive() -> None:
            # After each of the first 4 pages: newer reports, and one back-dated into the
            # middle of the project.
            rounds[0] += 1
            if rounds[0] <= 4:
                arrived.extend(add_reports(alice, 2, first_hour=next(hours)))
                arrived.extend(add_reports(alice, 1, first_hour=6, same_time=True))

        seen = scan(alice, page_size=3, between_pages=more_arrive, by_offset=False)
        assert len(seen) == len(set(seen)), "a report came twice"
        assert set(existing) <= set(seen), "a report that was there all along was missed"
        assert set(seen) <= set(existing) | set(arrived)

        # The same walk by offset (older clients) is not stable: that is what cursors fix.
        rounds[0] = 0
        by_offset = scan(alice, page_size=3, between_pages=more_arrive, by_offset=True)
        assert len(by_offset) != len(set(by_offset))

        # iter_reports walks by cursor: every report exactly once, newest first.
        walked = list(alice.iter_reports("demo", page_size=7))
        everything = existing + arrived
        assert sorted(r.id for r in walked) == sorted(everything)
        keys = [(r.start_time, r.created_at) for r in walked]
        assert keys == sorted(keys, reverse=True)


def test_before_pages_back_to_the_newest(live_server: LiveServer) -> None:
    with Client(live_server.url, live_server.token) as alice:
        alice.create_project("demo")
        newest_first = list(reversed(add_reports(alice, 7, first_hour=0)))
        query = PAGE_QUERY % ""
        first = alice._execute(query, {"first": 3})["project"]["reports"]
        assert [n["id"] for n in first["nodes"]] == newest_first[:3]
        assert first["pageInfo"]["hasPreviousPage"] is False
        after = first["pageInfo"]["endCursor"]
        second = alice._execute(query, {"first": 3, "after": after})["project"]["reports"]
        assert [n["id"] for n in second["nodes"]] == newest_first[3:6]
        assert second["pageInfo"]["hasPreviousPage"] is True
        before = second["pageInfo"]["startCursor"]
        back = alice._execute(query, {"first": 3, "before": before})["project"]["reports"]
        assert [n["id"] for n in back["nodes"]] == newest_first[:3]
        assert back["pageInfo"]["hasPreviousPage"] is False
        assert back["pageInfo"]["hasNextPage"] is True
        last = alice._execute(query, {"first": 3, "after": second["pageInfo"]["endCursor"]})[
            "project"
        ]["reports"]
        assert [n["id"] for n in last["nodes"]] == newest_first[6:]
        assert last["pageInfo"]["hasNextPage"] is False


def test_cursors_are_checked_and_pages_are_bounded(live_server: LiveServer) -> None:
    with Client(live_server.url, live_server.token) as alice:
        alice.create_project("demo")
        add_reports(alice, 2, first_hour=0)
        for bad in ("nope", "W10", "eyJ4IjoxfQ", "a" * 500):
            with pytest.raises(InvalidInput) as caught:
                alice.reports("demo", after=bad)
            assert caught.value.field == "after"
            assert "cursor" in str(caught.value)
        with pytest.raises(InvalidInput) as caught:
            alice.reports("demo", limit=MAX_REPORT_PAGE + 1)
        assert caught.value.field == "first"
        # Without metrics, flamegraphs or alerts a page may hold up to MAX_BARE_REPORT_PAGE.
        bare = 'query($n: Int!) { project(slug: "demo") { reports(first: $n) { nodes { id } } } }'
        data = alice._execute(bare, {"n": MAX_BARE_REPORT_PAGE})
        assert len(data["project"]["reports"]["nodes"]) == 2
        with pytest.raises(InvalidInput):
            alice._execute(bare, {"n": MAX_BARE_REPORT_PAGE + 1})


def test_another_users_cursor_reads_nothing_of_theirs(live_server: LiveServer) -> None:
    with Client(live_server.url, live_server.token) as alice:
        alice.create_project("demo")
        add_reports(alice, 4, first_hour=0)
        cursor = alice.reports("demo", limit=2).end_cursor
    with Client(live_server.url, live_server.other_token) as mallory:
        with pytest.raises(NotFoundError):
            mallory.reports("demo", after=cursor)
        with pytest.raises(NotFoundError):
            list(mallory.iter_reports("demo"))
        mallory.create_project("mine")
        # A cursor is only a position: on mallory's own project it shows mallory's reports.
        assert len(mallory.reports("mine", after=cursor)) == 0


def _statements(
    engine: Engine,
    storage: LocalStorage,
    settings: Settings,
    user_id: str,
    query: str,
    variables: dict[str, Any],
) -> tuple[list[str], dict[str, Any]]:
    with Session(engine) as session:
        context = Context(
            session=session, user=session.get(User, user_id), storage=storage, settings=settings
        )
        with counting_queries(engine) as statements:
            result = asyncio.run(
                schema.execute(query, variable_values=variables, context_value=context)
            )
    assert result.errors is None, result.errors
    return statements, result.data  # type: ignore[return-value]


def test_total_count_only_when_asked_and_a_fixed_number_of_statements_per_page(
    engine: Engine, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, secret_key="k")
    storage = LocalStorage(tmp_path / "storage", public_url="http://test", secret_key="k")
    user_id = seed(engine, storage, 25)

    def run(query: str, **variables: Any) -> tuple[list[str], dict[str, Any]]:
        return _statements(engine, storage, settings, user_id, query, variables)

    without, data = run(PAGE_QUERY % "", first=10)
    page = data["project"]["reports"]
    assert len(page["nodes"]) == 10 and page["pageInfo"]["hasNextPage"] is True
    assert not [s for s in without if "count(" in s.lower()]

    with_total, data = run(PAGE_QUERY % "totalCount", first=10)
    assert data["project"]["reports"]["totalCount"] == 25
    counts = [s for s in with_total if "count(" in s.lower()]
    assert len(counts) == 1 and len(with_total) == len(without) + 1

    # Later pages by cursor, and smaller pages, cost the same statements as the first.
    after = page["pageInfo"]["endCursor"]
    second, data = run(PAGE_QUERY % "", first=10, after=after)
    assert len(data["project"]["reports"]["nodes"]) == 10
    last, data = run(
        PAGE_QUERY % "", first=10, after=data["project"]["reports"]["pageInfo"]["endCursor"]
    )
    assert len(data["project"]["reports"]["nodes"]) == 5
    assert data["project"]["reports"]["pageInfo"]["hasNextPage"] is False
    small, _ = run(PAGE_QUERY % "", first=2)
    assert len(second) == len(last) == len(small) == len(without)
