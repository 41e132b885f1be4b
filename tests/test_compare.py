"""``driftwatch_nb.compare``: the pure-Python Mann-Whitney U against scipy, the seeded bootstrap,
and the verdicts (never "slower" for identical code)."""

from __future__ import annotations

import random

import pytest
from scipy.stats import mannwhitneyu

from driftwatch_nb.compare import (
    MIN_SAMPLES,
    bootstrap_ratio_ci,
    compare_samples,
    mann_whitney_u,
)


def _samples(seed: int, n: int, level: float, cv: float, *, digits: int | None = None) -> list:
    rng = random.Random(seed)
    values = [level * (1 + rng.gauss(0, cv)) for _ in range(n)]
    return [round(v, digits) for v in values] if digits is not None else values


@pytest.mark.parametrize(
    ("seed", "n1", "n2", "shift", "digits"),
    [
        (1, 20, 20, 0.0, None),  # no ties, same distribution
        (2, 7, 31, 0.05, None),  # unequal sizes
        (3, 50, 40, 0.02, 0),  # many ties (rounded to whole units)
        (4, 200, 150, 0.01, 1),
        (5, 5, 5, 0.3, None),  # the smallest the verdicts use
        (6, 30, 30, 0.0, -1),  # heavy ties
    ],
)
def test_mann_whitney_matches_scipy(
    seed: int, n1: int, n2: int, shift: float, digits: int | None
) -> None:
    x = _samples(seed, n1, 1000.0 * (1 + shift), 0.05, digits=digits)
    y = _samples(seed + 100, n2, 1000.0, 0.05, digits=digits)
    ours = mann_whitney_u(x, y)
    theirs = mannwhitneyu(x, y, alternative="two-sided", method="asymptotic", use_continuity=True)
    assert ours.u == pytest.approx(float(theirs.statistic), rel=1e-12)
    assert ours.p_value == pytest.approx(float(theirs.pvalue), rel=1e-9, abs=1e-300)


def test_identical_constant_samples_are_p_1() -> None:
    assert mann_whitney_u([5.0] * 8, [5.0] * 8).p_value == 1.0
    theirs = mannwhitneyu([5.0] * 8, [5.0] * 8, method="asymptotic")
    assert float(theirs.pvalue) == 1.0


def test_bootstrap_is_reproducible_and_covers_the_true_ratio() -> None:
    base = _samples(1, 100, 1000.0, 0.05)
    head = _samples(2, 100, 1200.0, 0.05)
    first = bootstrap_ratio_ci(base, head, seed="x")
    assert first == bootstrap_ratio_ci(base, head, seed="x")
    assert first != bootstrap_ratio_ci(base, head, seed="y")
    low, high = first
    assert low < 1.2 < high and high - low < 0.1


def test_a_30_percent_slowdown_is_slower_and_a_faster_throughput_is_better() -> None:
    base = _samples(1, 50, 1e6, 0.02)
    head = _samples(2, 50, 1.3e6, 0.02)
    latency = compare_samples(
        "parse", "latency", base_value=1e6, head_value=1.3e6, base_samples=base, head_samples=head
    )
    assert (latency.verdict, latency.outcome) == ("slower", "regression")
    assert latency.change == pytest.approx(0.3, abs=0.02)
    assert latency.ci is not None and latency.ci[0] > 0.02
    assert latency.p_value is not None and latency.p_value < 1e-6
    throughput = compare_samples(
        "parse", "throughput", base_value=1, head_value=1.3, base_samples=base, head_samples=head
    )
    assert (throughput.verdict, throughput.outcome) == ("better", "improvement")
    faster = compare_samples(
        "parse", "latency", base_value=1.3, head_value=1, base_samples=head, head_samples=base
    )
    assert faster.verdict == "faster"
    # A project's direction wins over the assumed "higher is worse" of an unknown measure.
    rss = compare_samples(
        "parse",
        "rss",
        base_value=1,
        head_value=1.3,
        base_samples=base,
        head_samples=head,
        directions={"rss": True},
    )
    assert rss.verdict == "better" and rss.direction_known


@pytest.mark.parametrize("seed", range(40))
def test_identical_code_is_never_slower(seed: int) -> None:
    base = _samples(seed, 40, 1e6, 0.03)
    head = _samples(seed + 1000, 40, 1e6, 0.03)
    result = compare_samples(
        "parse", "latency", base_value=1e6, head_value=1e6, base_samples=base, head_samples=head
    )
    assert result.verdict in {"no change", "inconclusive"}, result


def test_inconclusive_says_why() -> None:
    some = _samples(1, 30, 1e6, 0.02)
    none = compare_samples(
        "parse", "latency", base_value=1, head_value=1, base_samples=None, head_samples=some
    )
    assert (none.verdict, none.reason) == ("inconclusive", "no samples in the base report")
    few = compare_samples(
        "parse",
        "latency",
        base_value=1,
        head_value=1,
        base_samples=some[: MIN_SAMPLES - 1],
        head_samples=some,
    )
    assert few.verdict == "inconclusive" and few.reason.startswith("too few samples (4 and 30")
    # Very noisy samples: a 3 % change cannot be told from a 0 % or a 6 % one.
    noisy = compare_samples(
        "parse",
        "latency",
        base_value=1,
        head_value=1,
        base_samples=_samples(2, 20, 1e6, 0.2),
        head_samples=_samples(3, 20, 1.03e6, 0.2),
    )
    assert noisy.verdict == "inconclusive" and "straddles" in noisy.reason
    missing = compare_samples(
        "parse", "latency", base_value=1, head_value=None, base_samples=some, head_samples=None
    )
    assert missing.reason == "not in the head report"


def test_a_tiny_real_change_is_no_change_under_the_threshold() -> None:
    base = _samples(1, 2000, 1e6, 0.01)
    head = [v * 1.005 for v in _samples(2, 2000, 1e6, 0.01)]
    result = compare_samples(
        "parse", "latency", base_value=1, head_value=1, base_samples=base, head_samples=head
    )
    assert result.verdict == "no change"
    assert result.p_value is not None and result.p_value < 0.05  # real, but under 2 %
