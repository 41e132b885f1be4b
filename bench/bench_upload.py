"""End-to-end ``driftwatch upload`` of a ~9 MiB flamegraph against a bare httpx PUT of the same
bytes to the same storage endpoint, both as whole processes, measured in the same run,
interleaved.

    python -m bench.bench_upload [--rounds N]

The server runs in this process on embedded defaults (SQLite + local storage in a temporary
directory). Each round times, in turn:

* ``driftwatch upload``: the real CLI in a subprocess, i.e. everything a user waits for:
  interpreter start-up and imports, local validation, the report check, the signed upload URL,
  the PUT (the embedded storage validates the bytes as they arrive) and the server's
  confirmation (which trusts that verdict if the stored bytes still hash the same);
* a bare PUT from a fresh ``python -c`` process (``import httpx``, read the file, ``httpx.put``
  to a freshly signed URL; signing is not timed): the goal's denominator, so both sides pay
  interpreter start-up;
* the same bare PUT from this process, to show what the transfer alone costs.

It also times the interpreter with the CLI's imports, and breaks the CLI's work into phases
(in-process, through ``Client(lean=True)`` as the CLI uses it), so a ratio over the goal points
at where the time goes. Goal: driftwatch upload / bare PUT (fresh process) <= 2.0.

The server's stacks worker recovers each confirmed flamegraph's stacks in the background (this
file is a foreign, flamegraph.pl-style SVG): every timed call waits, untimed, until the worker is
idle, so a recovery left over from the previous call does not slow (or, slowing the denominator,
flatter) the next one; how long after the confirm the stacks are stored is timed on its own.

Note that the PUT itself carries the server's validation now (it used to happen at confirm),
for the bare PUT as much as for the CLI: compare the in-process PUT with older runs too.
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
import sqlalchemy as sa

from tests.support.server import start_bench_server

DRIFTWATCH = str(Path(sys.executable).parent / "driftwatch")
GOAL = 2.0
BARE_PUT_SCRIPT = (
    "import sys, httpx; "
    "data = open(sys.argv[2], 'rb').read(); "
    "httpx.put(sys.argv[1], content=data, headers={'Content-Type': 'image/svg+xml'}, "
    "timeout=60).raise_for_status()"
)
# What `driftwatch upload` imports before its first request.
CLI_IMPORTS = (
    "import httpx, driftwatch_nb.cli._transfer, driftwatch_nb.client, driftwatch_nb.core.svg"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    rounds = parser.parse_args().rounds

    from driftwatch_nb.client import Client
    from driftwatch_nb.core.svg import load_svg_file
    from tests.support.flamegraphs import make_large_flamegraph

    server = start_bench_server()
    client = Client(server.url, server.token, lean=True)
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

    signed = 0

    def signed_url() -> str:
        # The bare PUTs are never confirmed; a project holds at most 20 unconfirmed uploads
        # (MAX_PENDING_UPLOADS_PER_PROJECT), so they go to a fresh project every 10 (untimed).
        nonlocal signed
        project = f"bench-put-{signed // 10}"
        if signed % 10 == 0:
            client.create_project(project)
        signed += 1
        return client.get_flamegraph_upload_url(project, path.name, len(data)).upload_url

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

    def cli_imports() -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", CLI_IMPORTS], check=True)
        return time.perf_counter() - start

    worker = getattr(server.app.state, "stacks_worker", None)

    def settle() -> None:
        deadline = time.monotonic() + 120
        while worker is not None and worker.pending() and time.monotonic() < deadline:
            time.sleep(0.005)

    stacks_after: list[float] = []

    def wait_for_stacks(flamegraph_id: str, confirmed: float) -> None:
        if worker is None or not worker.enabled:
            return
        query = sa.text("select count(*) from flamegraph_stacks where flamegraph_id = :id")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with server.engine.connect() as connection:
                if connection.execute(query, {"id": flamegraph_id}).scalar_one():
                    stacks_after.append(time.perf_counter() - confirmed)
                    return
            time.sleep(0.005)

    phase_names = (
        "read + validate locally",
        "check the report",
        "sign upload URL",
        "PUT (server validates)",
        "confirm",
    )

    def phases() -> list[float]:
        marks = [time.perf_counter()]
        loaded = load_svg_file(path)
        marks.append(time.perf_counter())
        client.report_project(report.id)
        marks.append(time.perf_counter())
        upload = client.get_flamegraph_upload_url("bench", path.name, len(loaded.data))
        marks.append(time.perf_counter())
        client.upload_flamegraph(upload.upload_url, loaded.data)
        marks.append(time.perf_counter())
        flamegraph = client.confirm_flamegraph_upload(
            report.id, upload.storage_path, path.name, len(data)
        )
        marks.append(time.perf_counter())
        wait_for_stacks(flamegraph.id, marks[-1])
        return [b - a for a, b in zip(marks, marks[1:], strict=False)]

    candidates: dict[str, Callable[[], float]] = {
        "cli": cli_upload,
        "bare": bare_put,
        "bare_process": bare_put_process,
        "imports": cli_imports,
    }
    for call in candidates.values():  # warm-up: page cache, connection pool, imports
        call()
    samples: dict[str, list[float]] = {name: [] for name in candidates}
    phase_samples: list[list[float]] = []
    for _ in range(rounds):
        for name, call in candidates.items():
            settle()
            samples[name].append(call())
        settle()
        phase_samples.append(phases())
    median = {name: statistics.median(values) for name, values in samples.items()}
    ratio = median["cli"] / median["bare_process"]
    client.close()
    server.stop()

    print(f"flamegraph                     : {len(data) / 1024 / 1024:.1f} MiB")
    print(f"driftwatch upload (end to end) : {median['cli'] * 1000:8.1f} ms (median of {rounds})")
    print(f"bare httpx PUT (fresh process) : {median['bare_process'] * 1000:8.1f} ms")
    print(f"bare httpx PUT (in process)    : {median['bare'] * 1000:8.1f} ms")
    print(f"python + the CLI's imports     : {median['imports'] * 1000:8.1f} ms")
    print("where the CLI's time goes (in process, medians):")
    for index, name in enumerate(phase_names):
        value = statistics.median(sample[index] for sample in phase_samples)
        print(f"  {name:<28} : {value * 1000:8.1f} ms")
    if stacks_after:
        print(
            f"stacks stored after confirm    : {statistics.median(stacks_after) * 1000:8.1f} ms"
            " (background worker, median)"
        )
    else:
        print("stacks stored after confirm    : no background worker (first reader pays)")
    print(
        f"ratio vs in-process PUT        : {median['cli'] / median['bare']:.2f}"
        "  (the CLI pays interpreter start-up, this PUT does not)"
    )
    print(f"ratio (whole processes)        : {ratio:.2f}  (goal <= {GOAL})")
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
