"""Apache Otava's ``compute_change_points`` (E-Divisive split + t-test merge) as an anchor.

Its documented defaults: window_len 50, max_pvalue 0.001; min_magnitude set to the detector's
min_change (2 %) so both discard the same small changes. Runs in bench/.venvs/otava.
"""

import sys
from pathlib import Path

from otava.analysis import compute_change_points

sys.path.insert(0, str(Path(__file__).parent))
from _protocol import serve  # noqa: E402

MIN_MAGNITUDE = float(sys.argv[1]) if len(sys.argv) > 1 else 0.02


def change_points(y):
    if len(y) < 4:
        return []
    cps, _weak = compute_change_points(
        y, window_len=50, max_pvalue=0.001, min_magnitude=MIN_MAGNITUDE
    )
    return [c.index for c in cps]


if __name__ == "__main__":
    serve(change_points)
