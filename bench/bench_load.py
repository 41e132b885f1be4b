"""The project page under load: requests/s and p99 latency of the client's ``Reports``
operation (first page of 20 reports with metrics and flamegraphs, 1,000-report project) at
concurrency 1, 8 and 32, against ``driftwatch serve --workers 1`` and ``--workers 2`` (real
processes), on SQLite and PostgreSQL. A bounded asyncio httpx client on loopback; each level
runs for a fixed time and the whole bench stops by itself in about two minutes.

    python -m bench.bench_load                 (SQLite and PostgreSQL)
    python -m bench.bench_load sqlite          (one database)

Baseline: the same server at concurrency 1, in the same run; each level prints its
throughput as a ratio of that (below 1: the server loses throughput under concurrency).
Goal: no errors at any level (error rate 0; the exit code is 1 otherwise).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from bench.bench_project_page import POSTGRES_URL, populate, reports_operation
from tests.support.server import free_port

DRIFTWATCH = str(Path(sys.executable).parent / "driftwatch")
REPORTS = 1_000
CONCURRENCY = (1, 8, 32)
WORKERS = (1, 2)
SECONDS_PER_LEVEL = 3.0


def prepare(database_url: str | None) -> tuple[Path, str, str]:
    """A data directory and database with one user and a project of ``REPORTS`` reports."""
    from driftwatch_server.auth import create_user, issue_token
    from driftwatch_server.db import create_db_engine, session_scope
    from driftwatch_server.migrate import upgrade_to_head
    from driftwatch_server.storage.local import LocalStorage

    data_dir = Path(tempfile.mkdtemp(prefix="driftwatch-bench-load-"))
    url = database_url or f"sqlite:///{data_dir / 'driftwatch.db'}"
    engine = create_db_engine(url)
    upgrade_to_head(engine)
    with session_scope(engine) as session:
        user = create_user(session, name="bench")
        token = issue_token(session, user=user)
        user_id = user.id
    storage = LocalStorage(data_dir / "storage", public_url="http://bench", secret_key="x")
    populate(engine, storage, owner_id=user_id, slug="load", reports=REPORTS)
    engine.dispose()
    return data_dir, url, token


def start(data_dir: Path, database_url: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTWATCH_")}
    env.update(
        DRIFTWATCH_DATA_DIR=str(data_dir),
        DRIFTWATCH_DATABASE_URL=database_url,
        DRIFTWATCH_PORT=str(port),
        DRIFTWATCH_SECRET_KEY="bench-load-" + data_dir.name,
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
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"serve --workers {workers} did not start")


async def level(url: str, token: str, concurrency: int, seconds: float) -> dict[str, float]:
    """``concurrency`` clients sending the page back to back for ``seconds``."""
    body = {
        "query": reports_operation(),
        "variables": {"slug": "load", "branch": None, "first": 20},
    }
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
        limits=limits,
    ) as client:
        stop = time.monotonic() + seconds

        async def one_client() -> None:
            nonlocal errors
            while time.monotonic() < stop:
                started = time.perf_counter()
                try:
                    response = await client.post("/graphql", json=body)
                    answer: Any = response.json()
                    ok = response.status_code == 200 and "errors" not in answer
                    ok = ok and len(answer["data"]["project"]["reports"]["nodes"]) == 20
                except (httpx.HTTPError, ValueError, KeyError, TypeError):
                    ok = False
                latencies.append(time.perf_counter() - started)
                errors += not ok

        began = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else 0.0
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p99_ms": p99 * 1000,
        "error_rate": errors / max(1, len(latencies)),
    }


def measure(kind: str, database_url: str | None) -> list[str]:
    data_dir, url_db, token = prepare(database_url)
    lines = []
    for workers in WORKERS:
        process, url = start(data_dir, url_db, workers)
        try:
            asyncio.run(level(url, token, 2, 1.0))  # warm up caches and connections
            baseline = None
            for concurrency in CONCURRENCY:
                result = asyncio.run(level(url, token, concurrency, SECONDS_PER_LEVEL))
                baseline = baseline or result["rps"]
                lines.append(
                    f"{kind:10s} workers={workers} c={concurrency:>2}: "
                    f"{result['rps']:6.1f} req/s  p99 {result['p99_ms']:7.1f} ms  "
                    f"errors {result['error_rate']:.1%}  "
                    f"ratio vs c=1 {result['rps'] / baseline:4.2f}  "
                    f"({int(result['requests'])} requests)"
                )
                print(lines[-1], flush=True)
        finally:
            process.terminate()
            process.wait(20)
    return lines


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    kinds = [a for a in args if a in ("sqlite", "postgresql")] or ["sqlite", "postgresql"]
    lines: list[str] = []
    for kind in kinds:
        if kind == "sqlite":
            lines += measure(kind, None)
            continue
        admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        name = f"dw_bench_load_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            url = sa.make_url(POSTGRES_URL).set(database=name)
            lines += measure(kind, url.render_as_string(hide_password=False))
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    print(
        f"\nproject page under load ({REPORTS:,} reports, first 20, {SECONDS_PER_LEVEL:.0f} s a level)"
    )
    for line in lines:
        print(line)
    failed = any("errors 0.0%" not in line for line in lines)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
