"""Issue 13, item 7: the abusive requests that stalled the server, timed against a live one.

For each: how long until the server answers (now: a refusal with a code), and how long a
concurrent ``{ me { name } }`` from another client waits meanwhile.

    python -m bench.bench_query_limits
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import httpx

from tests.support.server import start_bench_server


def _abuses() -> dict[str, dict[str, Any]]:
    page = (
        'project(slug: "demo") { reports(first: 100) { nodes { id metrics { measure value '
        "lowerValue upperValue benchmark { name } } } } }"
    )
    now = dt.datetime.now(dt.UTC).isoformat()
    big_report = {
        "projectSlug": "demo",
        "branch": "main",
        "startTime": now,
        "endTime": now,
        "results": [
            {"benchmark": f"b{i}", "measures": [{"measure": "latency", "value": 1.0}]}
            for i in range(100_000)
        ],
    }
    return {
        "1,000 aliases of a reports page": {
            "query": "query {" + " ".join(f"p{i}: {page}" for i in range(1000)) + "}"
        },
        "10,000 aliases of me": {
            "query": "query {" + " ".join(f"a{i}: me {{ name }}" for i in range(10_000)) + "}"
        },
        "100,000 duplicated fields": {"query": "query { me { " + "name " * 100_000 + "} }"},
        "a report with 100,000 metrics": {
            "query": "mutation($input: ReportInput!) { createReport(input: $input) { id } }",
            "variables": {"input": big_report},
        },
    }


def main() -> None:
    server = start_bench_server()
    headers = {"Authorization": f"Bearer {server.token}"}
    httpx.post(
        f"{server.url}/graphql",
        json={"query": 'mutation { createProject(slug: "demo", name: "d") { id } }'},
        headers=headers,
    )
    try:
        for name, body in _abuses().items():
            waits: list[float] = []
            done = threading.Event()

            def poll(done: threading.Event = done, waits: list[float] = waits) -> None:
                while not done.is_set():
                    start = time.perf_counter()
                    httpx.post(
                        f"{server.url}/graphql",
                        json={"query": "{ me { name } }"},
                        headers=headers,
                        timeout=120,
                    )
                    waits.append(time.perf_counter() - start)
                    time.sleep(0.01)

            poller = threading.Thread(target=poll)
            poller.start()
            start = time.perf_counter()
            response = httpx.post(f"{server.url}/graphql", json=body, headers=headers, timeout=300)
            elapsed = time.perf_counter() - start
            done.set()
            poller.join()
            code = (response.json().get("errors") or [{}])[0].get("extensions", {}).get("code")
            print(
                f"{name:34s} answered in {elapsed:6.2f} s ({response.status_code} {code}); "
                f"concurrent me: worst {max(waits, default=0) * 1000:6.1f} ms over {len(waits)}"
            )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
