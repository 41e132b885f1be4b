"""Kept-alive request latency of ``driftwatch serve --workers 2`` against ``--workers 1``,
both running in the same run, on the same machine, interleaved.

    python -m bench.bench_workers      (from the repo root)

Without uvloop, uvicorn's multi-worker socket gave accepted connections no TCP_NODELAY, and
every kept-alive request waited on Nagle + delayed ACK (~3x slower). Goal: ratio
(workers=2 latency / workers=1 latency) <= 1.5.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from tests.support.server import free_port, interleaved

DRIFTWATCH = str(Path(sys.executable).parent / "driftwatch")
QUERY = {"query": "query { me { name } projects { slug } }"}
GOAL = 1.5


def start(workers: int) -> tuple[subprocess.Popen[bytes], str, str]:
    from driftwatch_server.auth import create_user, issue_token
    from driftwatch_server.db import create_db_engine, session_scope
    from driftwatch_server.migrate import upgrade_to_head

    data_dir = Path(tempfile.mkdtemp(prefix=f"driftwatch-bench-w{workers}-"))
    engine = create_db_engine(f"sqlite:///{data_dir / 'driftwatch.db'}")
    upgrade_to_head(engine)
    with session_scope(engine) as session:
        token = issue_token(session, user=create_user(session, name="bench"))
    engine.dispose()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTWATCH_")}
    env.update(
        DRIFTWATCH_DATA_DIR=str(data_dir),
        DRIFTWATCH_PORT=str(port),
        DRIFTWATCH_SECRET_KEY=uuid.uuid4().hex,
    )
    process = subprocess.Popen(
        [DRIFTWATCH, "serve", "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url, token
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"serve --workers {workers} did not start")


def main() -> int:
    servers = {workers: start(workers) for workers in (1, 2)}
    clients = {
        workers: httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        for workers, (_process, url, token) in servers.items()
    }
    try:

        def call(client: httpx.Client) -> None:
            response = client.post("/graphql", json=QUERY)
            assert response.status_code == 200 and "errors" not in response.json()

        for client in clients.values():  # warm up every worker's caches and the connection
            for _ in range(50):
                call(client)
        medians = interleaved(
            {f"workers={w}": (lambda c=client: call(c)) for w, client in clients.items()},
            rounds=9,
            per_round=40,
        )
    finally:
        for client in clients.values():
            client.close()
        for process, _url, _token in servers.values():
            process.terminate()
            process.wait(20)
    one, two = medians["workers=1"], medians["workers=2"]
    ratio = two / one
    try:
        import uvloop  # noqa: F401

        loop = "uvloop"
    except ImportError:
        loop = "asyncio (no uvloop)"
    print(f"event loop: {loop}")
    print(f"kept-alive GraphQL request, workers=1: {one * 1e3:.2f} ms")
    print(f"kept-alive GraphQL request, workers=2: {two * 1e3:.2f} ms")
    print(f"ratio workers=2 / workers=1: {ratio:.2f} (goal <= {GOAL})")
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    raise SystemExit(main())
