"""A server killed mid-upload leaks no disk, on SQLite and PostgreSQL (issue 15, item 3).

A real ``driftwatch serve`` process receives a 9 MiB upload and is killed with SIGKILL while
the bytes are still arriving: the embedded storage is left with a hidden ``.part`` file. Once it
is old enough, a restart removes it, and so does ``driftwatch admin sweep``; fresh ones (another
replica's uploads in flight) stay.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine

from driftwatch_nb import Client
from tests.cli.helpers import DRIFTWATCH, clean_env, driftwatch
from tests.support.server import free_port

MIB = 1024 * 1024
HOUR_AGO = time.time() - 3600


def start_serve(env: dict[str, str], url: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [DRIFTWATCH, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited: {process.stderr.read().decode()}")  # type: ignore[union-attr]
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise AssertionError("serve did not start")


def part_files(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "storage").rglob("*.part"))


@pytest.fixture
def served(engine: Engine, tmp_path: Path) -> Iterator[tuple[dict[str, str], str, str]]:
    from driftwatch_server.auth import create_user, issue_token
    from driftwatch_server.db import session_scope

    with session_scope(engine) as session:
        token = issue_token(session, user=create_user(session, name="alice"))
    port = free_port()
    env = clean_env(
        DRIFTWATCH_DATA_DIR=str(tmp_path / "data"),
        DRIFTWATCH_DATABASE_URL=engine.url.render_as_string(hide_password=False),
        DRIFTWATCH_PORT=str(port),
        DRIFTWATCH_SECRET_KEY="crash-test-secret",
    )
    yield env, f"http://127.0.0.1:{port}", token


def test_kill_9_mid_upload_leaves_a_part_file_that_restart_and_sweep_remove(
    served: tuple[dict[str, str], str, str], tmp_path: Path
) -> None:
    env, url, token = served
    data_dir = Path(env["DRIFTWATCH_DATA_DIR"])
    process = start_serve(env, url)
    try:
        client = Client(url, token, retries=1)
        client.create_project("crash")
        issued = client.get_flamegraph_upload_url("crash", "big.svg", 9 * MIB)
        halfway = threading.Event()
        release = threading.Event()

        def body() -> Iterator[bytes]:
            yield b"<svg xmlns='http://www.w3.org/2000/svg'>" + b" " * (MIB - 40)
            for _ in range(4):
                yield b" " * MIB
            halfway.set()
            release.wait(30)
            yield b" " * MIB

        def put() -> None:
            with contextlib.suppress(httpx.HTTPError):  # the server is killed under it
                httpx.put(
                    issued.upload_url,
                    content=body(),
                    headers={"Content-Type": "image/svg+xml"},
                    timeout=30,
                )

        uploader = threading.Thread(target=put)
        uploader.start()
        assert halfway.wait(30)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            parts = part_files(data_dir)
            if parts and parts[0].stat().st_size >= 4 * MIB:
                break
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
        release.set()
        uploader.join(30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)

    leftovers = part_files(data_dir)
    assert len(leftovers) == 1, "the crash left the upload's .part file"
    assert leftovers[0].name.startswith(".")

    # A restart keeps a fresh .part (it could be another replica's upload in flight) ...
    process = start_serve(env, url)
    process.send_signal(signal.SIGTERM)
    process.wait(20)
    assert part_files(data_dir) == leftovers
    # ... and removes it once it has not been written to for a while.
    os.utime(leftovers[0], (HOUR_AGO, HOUR_AGO))
    process = start_serve(env, url)
    try:
        assert part_files(data_dir) == []

        # The sweep removes old ones as well, by age.
        folder = data_dir / "storage" / "flamegraphs" / "projects" / "p" / "flamegraphs"
        folder.mkdir(parents=True)
        old, fresh = folder / ".old.svg.1.part", folder / ".fresh.svg.2.part"
        old.write_bytes(b"x" * MIB)
        fresh.write_bytes(b"x")
        stale = time.time() - dt.timedelta(hours=2).total_seconds()
        os.utime(old, (stale, stale))
        swept = driftwatch("admin", "sweep", env=env)
        assert swept.returncode == 0, swept.stderr
        assert "1 interrupted upload" in swept.stderr + swept.stdout
        assert part_files(data_dir) == [fresh]
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(20)
