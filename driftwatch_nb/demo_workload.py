"""A small, real workload for the demo: a few functions worth benchmarking and profiling.

``python -m driftwatch_nb.demo_workload`` times them and prints driftwatch JSON (the Bencher
Metric Format) on stdout; ``--profile FILE`` also writes a flamegraph of one run.
"""

from __future__ import annotations

import argparse
import json
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


def word_count(records: list[dict[str, object]]) -> int:
    """Tokenize names and tags with a regular expression and count words."""
    counts: dict[str, int] = {}
    for record in records:
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


def run(profile: Path | None = None, repeat: int = 5) -> dict[str, dict[str, dict[str, float]]]:
    """Time every benchmark; with ``profile``, also write a flamegraph of the pipeline."""
    from driftwatch_nb.timing import make_timer, measure

    records = make_records()
    results: dict[str, dict[str, dict[str, float]]] = {}
    for name, function in BENCHMARKS.items():
        timer = make_timer("function(records)", {"function": function, "records": records})
        timings = measure(timer, repeat=repeat)
        results[name] = {"latency": timings.latency_ns()}
    if profile is not None:
        from driftwatch_nb.flamegraph import StackSampler, render_flamegraph

        with StackSampler() as sampler:
            for _ in range(20):
                pipeline(records)
        profile.write_bytes(render_flamegraph(sampler.folded, title="demo pipeline"))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profile", type=Path, help="write a flamegraph SVG of one pipeline run")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    json.dump(run(args.profile, args.repeat), sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
