"""End-to-end ``driftwatch upload`` of a ~9 MiB flamegraph against a bare httpx PUT of the same
bytes to the same storage endpoint, measured in the same run.

    python bench/bench_upload.py

The CLI's time includes everything a user waits for: interpreter start-up, local validation,
the upload URL, the PUT, and the server's confirmation (which validates the stored object).
Goal: ratio (driftwatch upload / bare PUT) <= 2.0.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from _support import start_bench_server  # noqa: E402

DRIFTWATCH = str(Path(sys.executable).parent / "driftwatch")
ROUNDS = 5


def main() -> int:
    from driftwatch_nb.client import Client
    from driftwatch_nb.flamegraph import make_large_flamegraph

    server = start_bench_server()
    client = Client(server.url, server.token)
    client.create_project("bench")
    now = dt.datetime.now(dt.UTC)
    report = client.create_report(
        "bench", "main", {"b": {"latency": 1.0}}, start_time=now, end_time=now
    )
    data = make_large_flamegraph(9 * 1024 * 1024)
    path = Path(tempfile.mkdtemp()) / "large.svg"
    path.write_bytes(data)
    env = {**os.environ, "DRIFTWATCH_URL": server.url, "DRIFTWATCH_TOKEN": server.token}
    http = httpx.Client(timeout=60)

    def cli_upload() -> float:
        start = time.perf_counter()
        subprocess.run(
            [DRIFTWATCH, "upload", "--report", report.id, "-q", str(path)],
            env=env, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        return time.perf_counter() - start

    def bare_put() -> float:
        signed = client.get_flamegraph_upload_url("bench", "large.svg", len(data))  # not timed
        start = time.perf_counter()
        response = http.put(
            signed.upload_url, content=data, headers={"Content-Type": "image/svg+xml"}
        )
        response.raise_for_status()
        return time.perf_counter() - start

    cli_upload(), bare_put()  # warm-up
    cli_times, put_times = [], []
    for _ in range(ROUNDS):
        cli_times.append(cli_upload())
        put_times.append(bare_put())
    cli_median, put_median = statistics.median(cli_times), statistics.median(put_times)
    ratio = cli_median / put_median
    size_mib = len(data) / 1024 / 1024
    print(f"flamegraph               : {size_mib:.1f} MiB")
    print(f"driftwatch upload (e2e)  : {cli_median * 1000:7.1f} ms (median of {ROUNDS})")
    print(f"bare httpx PUT           : {put_median * 1000:7.1f} ms")
    print(f"ratio                    : {ratio:.2f}  (goal <= 2.0)")
    server.stop()
    return 0 if ratio <= 2.0 else 1


if __name__ == "__main__":
    sys.exit(main())
