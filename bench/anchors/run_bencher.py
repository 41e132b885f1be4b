"""A Bencher-style t-test threshold, written for this benchmark (Bencher is not a Python package).

Each new point is compared with the mean and sample sd of the previous ``WINDOW`` points; it is
an alert when it lies beyond mean +- t_{0.99, n-1} * sd (upper and lower boundary 0.99 each, as
Bencher's t-test threshold), and its relative change from the mean is at least ``min_change``.
Bencher alerts every such point. The replay is causal, so the benchmark uses its alerts as they
are both offline and online (no prefix runs). Runs in bench/.venvs/otava (scipy).
"""

import sys
from pathlib import Path

import numpy as np
from scipy.stats import t as student_t

sys.path.insert(0, str(Path(__file__).parent))
from _protocol import serve  # noqa: E402

WINDOW = 30
MIN_POINTS = 5
BOUNDARY = 0.99
MIN_CHANGE = float(sys.argv[1]) if len(sys.argv) > 1 else 0.02
_T = {n: float(student_t.ppf(BOUNDARY, n - 1)) for n in range(MIN_POINTS, WINDOW + 1)}


def change_points(y):
    y = np.asarray(y, dtype=float)
    alerts = []
    for i in range(MIN_POINTS, len(y)):
        ref = y[max(0, i - WINDOW) : i]
        mean, sd = ref.mean(), ref.std(ddof=1)
        if sd > 0 and abs(y[i] - mean) > _T[ref.size] * sd and abs(y[i] / mean - 1) >= MIN_CHANGE:
            alerts.append(i)
    return alerts


if __name__ == "__main__":
    serve(change_points)
