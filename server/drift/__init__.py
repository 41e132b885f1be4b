"""Change-point detection for benchmark series ("watch for drift"): pure computation on numbers.

- :func:`detect_change_points` finds the change points of a whole history (offline).
- :func:`evaluate` judges a series whose last point is the new report (online): ALERT,
  SUSPECTED or NONE; :func:`evaluate_report` does it for every series of one report.
- :class:`DetectionSettings` holds the knobs and their documented defaults.

See ``README.md`` beside this file for the method and its measured accuracy.
"""

from .detect import (
    DEFAULT_SETTINGS,
    ChangePoint,
    DetectionSettings,
    SeriesInput,
    State,
    Verdict,
    detect_change_points,
    evaluate,
    evaluate_report,
)

__all__ = [
    "DEFAULT_SETTINGS",
    "ChangePoint",
    "DetectionSettings",
    "SeriesInput",
    "State",
    "Verdict",
    "detect_change_points",
    "evaluate",
    "evaluate_report",
]
