"""Issue 13, item 12: `driftwatch serve` stops promptly on Ctrl-C and says so."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx

from tests.cli.helpers import DRIFTWATCH, clean_env
from tests.support.server import free_port


def test_serve_stops_on_ctrl_c_despite_a_request_in_flight(tmp_path: Path) -> None:
    port = free_port()
    env = clean_env(DRIFTWATCH_DATA_DIR=str(tmp_path / "data"), DRIFTWATCH_PORT=str(port))
    process = subprocess.Popen(
        [DRIFTWATCH, "serve"], env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline, "serve did not start"
                time.sleep(0.1)
        # A request in flight: its body is announced but never finishes arriving.
        stalled = socket.create_connection(("127.0.0.1", port))
        stalled.sendall(
            b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 1000\r\n\r\n{"query": '
        )
        time.sleep(0.5)
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=15)  # before: it waited for the request
        stalled.close()
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
    assert "driftwatch: stopping (waiting up to 0.5 s for 1 request(s) in flight" in err, err
    assert "driftwatch: stopped" in err, err
