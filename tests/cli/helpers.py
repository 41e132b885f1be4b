"""Helpers for the CLI tests: run the real ``driftwatch`` executable, inspect the database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

DRIFTWATCH = str(Path(sys.executable).parent / "driftwatch")
TABLES = ("reports", "metrics", "flamegraphs", "pending_uploads", "benchmarks", "branches")

BENCH_FILE = textwrap.dedent(
    """
    def test_sort(benchmark):
        data = list(range(2000, 0, -1))
        benchmark(sorted, data)

    def test_join(benchmark):
        parts = [str(i) for i in range(500)]
        benchmark(",".join, parts)
    """
)
SORT, JOIN = "bench_demo.py::test_sort", "bench_demo.py::test_join"

# A benchmark "harness" printing driftwatch JSON (Bencher Metric Format), leaving a marker file
# so that tests can tell whether the command ran at all.
BMF_SCRIPT = textwrap.dedent(
    """
    import json, pathlib, sys
    pathlib.Path("command-ran").write_text("yes")
    print("warming up")
    print(json.dumps({"parse": {"latency": {"value": 1500.0, "lower_value": 1400.0,
                                            "upper_value": 1600.0}},
                      "render": {"latency": {"value": 2.5e6}, "throughput": {"value": 400.0}}}))
    """
)


def clean_env(**extra: str) -> dict[str, str]:
    """The test process's environment without driftwatch or pytest settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DRIFTWATCH_"))}
    env.update(extra)
    return env


def driftwatch(
    *args: str, env: dict[str, str], cwd: Path | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed ``driftwatch`` console script."""
    return subprocess.run(
        [DRIFTWATCH, *args],
        env=env,
        cwd=cwd,
        input=input,
        stdin=None if input is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
    )


def counts(engine: Engine) -> dict[str, int]:
    """Rows per table: proof that nothing was written."""
    with engine.connect() as connection:
        return {
            t: connection.execute(sa.text(f"select count(*) from {t}")).scalar_one() for t in TABLES
        }


def error_lines(stderr: str) -> list[str]:
    """The CLI's own error lines."""
    return [line for line in stderr.splitlines() if line.startswith("driftwatch: error:")]


def json_output(stdout: str) -> dict:
    """The JSON document the CLI printed on stdout (``--format json``)."""
    return json.loads(stdout)


def bmf_command() -> list[str]:
    """``-- python bench_bmf.py``: a quick benchmark command printing driftwatch JSON."""
    return ["--", sys.executable, "bench_bmf.py"]


def benchmark_command_pytest() -> list[str]:
    """A real pytest-benchmark run writing its JSON report to results.json."""
    return [
        sys.executable, "-m", "pytest", "bench_demo.py", "-q", "-p", "no:cacheprovider",
        "-p", "no:xdist", "-p", "no:nbval", "-o", "addopts=",
        "--benchmark-min-rounds=3", "--benchmark-max-time=0.05", "--benchmark-json=results.json",
    ]  # fmt: skip
