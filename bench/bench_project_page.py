"""The project page (20 reports with their metrics and flamegraphs) through GraphQL against the
floor: a plain FastAPI endpoint running one hand-written SQL statement that returns the same
data (same token check, same ownership rule, same signed URLs), measured in the same run.

    python -m bench.bench_project_page               (SQLite and PostgreSQL)
    python -m bench.bench_project_page sqlite 1000   (one database, one size)

Projects of 1,000 and 10,000 reports (20 benchmarks x 2 measures each, one flamegraph each)
are bulk-inserted directly. The GraphQL request is the client's real ``Reports`` operation
(``driftwatch_nb/core/graphql/operations.graphql``), first page of 20.
Goal: GraphQL time / floor time <= 3 on both databases.
"""

from __future__ import annotations

import datetime as dt
import sys
import uuid
from collections import defaultdict
from typing import Any

import httpx
import sqlalchemy as sa

from tests.support.server import interleaved, start_bench_server

GOAL = 3.0
SIZES = (1_000, 10_000)
BENCHMARKS = 20
MEASURES = ("latency", "throughput")
PAGE = 20
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>'
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

# One statement: the page, its metrics and its flamegraphs as rows of one UNION ALL, each
# column position one type (PostgreSQL needs the casts on NULLs).
FLOOR_SQL = """
WITH page AS (
  SELECT r.id, r.git_hash, r.adapter, r.start_time, r.end_time, r.created_at,
         r.branch_id, r.testbed_id
  FROM reports r JOIN projects p ON p.id = r.project_id
  WHERE p.slug = :slug AND p.owner_id = :owner
  ORDER BY r.start_time DESC, r.created_at DESC, r.id DESC
  LIMIT :first
)
SELECT 0 AS kind, page.id AS report_id, page.git_hash AS a, page.adapter AS b, br.name AS c,
       tb.name AS d, CAST(NULL AS FLOAT) AS x1, CAST(NULL AS FLOAT) AS x2,
       CAST(NULL AS FLOAT) AS x3, page.start_time AS t1, page.end_time AS t2,
       page.created_at AS t3,
       (SELECT count(*) FROM reports r2 JOIN projects p2 ON p2.id = r2.project_id
        WHERE p2.slug = :slug AND p2.owner_id = :owner) AS n
FROM page JOIN branches br ON br.id = page.branch_id JOIN testbeds tb ON tb.id = page.testbed_id
UNION ALL
SELECT 1, m.report_id, m.measure, NULL, bm.name, NULL, m.value, m.lower_value, m.upper_value,
       NULL, NULL, NULL, NULL
FROM metrics m JOIN page ON page.id = m.report_id JOIN benchmarks bm ON bm.id = m.benchmark_id
UNION ALL
SELECT 2, f.report_id, f.id, f.file_name, fb.name, f.storage_path, NULL, NULL, NULL,
       NULL, NULL, f.created_at, f.file_size
FROM flamegraphs f JOIN page ON page.id = f.report_id
LEFT JOIN benchmarks fb ON fb.id = f.benchmark_id
"""


def _iso(moment: Any) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, str):  # SQLite hands back text in a UNION
        moment = dt.datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.isoformat()


def add_floor_endpoint(app: Any, engine: Any) -> None:
    """The floor: the same checks and the same answer as the GraphQL page, hand-written."""
    from fastapi import Header, HTTPException
    from sqlmodel import Session

    from driftwatch_server.auth import bearer_token, user_for_token

    @app.get("/floor/{slug}")
    def floor(slug: str, authorization: str = Header()) -> dict[str, Any]:
        with Session(engine) as session:
            user = user_for_token(session, bearer_token(authorization) or "")
            if user is None:
                raise HTTPException(401)
            rows = session.execute(
                sa.text(FLOOR_SQL), {"slug": slug, "owner": user.id, "first": PAGE}
            ).all()
        reports: dict[str, dict[str, Any]] = {}
        metrics: dict[str, list[Any]] = defaultdict(list)
        flames: dict[str, list[Any]] = defaultdict(list)
        total = 0
        for row in rows:
            if row.kind == 0:
                total = row.n
                reports[row.report_id] = {
                    "id": row.report_id,
                    "projectSlug": slug,
                    "gitHash": row.a,
                    "adapter": row.b,
                    "startTime": _iso(row.t1),
                    "endTime": _iso(row.t2),
                    "createdAt": _iso(row.t3),
                    "branch": {"name": row.c},
                    "testbed": {"name": row.d},
                }
            elif row.kind == 1:
                metrics[row.report_id].append(row)
            else:
                flames[row.report_id].append(row)
        paths = [f.d for fs in flames.values() for f in fs]
        urls = app.state.storage.create_signed_read_urls(paths, expires_in=3600)
        nodes = sorted(reports.values(), key=lambda r: (r["startTime"], r["id"]), reverse=True)
        for node in nodes:
            node["metrics"] = [
                {
                    "measure": m.a,
                    "value": m.x1,
                    "lowerValue": m.x2,
                    "upperValue": m.x3,
                    "benchmark": {"name": m.c},
                }
                for m in sorted(metrics[node["id"]], key=lambda m: (m.c, m.a))
            ]
            node["flamegraphs"] = [
                {
                    "id": f.a,
                    "fileName": f.b,
                    "fileSize": f.n,
                    "url": urls.get(f.d),
                    "storagePath": f.d,
                    "createdAt": _iso(f.t3),
                    "benchmark": {"name": f.c} if f.c is not None else None,
                }
                for f in sorted(flames[node["id"]], key=lambda f: str(f.t3))
            ]
        return {"project": {"reports": {"totalCount": total, "nodes": nodes}}}


def populate(engine: Any, storage: Any, *, owner_id: str, slug: str, reports: int) -> None:
    """Bulk-insert a project of ``reports`` reports straight into the tables."""
    from driftwatch_server.models import (
        Benchmark,
        Branch,
        Flamegraph,
        Metric,
        Project,
        Report,
        Testbed,
    )

    now = dt.datetime.now(dt.UTC)
    project_id = str(uuid.uuid4())
    branch_ids = [str(uuid.uuid4()) for _ in range(3)]
    testbed_id = str(uuid.uuid4())
    bench_ids = [str(uuid.uuid4()) for _ in range(BENCHMARKS)]
    with engine.begin() as conn:
        conn.execute(
            sa.insert(Project.__table__),  # type: ignore[attr-defined]
            [
                {
                    "id": project_id,
                    "slug": slug,
                    "name": slug,
                    "owner_id": owner_id,
                    "created_at": now,
                }
            ],
        )
        conn.execute(
            sa.insert(Branch.__table__),  # type: ignore[attr-defined]
            [
                {"id": b, "project_id": project_id, "name": f"branch-{i}"}
                for i, b in enumerate(branch_ids)
            ],
        )
        conn.execute(
            sa.insert(Testbed.__table__),  # type: ignore[attr-defined]
            [{"id": testbed_id, "project_id": project_id, "name": "ci"}],
        )
        conn.execute(
            sa.insert(Benchmark.__table__),  # type: ignore[attr-defined]
            [
                {"id": b, "project_id": project_id, "name": f"bench_{i:02d}"}
                for i, b in enumerate(bench_ids)
            ],
        )
        batch = 1000
        for first in range(0, reports, batch):
            report_rows, metric_rows, flame_rows = [], [], []
            for index in range(first, min(first + batch, reports)):
                report_id = str(uuid.uuid4())
                start = now - dt.timedelta(minutes=reports - index)
                branch_id = branch_ids[index % 3]
                report_rows.append(
                    {
                        "id": report_id,
                        "project_id": project_id,
                        "branch_id": branch_id,
                        "testbed_id": testbed_id,
                        "git_hash": f"{index:040x}",
                        "adapter": "json",
                        "start_time": start,
                        "end_time": start,
                        "created_at": start,
                    }
                )
                for b, bench_id in enumerate(bench_ids):
                    for measure in MEASURES:
                        value = 1000.0 + index + b
                        metric_rows.append(
                            {
                                "id": str(uuid.uuid4()),
                                "report_id": report_id,
                                "benchmark_id": bench_id,
                                "measure": measure,
                                "value": value,
                                "lower_value": value - 1,
                                "upper_value": value + 1,
                                "branch_id": branch_id,
                                "testbed_id": testbed_id,
                                "start_time": start,
                                "samples": None,
                            }
                        )
                flame_rows.append(
                    {
                        "id": str(uuid.uuid4()),
                        "report_id": report_id,
                        "benchmark_id": bench_ids[index % BENCHMARKS],
                        "storage_path": f"projects/{project_id}/flamegraphs/{report_id}.svg",
                        "file_name": "profile.svg",
                        "file_size": len(SVG),
                        "created_at": start,
                    }
                )
            conn.execute(sa.insert(Report.__table__), report_rows)  # type: ignore[attr-defined]
            conn.execute(sa.insert(Metric.__table__), metric_rows)  # type: ignore[attr-defined]
            conn.execute(sa.insert(Flamegraph.__table__), flame_rows)  # type: ignore[attr-defined]
            # Only the newest pages are read: their files exist, the rest need not.
            if first + batch >= reports:
                for row in flame_rows[-5 * PAGE :]:
                    storage.write_object(row["storage_path"], [SVG], content_type="image/svg+xml")
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE"))


def reports_operation() -> str:
    """The client's ``Reports`` operation with the fragments it uses."""
    from driftwatch_nb.core.graphql import operation

    return operation("Reports")


def measure_one(kind: str, database_url: str | None, sizes: tuple[int, ...]) -> list[str]:
    """Start a server on ``database_url``, fill one project per size, time GraphQL vs floor."""
    from sqlmodel import Session, select

    from driftwatch_server.models import User

    server = start_bench_server(extra_routes=add_floor_endpoint, database_url=database_url)
    with Session(server.engine) as session:
        owner_id = session.exec(select(User.id)).one()
    http = httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {server.token}"}, timeout=60
    )
    query = reports_operation()
    lines = []
    try:
        for size in sizes:
            slug = f"p{size}"
            populate(
                server.engine, server.app.state.storage, owner_id=owner_id, slug=slug, reports=size
            )
            variables = {"slug": slug, "branch": None, "first": PAGE, "offset": 0}

            def graphql(variables: dict[str, Any] = variables) -> dict[str, Any]:
                response = http.post("/graphql", json={"query": query, "variables": variables})
                body = response.json()
                assert "errors" not in body, body["errors"]
                return body["data"]

            def floor(slug: str = slug) -> dict[str, Any]:
                response = http.get(f"/floor/{slug}")
                assert response.status_code == 200, response.text
                return response.json()

            got, want = graphql()["project"]["reports"], floor()["project"]["reports"]
            assert got["totalCount"] == want["totalCount"] == size
            same = [
                (n["id"], len(n["metrics"]), [f["id"] for f in n["flamegraphs"]])
                for n in got["nodes"]
            ] == [
                (n["id"], len(n["metrics"]), [f["id"] for f in n["flamegraphs"]])
                for n in want["nodes"]
            ]
            assert same, "GraphQL and the floor answer different pages"
            assert all(f["url"] for n in got["nodes"] for f in n["flamegraphs"])
            for _ in range(5):  # warm-up
                graphql()
                floor()
            timings = interleaved({"graphql": graphql, "floor": floor}, rounds=7, per_round=5)
            ratio = timings["graphql"] / timings["floor"]
            lines.append(
                f"{kind:10s} {size:>6,} reports: GraphQL {timings['graphql'] * 1000:7.1f} ms  "
                f"floor {timings['floor'] * 1000:6.1f} ms  ratio {ratio:5.2f}  "
                f"({'ok' if ratio <= GOAL else 'over'} goal <= {GOAL:.0f})"
            )
            print(lines[-1], flush=True)
    finally:
        http.close()
        server.stop()
        server.engine.dispose()
    return lines


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    kinds = [a for a in args if a in ("sqlite", "postgresql")] or ["sqlite", "postgresql"]
    sizes = tuple(int(a) for a in args if a.isdigit()) or SIZES
    lines: list[str] = []
    for kind in kinds:
        if kind == "sqlite":
            lines += measure_one(kind, None, sizes)
            continue
        admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        name = f"dw_bench_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            url = sa.make_url(POSTGRES_URL).set(database=name)
            lines += measure_one(kind, url.render_as_string(hide_password=False), sizes)
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    print("\nproject page, 20 reports x 40 metrics + 1 flamegraph each (median of 7 rounds)")
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
