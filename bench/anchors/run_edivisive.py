"""MongoDB's E-Divisive means (``signal_processing_algorithms``) as an anchor: permutation test
at p 0.05 with 100 permutations, as MongoDB runs it; numpy seeded per series for repeatability.
Runs in bench/.venvs/spa (numpy < 2).
"""

import sys
from pathlib import Path

import numpy as np
from signal_processing_algorithms.energy_statistics.energy_statistics import e_divisive

sys.path.insert(0, str(Path(__file__).parent))
from _protocol import serve  # noqa: E402


def change_points(y):
    if len(y) < 4:
        return []
    np.random.seed(len(y))
    return list(e_divisive(np.asarray(y, dtype=float), pvalue=0.05, permutations=100))


if __name__ == "__main__":
    serve(change_points)
