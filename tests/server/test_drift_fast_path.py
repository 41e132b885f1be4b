"""The detector's fast path (noise estimated only for tails that moved by ``min_change``) gives
exactly the verdicts of estimating every tail (``exact=True``), over thousands of seeded series
of every shape the detector meets."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from driftwatch_server.drift import DetectionSettings, State, evaluate
from driftwatch_server.drift import detect as detect_module
from driftwatch_server.drift.stats import median

KINDS = ("flat", "step", "late_step", "creep", "outliers", "heavy", "ar1", "constant", "bump")
SETTINGS = (
    DetectionSettings(),
    DetectionSettings(min_change=0.0),
    DetectionSettings(min_change=0.05, sensitivity=10.0),
    DetectionSettings(window=40, confirm=1, min_history=8),
)


def make_case(seed: int) -> tuple[np.ndarray, list[list[float] | None] | None, dict[str, object]]:
    """One seeded series (values, samples, keyword arguments of ``evaluate``)."""
    rng = np.random.default_rng(seed)
    kind = KINDS[seed % len(KINDS)]
    n = int(rng.choice([4, 6, 12, 20, 31, 33, 50, 120, 201, 260]))
    cv = float(rng.choice([0.002, 0.01, 0.02, 0.05]))
    base = float(rng.choice([100.0, 1e6, -50.0, 0.5]))
    noise = rng.standard_normal(n)
    if kind == "heavy":
        noise = rng.standard_t(2, n)
    elif kind == "ar1":
        phi = float(rng.uniform(0.3, 0.95))
        for i in range(1, n):
            noise[i] += phi * noise[i - 1]
    x = base * (1 + cv * noise)
    shift = float(rng.choice([-1, 1]) * rng.choice([0.01, 0.02, 0.03, 0.08, 0.3]))
    if kind == "step":
        x[int(rng.integers(1, n)) :] *= 1 + shift
    elif kind == "late_step":
        x[max(n - int(rng.integers(1, 6)), 0) :] *= 1 + shift
    elif kind == "creep":
        a = int(rng.integers(0, n))
        x[a:] *= 1 + shift * np.minimum(np.arange(n - a) / max(int(rng.integers(3, 30)), 1), 1.0)
    elif kind == "outliers":
        spikes = rng.integers(0, n, size=int(rng.integers(1, 4)))
        x[spikes] *= 1 + 10 * abs(shift)
        if rng.random() < 0.5:
            x[-1] *= 1 + 10 * abs(shift)
    elif kind == "constant":
        x[:] = base
        if rng.random() < 0.5:
            x[-1] = base * (1 + shift)
    elif kind == "bump":
        a = int(rng.integers(0, n))
        x[a : a + int(rng.integers(1, 10))] *= 1 + shift
    samples: list[list[float] | None] | None = None
    if rng.random() < 0.5:
        size = int(rng.choice([1, 3, 8, 30]))
        level = x[-1] * (1 + float(rng.choice([0.0, shift])))
        newest = level * (1 + float(rng.choice([0.0005, 0.01])) * rng.standard_normal(size))
        samples = [None] * (n - 1) + [newest.tolist()]
    last = int(rng.integers(0, n)) if rng.random() < 0.3 else None
    kwargs: dict[str, object] = {
        "last_change_index": last,
        "family_size": int(rng.choice([1, 40, 2000])),
        "settings": SETTINGS[int(rng.integers(0, len(SETTINGS)))],
    }
    return x, samples, kwargs


def test_the_fast_path_gives_the_verdicts_of_the_exact_one_on_6000_series() -> None:
    states: Counter[State] = Counter()
    for seed in range(6000):
        x, samples, kwargs = make_case(seed)
        fast = evaluate(x, samples, **kwargs)  # type: ignore[arg-type]
        exact = evaluate(x, samples, exact=True, **kwargs)  # type: ignore[arg-type]
        assert fast == exact, f"seed {seed}: {fast} != {exact}"
        states[exact.state] += 1
    # The cases cover every verdict, so the comparison means something.
    assert states[State.ALERT] >= 300
    assert states[State.SUSPECTED] >= 300
    assert states[State.NONE] >= 1000


def test_the_fast_path_estimates_the_noise_of_fewer_tails(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = Counter[str]()
    real = detect_module._noise

    def counted(*args: object, **kwargs: object) -> tuple[float, float, float, float]:
        calls[mode] += 1
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(detect_module, "_noise", counted)
    rng = np.random.default_rng(5)
    series = [100 * (1 + 0.01 * rng.standard_normal(31)) for _ in range(200)]
    for mode in ("exact", "fast"):
        verdicts = [evaluate(x, family_size=200, exact=mode == "exact") for x in series]
        assert all(v.state is State.NONE for v in verdicts)
    assert calls["fast"] * 5 < calls["exact"]


def test_reference_and_tail_medians_are_those_of_median_one_by_one() -> None:
    # Both paths read these: they must be the medians the detector always computed, one
    # np.partition per reference (stats.median) and per long tail.
    rng = np.random.default_rng(9)
    for n in range(4, 240, 3):
        for start in {0, n // 3, max(n - 40, 0)}:
            x = np.round(rng.standard_normal(n), 1)  # ties too
            ks = np.array(
                [
                    k
                    for k in (*detect_module._SHORT_TAILS, *detect_module._LONG_TAILS)
                    if k <= n - start - 3
                ],
                dtype=np.int64,
            )
            if not ks.size:
                continue
            shared = detect_module._shared_tails(n, start, ks.size)
            mu, med, _rev = detect_module._levels(x, start, ks, shared)
            for i, k in enumerate(ks.tolist()):
                ref = x[start : n - (shared if i < shared else k)]
                assert mu[i] == median(ref), (n, start, k)
                assert med[i] == median(x[n - k :]), (n, start, k)
