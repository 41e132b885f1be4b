"""Every benchmark in bench/ imports (run as ``python -m bench.NAME``): a bench that lost a
helper it imported fails here, not the next time someone runs ``make bench``."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

BENCHES = sorted(path.stem for path in (Path(__file__).parents[1] / "bench").glob("bench_*.py"))


def test_there_are_benchmarks() -> None:
    assert "bench_drift_cost" in BENCHES and len(BENCHES) >= 10


@pytest.mark.parametrize("name", BENCHES)
def test_the_benchmark_imports_without_running(name: str) -> None:
    module = importlib.import_module(f"bench.{name}")
    assert callable(getattr(module, "main", None)), f"bench/{name}.py has no main()"
