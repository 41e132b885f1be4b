"""Change-point detection over benchmark histories: offline (a whole history) and online (a
series whose newest point is the report being created).

The noise scale is always the run-to-run variation of the history (median absolute deviation of
the residuals around the segment medians, then the variance of the residuals winsorised at
``clip`` of those), and the lag-1 autocorrelation of those residuals widens the variance of every
segment mean as an AR(1) process would. Within-run samples are only a secondary signal (they can
make a point SUSPECTED, never an ALERT), because they are usually much narrower than the
run-to-run noise.

Offline: binary segmentation then a merge (as Otava's split/merge). The split of a segment is
where the rank CUSUM peaks (robust to spikes and heavy tails), sharpened by the least L1 cost
within 8 points; it is a candidate when the two pieces differ in a robust two-sample t test
(winsorised means, AR(1)-widened variance) at 10x ``offline_alpha`` after Bonferroni over the
candidate positions. The merge pass re-tests every candidate between its neighbours, at
``offline_alpha``, with medians at least ``min_change`` apart, and drops the weakest until all
pass. Consecutive change points of one sign with a trend between them, or fewer than
3 ``min_segment`` points apart, are one creep.

Online: the newest ``k`` points (``k`` = 1..16 then 24, 32, ... 192) are compared with the
reference: the points since the last change point (``last_change_index``, as the caller
alerted on it), capped at ``window``. Two tests per tail: the mean of the tail's deviations from
the reference median winsorised at ``clip`` noise sds (a spike weighs little), and from 5 points
on the tail median (robust to spikes without capping a large shift); both are t tests whose
degrees of freedom come from the history's length and autocorrelation. ALERT needs a
Bonferroni-adjusted p-value (over all the tests) at the series' level, a median change of at
least ``min_change``, at least ``confirm`` points after the change (placed by least L1 cost)
and ``min_history`` points of history. The series' level is
``min(alpha / family_size, max_series_rate)`` (times ``sensitivity``): ``alpha`` is the chance
that a report with ``family_size`` flat series raises any alert, and ``max_series_rate`` caps one
series' false-alert rate per report (a series is reported on many times). SUSPECTED: no ALERT,
but the newest one or two points are beyond that level (raw shift), a confirmed-looking shift is
carried by too few points, or the newest run is beyond 1 % and its own samples agree.
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
    mean_variance_factor,
    median,
    robust_scale,
    t_two_sided_p,
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
# From this tail length on, the tail median is tested too.
_MEDIAN_TAIL = 5
# One-sided level of the trend test that makes a same-way change the continuation of a creep.
_TREND_P = 0.05
# Two same-way changes further apart than this are separate changes, whatever lies between.
_CREEP_SPAN = 30


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
        min_history: online, the fewest points of history (within ``window``) before any
            ALERT: a shorter one cannot tell a shift from slow, autocorrelated noise.
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
    min_history: int = 20
    clip: float = 5.0

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
    ``level`` the level it was held to. ``extends_last`` (ALERT only): the new change goes
    the same way as the one at ``last_change_index`` and the level kept moving between them (a
    slow creep, or a staircase): the caller should update its open alert (pass the new index
    back as ``last_change_index``) rather than raise a second one.
    """

    state: State
    change_point: ChangePoint | None
    p_value: float
    level: float
    extends_last: bool = False


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


def _noise(pieces: Sequence[np.ndarray], clip: float) -> tuple[float, float, float, float]:
    """(mad_sd, winsorised_sd, phi, df) of the *relative* residuals of ``pieces`` around their
    own medians (benchmark noise is multiplicative, so pieces at different levels pool);
    ``df`` is the effective degrees of freedom of the scale (fewer when correlated)."""
    resid = []
    for p in pieces:
        if p.size:
            m = median(p)
            resid.append(p / abs(m) - math.copysign(1.0, m) if m != 0.0 else p - m)
    if not resid:
        return 0.0, 0.0, 0.0, 1.0
    r = np.concatenate(resid) if len(resid) > 1 else resid[0]
    mad_sd = robust_scale(r)
    if mad_sd <= 0.0:
        # Many identical values: fall back on the mean absolute deviation.
        mad_sd = float(np.abs(r).sum()) / r.size * 1.2533
    if mad_sd <= 0.0:
        return 0.0, 0.0, 0.0, 1.0
    w = np.minimum(np.maximum(r, -clip * mad_sd), clip * mad_sd)
    w_sd = math.sqrt(float(np.dot(w, w)) / w.size)
    phi = winsorized_lag1(r, mad_sd, clip)
    # A variance from m AR(1) residuals carries about m (1 - phi^2) / (1 + phi^2) dof (with the
    # point estimate of phi: the variance factors already use its upper bound).
    m = r.size - len(resid)
    phi_hat = max(phi - 1.0 / math.sqrt(max(m, 1)), 0.0) if phi > 0.0 else 0.0
    df = max(m * (1.0 - phi_hat**2) / (1.0 + phi_hat**2), 1.0)
    return mad_sd, max(w_sd, 1e-3 * mad_sd), phi, df


def _floor_scale(scale: float, level: float) -> float:
    """A scale never below 1e-9 of the level, so a constant history does not divide by 0."""
    return max(scale, 1e-9 * abs(level), 1e-300)


def _two_piece_test(
    left: np.ndarray, right: np.ndarray, clip: float, diff_scale: float | None = None
) -> tuple[float, float, float, float]:
    """(z, p, median_left, median_right) of a robust two-sample test between adjacent pieces.

    The noise comes from the pieces' residuals around their medians, or, with ``diff_scale``
    (a relative sd from first differences), from that, assuming independence: a piece that
    hides a further change then does not inflate the noise (used to find candidates only).
    """
    med_l = median(left)
    med_r = median(right)
    if diff_scale is None:
        mad_sd, w_sd, phi, df = _noise((left, right), clip)
    else:
        mad_sd, w_sd, phi, df = diff_scale, diff_scale, 0.0, float(left.size + right.size)
    mad_sd = _floor_scale(mad_sd * abs(med_l), med_l)
    w_sd = _floor_scale(w_sd * abs(med_l), med_l)
    lim = clip * mad_sd
    loc_l = med_l + float(np.mean(np.clip(left - med_l, -lim, lim)))
    loc_r = med_r + float(np.mean(np.clip(right - med_r, -lim, lim)))
    var = w_sd**2 * float(
        mean_variance_factor(left.size, phi) + mean_variance_factor(right.size, phi)
    )
    z = (loc_r - loc_l) / math.sqrt(var)
    return z, float(t_two_sided_p(z, df)), med_l, med_r


def _rank_cusum_split(seg: np.ndarray, min_segment: int) -> int:
    """Where the standardised rank CUSUM of ``seg`` peaks (the first index of the right piece)."""
    n = seg.size
    ranks = np.empty(n)
    ranks[np.argsort(seg, kind="stable")] = np.arange(n, dtype=np.float64)
    cs = np.cumsum(ranks - (n - 1) / 2.0)
    tau = np.arange(min_segment, n - min_segment + 1)
    stat = np.abs(cs[tau - 1]) / np.sqrt(tau * (n - tau))
    return int(tau[int(np.argmax(stat))])


def _refine_split(seg: np.ndarray, t: int, min_segment: int, reach: int = 8) -> int:
    """The split within ``reach`` of ``t`` with the least L1 cost around the pieces' medians.

    The rank CUSUM finds a change robustly but places it loosely when one piece is much
    shorter than the other; the L1 cost places it sharply and is robust to spikes.
    """
    lo = max(min_segment, t - reach)
    hi = min(seg.size - min_segment, t + reach)
    best_t, best_cost = t, math.inf
    for u in range(lo, hi + 1):
        left, right = seg[:u], seg[u:]
        cost = float(np.abs(left - median(left)).sum() + np.abs(right - median(right)).sum())
        if cost < best_cost:
            best_t, best_cost = u, cost
    return best_t


def _trend_continues(
    seg: np.ndarray, direction: float, clip: float, min_drift: float = 0.0
) -> bool:
    """Whether ``seg`` (the points between two change points) has a trend in ``direction``
    (one-sided t test on the OLS slope at 5 %, residuals winsorised, AR(1)-widened variance)
    that moves it by at least ``min_drift`` (relative) over its length."""
    m = seg.size
    if m < 3:
        return True  # too short to be a plateau: two changes in a row go the same way
    if m > _CREEP_SPAN:
        return False
    tt = np.arange(m, dtype=np.float64) - (m - 1) / 2.0
    sxx = float(np.dot(tt, tt))
    med = median(seg)
    spread = robust_scale(seg)
    if spread > 0.0:  # spikes must not make the slope
        seg = np.minimum(np.maximum(seg, med - clip * spread), med + clip * spread)
    slope = float(np.dot(tt, seg - seg.mean())) / sxx
    resid = seg - seg.mean() - slope * tt
    mad = robust_scale(resid)
    if mad <= 0.0:
        return slope * direction > 0.0
    w = np.clip(resid, -clip * mad, clip * mad)
    sd = math.sqrt(float(np.dot(w, w)) / max(m - 2, 1))
    # The point estimate of phi (not its upper bound): a short segment would never trend.
    phi = max(winsorized_lag1(resid, mad) - 1.0 / math.sqrt(m), 0.0)
    se = sd / math.sqrt(sxx) * math.sqrt((1.0 + phi) / (1.0 - phi))
    if se <= 0.0:
        return slope * direction > 0.0
    if abs(slope) * m < min_drift * abs(med):
        return False
    p_one = 0.5 * float(t_two_sided_p(slope / se, m - 2)) if slope * direction > 0 else 1.0
    return p_one <= _TREND_P


def _merge_creeps(
    x: np.ndarray, cps: list[ChangePoint], clip: float, min_drift: float, short: int
) -> list[ChangePoint]:
    """Consecutive change points of the same sign whose in-between segment still trends that
    way, or is shorter than ``short``, are one slow change (a creep fitted as a staircase):
    keep the first index, and the level after the last."""
    out: list[ChangePoint] = []
    for cp in cps:
        if out:
            prev = out[-1]
            between = x[prev.index : cp.index]
            if (cp.change > 0) == (prev.change > 0) and (
                between.size < short or _trend_continues(between, cp.change, clip, min_drift)
            ):
                out[-1] = ChangePoint(
                    prev.index,
                    prev.before,
                    cp.after,
                    _relative(cp.after, prev.before),
                    max(prev.p_value, cp.p_value),
                )
                continue
        out.append(cp)
    return out


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

    def test(
        a: int, t: int, b: int, diff_scale: float | None = None
    ) -> tuple[float, float, float, float]:
        z, p, before, after = _two_piece_test(x[a:t], x[t:b], settings.clip, diff_scale)
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
        seg = x[a:b]
        t = a + _refine_split(seg, _rank_cusum_split(seg, ms), ms)
        # Lenient here (10x the level, any size): a bump (a step and its undoing) hides behind
        # a split whose pieces have close medians; the merge pass below is strict.
        _, p_adj, _before, _after = test(a, t, b)
        if p_adj > 10.0 * level:
            d = np.diff(seg) / max(abs(median(seg)), 1e-300)
            _, p_adj, _before, _after = test(a, t, b, robust_scale(d) / math.sqrt(2.0))
        if p_adj <= 10.0 * level:
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
            found = [
                ChangePoint(
                    index=cp,
                    before=r[2],
                    after=r[3],
                    change=_relative(r[3], r[2]),
                    p_value=r[1],
                )
                for cp, r in zip(cps, results, strict=True)
            ]
            return _merge_creeps(
                x, found, settings.clip, settings.min_change / 2.0, 3 * settings.min_segment
            )
        del cps[max(failing)[2]]
    return []


@dataclass(slots=True)
class _Tails:
    """Per tail length k: the reference median ``mu`` (of x[start:n-k]), the tail's median,
    mean and winsorised mean deviation from ``mu``, and the noise of the reference (absolute
    mad and winsorised sds, phi, df)."""

    mu: np.ndarray
    med: np.ndarray
    mean: np.ndarray
    clipped: np.ndarray
    mad: np.ndarray
    wsd: np.ndarray
    phi: np.ndarray
    df: np.ndarray


def _levels(
    x: np.ndarray, start: int, ks: np.ndarray, shared: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mu, med, rev) per tail length: the reference median, the tail median and the newest
    points newest first. No noise estimate: these alone decide whether any tail moves by
    ``min_change``, which every verdict other than NONE needs."""
    n = x.size
    m = ks.size
    kmax = int(ks[-1])
    rev = x[n - kmax :][::-1]
    mu = np.empty(m)
    if shared:
        mu[:shared] = median(x[start : n - shared])
    seg = x[start : n - int(ks[shared])] if shared < m else x[:0]
    if seg.size > 64:
        for i in range(shared, m):
            mu[i] = median(x[start : n - int(ks[i])])
    elif seg.size:
        # Short references, prefixes of x[start:]: their medians from one sorted,
        # +inf-padded matrix (cheaper than one partition each), picked as median() picks them.
        size = n - ks[shared:] - start
        mat = np.where(np.arange(seg.size)[None, :] < size[:, None], seg[None, :], np.inf)
        mat.sort(axis=1)
        rows = np.arange(size.size)
        hi = mat[rows, size // 2]
        mu[shared:] = np.where(size % 2 == 1, hi, 0.5 * (mat[rows, (size - 1) // 2] + hi))
    med = np.empty(m)
    # Tail medians: the short ones from one sorted, +inf-padded matrix.
    ns = min(_SHORT_TAILS[-1], m)
    idx = np.arange(ns)
    mat = np.where(idx[None, :] <= idx[:, None], rev[None, :ns], np.inf)
    mat.sort(axis=1)
    med[:ns] = 0.5 * (mat[idx, (ks[:ns] - 1) // 2] + mat[idx, ks[:ns] // 2])
    for i in range(ns, m):
        med[i] = median(rev[: int(ks[i])])
    return mu, med, rev


def _shared_tails(n: int, start: int, m: int) -> int:
    """How many short tails share one reference, x[start:n-16] (0 or 16)."""
    kshort = _SHORT_TAILS[-1]
    return kshort if n - kshort - start >= 16 and m >= kshort else 0


def _tails(
    x: np.ndarray,
    start: int,
    lo: int,
    ks: np.ndarray,
    settings: DetectionSettings,
    levels: tuple[np.ndarray, np.ndarray, np.ndarray],
    need: np.ndarray | None = None,
) -> _Tails:
    """The statistics of every tail length; noise never comes from the tail it is tested on.

    The short tails (k <= 16) share one reference, x[start:n-16], when it has at least 16
    points (a gap between reference and tail costs nothing). Otherwise, and for the long
    tails, each k has its own reference. A reference shorter than 30 points borrows the noise
    of the segment before the last change point (relative residuals), and, for k >= 3, of the
    tail around its own median. ``levels`` is :func:`_levels` of the same arguments.

    ``need`` (a mask over ``ks``): the noise of the other tails is not estimated (their mad,
    wsd and clipped mean are 1.0, phi 0.0, df 1.0). Each tail's noise depends only on its own
    reference (and the shared one's phi), so the estimated ones are exactly those of a full
    run; the caller must read no other.
    """
    n = x.size
    m = ks.size
    clip = settings.clip
    prev = x[max(lo, start - settings.window) : start] if start > lo else x[:0]
    shared = _shared_tails(n, start, m)
    mus, meds, rev = levels
    t = _Tails(mus, meds, *(np.ones(m) for _ in range(6)))
    t.phi[:] = 0.0
    t.mean[:] = np.cumsum(rev)[ks - 1] / ks

    if shared:
        ref = x[start : n - shared]
        mu = float(mus[0])
        pieces = [ref, prev] if ref.size < 30 and prev.size else [ref]
        mad, wsd, phi, df = _noise(pieces, clip)
        mad = _floor_scale(mad * abs(mu), mu)
        t.mad[:shared] = mad
        t.wsd[:shared] = _floor_scale(wsd * abs(mu), mu)
        t.phi[:shared] = phi
        t.df[:shared] = df
        c = np.cumsum(np.clip(rev[:shared] - mu, -clip * mad, clip * mad))
        t.clipped[:shared] = c / ks[:shared]
    for i in range(shared, m):
        if need is not None and not need[i]:
            continue
        k = int(ks[i])
        ref = x[start : n - k]
        mu = float(mus[i])
        if shared and ref.size >= 30:
            # A long tail: its own reference scale; phi and df of the shared reference (which
            # contains this one: an upper bound on phi when a change hides in between).
            r = ref / abs(mu) - math.copysign(1.0, mu) if mu != 0.0 else ref - mu
            mad = robust_scale(r)
            w = np.minimum(np.maximum(r, -clip * mad), clip * mad)
            wsd = max(math.sqrt(float(np.dot(w, w)) / w.size), 1e-3 * mad)
            phi, df = float(t.phi[0]), float(t.df[0])
        else:
            pieces = [ref]
            if ref.size < 30:
                if prev.size:
                    pieces.append(prev)
                if k >= 3:
                    pieces.append(rev[:k])
            mad, wsd, phi, df = _noise(pieces, clip)
        mad = _floor_scale(mad * abs(mu), mu)
        t.mad[i] = mad
        t.wsd[i] = _floor_scale(wsd * abs(mu), mu)
        t.phi[i] = phi
        t.df[i] = df
        d = rev[:k] - mu
        t.clipped[i] = float(np.minimum(np.maximum(d, -clip * mad), clip * mad).sum()) / k
    return t


def evaluate(
    values: Sequence[float] | np.ndarray,
    samples: Sequence[Sequence[float] | None] | None = None,
    *,
    last_change_index: int | None = None,
    settings: DetectionSettings = DEFAULT_SETTINGS,
    family_size: int = 1,
    exact: bool = False,
) -> Verdict:
    """The online verdict on a series whose last value is the new report.

    ``last_change_index`` is the index (in ``values``) of the change point the caller already
    alerted on, if any: the reference then starts there, so a persisting step is not alerted
    again. ``family_size`` is the number of series evaluated in the same report (false alerts
    are controlled across it, see :meth:`DetectionSettings.series_level`). An ALERT's change
    point may lie a few reports back (at least ``confirm`` points are needed). Cost: O(window)
    with numpy, a fraction of a millisecond.

    Only the tails whose median moved by ``min_change`` get a noise estimate (the others
    cannot make a verdict), and a series where none moved (nor the newest run's samples) is
    NONE at once: the verdict is identical to the one of estimating every tail, which
    ``exact=True`` does (the reference the tests compare against).
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

    max_k = n - start - min_ref
    ks = np.array([k for k in (*_SHORT_TAILS, *_LONG_TAILS) if k <= max_k], dtype=np.int64)
    n_tests = max(int(np.count_nonzero(ks >= settings.confirm)), 1)
    z_level = z_for_two_sided(level)
    levels = _levels(x, start, ks, _shared_tails(n, start, ks.size))
    change = (levels[1] - levels[0]) / np.maximum(np.abs(levels[0]), 1e-300)
    big = np.abs(change) >= settings.min_change
    need = None
    if not exact:
        # Every verdict but NONE (p-value 1.0) needs a tail whose median moved by min_change,
        # or newest samples whose median did; only those tails' noise is ever read.
        newest = smp[-1] if smp is not None else None
        by_samples = (
            newest is not None
            and newest.size >= 3
            and abs(_relative(median(newest), float(levels[0][0]))) >= settings.min_change
        )
        if not by_samples and not big.any():
            return none
        need = big.copy()
        need[0] |= by_samples
    t = _tails(x, start, lo, ks, settings, levels, need)

    ref_n = (n - ks - start).astype(np.float64)
    v_ref = _MEDIAN_EFFICIENCY * mean_variance_factor(ref_n, t.phi)
    v_tail = mean_variance_factor(ks, t.phi)
    root = np.sqrt(v_tail + v_ref)
    df = t.df

    best: tuple[float, int, float, float] | None = None  # (p_adj, k, mu, tail_med)
    suspect: tuple[float, int, float, float] | None = None  # (p, k, mu, tail_med)
    # Unconfirmed tails: the raw (unclipped) shift of the newest points.
    z_raw = (t.mean - t.mu) / (t.mad * root)
    p_raw = t_two_sided_p(z_raw, df)
    ok = big & (ks < settings.confirm) & ((z_raw > 0) == (change > 0)) & (p_raw <= level)
    if ok.any():
        i = int(np.flatnonzero(ok)[np.argmin(p_raw[ok])])
        suspect = (float(p_raw[i]), int(ks[i]), float(t.mu[i]), float(t.med[i]))
    # Confirmed tails: the winsorised shift around the reference median (a spike weighs at
    # most `clip` sds) and, from _MEDIAN_TAIL points on, the tail median (robust to spikes
    # without capping a large shift); the smaller p-value, Bonferroni over all the tests.
    z = t.clipped / (t.wsd * root)
    p = t_two_sided_p(z, df)
    use_med = ks >= _MEDIAN_TAIL
    z_med = (t.med - t.mu) / (t.wsd * np.sqrt(_MEDIAN_EFFICIENCY * v_tail + v_ref))
    p_med = np.where(use_med, t_two_sided_p(z_med, df), 1.0)
    p = np.minimum(p, p_med)
    n_tests += int(np.count_nonzero(use_med))
    ok = big & (ks >= settings.confirm) & ((z > 0) == (change > 0))
    if ok.any():
        i = int(np.flatnonzero(ok)[np.argmin(p[ok])])
        p_adj = min(float(p[i]) * n_tests, 1.0)
        best = (p_adj, int(ks[i]), float(t.mu[i]), float(t.med[i]))
    center, mad_sd = float(t.mu[0]), float(t.mad[0])

    if best is not None and best[0] <= level:
        p_adj, k, _mu, _med = best
        # Where exactly: the best L1 split of the segment near the tail's start, leaving at
        # least `confirm` points after it (a long tail may start a few points early).
        seg = x[start:]
        lo_i = max(1, seg.size - k - max(3, k // 2))
        costs = [
            float(np.abs(seg[:u] - median(seg[:u])).sum() + np.abs(seg[u:] - median(seg[u:])).sum())
            for u in range(lo_i, seg.size)
        ]
        idx = start + lo_i + int(np.argmin(costs))
        before, after = median(x[start:idx]), median(x[idx:])
        cp = ChangePoint(idx, before, after, _relative(after, before), p_adj)
        if abs(cp.change) < settings.min_change:
            # Placed exactly, the change is too small to be worth an alert.
            return Verdict(State.NONE, None, p_adj, level)
        if n - idx < settings.confirm or n < settings.min_history:
            # The shift is carried by fewer than `confirm` points, or the history is too
            # short to know its noise (autocorrelation): not confirmed yet.
            return Verdict(State.SUSPECTED, cp, p_adj, level)
        extends = False
        if start > lo and start - lo >= 3:
            prev_change = _relative(median(x[start:idx]), median(x[max(lo, start - 30) : start]))
            extends = (prev_change > 0) == (cp.change > 0) and (
                idx - start < 3 * settings.min_segment
                or _trend_continues(
                    x[start:idx], cp.change, settings.clip, settings.min_change / 2.0
                )
            )
        return Verdict(State.ALERT, cp, p_adj, level, extends)

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
    series: Sequence[SeriesInput],
    settings: DetectionSettings = DEFAULT_SETTINGS,
    *,
    exact: bool = False,
) -> list[Verdict]:
    """:func:`evaluate` on every series of one report, with ``family_size = len(series)``."""
    return [
        evaluate(
            s.values,
            s.samples,
            last_change_index=s.last_change_index,
            settings=settings,
            family_size=len(series),
            exact=exact,
        )
        for s in series
    ]
