"""Change-point detection over benchmark histories: offline (a whole history) and online (a
series whose newest point is the report being created).

The noise scale is always the run-to-run variation of the history (median absolute deviation of
the residuals around the segment medians, then the variance of the residuals winsorised at
``clip`` of those), and the lag-1 autocorrelation of those residuals widens the variance of every
segment mean as an AR(1) process would. Within-run samples are only a secondary signal (they can
make a point SUSPECTED, never an ALERT), because they are usually much narrower than the
run-to-run noise.

Offline: binary segmentation. The split of a segment is where the rank CUSUM peaks (robust to
spikes and heavy tails); it is kept when the two pieces differ in a robust two-sample z test
(winsorised means, AR(1)-widened variance) at ``offline_alpha`` after Bonferroni over the
candidate positions, and their medians differ by at least ``min_change``. A merge pass then
re-tests every change point against its neighbours and drops the weakest until all pass.

Online: the newest ``k`` points (``k`` = 1..16 then a few longer tails up to ``window``) are
compared with the reference: the points since the last change point (``last_change_index``, as
the caller alerted on it) or the last ``window`` points. Tail values are winsorised around the
reference median, so a spike weighs at most ``clip`` noise sds. ALERT needs a tail of at least
``confirm`` points, a Bonferroni-adjusted p-value (over the tail lengths tried) at the series'
level, and a median change of at least ``min_change``. The series' level is
``min(alpha / family_size, max_series_rate)``: ``alpha`` is the chance that a report with
``family_size`` flat series raises any alert, and ``max_series_rate`` caps the false-alert rate of
a single series per report (a series is reported on many times). SUSPECTED: no ALERT, but the
newest one or two points are beyond that level (or beyond 1 % and backed by their own samples).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from .stats import (
    MAD_TO_SD,
    as_finite_array,
    median,
    mean_variance_factor,
    robust_scale,
    two_sided_p,
    winsorized_lag1,
    z_for_two_sided,
)

__all__ = [
    "ChangePoint",
    "DetectionSettings",
    "SeriesInput",
    "State",
    "Verdict",
    "detect_change_points",
    "evaluate",
    "evaluate_report",
]

# Variance of a sample median relative to the sample mean, for a normal noise.
_MEDIAN_EFFICIENCY = math.pi / 2.0
# Tail lengths the online test tries (then capped by the reference length).
_SHORT_TAILS = tuple(range(1, 17))
_LONG_TAILS = (24, 32, 48, 64, 96, 128, 192)


@dataclass(frozen=True, slots=True)
class DetectionSettings:
    """The knobs of the detector; the defaults are the ones the benchmark measured.

    Attributes:
        min_change: smallest relative change of the segment medians worth alerting on
            (0.02 = 2 %). Changes smaller than this are never ALERT nor SUSPECTED.
        alpha: online, the probability that one report with ``family_size`` flat series
            raises any false alert (Bonferroni over the series).
        max_series_rate: online, the cap on one series' false-alert probability per report
            (a series that is reported on 1,000 times at 1e-4 raises about 0.1 false alert).
        offline_alpha: offline, the level of each split test after Bonferroni over positions.
        sensitivity: multiplies ``alpha``, ``max_series_rate`` and ``offline_alpha``: 10 gives
            ten times the false-alert rate and earlier, smaller detections; 0.1 the opposite.
        window: online, the largest number of past points looked at (the reference is the
            points since the last change point, capped at this).
        confirm: online, the fewest points at or after a change point before it is an ALERT;
            fewer gives SUSPECTED at most.
        min_segment: offline, the fewest points of a segment between two change points.
        clip: residuals are winsorised at this many robust sds (spikes, heavy tails).
    """

    min_change: float = 0.02
    alpha: float = 0.05
    max_series_rate: float = 1e-4
    offline_alpha: float = 1e-3
    sensitivity: float = 1.0
    window: int = 200
    confirm: int = 3
    min_segment: int = 5
    clip: float = 3.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_change < 10.0:
            raise ValueError("min_change must be a relative change in [0, 10)")
        for name in ("alpha", "max_series_rate", "offline_alpha"):
            if not 0.0 < getattr(self, name) < 1.0:
                raise ValueError(f"{name} must be in (0, 1)")
        if self.sensitivity <= 0.0:
            raise ValueError("sensitivity must be > 0")
        if self.confirm < 1 or self.min_segment < 2 or self.window < 8:
            raise ValueError("confirm >= 1, min_segment >= 2 and window >= 8 are required")
        if self.clip <= 0.5:
            raise ValueError("clip must be > 0.5")

    def series_level(self, family_size: int) -> float:
        """The online per-series, per-report false-alert level for a report of that many series."""
        return min(
            self.alpha * self.sensitivity / max(family_size, 1),
            self.max_series_rate * self.sensitivity,
            0.5,
        )


DEFAULT_SETTINGS = DetectionSettings()


class State(StrEnum):
    """The online verdict on a series."""

    NONE = "none"
    SUSPECTED = "suspected"
    ALERT = "alert"


@dataclass(frozen=True, slots=True)
class ChangePoint:
    """A change of level starting at ``index`` (the first point of the new segment).

    ``before``/``after`` are the medians of the segments on either side, ``change`` is
    ``after / before - 1`` (signed: the caller knows whether higher is better), and ``p_value``
    the Bonferroni-adjusted p-value of the test that kept it.
    """

    index: int
    before: float
    after: float
    change: float
    p_value: float


@dataclass(frozen=True, slots=True)
class Verdict:
    """The online verdict on a series whose last point is the new report.

    ``change_point`` is the confirmed change (ALERT) or the suspected one (SUSPECTED: the
    newest point(s) look shifted, the evidence is not enough yet); None for NONE.
    ``p_value`` is the adjusted p-value of the strongest tail test (1.0 when none could run),
    ``level`` the level it was held to.
    """

    state: State
    change_point: ChangePoint | None
    p_value: float
    level: float


@dataclass(frozen=True, slots=True)
class SeriesInput:
    """One series of a report for :func:`evaluate_report`."""

    values: Sequence[float] | np.ndarray
    samples: Sequence[Sequence[float] | None] | None = None
    last_change_index: int | None = None


def _relative(after: float, before: float) -> float:
    if before == 0.0:
        return 0.0 if after == 0.0 else math.copysign(math.inf, after)
    return (after - before) / abs(before)


def _check_samples(samples: object, n: int) -> list[np.ndarray | None] | None:
    if samples is None:
        return None
    if len(samples) != n:  # type: ignore[arg-type]
        raise ValueError(f"samples must have one entry per value ({n}), got {len(samples)}")  # type: ignore[arg-type]
    out: list[np.ndarray | None] = []
    for i, s in enumerate(samples):  # type: ignore[attr-defined]
        if s is None or len(s) == 0:
            out.append(None)
        else:
            out.append(as_finite_array(s, f"samples[{i}]"))
    return out


def _noise(pieces: Sequence[np.ndarray], clip: float) -> tuple[float, float, float]:
    """(mad_sd, winsorised_sd, phi) of the residuals of ``pieces`` around their own medians."""
    resid = [p - median(p) for p in pieces if p.size]
    if not resid:
        return 0.0, 0.0, 0.0
    r = np.concatenate(resid) if len(resid) > 1 else resid[0]
    mad_sd = robust_scale(r)
    if mad_sd <= 0.0:
        # Many identical values: fall back on the mean absolute deviation.
        mad_sd = float(np.abs(r).sum()) / r.size * 1.2533
    if mad_sd <= 0.0:
        return 0.0, 0.0, 0.0
    w = np.clip(r, -clip * mad_sd, clip * mad_sd)
    w_sd = math.sqrt(float(np.dot(w, w)) / w.size)
    phi = winsorized_lag1(r, mad_sd, clip)
    return mad_sd, max(w_sd, 1e-3 * mad_sd), phi


def _floor_scale(scale: float, level: float) -> float:
    """A scale never below 1e-9 of the level, so a constant history does not divide by 0."""
    return max(scale, 1e-9 * abs(level), 1e-300)


def _two_piece_test(
    left: np.ndarray, right: np.ndarray, clip: float
) -> tuple[float, float, float, float]:
    """(z, p, median_left, median_right) of a robust two-sample test between adjacent pieces."""
    med_l = median(left)
    med_r = median(right)
    mad_sd, w_sd, phi = _noise((left, right), clip)
    mad_sd = _floor_scale(mad_sd, med_l)
    w_sd = _floor_scale(w_sd, med_l)
    lim = clip * mad_sd
    loc_l = med_l + float(np.mean(np.clip(left - med_l, -lim, lim)))
    loc_r = med_r + float(np.mean(np.clip(right - med_r, -lim, lim)))
    var = w_sd**2 * float(
        mean_variance_factor(left.size, phi) + mean_variance_factor(right.size, phi)
    )
    z = (loc_r - loc_l) / math.sqrt(var)
    return z, two_sided_p(z), med_l, med_r


def _rank_cusum_split(seg: np.ndarray, min_segment: int) -> int:
    """Where the standardised rank CUSUM of ``seg`` peaks (the first index of the right piece)."""
    n = seg.size
    ranks = np.empty(n)
    ranks[np.argsort(seg, kind="stable")] = np.arange(n, dtype=np.float64)
    cs = np.cumsum(ranks - (n - 1) / 2.0)
    tau = np.arange(min_segment, n - min_segment + 1)
    stat = np.abs(cs[tau - 1]) / np.sqrt(tau * (n - tau))
    return int(tau[int(np.argmax(stat))])


def detect_change_points(
    values: Sequence[float] | np.ndarray,
    samples: Sequence[Sequence[float] | None] | None = None,
    settings: DetectionSettings = DEFAULT_SETTINGS,
) -> list[ChangePoint]:
    """Change points of a whole history, in index order.

    ``values`` are the per-report values (means) in start-time order; ``samples`` (optional,
    one sequence or None per report) are checked but not used offline: the run-to-run noise is
    the scale, and the history has enough points to estimate it. Raises ``ValueError`` on NaN,
    infinity or mismatched samples.
    """
    x = as_finite_array(values)
    _check_samples(samples, x.size)
    ms = settings.min_segment
    level = settings.offline_alpha * settings.sensitivity

    def test(a: int, t: int, b: int) -> tuple[float, float, float, float]:
        z, p, before, after = _two_piece_test(x[a:t], x[t:b], settings.clip)
        positions = max(b - a - 2 * ms + 1, 1)
        return z, min(p * positions, 1.0), before, after

    def passes(p_adj: float, before: float, after: float) -> bool:
        return p_adj <= level and abs(_relative(after, before)) >= settings.min_change

    cps: list[int] = []
    stack = [(0, x.size)]
    while stack:
        a, b = stack.pop()
        if b - a < 2 * ms:
            continue
        t = a + _rank_cusum_split(x[a:b], ms)
        _, p_adj, before, after = test(a, t, b)
        if passes(p_adj, before, after):
            cps.append(t)
            stack.append((a, t))
            stack.append((t, b))
    cps.sort()

    # Merge: re-test each change point between its neighbours; drop the weakest failure.
    while cps:
        bounds = [0, *cps, x.size]
        results = [test(bounds[i], bounds[i + 1], bounds[i + 2]) for i in range(len(cps))]
        failing = [
            (r[1], -abs(_relative(r[3], r[2])), i)
            for i, r in enumerate(results)
            if not passes(r[1], r[2], r[3])
        ]
        if not failing:
            return [
                ChangePoint(
                    index=cp,
                    before=r[2],
                    after=r[3],
                    change=_relative(r[3], r[2]),
                    p_value=r[1],
                )
                for cp, r in zip(cps, results, strict=True)
            ]
        del cps[max(failing)[2]]
    return []


def _tail_statistics(
    x: np.ndarray, start: int, ks: np.ndarray, lim: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per tail length k: reference median mu_k (of x[start:n-k]), tail median, tail mean and
    the mean of the tail's deviations from mu_k winsorised at +-lim.

    The short tails (k <= 16) share one reference, x[start:n-16], when it has at least 16
    points (a gap between reference and tail costs nothing); the others get their own.
    """
    n = x.size
    m = ks.size
    mu = np.empty(m)
    short = ks <= _SHORT_TAILS[-1]
    n_short = int(np.count_nonzero(short))
    if n_short and n - _SHORT_TAILS[-1] - start >= 16 and n_short == _SHORT_TAILS[-1]:
        mu[:n_short] = median(x[start : n - _SHORT_TAILS[-1]])
        first_loop = n_short
    else:
        first_loop = 0
    for i in range(first_loop, m):
        mu[i] = median(x[start : n - int(ks[i])])
    # Tail means: cumulative sums from the end.
    kmax = int(ks[-1])
    rev = x[n - kmax :][::-1]
    csum = np.cumsum(rev)
    tail_mean = csum[ks - 1] / ks
    # Winsorised deviations: each tail length has its own centre mu_k.
    tail_clip = np.empty(m)
    if first_loop:
        c = np.cumsum(np.clip(rev[:n_short] - mu[0], -lim, lim))
        tail_clip[:n_short] = c[ks[:n_short] - 1] / ks[:n_short]
    for i in range(first_loop, m):
        k = int(ks[i])
        tail_clip[i] = float(np.clip(rev[:k] - mu[i], -lim, lim).sum()) / k
    # Tail medians: the short ones from one sorted, +inf-padded matrix.
    tail_med = np.empty(m)
    ns = min(n_short, m)
    if ns:
        idx = np.arange(ns)
        mat = np.where(idx[None, :] <= idx[:, None], rev[None, :ns], np.inf)
        mat.sort(axis=1)
        lo_i = (ks[:ns] - 1) // 2
        hi_i = ks[:ns] // 2
        tail_med[:ns] = 0.5 * (mat[idx, lo_i] + mat[idx, hi_i])
    for i in range(ns, m):
        tail_med[i] = median(rev[: int(ks[i])])
    return mu, tail_med, tail_mean, tail_clip


def evaluate(
    values: Sequence[float] | np.ndarray,
    samples: Sequence[Sequence[float] | None] | None = None,
    *,
    last_change_index: int | None = None,
    settings: DetectionSettings = DEFAULT_SETTINGS,
    family_size: int = 1,
) -> Verdict:
    """The online verdict on a series whose last value is the new report.

    ``last_change_index`` is the index (in ``values``) of the change point the caller already
    alerted on, if any: the reference then starts there, so a persisting step is not alerted
    again. ``family_size`` is the number of series evaluated in the same report (false alerts
    are controlled across it, see :meth:`DetectionSettings.series_level`). An ALERT's change
    point may lie a few reports back (at least ``confirm`` points are needed). Cost: O(window)
    with numpy, a fraction of a millisecond.
    """
    x = as_finite_array(values)
    smp = _check_samples(samples, x.size)
    n = x.size
    level = settings.series_level(family_size)
    none = Verdict(State.NONE, None, 1.0, level)
    if n < 4:
        return none
    lo = max(0, n - settings.window)
    start = lo
    if last_change_index is not None and 0 <= last_change_index < n:
        start = max(lo, int(last_change_index))
    min_ref = 3
    if n - start - 1 < min_ref:
        return none

    # Noise from the points before the newest `confirm`: the current segment, and the one
    # before the last change point when the current one is short.
    hold = min(settings.confirm, n - start - min_ref)
    pieces = [x[start : n - hold]]
    if start > lo and n - hold - start < 30:
        pieces.append(x[max(lo, start - settings.window) : start])
    mad_sd, w_sd, phi = _noise(pieces, settings.clip)
    ref_all = x[start : n - hold]
    center = median(ref_all)
    mad_sd = _floor_scale(mad_sd, center)
    w_sd = _floor_scale(w_sd, center)
    lim = settings.clip * mad_sd

    max_k = n - start - min_ref
    ks = np.array([k for k in (*_SHORT_TAILS, *_LONG_TAILS) if k <= max_k], dtype=np.int64)
    n_tests = max(int(np.count_nonzero(ks >= settings.confirm)), 1)
    z_level = z_for_two_sided(level)
    mu, tail_med, tail_mean, tail_clip = _tail_statistics(x, start, ks, lim)

    change = (tail_med - mu) / np.maximum(np.abs(mu), 1e-300)
    ref_n = (n - ks - start).astype(np.float64)
    v_ref = _MEDIAN_EFFICIENCY * mean_variance_factor(ref_n, phi)
    v_tail = mean_variance_factor(ks, phi)
    root = np.sqrt(v_tail + v_ref)
    big = np.abs(change) >= settings.min_change

    best: tuple[float, int, float, float] | None = None  # (p_adj, k, mu, tail_med)
    suspect: tuple[float, int, float, float] | None = None  # (p, k, mu, tail_med)
    # Unconfirmed tails: the raw (unclipped) shift of the newest points.
    z_raw = (tail_mean - mu) / (mad_sd * root)
    ok = big & (ks < settings.confirm) & ((z_raw > 0) == (change > 0)) & (np.abs(z_raw) >= z_level)
    if ok.any():
        i = int(np.flatnonzero(ok)[np.argmax(np.abs(z_raw[ok]))])
        suspect = (two_sided_p(float(z_raw[i])), int(ks[i]), float(mu[i]), float(tail_med[i]))
    # Confirmed tails: winsorised shift around the reference median.
    z = tail_clip / (w_sd * root)
    ok = big & (ks >= settings.confirm) & ((z > 0) == (change > 0))
    if ok.any():
        i = int(np.flatnonzero(ok)[np.argmax(np.abs(z[ok]))])
        p_adj = min(two_sided_p(float(z[i])) * n_tests, 1.0)
        best = (p_adj, int(ks[i]), float(mu[i]), float(tail_med[i]))

    if best is not None and best[0] <= level:
        p_adj, k, mu_k, med_k = best
        cp = ChangePoint(n - k, mu_k, med_k, _relative(med_k, mu_k), p_adj)
        return Verdict(State.ALERT, cp, p_adj, level)

    if suspect is None and smp is not None and smp[-1] is not None and smp[-1].size >= 3:
        # Secondary signal: the newest run's own samples, if the run is already beyond 1 %.
        s = smp[-1]
        change = _relative(median(s), center)
        z_run = (x[-1] - center) / mad_sd
        within = MAD_TO_SD * float(median(np.abs(s - median(s)))) / math.sqrt(s.size)
        within = _floor_scale(within, center)
        z_smp = (median(s) - center) / within
        if (
            abs(change) >= settings.min_change
            and abs(z_run) >= 2.576
            and abs(z_smp) >= z_level
            and (z_run > 0) == (z_smp > 0) == (change > 0)
        ):
            suspect = (two_sided_p(z_run), 1, center, median(s))

    p_best = best[0] if best is not None else 1.0
    if suspect is not None:
        _, k, mu_k, med_k = suspect
        cp = ChangePoint(n - k, mu_k, med_k, _relative(med_k, mu_k), p_best)
        return Verdict(State.SUSPECTED, cp, p_best, level)
    return Verdict(State.NONE, None, p_best, level)


def evaluate_report(
    series: Sequence[SeriesInput], settings: DetectionSettings = DEFAULT_SETTINGS
) -> list[Verdict]:
    """:func:`evaluate` on every series of one report, with ``family_size = len(series)``."""
    return [
        evaluate(
            s.values,
            s.samples,
            last_change_index=s.last_change_index,
            settings=settings,
            family_size=len(series),
        )
        for s in series
    ]
