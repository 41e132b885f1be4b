"""Fixtures for the CLI tests: a server with alice's project ``demo``, a work directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from driftwatch_nb import Client
from driftwatch_nb.core.flamegraph import render_flamegraph
from tests.cli.helpers import BENCH_FILE, BMF_SCRIPT, clean_env
from tests.support.server import LiveServer
from tests.support.svg import real_flamegraph  # noqa: F401 - a session fixture used here


@pytest.fixture
def env(live_server: LiveServer, tmp_path: Path) -> dict[str, str]:
    """Environment pointing the CLI at the live server as alice, who owns the project demo."""
    with Client(live_server.url, live_server.token) as client:
        client.create_project("demo")
    return clean_env(
        DRIFTWATCH_URL=live_server.url,
        DRIFTWATCH_TOKEN=live_server.token,
        XDG_CONFIG_HOME=str(tmp_path / "config"),
    )


@pytest.fixture
def workdir(tmp_path: Path, real_flamegraph: bytes) -> Path:  # noqa: F811
    """A directory with benchmark files and two real flamegraphs: a.svg (rendered by
    driftwatch from folded stacks) and b.svg (recorded by py-spy)."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "bench_demo.py").write_text(BENCH_FILE)
    (work / "bench_bmf.py").write_text(BMF_SCRIPT)
    (work / "a.svg").write_bytes(
        render_flamegraph(
            {"main;sort;merge": 30, "main;sort;compare": 20, "main;join;concat": 10}, title="a"
        )
    )
    (work / "b.svg").write_bytes(real_flamegraph)
    return work
