"""A lean ``driftwatch upload`` (issue 14, item 5): which requests it sends, on how many
connections, and what it imports. A recording proxy sits in front of a real server."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine

from driftwatch_nb import Client
from tests.cli.helpers import clean_env, driftwatch, error_lines, json_output
from tests.cli.test_upload import make_report
from tests.support.server import LiveServer, free_port, start_server

_OPERATION = re.compile(r"^\s*(?:query|mutation)\s+(\w+)")


@dataclass
class Request:
    method: str
    path: str
    operation: str | None
    """The GraphQL operation's name for ``POST /graphql``."""
    connection: int
    """The client's port: one per TCP connection."""


@dataclass
class RecordingProxy:
    """Forwards every request to ``backend`` and records it."""

    backend: str
    port: int
    requests: list[Request] = field(default_factory=list)

    def start(self) -> None:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: object) -> None:
                pass

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                operation = None
                if self.path.startswith("/graphql") and body:
                    match = _OPERATION.match(json.loads(body)["query"])
                    operation = match[1] if match else None
                proxy.requests.append(
                    Request(self.command, self.path, operation, self.client_address[1])
                )
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in {"host", "content-length"}
                }
                # A generous timeout: a loaded machine must not turn into a dropped connection.
                response = httpx.request(
                    self.command,
                    proxy.backend + self.path,
                    content=body,
                    headers=headers,
                    timeout=120,
                )
                self.send_response(response.status_code)
                for key, value in response.headers.items():
                    if key.lower() not in {"content-length", "transfer-encoding", "connection"}:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(response.content)))
                self.end_headers()
                self.wfile.write(response.content)

            do_GET = do_POST = do_PUT = _forward

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def operations(self) -> list[str | None]:
        return [r.operation if r.method == "POST" else r.method for r in self.requests]


@dataclass
class Recorded:
    url: str
    token: str
    proxy: RecordingProxy
    env: dict[str, str]


@pytest.fixture
def recorded(engine: Engine, tmp_path: Path) -> Iterator[Recorded]:
    """A real server whose public URL (GraphQL and signed storage URLs) is a recording proxy."""
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
    proxy = RecordingProxy(f"http://127.0.0.1:{server_port}", proxy_port)
    proxy.start()
    with Client(proxy_url, token) as client:
        client.create_project("demo")
    env = clean_env(
        DRIFTWATCH_URL=proxy_url, DRIFTWATCH_TOKEN=token, XDG_CONFIG_HOME=str(tmp_path / "c")
    )
    yield Recorded(proxy_url, token, proxy, env)
    proxy.close()
    server.should_exit = True  # type: ignore[attr-defined]
    thread.join(timeout=10)


def test_an_unknown_benchmark_is_named_without_downloading_the_report(
    recorded: Recorded, workdir: Path
) -> None:
    report = make_report(recorded.url, recorded.token)
    recorded.proxy.requests.clear()
    result = driftwatch(
        "upload", "--report", report.id, "--benchmark", "nope", "a.svg",
        env=recorded.env, cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 1
    (line,) = error_lines(result.stderr)
    assert f"report {report.id} has no benchmark named 'nope' (it has: parse, render)" in line
    # One look-up of the name, one listing of the names for the message; no Report, no PUT.
    assert recorded.proxy.operations() == ["ReportBenchmarks", "ReportBenchmarks"]


def test_an_upload_is_four_requests_on_one_connection(recorded: Recorded, workdir: Path) -> None:
    report = make_report(recorded.url, recorded.token)
    recorded.proxy.requests.clear()
    result = driftwatch(
        "upload", "--report", report.id, "--benchmark", "render", "--format", "json", "a.svg",
        env=recorded.env, cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json_output(result.stdout)["failed"] == []
    assert recorded.proxy.operations() == [
        "ReportBenchmarks",
        "CreateFlamegraphUploadUrl",
        "PUT",
        "ConfirmFlamegraphUpload",
    ]
    assert len({r.connection for r in recorded.proxy.requests}) == 1
    with Client(recorded.url, recorded.token) as client:
        (flamegraph,) = client.report(report.id).flamegraphs
        assert flamegraph.benchmark == "render"
        assert client.download_flamegraph(flamegraph.id) == (workdir / "a.svg").read_bytes()


UPLOAD_AND_LIST_MODULES = """
import json, sys
from driftwatch_nb.cli import main
code = main(sys.argv[1:])
heavy = ("pandas", "numpy", "gql", "graphql")
print(json.dumps({"code": code, "imported": [m for m in heavy if m in sys.modules]}))
"""


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_driftwatch_upload_imports_neither_pandas_nor_gql(
    live_server: LiveServer, env: dict[str, str], workdir: Path
) -> None:
    report = make_report(live_server.url, live_server.token)
    for arguments in (["a.svg"], ["--benchmark", "parse", "--format", "json", "b.svg"]):
        result = subprocess.run(
            [sys.executable, "-c", UPLOAD_AND_LIST_MODULES, "upload", "--report", report.id,
             *arguments],
            env=env, cwd=workdir, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        answer = json.loads(result.stdout.strip().splitlines()[-1])
        assert answer == {"code": 0, "imported": []}
    with Client(live_server.url, live_server.token) as client:
        assert len(client.report(report.id).flamegraphs) == 2


# -- Client(lean=True) answers and fails exactly as the gql path does -------------------------------


def outcome(call: object) -> tuple[str, str]:
    """The answer, or the exception class and message, of ``call()``."""
    try:
        return ("ok", repr(call()))  # type: ignore[operator]
    except Exception as exc:  # noqa: BLE001 - compared as data
        return (type(exc).__name__, str(exc))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_lean_client_answers_and_fails_like_the_gql_client(
    live_server: LiveServer, tmp_path: Path
) -> None:
    def both(url: str, token: str, call_name: str, *args: object) -> list[tuple[str, str]]:
        answers = []
        for lean in (False, True):
            with Client(url, token, lean=lean, retries=1) as client:
                answers.append(outcome(lambda client=client: getattr(client, call_name)(*args)))
        return answers

    with Client(live_server.url, live_server.token) as client:
        client.create_project("demo")
    report = make_report(live_server.url, live_server.token)
    dead = f"http://127.0.0.1:{free_port()}"
    cases = [
        (live_server.url, live_server.token, "report_project", report.id),
        (live_server.url, live_server.token, "report_benchmarks", report.id, ["parse", "x"]),
        (live_server.url, live_server.token, "report_project", str(uuid.uuid4())),  # NOT_FOUND
        (live_server.url, live_server.other_token, "report_project", report.id),  # not yours
        (live_server.url, "dw_wrong", "me"),  # 401
        (live_server.url + "/graphql", live_server.token, "me"),  # 404: not driftwatch
        (dead, live_server.token, "me"),  # nothing listening
    ]
    kinds = []
    for url, token, call_name, *args in cases:
        gql_answer, lean_answer = both(url, token, call_name, *args)
        assert lean_answer == gql_answer, (call_name, url)
        kinds.append(gql_answer[0])
    assert kinds == [
        "ok",
        "ok",
        "NotFoundError",
        "NotFoundError",
        "AuthenticationError",
        "ConnectionFailed",
        "ConnectionFailed",
    ]
    assert both(live_server.url, live_server.token, "report_benchmarks", report.id, ["parse", "x"])[
        1
    ] == ("ok", repr(("demo", ["parse"])))
