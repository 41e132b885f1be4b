"""The detector's fast path against its exact reference, in the same run, in process.

    python -m bench.bench_detect_fast [--series 2000] [--rounds 5]

``evaluate`` estimates the noise only of the tails whose median moved by ``min_change``
(and returns NONE at once when none did); ``evaluate(exact=True)`` estimates every tail, as
the detector did before. Both judge the same report of ``--series`` series (2 % noise, as
``bench_ingest`` sends) on windows of 31 points (a short history: every tail has its own
reference) and of 200 points (the full window), interleaved round by round; the verdicts must
be identical (checked here too). Goal: the fast path at most 0.5x the exact one's time on the
31-point windows, the case of ``bench_ingest``'s 2,000-metric report onto 30 reports.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from driftwatch_server.drift import SeriesInput, evaluate_report

GOAL_RATIO = 0.5


def report(series: int, points: int, seed: int) -> list[SeriesInput]:
    """``series`` flat series of ``points`` values with 2 % Gaussian noise at varied levels."""
    rng = np.random.default_rng(seed)
    levels = 50.0 + np.arange(series, dtype=np.float64)
    return [
        SeriesInput(values=level * (1 + 0.02 * rng.standard_normal(points))) for level in levels
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    failed = False
    for points in (31, 200):
        times: dict[str, list[float]] = {"exact": [], "fast": []}
        for round_ in range(args.rounds):
            series = report(args.series, points, round_)
            verdicts = {}
            for name in times:
                began = time.perf_counter()
                verdicts[name] = evaluate_report(series, exact=name == "exact")
                times[name].append(time.perf_counter() - began)
            if verdicts["fast"] != verdicts["exact"]:
                raise SystemExit(f"round {round_}: the fast path changed a verdict")
        exact, fast = (statistics.median(times[name]) for name in ("exact", "fast"))
        print(
            f"{args.series:,} series of {points} points: exact {exact * 1e3:.0f} ms, "
            f"fast {fast * 1e3:.0f} ms, ratio {fast / exact:.2f}"
            + (f" (goal <= {GOAL_RATIO})" if points == 31 else "")
        )
        if points == 31:
            failed |= fast / exact > GOAL_RATIO
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
