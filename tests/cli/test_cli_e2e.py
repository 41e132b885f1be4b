"""The real ``driftwatch`` executable against a real server (SQLite and PostgreSQL)."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import textwrap
import threading
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from driftwatch_nb import Client
from driftwatch_nb.flamegraph import render_flamegraph
from tests.conftest import LiveServer, free_port, start_server

DRIFTWATCH = str(Path(sys.executable).parent / "driftwatch")
TABLES = ("reports", "metrics", "flamegraphs", "pending_uploads", "benchmarks", "branches")
BENCH_FILE = textwrap.dedent(
    """
    def test_sort(benchmark):
        data = list(range(2000, 0, -1))
        benchmark(sorted, data)

    def test_join(benchmark):
        parts = [str(i) for i in range(500)]
        benchmark(",".join, parts)
    """
)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DRIFTWATCH_"))}
    env.update(extra)
    return env


def driftwatch(
    *args: str, env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DRIFTWATCH, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=180
    )


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            t: connection.execute(sa.text(f"select count(*) from {t}")).scalar_one() for t in TABLES
        }


@pytest.fixture
def env(live_server: LiveServer, tmp_path: Path) -> dict[str, str]:
    Client(live_server.url, live_server.token).create_project("demo")
    return clean_env(
        DRIFTWATCH_URL=live_server.url,
        DRIFTWATCH_TOKEN=live_server.token,
        XDG_CONFIG_HOME=str(tmp_path / "config"),
    )


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "bench_demo.py").write_text(BENCH_FILE)
    (tmp_path / "a.svg").write_bytes(
        render_flamegraph({"main;sort;merge": 30, "main;sort;compare": 20}, title="a")
    )
    (tmp_path / "b.svg").write_bytes(
        render_flamegraph({"main;join;concat": 25, "main;join;str": 5}, title="b")
    )
    return tmp_path


def pytest_benchmark_command() -> list[str]:
    return [
        sys.executable, "-m", "pytest", "bench_demo.py", "-q", "-p", "no:cacheprovider",
        "-p", "no:xdist", "-p", "no:nbval", "-o", "addopts=", "--benchmark-min-rounds=3",
        "--benchmark-max-time=0.05", "--benchmark-json=results.json",
    ]  # fmt: skip


def test_run_posts_a_report_with_two_flamegraphs(
    live_server: LiveServer, env: dict[str, str], workdir: Path
) -> None:
    result = driftwatch(
        "run", "-p", "demo", "-b", "main", "--testbed", "ci", "--file", "results.json",
        "--flamegraph", "a.svg", "--flamegraph-for", "bench_demo.py::test_join", "b.svg",
        "--format", "json", "--", *pytest_benchmark_command(),
        env=env, cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "2 passed" in result.stdout, "the benchmark command's output reaches the terminal"
    summary = json.loads(result.stdout[result.stdout.index("{\n") :])
    assert summary["failed"] == []

    report = Client(live_server.url, live_server.token).report(summary["report"])
    assert (report.branch, report.testbed, report.adapter) == ("main", "ci", "auto")
    assert {m.benchmark for m in report.metrics} == {
        "bench_demo.py::test_sort",
        "bench_demo.py::test_join",
    }
    assert all(m.measure == "latency" and m.value > 0 for m in report.metrics)
    by_name = {f.file_name: f for f in report.flamegraphs}
    assert set(by_name) == {"a.svg", "b.svg"}
    assert by_name["b.svg"].benchmark == "bench_demo.py::test_join"
    for name, flamegraph in by_name.items():
        assert httpx.get(flamegraph.url).content == (workdir / name).read_bytes()


def test_dry_run_sends_nothing(live_server: LiveServer, env: dict[str, str], workdir: Path) -> None:
    before = counts(live_server.engine)
    # Point the CLI at a closed port too: a dry run must not even try to connect.
    offline = {**env, "DRIFTWATCH_URL": f"http://127.0.0.1:{free_port()}"}
    result = driftwatch(
        "run", "-p", "demo", "-b", "main", "--file", "results.json", "--flamegraph", "a.svg",
        "--dry-run", "--", *pytest_benchmark_command(), env=offline, cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout[result.stdout.index('{\n  "dry_run"') :])
    assert set(plan["report"]["results"]) == {
        "bench_demo.py::test_sort",
        "bench_demo.py::test_join",
    }
    assert plan["flamegraphs"][0]["file"] == "a.svg"
    assert "nothing was sent" in result.stderr
    assert counts(live_server.engine) == before
    assert live_server.stored_files() == []


def write_bad(kind: str, workdir: Path) -> str:
    good = (workdir / "a.svg").read_bytes()
    name = f"{kind}.svg"
    path = workdir / name
    if kind == "missing":
        return name
    if kind == "directory":
        path.mkdir()
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "png":
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    elif kind == "html":
        path.write_bytes(b"<!DOCTYPE html><html><body>hello</body></html>")
    elif kind == "truncated":
        path.write_bytes(good[: len(good) // 2])
    elif kind == "billion_laughs":
        path.write_bytes(
            b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;">]>'
            b'<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>'
        )
    elif kind == "external_entity":
        path.write_bytes(
            b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>'
        )
    elif kind == "huge":
        path.write_bytes(good[:-7] + b"<!--" + b" " * (14 * 1024 * 1024) + b"-->\n</svg>\n")
    elif kind == "gzip":
        path.write_bytes(gzip.compress(good))
    return name


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("missing", "no such file"),
        ("directory", "directory"),
        ("empty", "empty"),
        ("png", "PNG"),
        ("html", "HTML"),
        ("truncated", "truncated"),
        ("billion_laughs", "entit"),
        ("external_entity", "entit"),
        ("huge", "14.0 MiB"),
        ("gzip", "gzip"),
    ],
)
def test_bad_flamegraphs_are_refused_before_anything_is_sent(
    live_server: LiveServer, env: dict[str, str], workdir: Path, kind: str, reason: str
) -> None:
    name = write_bad(kind, workdir)
    before = counts(live_server.engine)
    result = driftwatch(
        "run", "-p", "demo", "-b", "main", "--flamegraph", name, "--",
        sys.executable, "-c", 'print(\'{"b": {"latency": {"value": 1.0}}}\')',
        env=env, cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 1
    error_lines = [
        line for line in result.stderr.splitlines() if line.startswith("driftwatch: error:")
    ]
    assert len(error_lines) == 1, result.stderr
    assert name in error_lines[0] and reason.lower() in error_lines[0].lower()
    assert "Traceback" not in result.stderr
    assert counts(live_server.engine) == before
    assert live_server.stored_files() == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_connection_and_account_problems_are_one_line_errors(
    live_server: LiveServer, env: dict[str, str], workdir: Path
) -> None:
    command = ["--", sys.executable, "-c", 'print(\'{"b": {"latency": {"value": 1.0}}}\')']
    cases = [
        (
            {"DRIFTWATCH_URL": f"http://127.0.0.1:{free_port()}"},
            "demo",
            "cannot reach the driftwatch server",
        ),
        ({"DRIFTWATCH_TOKEN": "dw_wrong"}, "demo", "Authorization: Bearer"),
        ({}, "nope", "no project 'nope'"),
    ]
    for overrides, project, fragment in cases:
        result = driftwatch(
            "run", "-p", project, "-b", "main", *command, env={**env, **overrides}, cwd=workdir
        )
        assert result.returncode == 1, result.stderr
        assert fragment in result.stderr
        assert "Traceback" not in result.stderr
        assert len([line for line in result.stderr.splitlines() if "error" in line]) == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_failing_benchmark_command_passes_its_exit_code_and_posts_nothing(
    live_server: LiveServer, env: dict[str, str], workdir: Path
) -> None:
    result = driftwatch(
        "run",
        "-p",
        "demo",
        "-b",
        "main",
        "--",
        sys.executable,
        "-c",
        "raise SystemExit(7)",
        env=env,
        cwd=workdir,
    )
    assert result.returncode == 7
    assert "no report was posted" in result.stderr
    assert counts(live_server.engine)["reports"] == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_login_stores_a_private_config_and_lists_reports(
    live_server: LiveServer, env: dict[str, str], workdir: Path
) -> None:
    bare = {k: v for k, v in env.items() if k not in {"DRIFTWATCH_URL", "DRIFTWATCH_TOKEN"}}
    refused = driftwatch("login", "--url", live_server.url, "--token", "dw_wrong", env=bare)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    result = driftwatch("login", "--url", live_server.url, "--token", live_server.token, env=bare)
    assert result.returncode == 0, result.stderr
    config = Path(bare["XDG_CONFIG_HOME"]) / "driftwatch" / "config.json"
    assert config.stat().st_mode & 0o777 == 0o600
    assert json.loads(config.read_text()) == {"url": live_server.url, "token": live_server.token}

    posted = driftwatch("run", "-p", "demo", "-b", "feature", "-q", "--", sys.executable, "-c",
                        'print(\'{"b": {"latency": {"value": 5.0}}}\')', env=bare, cwd=workdir)  # fmt: skip
    assert posted.returncode == 0, posted.stderr
    listing = driftwatch("reports", "-p", "demo", env=bare)
    assert listing.returncode == 0
    assert "feature" in listing.stdout and "localhost" in listing.stdout


# -- fault injection --------------------------------------------------------------------------------


class FaultyProxy:
    """A loopback HTTP proxy in front of the server that can fail storage uploads."""

    def __init__(
        self, backend: str, port: int, fail: Callable[[str, str, int], int | None]
    ) -> None:
        self.backend = backend
        self.fail = fail
        self.put_attempts: dict[str, int] = {}
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                pass

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.command == "PUT":
                    attempt = proxy.put_attempts[self.path] = (
                        proxy.put_attempts.get(self.path, 0) + 1
                    )
                    status = proxy.fail(self.command, self.path, attempt)
                    if status is not None:
                        self.send_response(status)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in {"host", "content-length"}
                }
                response = httpx.request(
                    self.command, proxy.backend + self.path, content=body, headers=headers
                )
                self.send_response(response.status_code)
                for key, value in response.headers.items():
                    if key.lower() not in {
                        "content-length",
                        "transfer-encoding",
                        "content-encoding",
                        "connection",
                    }:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(response.content)))
                self.end_headers()
                self.wfile.write(response.content)

            do_GET = do_POST = do_PUT = do_DELETE = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def proxied(
    engine: Engine, tmp_path: Path
) -> Iterator[tuple[str, str, dict[str, Callable[[str, str, int], int | None]]]]:
    """A server whose public URL is a faulty proxy; yields (proxy url, token, fault rules)."""
    from driftwatch_server.app import create_app
    from driftwatch_server.auth import create_user, issue_token
    from driftwatch_server.config import Settings
    from driftwatch_server.db import session_scope

    server_port, proxy_port = free_port(), free_port()
    proxy_url = f"http://127.0.0.1:{proxy_port}"
    settings = Settings(
        data_dir=tmp_path / "data",
        port=server_port,
        public_url=proxy_url,
        secret_key=uuid.uuid4().hex,
    )
    with session_scope(engine) as session:
        token = issue_token(session, user=create_user(session, name="ci"))
    server, thread = start_server(create_app(settings, engine=engine), server_port)
    rules: dict[str, Callable[[str, str, int], int | None]] = {"fail": lambda *_: None}
    proxy = FaultyProxy(f"http://127.0.0.1:{server_port}", proxy_port, lambda *a: rules["fail"](*a))
    Client(proxy_url, token).create_project("demo")
    yield proxy_url, token, rules
    proxy.close()
    server.should_exit = True  # type: ignore[attr-defined]
    thread.join(timeout=10)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_upload_is_retried_after_a_503(
    proxied: tuple[str, str, dict], workdir: Path, tmp_path: Path
) -> None:
    url, token, rules = proxied
    rules["fail"] = lambda method, path, attempt: 503 if attempt == 1 else None
    env = clean_env(DRIFTWATCH_URL=url, DRIFTWATCH_TOKEN=token, XDG_CONFIG_HOME=str(tmp_path / "c"))
    result = driftwatch("run", "-p", "demo", "-b", "main", "--format", "json", "--flamegraph", "a.svg", "--",
                        sys.executable, "-c", 'print(\'{"b": {"latency": {"value": 1.0}}}\')', env=env, cwd=workdir)  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout[result.stdout.index('{\n  "report"') :])
    assert [f["file"] for f in summary["flamegraphs"]] == ["a.svg"] and summary["failed"] == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_upload_that_keeps_failing_keeps_the_report_and_the_other_flamegraphs(
    proxied: tuple[str, str, dict], workdir: Path, tmp_path: Path
) -> None:
    url, token, rules = proxied
    rules["fail"] = lambda method, path, attempt: 503 if "_b.svg" in path else None
    env = clean_env(DRIFTWATCH_URL=url, DRIFTWATCH_TOKEN=token, XDG_CONFIG_HOME=str(tmp_path / "c"))
    result = driftwatch("run", "-p", "demo", "-b", "main", "--format", "json",
                        "--flamegraph", "b.svg", "--flamegraph", "a.svg", "--",
                        sys.executable, "-c", 'print(\'{"b": {"latency": {"value": 1.0}}}\')', env=env, cwd=workdir)  # fmt: skip
    assert result.returncode == 1
    summary = json.loads(result.stdout[result.stdout.index('{\n  "report"') :])
    assert [f["file"] for f in summary["failed"]] == ["b.svg"]
    assert "b.svg: upload failed" in result.stderr and "the report is saved" in result.stderr
    report = Client(url, token).report(summary["report"])
    assert [f.file_name for f in report.flamegraphs] == ["a.svg"]
