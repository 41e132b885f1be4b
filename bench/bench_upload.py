"""End-to-end ``driftwatch upload`` of a ~9 MiB flamegraph against a bare httpx PUT of the same
bytes to the same storage endpoint, measured in the same run, interleaved.

    python -m bench.bench_upload [--rounds N]

The server runs in this process on embedded defaults (SQLite + local storage in a temporary
directory). Each round times, in turn:

* ``driftwatch upload``: the real CLI in a subprocess, i.e. everything a user waits for:
  interpreter start-up and imports, local validation, the signed upload URL, the PUT and the
  server's confirmation (which validates the stored object again);
* a bare PUT: ``httpx.put`` of the same bytes from this process to a freshly signed URL (signing
  is not timed) — the goal's denominator;
* the same bare PUT from a fresh ``python -c`` process, to show what interpreter start-up alone
  costs.

It also breaks the CLI's work into phases (in-process, through ``Client``), so a ratio over the
goal points at where the time goes. Goal: driftwatch upload / bare PUT <= 2.0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.support.server import start_bench_server

DRIFTWATCH = str(Path(sys.executable).parent / "driftwatch")
GOAL = 2.0
BARE_PUT_SCRIPT = (
    "import sys, httpx; "
    "data = open(sys.argv[2], 'rb').read(); "
    "httpx.put(sys.argv[1], content=data, headers={'Content-Type': 'image/svg+xml'}, "
    "timeout=60).raise_for_status()"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    rounds = parser.parse_args().rounds

    from driftwatch_nb.client import Client
    from driftwatch_nb.core.svg import validate_svg_file
    from tests.support.flamegraphs import make_large_flamegraph

    server = start_bench_server()
    client = Client(server.url, server.token)
    client.create_project("bench")
    now = dt.datetime.now(dt.UTC)
    report = client.create_report(
        "bench", "main", {"b": {"latency": 1.0}}, start_time=now, end_time=now
    )
    data = make_large_flamegraph(9 * 1024 * 1024)
    path = Path(tempfile.mkdtemp(prefix="driftwatch-bench-")) / "large.svg"
    path.write_bytes(data)
    env = {**os.environ, "DRIFTWATCH_URL": server.url, "DRIFTWATCH_TOKEN": server.token}
    http = httpx.Client(timeout=60)

    def signed_url() -> str:
        return client.get_flamegraph_upload_url("bench", path.name, len(data)).upload_url

    def cli_upload() -> float:
        start = time.perf_counter()
        subprocess.run(
            [DRIFTWATCH, "upload", "--report", report.id, "-q", str(path)],
            env=env, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        return time.perf_counter() - start

    def bare_put() -> float:
        url = signed_url()
        start = time.perf_counter()
        http.put(url, content=data, headers={"Content-Type": "image/svg+xml"}).raise_for_status()
        return time.perf_counter() - start

    def bare_put_process() -> float:
        url = signed_url()
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", BARE_PUT_SCRIPT, url, str(path)], check=True)
        return time.perf_counter() - start

    phase_names = ("validate locally", "sign upload URL", "PUT", "confirm (server validates)")

    def phases() -> list[float]:
        marks = [time.perf_counter()]
        validate_svg_file(path)
        marks.append(time.perf_counter())
        upload = client.get_flamegraph_upload_url("bench", path.name, len(data))
        marks.append(time.perf_counter())
        client.upload_flamegraph(upload.upload_url, path.read_bytes())
        marks.append(time.perf_counter())
        client.confirm_flamegraph_upload(report.id, upload.storage_path, path.name, len(data))
        marks.append(time.perf_counter())
        return [b - a for a, b in zip(marks, marks[1:], strict=False)]

    candidates: dict[str, Callable[[], float]] = {
        "cli": cli_upload,
        "bare": bare_put,
        "bare_process": bare_put_process,
    }
    for call in candidates.values():  # warm-up: page cache, connection pool, imports
        call()
    samples: dict[str, list[float]] = {name: [] for name in candidates}
    phase_samples: list[list[float]] = []
    for _ in range(rounds):
        for name, call in candidates.items():
            samples[name].append(call())
        phase_samples.append(phases())
    median = {name: statistics.median(values) for name, values in samples.items()}
    ratio = median["cli"] / median["bare"]
    server.stop()

    print(f"flamegraph                     : {len(data) / 1024 / 1024:.1f} MiB")
    print(f"driftwatch upload (end to end) : {median['cli'] * 1000:8.1f} ms (median of {rounds})")
    print(f"bare httpx PUT (in process)    : {median['bare'] * 1000:8.1f} ms")
    print(f"bare httpx PUT (fresh process) : {median['bare_process'] * 1000:8.1f} ms")
    print("where the CLI's time goes (in process, medians):")
    for index, name in enumerate(phase_names):
        value = statistics.median(sample[index] for sample in phase_samples)
        print(f"  {name:<28} : {value * 1000:8.1f} ms")
    print(
        f"ratio vs fresh-process PUT     : {median['cli'] / median['bare_process']:.2f}"
        "  (same interpreter start-up on both sides)"
    )
    print(f"ratio                          : {ratio:.2f}  (goal <= {GOAL})")
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
