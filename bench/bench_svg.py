"""SVG validation throughput relative to a bare expat parse of the same ~9 MiB flamegraph.

Run: ``.venv/bin/python -m bench.bench_svg [--repeat N]``. Each round times, in turn, a bare
``xml.parsers.expat`` parse (ParserCreate + Parse, no handlers), ``validate_svg`` and
``defusedxml.ElementTree.fromstring``; the medians over rounds give MB/s and ratios (higher is
better, 1.0 = as fast as bare expat). Goal: ``validate_svg`` ratio >= 0.5.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from xml.parsers import expat

import defusedxml.ElementTree

from driftwatch_nb.core.svg import validate_svg
from tests.support.flamegraphs import make_large_flamegraph

GOAL = 0.5


def main(argv: list[str] | None = None) -> int:
    """Print MB/s of each contender and its ratio to bare expat; exit 1 below the goal."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=11, help="interleaved rounds (default 11)")
    args = parser.parse_args(argv)

    data = make_large_flamegraph()
    frames = data.count(b"<g><title>")
    print(f"flamegraph: {len(data) / 2**20:.2f} MiB, {frames:,} frames, {args.repeat} rounds")

    def bare() -> None:
        expat.ParserCreate().Parse(data, True)

    def validate() -> None:
        validate_svg(data, file_name="bench.svg")

    def defused_tree() -> None:
        defusedxml.ElementTree.fromstring(data)

    contenders: dict[str, Callable[[], None]] = {
        "bare expat": bare,
        "validate_svg": validate,
        "defusedxml.ElementTree": defused_tree,
    }
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(args.repeat):
        for name, run in contenders.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)

    base = statistics.median(times["bare expat"])
    ratio = 0.0
    for name, samples in times.items():
        median = statistics.median(samples)
        print(
            f"{name:24s} {len(data) / median / 1e6:8.1f} MB/s  median {median * 1000:7.1f} ms"
            f"  ratio {base / median:5.2f}"
        )
        if name == "validate_svg":
            ratio = base / median
    verdict = "meets" if ratio >= GOAL else "MISSES"
    print(f"validate_svg / bare expat = {ratio:.2f} ({verdict} the goal of {GOAL})")
    return 0 if ratio >= GOAL else 1


if __name__ == "__main__":
    raise SystemExit(main())
