"""A real driftwatch server in this process, for tests and benchmarks alike."""

from __future__ import annotations

import socket
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(app: object, port: int) -> tuple[object, threading.Thread]:
    """Run ``app`` with uvicorn in a thread; returns once it accepts connections."""
    from driftwatch_server.app import serve_in_thread

    return serve_in_thread(app, host="127.0.0.1", port=port)  # type: ignore[arg-type]


@dataclass
class LiveServer:
    """A real driftwatch server running in this process on a loopback port."""

    url: str
    token: str
    other_token: str
    engine: Any
    data_dir: Path
    settings: Any
    app: Any = None

    @property
    def storage_dir(self) -> Path:
        return self.data_dir / "storage"

    def stored_files(self) -> list[Path]:
        """Every object file in the embedded storage (sidecar metadata excluded)."""
        root = self.storage_dir
        if not root.exists():
            return []
        return sorted(
            path
            for path in root.rglob("*")
            if path.is_file() and path.suffix == ".svg" and ".tmp" not in path.name
        )


@dataclass
class BenchServer:
    """A driftwatch server on embedded defaults in a temporary directory."""

    url: str
    token: str
    app: Any
    engine: Any
    data_dir: Path
    _server: Any

    def stop(self) -> None:
        self._server.should_exit = True
        self.app.state.stacks_worker.close()


def start_bench_server(
    *,
    extra_routes: Callable[[Any, Any], None] | None = None,
    database_url: str | None = None,
) -> BenchServer:
    """Start a server (SQLite + local storage unless ``database_url``) with one user;
    ``extra_routes(app, engine)`` may add comparison endpoints before it starts."""
    from driftwatch_server.app import create_app, serve_in_thread
    from driftwatch_server.auth import create_user, issue_token
    from driftwatch_server.config import Settings
    from driftwatch_server.db import create_db_engine, session_scope
    from driftwatch_server.migrate import upgrade_to_head

    data_dir = Path(tempfile.mkdtemp(prefix="driftwatch-bench-"))
    port = free_port()
    settings = Settings(
        data_dir=data_dir, port=port, secret_key=uuid.uuid4().hex, database_url=database_url
    )
    engine = create_db_engine(settings.resolved_database_url)
    upgrade_to_head(engine)
    with session_scope(engine) as session:
        token = issue_token(session, user=create_user(session, name="bench"))
    app = create_app(settings, engine=engine)
    if extra_routes:
        extra_routes(app, engine)
    server, _thread = serve_in_thread(app, host="127.0.0.1", port=port)
    return BenchServer(
        url=f"http://127.0.0.1:{port}",
        token=token,
        app=app,
        engine=engine,
        data_dir=data_dir,
        _server=server,
    )


def interleaved(
    candidates: dict[str, Callable[[], object]], *, rounds: int, per_round: int
) -> dict[str, float]:
    """Median seconds per call of each candidate, measured in alternating rounds so that
    machine noise hits all of them alike."""
    samples: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, call in candidates.items():
            start = time.perf_counter()
            for _ in range(per_round):
                call()
            samples[name].append((time.perf_counter() - start) / per_round)
    return {name: statistics.median(values) for name, values in samples.items()}
