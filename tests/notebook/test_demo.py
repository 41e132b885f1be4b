"""Issue 13, items 12 and 14: `driftwatch demo` prints JupyterLab's URL once it answers, and
Ctrl-C (or `kill PID`, SIGTERM to the demo alone) stops JupyterLab and the server promptly,
saying so."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.cli.helpers import DRIFTWATCH, clean_env
from tests.support.server import free_port

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.jupyter
@pytest.mark.parametrize("stop", ["ctrl-c", "sigterm"])
def test_demo_prints_a_jupyterlab_url_that_answers_and_stops_on_ctrl_c(
    tmp_path: Path, stop: str
) -> None:
    env = clean_env(DRIFTWATCH_DATA_DIR=str(tmp_path / "data"), HOME=str(tmp_path))
    port, jupyter_port = free_port(), free_port()
    process = subprocess.Popen(
        [DRIFTWATCH, "demo", "--port", str(port), "--jupyter-port", str(jupyter_port)],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, like a terminal's foreground job
    )
    try:
        lines: list[str] = []
        url = None
        deadline = time.monotonic() + 240
        while url is None:
            line = process.stderr.readline()
            assert line or process.poll() is None, "".join(lines)
            assert time.monotonic() < deadline, "".join(lines)
            lines.append(line)
            found = re.search(r"JupyterLab\s+(http://\S+)", line)
            url = found.group(1) if found else None
        # Printed only once it answers: the first request after the line succeeds.
        assert httpx.get(url, timeout=10).status_code == 200
        while "Ctrl-C stops everything." not in line:
            line = process.stderr.readline()
            lines.append(line)
        if stop == "ctrl-c":
            os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
        else:
            process.send_signal(signal.SIGTERM)  # `kill PID`: the demo alone, not its group
        _, rest = process.communicate(timeout=20)
        assert "stopping JupyterLab and the server (at most 2 s)" in rest, rest
        # Nothing left answering on either port (checked before the clean-up below, which
        # would hide an orphaned JupyterLab).
        with pytest.raises(httpx.TransportError):
            httpx.get(url, timeout=5)
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
    finally:
        with contextlib.suppress(ProcessLookupError):  # the group is gone when all went well
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
