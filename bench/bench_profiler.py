"""The notebook sampler's overhead and accuracy against pyinstrument, on the same workload.

    python -m bench.bench_profiler

For each engine (driftwatch's ``HookSampler``, the default of ``%%driftwatch run --profile``;
driftwatch's thread ``StackSampler``; pyinstrument, the reference) it runs the same workload
(a mix of pure-Python loops, call-heavy recursion, and C calls that hold the GIL: ``sorted``,
``json.dumps``) under the profiler and without, interleaved, and prints:

* the overhead ratio (profiled time / plain time, median of rounds);
* the top-5 functions by self time, and whether they are the reference's top 5 (as a set);
* each engine's share of self time for those functions next to pyinstrument's.

Goal: the default engine's top 5 equals pyinstrument's, and its overhead ratio <= 1.5.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from operator import itemgetter

from driftwatch_nb.flamegraph import HookSampler, StackSampler, pyinstrument_folded

ROUNDS = 5


# -- the workload: known functions with different kinds of cost ---------------------------------


def parse_row(line: str) -> list[float]:
    return list(map(float, line.split(",")))


def checksum(values: list[float]) -> float:
    total = 0.0
    for value in values:
        total = (total * 31 + value) % 1_000_003
    return total


def fib(n: int) -> int:
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def encode(records: list[dict]) -> str:
    return json.dumps(records)


def rank(records: list[dict]) -> list[dict]:
    return sorted(records, key=itemgetter("score"))


def workload(lines: list[str], records: list[dict]) -> None:
    for line in lines:
        parse_row(line)
    for line in lines[:600]:
        checksum(parse_row(line))
    fib(17)
    encode(records[:8_000])
    rank(records)


def _data() -> tuple[list[str], list[dict]]:
    rng = random.Random(7)
    lines = [",".join(f"{rng.random():.6f}" for _ in range(40)) for _ in range(3_000)]
    records = [{"id": i, "score": rng.random(), "name": f"item-{i}"} for i in range(20_000)]
    return lines, records


# -- engines -------------------------------------------------------------------------------------


def _name(label: str) -> str:
    """``parse_row (bench/x.py:12)`` -> ``parse_row``; builtins keep their name."""
    return label.split(" (", 1)[0]


def _self_times(folded: dict[str, float]) -> dict[str, float]:
    """Self time per Python function; a C function's time is its Python caller's, since
    profilers differ in whether they show builtins as frames."""
    own: dict[str, float] = {}
    total = sum(folded.values()) or 1.0
    for stack, count in folded.items():
        frames = [f for f in stack.split(";") if not f.endswith("(built-in)")]
        if not frames:
            continue
        leaf = _name(frames[-1])
        own[leaf] = own.get(leaf, 0.0) + count / total
    return own


def run_plain(run: Callable[[], None]) -> tuple[float, dict[str, float]]:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start, {}


def run_sampler(kind: type[StackSampler]) -> Callable[[Callable[[], None]], tuple]:
    def go(run: Callable[[], None]) -> tuple[float, dict[str, float]]:
        start = time.perf_counter()
        with kind() as sampler:
            run()
        return time.perf_counter() - start, _self_times(sampler.folded)

    return go


def run_pyinstrument(run: Callable[[], None]) -> tuple[float, dict[str, float]]:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001)
    start = time.perf_counter()
    profiler.start()
    run()
    session = profiler.stop()
    elapsed = time.perf_counter() - start
    return elapsed, _self_times(pyinstrument_folded(session))


ENGINES: dict[str, Callable[[Callable[[], None]], tuple[float, dict[str, float]]]] = {
    "pyinstrument (reference)": run_pyinstrument,
    "driftwatch HookSampler (default)": run_sampler(HookSampler),
    "driftwatch StackSampler (thread)": run_sampler(StackSampler),
}


def main() -> int:
    lines, records = _data()

    def run() -> None:
        workload(lines, records)

    run()  # warm-up
    plain: list[float] = []
    times: dict[str, list[float]] = {name: [] for name in ENGINES}
    selfs: dict[str, dict[str, list[float]]] = {name: {} for name in ENGINES}
    for _ in range(ROUNDS):  # interleaved, so machine noise hits every engine alike
        plain.append(run_plain(run)[0])
        for name, engine in ENGINES.items():
            elapsed, own = engine(run)
            times[name].append(elapsed)
            for function, share in own.items():
                selfs[name].setdefault(function, []).append(share)
    base = statistics.median(plain)
    mean_self = {
        name: {f: sum(v) / ROUNDS for f, v in shares.items()} for name, shares in selfs.items()
    }
    reference = mean_self["pyinstrument (reference)"]
    ref_top = sorted(reference, key=lambda f: -reference[f])[:5]
    print(f"workload without a profiler: {base * 1000:.1f} ms (median of {ROUNDS})\n")
    ok = True
    for name in ENGINES:
        ratio = statistics.median(times[name]) / base
        own = mean_self[name]
        top = sorted(own, key=lambda f: -own[f])[:5]
        same = set(top) == set(ref_top)
        print(f"{name}")
        print(f"  overhead ratio : {ratio:.2f}x")
        print(f"  top-5 self     : {', '.join(top)}")
        print(f"  same top-5 set as the reference: {'yes' if same else 'NO'}")
        shares = ", ".join(f"{f} {100 * own.get(f, 0):.1f}%" for f in ref_top)
        error = max(abs(own.get(f, 0) - reference[f]) for f in ref_top)
        print(f"  self share of the reference's top 5: {shares}")
        print(f"  largest share error vs the reference: {100 * error:.1f} points\n")
        if name.endswith("(default)"):
            ok = same and ratio <= 1.5
    ref = ", ".join(f"{f} {100 * reference[f]:.1f}%" for f in ref_top)
    print(f"reference self shares: {ref}")
    print(f"goal (default engine: same top 5, overhead <= 1.5x): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
