"""asv's step detection (``asv.step_detect.detect_steps``) as a change-point anchor.

Change points are the left ends of the piecewise-constant segments asv fits (penalised L1
Potts model, gamma chosen automatically). Runs in bench/.venvs/asv.
"""

import sys
from pathlib import Path

from asv.step_detect import detect_steps

sys.path.insert(0, str(Path(__file__).parent))  # the runner's own interpreter, not the product's
from _protocol import serve  # noqa: E402


def change_points(y):
    if len(y) < 3:
        return []
    return [left for left, _right, _v, _min, _err in detect_steps(y)[1:]]


if __name__ == "__main__":
    serve(change_points)
