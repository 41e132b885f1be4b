"""Dashboard pages at scale: the first Reports page, the Benchmarks tab and a benchmark page of
a project with 500 reports on main (and 30 on each of 4 feature branches), against the first
Reports page of a small project (20 reports), rendered in-process (FastAPI's TestClient on the
app: no network) in the same run.

    python -m bench.bench_dashboard_pages

Goals: the 500-report project's first Reports page renders in under 1 s, and at about the cost
of the small project's (ratio big/small near 1: the page is paginated, so its size does not
grow with the history). The Benchmarks tab reads every series (3 benchmarks x 5 branches) in a
fixed number of SQL queries (``Project.series``, one set-based pass), not one ``History`` query
per benchmark and branch. Printed: median seconds per page, the ratios, and the SQL statements
each page runs.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

import sqlalchemy as sa

from tests.support.server import interleaved, start_bench_server

BIG, SMALL = 500, 20
BENCHMARKS = ["parse.records", "render.table", "json.roundtrip"]
FEATURE_BRANCHES, FEATURE_REPORTS = 4, 30
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def seed(client: object, slug: str, count: int, *, branches: int = 0) -> None:
    rng = random.Random(slug)
    client.create_project(slug)  # type: ignore[attr-defined]
    runs = [("main", i) for i in range(count)] + [
        (f"feature-{b}", i) for b in range(branches) for i in range(FEATURE_REPORTS)
    ]
    for branch, i in runs:
        values = [(k + 1) * 1e6 * (1 + rng.gauss(0, 0.01)) for k in range(len(BENCHMARKS))]
        results = {
            name: {
                "latency": {"value": v, "lower_value": v * 0.97, "upper_value": v * 1.03},
                "throughput": 1e9 / v,
            }
            for name, v in zip(BENCHMARKS, values, strict=True)
        }
        client.create_report(  # type: ignore[attr-defined]
            slug,
            branch,
            results,
            testbed="ci",
            git_hash=f"{i:040x}",
            start_time=START + dt.timedelta(hours=i),
        )


def main() -> None:
    from fastapi.testclient import TestClient

    from driftwatch_nb.client import Client

    server = start_bench_server()
    client = Client(server.url, server.token)
    seed(client, "small", SMALL)
    seed(client, "big", BIG, branches=FEATURE_BRANCHES)
    server.stop()

    http = TestClient(server.app)
    signed_in = http.post("/login", data={"token": server.token}, follow_redirects=False)
    assert signed_in.status_code == 303, signed_in.text

    sizes: dict[str, int] = {}
    statements: dict[str, int] = {}

    def page(path: str, name: str):  # noqa: ANN202 - a closure for interleaved()
        def call() -> None:
            response = http.get(path)
            assert response.status_code == 200, (path, response.status_code)
            sizes[name] = len(response.content)

        return call

    def count_statements(name: str, call: Callable[[], None]) -> None:
        seen: list[str] = []

        def record(*_args: object) -> None:
            seen.append("")

        sa.event.listen(server.app.state.engine, "before_cursor_execute", record)
        try:
            call()
        finally:
            sa.event.remove(server.app.state.engine, "before_cursor_execute", record)
        statements[name] = len(seen)

    candidates = {
        "small reports p1": page("/workspaces/small", "small reports p1"),
        "big reports p1": page("/workspaces/big", "big reports p1"),
        "big reports p25": page("/workspaces/big?page=25", "big reports p25"),
        "big benchmarks tab": page("/workspaces/big/benchmarks", "big benchmarks tab"),
        "big benchmark page": page(
            f"/workspaces/big/benchmarks/{BENCHMARKS[0]}", "big benchmark page"
        ),
    }
    for name, call in candidates.items():  # warm-up, and the SQL each page runs
        call()
        count_statements(name, call)
    timings = interleaved(candidates, rounds=7, per_round=3)
    base = timings["small reports p1"]
    for name, seconds in timings.items():
        print(
            f"{name:<20} {seconds * 1000:8.1f} ms  {sizes[name] / 1024:7.1f} KiB  "
            f"ratio vs small p1 {seconds / base:5.2f}  {statements[name]:4d} SQL statements"
        )
    big = timings["big reports p1"]
    verdict = "ok" if big < 1.0 else "SLOW"
    print(
        f"big project ({BIG} reports) first page: {big:.3f} s (goal < 1 s: {verdict}); "
        f"ratio big/small {big / base:.2f}"
    )


if __name__ == "__main__":
    main()
