"""The cell verdict (``driftwatch_nb.verdict``): honest against run-to-run noise."""

from __future__ import annotations

import random

import pytest

from driftwatch_nb.verdict import judge, sparkline, student_t_two_sided_p


@pytest.mark.parametrize(("t", "df"), [(0.0, 5), (1.2, 3), (2.5, 19), (-4.0, 10), (8.0, 30)])
def test_student_t_matches_scipy(t: float, df: int) -> None:
    scipy_stats = pytest.importorskip("scipy.stats")  # in the dev environment, always there
    assert student_t_two_sided_p(t, df) == pytest.approx(
        2 * scipy_stats.t.sf(abs(t), df), rel=1e-9, abs=1e-15
    )


def test_an_unchanged_cell_is_never_called_slower() -> None:
    kinds = []
    for seed in range(500):
        rng = random.Random(seed)
        runs = [1e6 * (1 + rng.gauss(0, 0.03)) for _ in range(20)]
        kinds.append(judge(1e6 * (1 + rng.gauss(0, 0.03)), runs, baseline_branch="main").kind)
    assert set(kinds) <= {"no change", "inconclusive"}
    assert kinds.count("no change") > 200  # a clear answer whenever the run lands within 2 %


def test_a_slower_cell_is_slower_with_the_numbers() -> None:
    rng = random.Random(1)
    runs = [31.2e6 * (1 + rng.gauss(0, 0.01)) for _ in range(20)]
    verdict = judge(35.1e6, runs, baseline_branch="main")
    assert verdict.kind == "slower"
    assert verdict.text.startswith("12.")
    assert "% slower than main (p < 0.001; main's last 20 runs: 31." in verdict.text
    assert verdict.change == pytest.approx(0.125, abs=0.01)
    faster = judge(20e6, runs, baseline_branch="main")
    assert faster.kind == "faster" and "faster than main" in faster.text


def test_small_or_noisy_differences_are_no_change_or_inconclusive() -> None:
    runs = [1e6 * (1 + 0.001 * (i % 3)) for i in range(20)]
    assert judge(1.01e6, runs, baseline_branch="main").kind == "no change"  # under 2 %
    noisy = [1e6 * (1 + 0.3 * ((-1) ** i)) for i in range(20)]
    verdict = judge(1.5e6, noisy, baseline_branch="main")
    assert verdict.kind == "inconclusive" and "run-to-run noise" in verdict.text


def test_too_little_history_says_so() -> None:
    verdict = judge(1e6, [1e6, 1.1e6], baseline_branch="main")
    assert verdict.kind == "inconclusive"
    assert verdict.text == (
        "inconclusive: main has 2 runs of this cell on this testbed; at least 5 are needed"
    )


def test_sparkline() -> None:
    assert sparkline([1, 2, 3, 4, 5, 6, 7, 8]) == "▁▂▃▄▅▆▇█"
    assert sparkline([1, 1, 1], 1) == "▅▅▅ → ▅"
    assert sparkline([1, 2], 9).endswith("→ █")
