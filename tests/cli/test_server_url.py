"""Issue 13, item 10: a wrong server URL says what is wrong with it."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.helpers import clean_env, driftwatch
from tests.support.server import LiveServer, free_port


def run_with_url(url: str, tmp_path: Path) -> tuple[int, str]:
    env = clean_env(
        DRIFTWATCH_URL=url, DRIFTWATCH_TOKEN="dw_x", XDG_CONFIG_HOME=str(tmp_path / "c")
    )
    result = driftwatch("projects", env=env)
    return result.returncode, result.stderr + result.stdout


def test_a_url_without_a_scheme_says_so(live_server: LiveServer, tmp_path: Path) -> None:
    bare = live_server.url.removeprefix("http://")
    code, output = run_with_url(bare, tmp_path)
    assert code != 0
    assert "must start with http:// or https://" in output
    assert f"did you mean http://{bare}?" in output
    assert "cannot reach" not in output


@pytest.fixture
def other_web_server() -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = b"<html><body>Not here</body></html>"
            self.send_response(404)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_url_of_another_web_server_says_it_is_not_driftwatch(
    other_web_server: str, tmp_path: Path
) -> None:
    code, output = run_with_url(other_web_server, tmp_path)
    assert code != 0
    assert "is not a driftwatch server (POST /graphql answered HTTP 404)" in output
    assert "Client error" not in output  # no raw httpx text
    assert "Unexpected error" not in output


def test_a_url_with_the_graphql_path_says_to_drop_it(
    live_server: LiveServer, tmp_path: Path
) -> None:
    code, output = run_with_url(live_server.url + "/graphql", tmp_path)
    assert code != 0
    assert "is not a driftwatch server" in output and "without /graphql" in output
