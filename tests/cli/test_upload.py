"""``driftwatch upload``, the progress bar, and uploads through a faulty network."""

from __future__ import annotations

import datetime as dt
import os
import pty
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine

from driftwatch_nb import Client, Report
from tests.cli.helpers import (
    DRIFTWATCH,
    bmf_command,
    clean_env,
    counts,
    driftwatch,
    error_lines,
    json_output,
)
from tests.support.server import LiveServer, free_port, start_server


def make_report(url: str, token: str) -> Report:
    now = dt.datetime.now(dt.UTC)
    with Client(url, token) as client:
        return client.create_report(
            "demo",
            "main",
            {"parse": {"latency": 10.0}, "render": {"latency": 20.0}},
            start_time=now,
            end_time=now,
        )


def test_upload_attaches_flamegraphs_to_an_existing_report(
    live_server: LiveServer, env: dict[str, str], workdir: Path
) -> None:
    report = make_report(live_server.url, live_server.token)
    result = driftwatch(
        "upload", "--report", report.id, "--benchmark", "render", "--format", "json",
        "a.svg", "b.svg", env=env, cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json_output(result.stdout)
    assert [item["file"] for item in summary["flamegraphs"]] == ["a.svg", "b.svg"]
    assert summary["failed"] == []
    client = Client(live_server.url, live_server.token)
    flamegraphs = client.report(report.id).flamegraphs
    assert {f.benchmark for f in flamegraphs} == {"render"}
    for flamegraph in flamegraphs:
        assert (
            client.download_flamegraph(flamegraph.id)
            == (workdir / flamegraph.file_name).read_bytes()
        )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_upload_refuses_before_sending(
    live_server: LiveServer, env: dict[str, str], workdir: Path
) -> None:
    report = make_report(live_server.url, live_server.token)
    (workdir / "page.svg").write_bytes(b"<!DOCTYPE html><html><body>not a flamegraph</body></html>")
    before = counts(live_server.engine)
    cases = [
        (["--report", report.id, "a.svg", "page.svg"], "page.svg: ", "HTML"),
        (["--report", report.id, "--benchmark", "nope", "a.svg"], "has no benchmark named 'nope'", "parse, render"),
        (["--report", str(uuid.uuid4()), "a.svg"], "no report", "among your projects"),
    ]  # fmt: skip
    for arguments, fragment, reason in cases:
        result = driftwatch("upload", *arguments, env=env, cwd=workdir)
        assert result.returncode == 1
        (line,) = error_lines(result.stderr)
        assert fragment in line and reason in line
        assert "Traceback" not in result.stderr
    # Another user's report is not found either.
    other = driftwatch(
        "upload", "--report", report.id, "a.svg",
        env={**env, "DRIFTWATCH_TOKEN": live_server.other_token}, cwd=workdir,
    )  # fmt: skip
    assert other.returncode == 1 and f"no report {report.id!r}" in other.stderr
    assert counts(live_server.engine) == before
    assert live_server.stored_files() == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_progress_bar_only_on_a_terminal(
    live_server: LiveServer, env: dict[str, str], workdir: Path
) -> None:
    report = make_report(live_server.url, live_server.token)
    controller, terminal = pty.openpty()
    with subprocess.Popen(
        [DRIFTWATCH, "upload", "--report", report.id, "a.svg"],
        env=env,
        cwd=workdir,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=terminal,
    ) as process:
        os.close(terminal)
        drawn = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # EIO: the command closed its end
                break
            if not chunk:
                break
            drawn += chunk
        assert process.wait(timeout=60) == 0
    os.close(controller)
    text = drawn.decode()
    assert "\ruploading a.svg [" in text and "] 100% of " in text
    assert "a.svg: attached to report" in text

    quiet = driftwatch("upload", "--report", report.id, "-q", "a.svg", env=env, cwd=workdir)
    assert quiet.returncode == 0 and quiet.stderr == ""


# -- fault injection --------------------------------------------------------------------------------

Rule = Callable[[str, int], str | None]
"""(request path, attempt number for that path) -> None to pass, "503" or "drop" to fail."""


@dataclass
class FaultyProxy:
    """A loopback HTTP proxy in front of the server that can fail storage uploads.

    ``"503"`` answers Service Unavailable without forwarding; ``"drop"`` forwards the upload
    (the server stores it) and then closes the connection without an answer, the way a load
    balancer timing out does.
    """

    backend: str
    port: int
    rule: Rule = lambda _path, _attempt: None
    put_attempts: dict[str, int] = field(default_factory=dict)

    def start(self) -> None:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: object) -> None:
                pass

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fault = None
                if self.command == "PUT":
                    attempt = proxy.put_attempts.get(self.path, 0) + 1
                    proxy.put_attempts[self.path] = attempt
                    fault = proxy.rule(self.path, attempt)
                if fault == "503":
                    self.send_response(503)
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
                if fault == "drop":
                    self.close_connection = True
                    return
                self.send_response(response.status_code)
                for key, value in response.headers.items():
                    if key.lower() not in {"content-length", "transfer-encoding", "connection"}:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(response.content)))
                self.end_headers()
                self.wfile.write(response.content)

            do_GET = do_POST = do_PUT = do_DELETE = _forward

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass
class Proxied:
    url: str
    token: str
    proxy: FaultyProxy
    env: dict[str, str]


@pytest.fixture
def proxied(engine: Engine, tmp_path: Path) -> Iterator[Proxied]:
    """A real server whose public URL (GraphQL and signed storage URLs) is a faulty proxy."""
    from driftwatch_server.app import create_app
    from driftwatch_server.auth import create_user, issue_token
    from driftwatch_server.config import Settings
    from driftwatch_server.db import session_scope

    server_port, proxy_port = free_port(), free_port()
    proxy_url = f"http://127.0.0.1:{proxy_port}"
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=engine.url.render_as_string(hide_password=False),
        port=server_port,
        public_url=proxy_url,
        secret_key=uuid.uuid4().hex,
    )
    with session_scope(engine) as session:
        token = issue_token(session, user=create_user(session, name="ci"))
    server, thread = start_server(create_app(settings, engine=engine), server_port)
    proxy = FaultyProxy(f"http://127.0.0.1:{server_port}", proxy_port)
    proxy.start()
    with Client(proxy_url, token) as client:
        client.create_project("demo")
    env = clean_env(
        DRIFTWATCH_URL=proxy_url, DRIFTWATCH_TOKEN=token, XDG_CONFIG_HOME=str(tmp_path / "c")
    )
    yield Proxied(proxy_url, token, proxy, env)
    proxy.close()
    server.should_exit = True  # type: ignore[attr-defined]
    thread.join(timeout=10)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("fault", ["503", "drop"])
def test_a_failed_upload_is_retried(proxied: Proxied, workdir: Path, fault: str) -> None:
    proxied.proxy.rule = lambda _path, attempt: fault if attempt == 1 else None
    result = driftwatch(
        "run", "-p", "demo", "-b", "main", "--format", "json",
        "--flamegraph", "a.svg", "--flamegraph", "b.svg", *bmf_command(),
        env=proxied.env, cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json_output(result.stdout)
    assert [f["file"] for f in summary["flamegraphs"]] == ["a.svg", "b.svg"]
    assert summary["failed"] == []
    assert sorted(proxied.proxy.put_attempts.values()) == [2, 2], "each upload was tried twice"
    client = Client(proxied.url, proxied.token)
    for flamegraph in client.report(summary["report"]).flamegraphs:
        assert (
            client.download_flamegraph(flamegraph.id)
            == (workdir / flamegraph.file_name).read_bytes()
        )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_upload_that_keeps_failing_keeps_the_report_and_the_others(
    proxied: Proxied, workdir: Path
) -> None:
    proxied.proxy.rule = lambda path, _attempt: (
        "503" if path.split("?")[0].endswith("_b.svg") else None
    )
    result = driftwatch(
        "run", "-p", "demo", "-b", "main", "--format", "json",
        "--flamegraph", "b.svg", "--flamegraph", "a.svg", *bmf_command(),
        env=proxied.env, cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 1
    summary = json_output(result.stdout)
    assert [f["file"] for f in summary["failed"]] == ["b.svg"]
    assert "503" in summary["failed"][0]["error"]
    assert [f["file"] for f in summary["flamegraphs"]] == ["a.svg"]
    (line,) = error_lines(result.stderr)
    assert line.startswith("driftwatch: error: b.svg: upload failed: storage answered 503")
    assert "the report is saved" in line
    assert "Traceback" not in result.stderr
    report = Client(proxied.url, proxied.token).report(summary["report"])
    assert {m.benchmark for m in report.metrics} == {"parse", "render"}
    assert [f.file_name for f in report.flamegraphs] == ["a.svg"]
    put_attempts = {
        p.split("?")[0].rsplit("_", 1)[1]: n for p, n in proxied.proxy.put_attempts.items()
    }
    assert put_attempts == {"b.svg": 3, "a.svg": 1}

    # `upload` behaves the same: the good file goes up, the bad one is named, exit code 1.
    human = driftwatch(
        "upload", "--report", report.id, "b.svg", "a.svg", env=proxied.env, cwd=workdir
    )
    assert human.returncode == 1
    assert f"a.svg: attached to report {report.id}" in human.stderr
    (line,) = error_lines(human.stderr)
    assert line.startswith("driftwatch: error: b.svg: upload failed:")
    names = [f.file_name for f in Client(proxied.url, proxied.token).report(report.id).flamegraphs]
    assert sorted(names) == ["a.svg", "a.svg"]


def test_upload_and_run_accept_folded_and_speedscope_profiles(
    live_server: LiveServer, env: dict[str, str], workdir: Path
) -> None:
    from driftwatch_nb.core.profiles import folded_text, speedscope_json

    stacks = {"main;parse;row": 30, "main;parse": 5, "main;emit": 12}
    (workdir / "cpu.folded").write_text(folded_text(stacks))
    (workdir / "cpu.json").write_text(speedscope_json(stacks))
    report = make_report(live_server.url, live_server.token)
    result = driftwatch(
        "upload", "--report", report.id, "--format", "json", "cpu.folded", "cpu.json",
        env=env, cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    client = Client(live_server.url, live_server.token)
    flamegraphs = client.report(report.id).flamegraphs
    assert sorted(f.file_name for f in flamegraphs) == ["cpu.svg", "cpu.svg"]
    for flamegraph in flamegraphs:
        assert client.flamegraph_stacks(flamegraph.id) == stacks

    result = driftwatch(
        "run", "-p", "demo", "-b", "main", "--format", "json", "--profile", "cpu.folded",
        *bmf_command(), env=env, cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (ran,) = json_output(result.stdout)["flamegraphs"]
    assert client.flamegraph_stacks(ran["id"]) == stacks


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("cut.folded", "main;a 3\nmain;b", "cut.folded: line 2: not 'frame;frame;frame COUNT'"),
        ("cut.json", '{"shared": {"frames": [', "cut.json: line 1 column"),
        ("prof.json", '{"a": 1}', "prof.json: line 1: JSON that is not a speedscope profile"),
    ],
)
def test_bad_profiles_are_refused_naming_the_file_before_anything_is_sent(
    live_server: LiveServer, env: dict[str, str], workdir: Path, name: str, content: str,
    expected: str,
) -> None:  # fmt: skip
    (workdir / name).write_text(content)
    report = make_report(live_server.url, live_server.token)
    result = driftwatch("upload", "--report", report.id, "a.svg", name, env=env, cwd=workdir)
    assert result.returncode == 1
    assert expected in result.stderr, result.stderr
    assert live_server.stored_files() == []
