"""The verdict ``%%driftwatch run`` gives a cell: is it slower than its history on the baseline
branch?

The new run is one draw from the same distribution as the baseline's runs if nothing changed,
so the honest test is a prediction interval on the **run-to-run** spread of the baseline's last
runs (a cell's own repeats vary far less than runs do on a busy machine; a test on them alone
would call unchanged code slower). ``t = (x - m) / (s * sqrt(1 + 1/n))`` with the baseline's
median ``m`` and robust spread ``s`` over its last ``n`` runs, Student-t with ``n - 1`` degrees
of freedom.

- ``slower`` / ``faster``: p below ``ALPHA``, the change at least ``min_change``, and the run
  beyond every one of the baseline's runs by ``min_change`` (robust to heavy tails);
- ``no change``: the change is under ``min_change``;
- ``inconclusive``: a larger change that the baseline's own noise could explain, or too little
  history, with what would settle it.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from driftwatch_nb.core.measures import format_change, format_duration_ns

ALPHA = 0.001
"""Significance for slower/faster: a cell run many times a day must rarely cry wolf."""
TAIL_DF = 4
"""Degrees of freedom of the reference t distribution at most (heavy tails, see judge)."""
MIN_RUNS = 5
"""Fewer baseline runs than this cannot give a verdict."""
LAST_RUNS = 20
"""How many of the baseline's runs the verdict looks at (and the sparkline shows)."""
DEFAULT_MIN_CHANGE = 0.02
_SPARKS = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True, kw_only=True)
class Verdict:
    """How a run compares with the baseline branch's recent runs."""

    kind: str
    """``slower``, ``faster``, ``no change`` or ``inconclusive``."""
    text: str
    """One line for people, e.g. ``12.4 % slower than main (p < 0.001; ...)``."""
    baseline_branch: str
    baseline: tuple[float, ...]
    """The baseline's last runs (ns, oldest first)."""
    value: float
    """This run (ns)."""
    change: float | None = None
    p_value: float | None = None

    @property
    def sparkline(self) -> str:
        """The baseline's runs and, after the arrow, this one, on one scale."""
        return sparkline(self.baseline, self.value)


def judge(
    value: float,
    baseline: Sequence[float],
    *,
    baseline_branch: str,
    min_change: float = DEFAULT_MIN_CHANGE,
) -> Verdict:
    """The verdict on one run (``value``, ns) against the baseline's runs (ns, oldest first)."""
    runs = tuple(baseline[-LAST_RUNS:])
    n = len(runs)
    common = {"baseline_branch": baseline_branch, "baseline": runs, "value": value}
    if n < MIN_RUNS:
        return Verdict(
            kind="inconclusive",
            text=f"inconclusive: {baseline_branch} has {n} run{'s' if n != 1 else ''} of this "
            f"cell on this testbed; at least {MIN_RUNS} are needed",
            **common,
        )
    center = statistics.median(runs)
    spread = max(_robust_sd(runs), 1e-9 * abs(center), 1e-12)
    change = value / center - 1 if center else 0.0
    t = (value - center) / (spread * math.sqrt(1 + 1 / n))
    # Few degrees of freedom on purpose: run times have heavy tails (a busy machine's slow
    # run), and a normal tail would make unchanged code look slower now and then.
    p = student_t_two_sided_p(t, min(n - 1, TAIL_DF))
    summary = (
        f"{baseline_branch}'s last {n} runs: {format_duration_ns(center)} "
        f"± {format_duration_ns(spread)}"
    )
    p_text = "p < 0.001" if p < 0.001 else f"p = {p:.2g}"
    if abs(change) < min_change:
        kind, head = "no change", f"no change against {baseline_branch} ({format_change(change)})"
    elif p < ALPHA and _beyond_every_run(value, runs, min_change):
        kind = "slower" if change > 0 else "faster"
        head = f"{abs(change) * 100:.1f} % {kind} than {baseline_branch}"
    else:
        kind = "inconclusive"
        head = (
            f"inconclusive: {format_change(change)} against {baseline_branch} is within its "
            f"run-to-run noise (±{spread / center * 100:.1f} %); run the cell again to add "
            "evidence"
        )
    return Verdict(
        kind=kind, text=f"{head} ({p_text}; {summary})", change=change, p_value=p, **common
    )


def _beyond_every_run(value: float, runs: Sequence[float], min_change: float) -> bool:
    """Outside the baseline's whole range by ``min_change`` too: the t-test alone trusts a
    normal tail, and heavy-tailed runs (a busy machine's occasional slow run) would make it
    call unchanged code slower."""
    return value > max(runs) * (1 + min_change) or value < min(runs) * (1 - min_change)


def sparkline(values: Sequence[float], new: float | None = None) -> str:
    """``▃▄▃▅▄ → █``: the values on one scale, the new one after the arrow."""
    every = [*values, *([] if new is None else [new])]
    if not every:
        return ""
    low, high = min(every), max(every)
    width = high - low

    def spark(value: float) -> str:
        if width <= 0:
            return _SPARKS[len(_SPARKS) // 2]
        return _SPARKS[min(len(_SPARKS) - 1, int((value - low) / width * len(_SPARKS)))]

    line = "".join(spark(v) for v in values)
    return line if new is None else f"{line} → {spark(new)}"


def _robust_sd(values: Sequence[float]) -> float:
    """The larger of the sample sd and the median absolute deviation scaled to a normal sd:
    an underestimated spread is what makes unchanged code look slower, so the verdict takes
    the cautious one (the MAD for runs with one wild outlier, the sd otherwise)."""
    center = statistics.median(values)
    mad = statistics.median(abs(v - center) for v in values) * 1.4826
    return max(mad, statistics.stdev(values))


def student_t_two_sided_p(t: float, df: int) -> float:
    """Two-sided p-value of Student's t with ``df`` degrees of freedom (no scipy: the
    regularized incomplete beta function, by its continued fraction)."""
    if df < 1:
        raise ValueError("df must be at least 1")
    x = df / (df + t * t)
    return _incomplete_beta(df / 2, 0.5, x)


def _incomplete_beta(a: float, b: float, x: float) -> float:
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1) / (a + b + 2):
        return front * _beta_fraction(a, b, x) / a
    return 1 - front * _beta_fraction(b, a, 1 - x) / b


def _beta_fraction(a: float, b: float, x: float) -> float:
    """Lentz's method for the incomplete beta continued fraction."""
    tiny = 1e-300
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 300):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1) < 1e-14:
            break
    return result
