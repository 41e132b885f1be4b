"""Comparing two reports benchmark by benchmark, on their raw samples, in pure Python.

For each (benchmark, measure) the two reports share:

* a Mann-Whitney U test on the samples (two-sided; ranks with ties averaged, the tie-corrected
  variance, the normal approximation with a continuity correction: what
  ``scipy.stats.mannwhitneyu(x, y, method="asymptotic")`` computes);
* a percentile bootstrap confidence interval of ``median(head) / median(base)``, seeded so that
  the same inputs always give the same interval (numpy, which pandas brings, does the
  resampling);
* a verdict: the change is real (``p < alpha``) **and** the whole interval lies beyond
  ``min_change`` (then better or worse by the measure's direction), or the whole interval lies
  within ``min_change`` (no change), or else inconclusive, with the reason.

The light client needs no scipy for this: the test is written out here.
"""

from __future__ import annotations

import math
import statistics
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from driftwatch_nb.core.measures import LATENCY, direction

__all__ = [
    "ALPHA",
    "BOOTSTRAP_MAX_SAMPLES",
    "BOOTSTRAP_RESAMPLES",
    "CONFIDENCE",
    "DEFAULT_MIN_CHANGE",
    "MIN_SAMPLES",
    "Comparison",
    "MannWhitney",
    "bootstrap_ratio_ci",
    "compare_samples",
    "mann_whitney_u",
]

ALPHA = 0.05
"""The level of the Mann-Whitney test."""
CONFIDENCE = 0.95
"""The coverage of the bootstrap interval."""
DEFAULT_MIN_CHANGE = 0.02
"""Smallest relative change worth calling a change (2 %)."""
MIN_SAMPLES = 5
"""The fewest samples per side: below this neither test says anything useful."""
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_MAX_SAMPLES = 5000
"""Longer sample lists are subsampled (seeded, without replacement) for the bootstrap only."""


@dataclass(frozen=True, slots=True)
class MannWhitney:
    """``u`` is the statistic of the first sample (scipy's ``U1``), ``p_value`` two-sided."""

    u: float
    p_value: float
    z: float


def _ranks(values: Sequence[float]) -> tuple[list[float], float]:
    """Average ranks (1-based) and the tie term ``sum(t**3 - t)`` over groups of ties."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    ties = 0.0
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        rank = (start + end) / 2 + 1
        for position in range(start, end + 1):
            ranks[order[position]] = rank
        count = end - start + 1
        ties += count**3 - count
        start = end + 1
    return ranks, ties


def _normal_sf(z: float) -> float:
    return 0.5 * math.erfc(z / math.sqrt(2))


def mann_whitney_u(x: Sequence[float], y: Sequence[float]) -> MannWhitney:
    """The two-sided Mann-Whitney U test of ``x`` against ``y`` (normal approximation with tie
    correction and continuity correction). Identical constant samples give ``p = 1``."""
    n1, n2 = len(x), len(y)
    if n1 == 0 or n2 == 0:
        raise ValueError("both samples must be non-empty")
    ranks, ties = _ranks([*x, *y])
    r1 = sum(ranks[:n1])
    u1 = r1 - n1 * (n1 + 1) / 2
    u = max(u1, n1 * n2 - u1)
    n = n1 + n2
    mean = n1 * n2 / 2
    variance = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)))
    if variance <= 0:
        return MannWhitney(u=u1, p_value=1.0, z=0.0)
    z = (u - mean - 0.5) / math.sqrt(variance)
    return MannWhitney(u=u1, p_value=min(1.0, 2 * _normal_sf(z)), z=z)


def bootstrap_ratio_ci(
    base: Sequence[float],
    head: Sequence[float],
    *,
    seed: int | str = 0,
    resamples: int = BOOTSTRAP_RESAMPLES,
    confidence: float = CONFIDENCE,
    max_samples: int = BOOTSTRAP_MAX_SAMPLES,
) -> tuple[float, float]:
    """The percentile bootstrap interval of ``median(head) / median(base)`` (each side resampled
    on its own), reproducible for a given ``seed`` (an int, or a string hashed with CRC-32).

    numpy does the resampling (it comes with pandas, a dependency of the light client); sides
    longer than ``max_samples`` are first subsampled without replacement, which only widens the
    interval a little.
    """
    import numpy as np

    key = seed if isinstance(seed, int) else zlib.crc32(seed.encode("utf-8"))
    rng = np.random.default_rng(key)

    def medians(values: Sequence[float]) -> np.ndarray:
        data = np.asarray(values, dtype=float)
        if len(data) > max_samples:
            data = rng.choice(data, size=max_samples, replace=False)
        out = np.empty(resamples)
        rows = max(1, 2_000_000 // len(data))  # bounded memory for long sample lists
        for start in range(0, resamples, rows):
            count = min(rows, resamples - start)
            picks = rng.integers(0, len(data), size=(count, len(data)))
            out[start : start + count] = np.median(data[picks], axis=1)
        return out

    before, after = medians(base), medians(head)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(before != 0, after / np.where(before != 0, before, 1.0), 1.0)
    tail = (1 - confidence) / 2
    low, high = np.quantile(ratios, [tail, 1 - tail])
    return float(low), float(high)


@dataclass(frozen=True, kw_only=True)
class Comparison:
    """The verdict on one (benchmark, measure) of two reports.

    ``verdict``: ``faster``/``slower`` (latency), ``better``/``worse`` (other measures),
    ``no change`` or ``inconclusive``; ``outcome`` the same as ``improvement``/``regression``/
    ``no change``/``inconclusive`` for machines; ``reason`` says why it is inconclusive (or what
    decided it). ``*_value`` are the reports' values, ``*_median`` the samples' medians (None
    without samples); ``change`` is ``head_median / base_median - 1`` (of the values when there
    are no samples), ``ci`` the bootstrap interval of that ratio minus one.
    """

    benchmark: str
    measure: str
    verdict: str
    outcome: str
    reason: str
    base_value: float | None
    head_value: float | None
    base_median: float | None
    head_median: float | None
    change: float | None
    ci: tuple[float, float] | None
    p_value: float | None
    base_samples: int
    head_samples: int
    higher_is_better: bool
    direction_known: bool

    @property
    def is_regression(self) -> bool:
        return self.outcome == "regression"

    def to_json(self) -> dict[str, object]:
        return {
            "benchmark": self.benchmark,
            "measure": self.measure,
            "verdict": self.verdict,
            "outcome": self.outcome,
            "reason": self.reason,
            "base_value": self.base_value,
            "head_value": self.head_value,
            "base_median": self.base_median,
            "head_median": self.head_median,
            "change": self.change,
            "ci_low": self.ci[0] if self.ci else None,
            "ci_high": self.ci[1] if self.ci else None,
            "p_value": self.p_value,
            "base_samples": self.base_samples,
            "head_samples": self.head_samples,
            "higher_is_better": self.higher_is_better,
            "direction_known": self.direction_known,
        }


def _words(measure: str) -> tuple[str, str]:
    """(better, worse) in the words of the measure."""
    return ("faster", "slower") if measure == LATENCY else ("better", "worse")


def compare_samples(
    benchmark: str,
    measure: str,
    *,
    base_value: float | None,
    head_value: float | None,
    base_samples: Sequence[float] | None,
    head_samples: Sequence[float] | None,
    min_change: float = DEFAULT_MIN_CHANGE,
    alpha: float = ALPHA,
    directions: dict[str, bool] | None = None,
    seed: int = 0,
) -> Comparison:
    """Judge one (benchmark, measure): see the module's docstring."""
    if min_change < 0:
        raise ValueError("min_change must not be negative")
    way = direction(measure, directions)
    better, worse = _words(measure)
    base = list(base_samples or ())
    head = list(head_samples or ())

    def result(
        verdict: str,
        outcome: str,
        reason: str,
        *,
        change: float | None = None,
        ci: tuple[float, float] | None = None,
        p_value: float | None = None,
        medians: tuple[float, float] | None = None,
    ) -> Comparison:
        if change is None and base_value and head_value is not None:
            change = head_value / base_value - 1
        return Comparison(
            benchmark=benchmark,
            measure=measure,
            verdict=verdict,
            outcome=outcome,
            reason=reason,
            base_value=base_value,
            head_value=head_value,
            base_median=medians[0] if medians else None,
            head_median=medians[1] if medians else None,
            change=change,
            ci=ci,
            p_value=p_value,
            base_samples=len(base),
            head_samples=len(head),
            higher_is_better=way.higher_is_better,
            direction_known=way.known,
        )

    if base_value is None or head_value is None:
        missing = "base" if base_value is None else "head"
        return result("inconclusive", "inconclusive", f"not in the {missing} report")
    if not base or not head:
        sides = [name for name, s in (("base", base), ("head", head)) if not s]
        return result(
            "inconclusive", "inconclusive", f"no samples in the {' and '.join(sides)} report"
        )
    if len(base) < MIN_SAMPLES or len(head) < MIN_SAMPLES:
        return result(
            "inconclusive",
            "inconclusive",
            f"too few samples ({len(base)} and {len(head)}; at least {MIN_SAMPLES} each)",
        )
    base_median, head_median = statistics.median(base), statistics.median(head)
    change = head_median / base_median - 1 if base_median else 0.0
    test = mann_whitney_u(head, base)
    low, high = bootstrap_ratio_ci(base, head, seed=f"{seed}:{benchmark}:{measure}")
    ci = (low - 1, high - 1)
    medians = (base_median, head_median)
    level = f"{CONFIDENCE:.0%} CI"
    threshold = f"±{min_change * 100:.1f} %"

    def tested(verdict: str, outcome: str, reason: str) -> Comparison:
        return result(
            verdict, outcome, reason, change=change, ci=ci, p_value=test.p_value, medians=medians
        )

    if ci[0] > -min_change and ci[1] < min_change:
        return tested("no change", "no change", f"{level} within {threshold}")
    beyond = ci[0] > min_change or ci[1] < -min_change
    if test.p_value < alpha and beyond:
        good = (ci[0] > 0) == way.higher_is_better
        return tested(
            better if good else worse,
            "improvement" if good else "regression",
            f"p = {test.p_value:.2g}, {level} beyond {threshold}",
        )
    if beyond:
        reason = (
            f"the {level} is beyond {threshold} but the rank test is not (p = {test.p_value:.2g})"
        )
    else:
        reason = f"the {level} straddles the {threshold} threshold"
    return tested("inconclusive", "inconclusive", reason)
