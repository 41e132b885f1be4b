"""Change-point detection: driftwatch's detector against real anchors, on the same synthetic
histories in the same run.

    .venv/bin/python -m bench.bench_detection [--quick]      (or: make bench-detection)

Histories (60-300 reports, base value 100) come from a seeded generator: six noise kinds
(Gaussian CV 0.5 %, 2 %, 8 %; Student-t df=2 with 1 % spikes of 3-5x; bimodal runs from two
machine states; AR(1) with phi 0.5-0.8) times four scenarios (flat; one step of +-3, 5, 10, 20
or 50 %; two steps; a slow creep over 20-40 reports). Every report has 10-50 within-run samples
whose spread is a quarter of the run-to-run noise; the report's value is their mean.

A change is *labelled* (it counts for recall) only when its size is at least 3 noise sds (the
robust sd: 1.4826 MAD of the noise distribution) and at least the detector's ``min_change``;
an unlabelled change (too small to tell from the noise) is neutral: alerts within 30 reports
after it (a creep: its length + 5) are neither hits nor false. Scoring: a hit is an alert within
5 reports after a labelled change (offline: change point index in [c - 1, c + 5], since
algorithms differ by one in where they put the index; a creep: anywhere from its start to 5
after its end); further alerts for the same change are false, as is every alert elsewhere.
False alerts per 1,000 flat points divide all false alerts by the reports outside any change
window. Delay (online) = index of the report that raised the alert - index of the change.

Online mode feeds the reports one at a time (from report 10) to ``evaluate``, passing back the
index of the last ALERT's change point as ``last_change_index`` and family_size=200 (the
report the server sees). Offline anchors run online on every ``stride``-th prefix (printed), and
an alert is a change point within ``stride + 5`` of the prefix's end that is not within 3 of one
already alerted. Every anchor gets the same ``min_change`` (2 %): Otava as its min_magnitude,
Bencher-style as a gate on the point, asv and E-Divisive as a filter of their change points on
the medians of the neighbouring segments.

Two sets: the main seed and a held-out seed (different histories, same generator).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from driftwatch_server.drift import DetectionSettings, State, detect_change_points, evaluate

ROOT = Path(__file__).resolve().parent
VENVS = ROOT / ".venvs"
RESULTS = ROOT / "results" / "detection.txt"
SETTINGS = DetectionSettings()
MIN_CHANGE = SETTINGS.min_change
FAMILY = 200
ONLINE_START = 10
HIT_AFTER = 5
NEUTRAL_AFTER = 30
MAIN_SEED = 20261201
HELDOUT_SEED = 777_001
STEP_SIZES = (0.03, 0.05, 0.10, 0.20, 0.50)
NOISES = ("quiet", "typical", "noisy", "heavy", "bimodal", "ar1")


# ---------------------------------------------------------------------------- generator


@dataclass
class Change:
    index: int
    size: float
    length: int = 0  # creep: reports over which the level moves
    labelled: bool = True


@dataclass
class History:
    name: str
    noise: str
    scenario: str
    values: np.ndarray
    samples: list[np.ndarray]
    changes: list[Change] = field(default_factory=list)


def _noise(kind: str, n: int, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """Relative run-to-run noise of ``kind`` and its robust sd (1.4826 MAD)."""
    if kind in ("quiet", "typical", "noisy"):
        cv = {"quiet": 0.005, "typical": 0.02, "noisy": 0.08}[kind]
        return cv * rng.standard_normal(n), cv
    if kind == "heavy":
        scale = 0.01
        e = scale * rng.standard_t(2, n)
        spikes = rng.random(n) < 0.01
        e[spikes] += rng.uniform(2.0, 4.0, spikes.sum())  # 3-5x the value
        return e, 1.4826 * 0.8165 * scale  # MAD of t(2) is sqrt(2/3)
    if kind == "bimodal":
        # Two machine states: 70 % at the base, 30 % 4 % slower, each with 0.8 % noise.
        slow = rng.random(n) < 0.3
        e = 0.008 * rng.standard_normal(n) + np.where(slow, 0.04, 0.0)
        ref = 0.008 * np.random.default_rng(0).standard_normal(200_000) + np.where(
            np.random.default_rng(1).random(200_000) < 0.3, 0.04, 0.0
        )
        return e, float(1.4826 * np.median(np.abs(ref - np.median(ref))))
    if kind == "ar1":
        phi = rng.uniform(0.5, 0.8)
        sd = 0.02
        innov = sd * np.sqrt(1 - phi**2) * rng.standard_normal(n)
        e = np.empty(n)
        e[0] = sd * rng.standard_normal()
        for i in range(1, n):
            e[i] = phi * e[i - 1] + innov[i]
        return e, sd
    raise ValueError(kind)


def _labelled(size: float, noise_sd: float) -> bool:
    return abs(size) >= 3.0 * noise_sd and abs(size) >= MIN_CHANGE


def generate(seed: int, per_kind: dict[str, int]) -> list[History]:
    """Histories for every noise kind x scenario, from one seed."""
    rng = np.random.default_rng(seed)
    out: list[History] = []
    for noise in NOISES:
        for scenario, count in per_kind.items():
            for j in range(count):
                n = int(rng.integers(60, 301))
                e, noise_sd = _noise(noise, n, rng)
                level = np.full(n, 100.0)
                changes: list[Change] = []
                if scenario == "step":
                    size = STEP_SIZES[j % len(STEP_SIZES)] * rng.choice((-1.0, 1.0))
                    c = int(rng.integers(20, n - 15))
                    level[c:] *= 1 + size
                    changes.append(Change(c, size))
                elif scenario == "two_steps":
                    s1, s2 = (
                        rng.choice(STEP_SIZES[1:]) * rng.choice((-1.0, 1.0)) for _ in range(2)
                    )
                    c1 = int(rng.integers(20, max(21, n // 2 - 10)))
                    c2 = int(rng.integers(c1 + 20, n - 15))
                    level[c1:] *= 1 + s1
                    level[c2:] *= 1 + s2
                    changes += [Change(c1, s1), Change(c2, s2)]
                elif scenario == "creep":
                    length = min(
                        int(rng.integers(20, 41)), n - 31
                    )  # short histories: shorter creeps
                    size = rng.choice((0.10, 0.20)) * rng.choice((-1.0, 1.0))
                    c = int(rng.integers(20, n - length - 10))
                    ramp = np.clip((np.arange(n) - c + 1) / length, 0.0, 1.0)
                    level *= 1 + size * ramp
                    changes.append(Change(c, size, length))
                for ch in changes:
                    ch.labelled = _labelled(ch.size, noise_sd)
                run = level * (1 + e)
                within = 0.25 * noise_sd * 100.0
                samples = [r + within * rng.standard_normal(int(rng.integers(10, 51))) for r in run]
                values = np.array([s.mean() for s in samples])
                out.append(
                    History(f"{noise}/{scenario}/{j}", noise, scenario, values, samples, changes)
                )
    return out


# ---------------------------------------------------------------------------- scoring


@dataclass
class Score:
    hits: int = 0
    false: int = 0
    labelled: int = 0
    flat_points: int = 0
    delays: list[int] = field(default_factory=list)

    def add(self, other: Score) -> None:
        self.hits += other.hits
        self.false += other.false
        self.labelled += other.labelled
        self.flat_points += other.flat_points
        self.delays += other.delays

    @property
    def precision(self) -> float:
        return self.hits / (self.hits + self.false) if self.hits + self.false else 1.0

    @property
    def recall(self) -> float:
        return self.hits / self.labelled if self.labelled else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def fa_per_1000(self) -> float:
        return 1000.0 * self.false / self.flat_points if self.flat_points else 0.0

    @property
    def median_delay(self) -> float:
        return statistics.median(self.delays) if self.delays else float("nan")


def _window(ch: Change) -> int:
    return ch.length + HIT_AFTER if ch.length else HIT_AFTER


def score(h: History, alerts: list[tuple[int, int]], *, offline: bool) -> Score:
    """``alerts``: (time, index) pairs; offline, time = index. Online, the hit test uses the
    alert's time (the report that raised it), offline the change point's index."""
    s = Score(labelled=sum(ch.labelled for ch in h.changes))
    n = h.values.size
    first = 0 if offline else ONLINE_START
    in_window = np.zeros(n, dtype=bool)
    for ch in h.changes:
        lo = ch.index - (1 if offline else 0)
        hi = ch.index + (
            _window(ch)
            if ch.labelled
            else (ch.length + NEUTRAL_AFTER if ch.length else NEUTRAL_AFTER)
        )
        in_window[max(lo, 0) : min(hi + 1, n)] = True
    s.flat_points = int((~in_window[first:]).sum())
    used: set[int] = set()
    for t, idx in sorted(alerts):
        pos = idx if offline else t
        matched = False
        for k, ch in enumerate(h.changes):
            lo = ch.index - (1 if offline else 0)
            if ch.labelled and lo <= pos <= ch.index + _window(ch):
                matched = True
                if k in used:
                    s.false += 1
                else:
                    used.add(k)
                    s.hits += 1
                    s.delays.append(t - ch.index)
                break
            neutral = ch.length + NEUTRAL_AFTER if ch.length else NEUTRAL_AFTER
            if not ch.labelled and lo <= pos <= ch.index + neutral:
                matched = True
                break
        if not matched:
            s.false += 1
    return s


# ---------------------------------------------------------------------------- methods


def driftwatch_online(h: History) -> list[tuple[int, int]]:
    alerts = []
    last: int | None = None
    for t in range(ONLINE_START, h.values.size):
        v = evaluate(
            h.values[: t + 1],
            h.samples[: t + 1],
            last_change_index=last,
            settings=SETTINGS,
            family_size=FAMILY,
        )
        if v.state is State.ALERT:
            assert v.change_point is not None
            last = v.change_point.index
            if not v.extends_last:  # the server updates its open alert instead
                alerts.append((t, last))
    return alerts


def driftwatch_offline(h: History) -> list[int]:
    return [cp.index for cp in detect_change_points(h.values, settings=SETTINGS)]


def _min_change_filter(y: np.ndarray, cps: list[int]) -> list[int]:
    """Keep the change points whose neighbouring segments' medians differ by >= MIN_CHANGE."""
    cps = sorted(c for c in set(cps) if 0 < c < y.size)
    bounds = [0, *cps, y.size]
    keep = []
    for i, c in enumerate(cps):
        before = float(np.median(y[bounds[i] : c]))
        after = float(np.median(y[c : bounds[i + 2]]))
        if before and abs(after / before - 1) >= MIN_CHANGE:
            keep.append(c)
    return keep


def online_from_prefixes(
    y: np.ndarray, runs: list[list], stride: int, *, filtered: bool
) -> list[tuple[int, int]]:
    alerts: list[tuple[int, int]] = []
    alerted: list[int] = []
    for m, cps in runs:
        if filtered:
            cps = _min_change_filter(y[:m], cps)
        for c in cps:
            if c >= m - (stride + HIT_AFTER) and all(abs(c - a) > 3 for a in alerted):
                alerted.append(c)
                alerts.append((m - 1, c))
    return alerts


@dataclass
class Anchor:
    name: str
    venv: str
    script: str
    stride: int  # online prefix stride; 0 = causal (its offline alerts are its online ones)
    filtered: bool
    args: tuple[str, ...] = ()


ANCHORS = (
    Anchor("asv detect_steps", "asv", "run_asv.py", 5, True),
    Anchor("otava compute_change_points", "otava", "run_otava.py", 5, False, (str(MIN_CHANGE),)),
    Anchor("mongodb e_divisive", "spa", "run_edivisive.py", 10, True),
    Anchor("bencher-style t-test", "otava", "run_bencher.py", 0, False, (str(MIN_CHANGE),)),
)


def start_anchor(a: Anchor, hs: list[History], chunks: int) -> list[subprocess.Popen] | str:
    py = VENVS / a.venv / "bin" / "python"
    if not py.exists():
        return f"{py} missing: run `make bench-venvs`"
    procs = []
    for c in range(chunks):
        part = hs[c::chunks]
        req = {
            "series": [h.values.tolist() for h in part],
            "online": {"start": ONLINE_START + 1, "stride": a.stride} if a.stride else None,
        }
        p = subprocess.Popen(
            [str(py), str(ROOT / "anchors" / a.script), *a.args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        p.stdin.write(json.dumps(req))  # type: ignore[union-attr]
        p.stdin.close()  # type: ignore[union-attr]
        procs.append(p)
    return procs


def collect_anchor(
    a: Anchor, hs: list[History], procs: list[subprocess.Popen] | str
) -> tuple[dict[str, Score], dict[str, Score]] | str:
    if isinstance(procs, str):
        return procs
    chunks = len(procs)
    offline: list[list[int]] = [[] for _ in hs]
    online: list[list] = [[] for _ in hs]
    for c, p in enumerate(procs):
        out = p.stdout.read()  # type: ignore[union-attr]
        err = p.stderr.read()  # type: ignore[union-attr]
        if p.wait() != 0:
            return f"runner failed: {err.strip().splitlines()[-1] if err.strip() else p.returncode}"
        res = json.loads(out)
        for j, idx in enumerate(range(c, len(hs), chunks)):
            offline[idx] = res["offline"][j]
            if res["online"]:
                online[idx] = res["online"][j]
    off_scores: dict[str, Score] = {}
    on_scores: dict[str, Score] = {}
    for h, off, on in zip(hs, offline, online, strict=True):
        cps = _min_change_filter(h.values, off) if a.filtered else off
        off_scores[h.name] = score(h, [(c, c) for c in cps], offline=True)
        if a.stride:
            al = online_from_prefixes(h.values, on, a.stride, filtered=a.filtered)
        else:
            al = [(c, c) for c in off if c >= ONLINE_START]
        on_scores[h.name] = score(h, al, offline=False)
    return off_scores, on_scores


# ---------------------------------------------------------------------------- report


def total(scores: dict[str, Score], keep: Callable[[str], bool] = lambda _n: True) -> Score:
    t = Score()
    for name, s in scores.items():
        if keep(name):
            t.add(s)
    return t


def row(label: str, s: Score) -> str:
    d = "-" if np.isnan(s.median_delay) else f"{s.median_delay:.1f}"
    return f"{label:<44} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} {s.fa_per_1000:9.2f} {d:>7} {s.hits:5d} {s.false:5d} {s.labelled:5d}"


HEADER = f"{'method / mode':<44} {'prec':>6} {'recall':>6} {'F1':>6} {'FA/1000':>9} {'delay':>7} {'hits':>5} {'false':>5} {'chg':>5}"


def _timed(fn: Callable[[], object], reps: int) -> tuple[float, float]:
    """(wall, cpu) milliseconds per call; the machine is shared, so cpu is the steadier one."""
    w0, c0 = time.perf_counter(), time.process_time()
    for _ in range(reps):
        fn()
    return ((time.perf_counter() - w0) / reps * 1e3, (time.process_time() - c0) / reps * 1e3)


def timings() -> list[str]:
    rng = np.random.default_rng(5)
    x = 100 * (1 + 0.02 * rng.standard_normal(1000))
    y = x.copy()
    y[300:] *= 1.1
    y[700:] *= 0.85
    for _ in range(20):
        evaluate(x, family_size=FAMILY)
    on = _timed(lambda: evaluate(x, family_size=FAMILY), 2000)
    on_step = _timed(lambda: evaluate(y[:705], family_size=FAMILY), 500)
    off = _timed(lambda: detect_change_points(x), 200)
    off2 = _timed(lambda: detect_change_points(y), 200)
    return [
        f"online evaluate, 1,000-point flat history (window {SETTINGS.window}): {on[0]:.3f} ms wall, {on[1]:.3f} ms cpu per series"
        f" ({FAMILY} series: {FAMILY * on[1]:.0f} ms cpu); at an alert: {on_step[0]:.3f} ms wall, {on_step[1]:.3f} ms cpu",
        f"offline detect_change_points, 1,000 points: flat {off[0]:.2f} ms wall / {off[1]:.2f} ms cpu; two steps {off2[0]:.2f} / {off2[1]:.2f} ms",
    ]


def run_set(label: str, seed: int, per_kind: dict[str, int], lines: list[str], chunks: int) -> None:
    hs = generate(seed, per_kind)
    npoints = sum(h.values.size for h in hs)
    lines.append(
        f"\n== {label}: seed {seed}, {len(hs)} histories, {npoints} reports, "
        f"{sum(ch.labelled for h in hs for ch in h.changes)} labelled changes "
        f"({sum(not ch.labelled for h in hs for ch in h.changes)} unlabelled)"
    )
    t0 = time.perf_counter()
    running = {a.name: start_anchor(a, hs, chunks) for a in ANCHORS}
    ours_on = {h.name: score(h, driftwatch_online(h), offline=False) for h in hs}
    ours_off = {h.name: score(h, [(c, c) for c in driftwatch_offline(h)], offline=True) for h in hs}
    results = {a.name: collect_anchor(a, hs, running[a.name]) for a in ANCHORS}
    lines.append(f"(wall time {time.perf_counter() - t0:.0f} s)")
    lines.append(HEADER)
    lines.append(row("driftwatch / online", total(ours_on)))
    lines.append(row("driftwatch / offline", total(ours_off)))
    for a in ANCHORS:
        res = results[a.name]
        if isinstance(res, str):
            lines.append(f"{a.name:<44} not run: {res}")
            continue
        off, on = res
        how = f"every {a.stride}th prefix" if a.stride else "causal"
        lines.append(row(f"{a.name} / online ({how})", total(on)))
        lines.append(row(f"{a.name} / offline", total(off)))
    lines.append(f"\n-- driftwatch per scenario ({label})")
    lines.append(HEADER)
    for noise in NOISES:
        for scen in per_kind:
            keep = lambda n, p=f"{noise}/{scen}/": n.startswith(p)  # noqa: E731
            lines.append(row(f"{noise}/{scen} online", total(ours_on, keep)))
            lines.append(row(f"{noise}/{scen} offline", total(ours_off, keep)))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer histories (a smoke run)")
    ap.add_argument("--chunks", type=int, default=1, help="processes per anchor")
    ap.add_argument("--no-write", action="store_true", help=f"do not write {RESULTS}")
    args = ap.parse_args()
    per_kind = {"flat": 8, "step": 15, "two_steps": 4, "creep": 4}
    if args.quick:
        per_kind = {"flat": 2, "step": 5, "two_steps": 1, "creep": 1}
    lines = [
        "change-point detection: driftwatch vs anchors (bench/bench_detection.py)",
        f"settings: {SETTINGS}",
        f"online family_size={FAMILY}; hit = alert within {HIT_AFTER} reports after a labelled change",
    ]
    lines += timings()
    print("\n".join(lines), flush=True)
    everything = list(lines)
    for label, seed in (("main", MAIN_SEED), ("held-out", HELDOUT_SEED)):
        part: list[str] = []
        run_set(label, seed, per_kind, part, args.chunks)
        print("\n".join(part), flush=True)
        everything += part
    if not args.no_write and not args.quick:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text("\n".join(everything) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
