"""Timing the way ``%timeit`` does: warm-up, auto-calibrated loops, several repeats."""

from __future__ import annotations

import statistics
import timeit
from dataclasses import dataclass
from typing import Any

from driftwatch_nb.core.measures import format_seconds

DEFAULT_REPEAT = 7
MIN_REPEAT_SECONDS = 0.2


@dataclass(frozen=True, kw_only=True)
class Timings:
    """Per-loop times of each repeat, in seconds."""

    loops: int
    runs: tuple[float, ...]

    @property
    def mean(self) -> float:
        return statistics.fmean(self.runs)

    @property
    def stdev(self) -> float:
        return statistics.stdev(self.runs) if len(self.runs) > 1 else 0.0

    @property
    def best(self) -> float:
        return min(self.runs)

    @property
    def worst(self) -> float:
        return max(self.runs)

    @property
    def samples_ns(self) -> tuple[float, ...]:
        """The per-loop time of each repeat, in nanoseconds: the metric's samples."""
        return tuple(run * 1e9 for run in self.runs)

    def latency_ns(self) -> dict[str, Any]:
        """The latency metric: mean per loop, with the fastest and slowest repeat as bounds and
        each repeat's per-loop time as the samples (all in nanoseconds)."""
        return {
            "value": self.mean * 1e9,
            "lower_value": self.best * 1e9,
            "upper_value": self.worst * 1e9,
            "samples": list(self.samples_ns),
        }

    def summary(self) -> str:
        """``12.3 µs ± 0.4 µs per loop (mean ± std. dev. of 7 runs, 10,000 loops each)``."""
        runs = len(self.runs)
        return (
            f"{format_seconds(self.mean)} ± {format_seconds(self.stdev)} per loop "
            f"(mean ± std. dev. of {runs} run{'s' if runs != 1 else ''}, "
            f"{self.loops:,} loop{'s' if self.loops != 1 else ''} each)"
        )


def make_timer(code: str, namespace: dict[str, Any]) -> timeit.Timer:
    """A timer running ``code`` against ``namespace`` (names read there; assignments stay local
    to the timing loop, exactly as with ``%timeit``)."""
    return timeit.Timer(stmt=code, globals=namespace)


def measure(
    timer: timeit.Timer, *, number: int | None = None, repeat: int = DEFAULT_REPEAT
) -> Timings:
    """Warm up once, calibrate loops so a repeat takes >= 0.2 s (unless ``number`` is given),
    then time ``repeat`` repeats. Exceptions from the code propagate unchanged."""
    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    timer.timeit(number=1)  # warm-up; also surfaces errors before any long loop
    if number is None:
        for power in range(10):
            number = 10**power
            if timer.timeit(number=number) >= MIN_REPEAT_SECONDS:
                break
    elif number < 1:
        raise ValueError("number must be at least 1")
    runs = tuple(elapsed / number for elapsed in timer.repeat(repeat=repeat, number=number))
    return Timings(loops=number, runs=runs)
