"""Throughput of the GraphQL ``report(id)`` query (50 metrics) against a plain FastAPI JSON
endpoint returning the same data from the same database, measured in the same run.

    python -m bench.bench_report_query

Goal: ratio (GraphQL throughput / plain throughput) >= 0.5.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from tests.support.server import interleaved, start_bench_server

QUERY = """query($id: ID!) { report(id: $id) {
  id gitHash adapter startTime endTime createdAt branch { name } testbed { name }
  metrics { measure value lowerValue upperValue benchmark { name } } } }"""


def add_plain_endpoint(app: Any, engine: Any) -> None:
    """The baseline: a hand-written endpoint with the same checks and the same data."""
    import sqlalchemy as sa
    from fastapi import Header, HTTPException
    from sqlmodel import Session, select

    from driftwatch_server.auth import bearer_token, user_for_token
    from driftwatch_server.models import Benchmark, Branch, Metric, Testbed
    from driftwatch_server.reports import owned_report

    @app.get("/plain/report/{report_id}")
    def plain_report(report_id: str, authorization: str = Header()) -> dict[str, Any]:
        with Session(engine) as session:
            user = user_for_token(session, bearer_token(authorization) or "")
            if user is None:
                raise HTTPException(401)
            report = owned_report(session, user=user, report_id=report_id)
            branch = session.get(Branch, report.branch_id)
            testbed = session.get(Testbed, report.testbed_id)
            rows = session.exec(
                select(Metric, Benchmark.name)
                .join(Benchmark, sa.and_(Benchmark.id == Metric.benchmark_id))
                .where(Metric.report_id == report.id)
            )
            return {
                "id": report.id,
                "gitHash": report.git_hash,
                "adapter": report.adapter,
                "startTime": report.start_time.isoformat(),
                "endTime": report.end_time.isoformat(),
                "createdAt": report.created_at.isoformat(),
                "branch": {"name": branch.name if branch else None},
                "testbed": {"name": testbed.name if testbed else None},
                "metrics": [
                    {
                        "measure": metric.measure,
                        "value": metric.value,
                        "lowerValue": metric.lower_value,
                        "upperValue": metric.upper_value,
                        "benchmark": {"name": name},
                    }
                    for metric, name in rows
                ],
            }


def main() -> None:
    server = start_bench_server(extra_routes=add_plain_endpoint)
    from driftwatch_nb.client import Client

    client = Client(server.url, server.token)
    client.create_project("bench")
    now = dt.datetime.now(dt.UTC)
    results = {
        f"bench_{index:02d}": {
            "latency": {
                "value": 1000.0 + index,
                "lower_value": 900.0,
                "upper_value": 1200.0 + index,
            }
        }
        for index in range(50)
    }
    report = client.create_report("bench", "main", results, start_time=now, end_time=now)
    headers = {"Authorization": f"Bearer {server.token}"}
    http = httpx.Client(base_url=server.url, headers=headers)

    def graphql() -> None:
        response = http.post("/graphql", json={"query": QUERY, "variables": {"id": report.id}})
        assert len(response.json()["data"]["report"]["metrics"]) == 50

    def plain() -> None:
        response = http.get(f"/plain/report/{report.id}")
        assert len(response.json()["metrics"]) == 50

    for call in (graphql, plain):  # warm-up
        for _ in range(20):
            call()
    timings = interleaved({"graphql": graphql, "plain": plain}, rounds=15, per_round=40)
    graphql_rps, plain_rps = 1 / timings["graphql"], 1 / timings["plain"]
    print(f"report(id) GraphQL query : {graphql_rps:8.1f} req/s")
    print(f"plain FastAPI endpoint   : {plain_rps:8.1f} req/s")
    print(f"ratio graphql/plain      : {graphql_rps / plain_rps:.2f}  (goal >= 0.5)")
    server.stop()


if __name__ == "__main__":
    main()
