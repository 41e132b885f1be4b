"""The notebooks in notebooks/ are documentation that runs: nbval executes every cell against a
live server and compares the outputs with the stored ones (varying parts sanitized by
notebooks/sanitize.cfg)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.server import LiveServer

NOTEBOOKS = Path(__file__).parent.parent.parent / "notebooks"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_notebooks_run_and_match_their_stored_outputs(
    live_server: LiveServer, tmp_path: Path
) -> None:
    notebooks = sorted(NOTEBOOKS.glob("*.ipynb"))
    assert len(notebooks) == 4
    env = {
        **os.environ,
        "DRIFTWATCH_URL": live_server.url,
        "DRIFTWATCH_TOKEN": live_server.token,
        "DRIFTWATCH_PROJECT": "docs",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    for name in list(env):
        if name.startswith(("PYTEST_", "PYTEST_XDIST")):
            env.pop(name)
    result = subprocess.run(
        [
            sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env",
            "--nbval-sanitize-with", str(NOTEBOOKS / "sanitize.cfg"),
            "--nbval-cell-timeout", "300", "-p", "no:cacheprovider", "-p", "no:xdist",
            "-o", "addopts=", "-q", *map(str, notebooks),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert " failed" not in result.stdout and " passed" in result.stdout
