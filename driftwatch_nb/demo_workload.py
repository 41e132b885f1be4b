"""A small, real workload for the demo: a few functions worth benchmarking and profiling.

``python -m driftwatch_nb.demo_workload`` times them and prints driftwatch JSON (the Bencher
Metric Format) on stdout; ``--profile FILE`` also writes a flamegraph of one run.

``DRIFTWATCH_DEMO_SLOW=1`` (or ``--slow``) makes ``word_count`` tokenize every record four
times over: the regression ``driftwatch demo`` plants at one of its fake commits.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
from collections.abc import Callable
from pathlib import Path

_WORDS = re.compile(r"[a-z]+")


def make_records(count: int = 2_000, seed: int = 7) -> list[dict[str, object]]:
    """Deterministic records to work on."""
    rng = random.Random(seed)
    return [
        {
            "id": index,
            "name": "".join(rng.choice("abcdefghij") for _ in range(8)),
            "score": rng.random(),
            "tags": [rng.choice(["fast", "slow", "io", "cpu"]) for _ in range(3)],
        }
        for index in range(count)
    ]


def json_roundtrip(records: list[dict[str, object]]) -> int:
    """Encode and decode the records."""
    return len(json.loads(json.dumps(records)))


def _slow() -> bool:
    return os.environ.get("DRIFTWATCH_DEMO_SLOW", "") not in {"", "0"}


def word_count(records: list[dict[str, object]]) -> int:
    """Tokenize names and tags with a regular expression and count words (with
    ``DRIFTWATCH_DEMO_SLOW`` set: four passes instead of one, the planted regression)."""
    counts: dict[str, int] = {}
    passes = 4 if _slow() else 1
    for record in [r for r in records for _ in range(passes)]:
        text = f"{record['name']} {' '.join(record['tags'])}"  # type: ignore[arg-type]
        for word in _WORDS.findall(text):
            counts[word] = counts.get(word, 0) + 1
    return len(counts)


def rank(records: list[dict[str, object]]) -> list[object]:
    """Sort by score, then by name."""
    return [r["id"] for r in sorted(records, key=lambda r: (r["score"], r["name"]))]


def render_table(records: list[dict[str, object]]) -> str:
    """Format the records as a text table."""
    lines = [f"{r['id']:>6} {r['name']:<10} {r['score']:.4f}" for r in records]
    return "\n".join(lines)


def pipeline(records: list[dict[str, object]]) -> None:
    """Everything above, the way an application would call it."""
    json_roundtrip(records)
    word_count(records)
    rank(records)
    render_table(records)


BENCHMARKS: dict[str, Callable[[list[dict[str, object]]], object]] = {
    "demo.json_roundtrip": json_roundtrip,
    "demo.word_count": word_count,
    "demo.rank": rank,
    "demo.render_table": render_table,
}


def run(
    profile: Path | None = None,
    repeat: int = 5,
    *,
    number: int | None = None,
    records: int = 2_000,
    profile_runs: int = 20,
    statistic: str = "mean",
) -> dict[str, dict[str, dict[str, float]]]:
    """Time every benchmark; with ``profile``, also write a flamegraph of the pipeline.

    ``number`` fixes the loops per repeat (default: calibrated to fill 0.2 s, like ``%timeit``).
    ``statistic`` is the value reported: ``mean`` of the repeats (as ``%%driftwatch run``), or
    ``min``, the fastest repeat, which ``timeit`` recommends on a busy machine (a repeat is only
    ever slowed down by other work); the bounds are the fastest and slowest repeat either way.
    """
    if statistic not in {"mean", "min"}:
        raise ValueError(f"statistic must be 'mean' or 'min', not {statistic!r}")
    from driftwatch_nb.timing import make_timer, measure

    data = make_records(records)
    results: dict[str, dict[str, dict[str, float]]] = {}
    for name, function in BENCHMARKS.items():
        timer = make_timer("function(records)", {"function": function, "records": data})
        timings = measure(timer, repeat=repeat, number=number)
        latency = timings.latency_ns()
        if statistic == "min":
            latency["value"] = latency["lower_value"]
        results[name] = {"latency": latency}
    if profile is not None:
        from driftwatch_nb.flamegraph import StackSampler, render_flamegraph

        with StackSampler() as sampler:
            for _ in range(profile_runs):
                pipeline(data)
        profile.write_bytes(render_flamegraph(sampler.folded, title="demo pipeline"))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profile", type=Path, help="write a flamegraph SVG of one pipeline run")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--number", type=int, help="loops per repeat (default: calibrated)")
    parser.add_argument("--records", type=int, default=2_000, help="records to work on")
    parser.add_argument("--profile-runs", type=int, default=20, help="pipeline runs profiled")
    parser.add_argument(
        "--statistic", choices=["mean", "min"], default="mean", help="value reported (mean)"
    )
    parser.add_argument("--slow", action="store_true", help="plant the word_count regression")
    args = parser.parse_args(argv)
    if args.slow:
        os.environ["DRIFTWATCH_DEMO_SLOW"] = "1"
    results = run(
        args.profile,
        args.repeat,
        number=args.number,
        records=args.records,
        profile_runs=args.profile_runs,
        statistic=args.statistic,
    )
    json.dump(results, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
