"""``driftwatch demo`` tells the story: it seeds a history with a real regression (the demo
workload at fake commits, through ``driftwatch run``), so the dashboard shows an alert and a
change point; it keeps its data in ``./.driftwatch-demo`` (never the user's data directory)
and reuses that directory's token and history on the next run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from driftwatch_server.cli._demo import BASELINE_COMMITS, SLOW_COMMITS
from tests.support.server import free_port

pytestmark = pytest.mark.integration

COMMITS = BASELINE_COMMITS + SLOW_COMMITS

ALERTS = """query { project(slug: "demo") {
  alerts(status: ACTIVE) { nodes { benchmark { name } direction confidence change
    flamegraphDiff { summary functions(first: 3) { name deltaSelf } } } }
  reports(first: 1) { totalCount nodes { flamegraphs { id } } } } }"""
HISTORY = """query { project(slug: "demo") { history(benchmark: "demo.word_count") {
  points { report { gitHash } } changePoints { index direction change } } } }"""


def run_demo(cwd: Path, home: Path, port: int) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DRIFTWATCH_") and key != "HOME"
    }
    # A data directory in the environment is the user's real one: the demo must not use it.
    env.update(HOME=str(home), DRIFTWATCH_DATA_DIR=str(home / "real-data"))
    return subprocess.run(
        [sys.executable, "-m", "driftwatch_nb.cli", "demo", "--exit-after-seed", "--port", str(port)],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def token_of(output: str) -> str:
    (line,) = [line for line in output.splitlines() if line.strip().startswith("token")]
    return line.split()[-1]


def test_the_demo_seeds_a_regression_in_its_own_data_directory(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from driftwatch_server.app import create_app
    from driftwatch_server.config import Settings

    home = tmp_path / "home"
    home.mkdir()
    first = run_demo(tmp_path, home, free_port())
    assert first.returncode == 0, first.stderr
    data_dir = tmp_path / ".driftwatch-demo"
    assert (data_dir / "driftwatch.db").is_file()
    assert not (home / "real-data").exists() and not (home / ".local").exists()
    token_file = data_dir / "demo-token"
    token = token_of(first.stderr + first.stdout)
    assert token_file.read_text().strip() == token
    assert token_file.stat().st_mode & 0o077 == 0
    assert "word_count 4x slower" in first.stderr

    settings = Settings(data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'driftwatch.db'}")
    with TestClient(create_app(settings)) as http:
        headers = {"Authorization": f"Bearer {token}"}

        def ask(query: str) -> dict:
            body = http.post("/graphql", json={"query": query}, headers=headers).json()
            assert "errors" not in body, body
            return body["data"]["project"]

        project = ask(ALERTS)
        assert project["reports"]["totalCount"] == COMMITS
        assert project["reports"]["nodes"][0]["flamegraphs"]  # each commit has its profile
        # The alert's profiles say why: word_count's self time grew most.
        word_count = [
            a
            for a in project["alerts"]["nodes"]
            if a["benchmark"]["name"] == "demo.word_count" and a["direction"] == "REGRESSION"
        ]
        assert word_count, project["alerts"]
        print("demo alerts:", [(a["confidence"], a["change"]) for a in word_count])
        diff = max(word_count, key=lambda a: a["change"])["flamegraphDiff"]
        assert diff is not None, word_count
        print("demo alert diff:", diff["summary"], [f["name"] for f in diff["functions"]])
        assert diff["functions"][0]["name"].startswith("word_count"), diff
        assert diff["functions"][0]["deltaSelf"] > 0
        assert "`word_count" in diff["summary"] and diff["summary"].startswith("slower since")
        regressions = [
            a
            for a in project["alerts"]["nodes"]
            if a["benchmark"]["name"] == "demo.word_count" and a["confidence"] == "CONFIRMED"
        ]
        assert len(regressions) == 1, project["alerts"]
        assert regressions[0]["direction"] == "REGRESSION" and regressions[0]["change"] > 0.5
        history = ask(HISTORY)["history"]
        assert len(history["points"]) == COMMITS
        assert len({p["report"]["gitHash"] for p in history["points"]}) == COMMITS  # fake commits
        (change,) = [c for c in history["changePoints"] if c["direction"] == "REGRESSION"]
        assert change["index"] == BASELINE_COMMITS  # the first slow commit

    # A second run keeps the token and the history.
    second = run_demo(tmp_path, home, free_port())
    assert second.returncode == 0, second.stderr
    assert token_of(second.stderr + second.stdout) == token
    assert "already has its history" in second.stderr
