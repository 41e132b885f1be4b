"""A benchmark's history as the history chart draws it (``js/src/chart.js``'s ``Series``).

The GraphQL ``history`` field answers in the schema's shape (``HistoryFields`` in
``operations.graphql``); :func:`series_from_history` turns one answer into the chart's plain
series: the notebook's ``HistoryViewer`` and the dashboard's benchmark page both call it, so the
chart sees one shape whoever draws it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["series_from_history", "sparkline_points", "validate_series"]

_REQUIRED_POINT = ("reportId", "startTime", "value")


def series_from_history(history: dict[str, Any], *, label: str | None = None) -> dict[str, Any]:
    """One series for the chart from one ``BenchmarkHistory`` answer."""
    benchmark = history["benchmark"]["name"]
    points = []
    for point in history["points"]:
        report = point["report"]
        points.append(
            {
                "reportId": report["id"],
                "gitHash": report.get("gitHash"),
                "startTime": report["startTime"],
                "value": point["value"],
                "lower": point.get("lowerValue"),
                "upper": point.get("upperValue"),
                "flamegraphs": [
                    {
                        "id": fg["id"],
                        "fileName": fg["fileName"],
                        "benchmark": (fg.get("benchmark") or {}).get("name"),
                        **({"url": fg["url"]} if fg.get("url") else {}),
                    }
                    for fg in report.get("flamegraphs") or []
                ],
            }
        )
    series: dict[str, Any] = {
        "benchmark": benchmark,
        "measure": history["measure"],
        "branch": history["branch"]["name"],
        "testbed": history["testbed"]["name"],
        "higherIsBetter": history["direction"]["higherIsBetter"],
        "points": points,
        "changePoints": [
            {
                "index": cp["index"],
                "reportId": cp["report"]["id"],
                "direction": cp["direction"],
                "change": cp["change"],
                "before": cp["before"],
                "after": cp["after"],
                "pValue": cp.get("pValue"),
            }
            for cp in history["changePoints"]
        ],
    }
    if label:
        series["label"] = label
    return series


def validate_series(series: Any) -> list[dict[str, Any]]:
    """Check plain series data (a list of series dicts) and return it; ``ValueError`` says
    what is wrong and where."""
    if not isinstance(series, list | tuple):
        raise ValueError(f"series must be a list of series, not {type(series).__name__}")
    out = []
    for i, item in enumerate(series):
        where = f"series[{i}]"
        if not isinstance(item, dict):
            raise ValueError(f"{where} must be a dict, not {type(item).__name__}")
        for key in ("benchmark", "measure"):
            if not isinstance(item.get(key), str) or not item[key]:
                raise ValueError(f"{where}.{key} must be a non-empty string")
        points = item.get("points")
        if not isinstance(points, list):
            raise ValueError(f"{where}.points must be a list")
        for j, point in enumerate(points):
            if not isinstance(point, dict):
                raise ValueError(f"{where}.points[{j}] must be a dict")
            for key in _REQUIRED_POINT:
                if key not in point:
                    raise ValueError(f"{where}.points[{j}] has no {key!r}")
            value = point["value"]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{where}.points[{j}].value must be a number")
            for bound in ("lower", "upper"):
                b = point.get(bound)
                if b is not None and (isinstance(b, bool) or not isinstance(b, int | float)):
                    raise ValueError(f"{where}.points[{j}].{bound} must be a number or None")
        for k, change in enumerate(item.get("changePoints") or []):
            index = change.get("index") if isinstance(change, dict) else None
            if not isinstance(index, int) or not 0 <= index < len(points):
                raise ValueError(
                    f"{where}.changePoints[{k}].index must be a position in points "
                    f"(0..{len(points) - 1}), not {index!r}"
                )
        out.append(dict(item))
    return out


def sparkline_points(values: list[float], *, width: float = 120, height: float = 28) -> str:
    """An SVG ``polyline`` ``points`` attribute drawing ``values`` in a width x height box.

    The vertical range is at least 20 % of the values' level, so 1 % noise stays a flat line
    and a step stands out.
    """
    if not values:
        return ""
    lo, hi = min(values), max(values)
    floor = 0.2 * max(abs(lo), abs(hi))
    if hi - lo < floor:
        mid = (hi + lo) / 2
        lo, hi = mid - floor / 2, mid + floor / 2
    span = (hi - lo) or 1.0
    step = width / max(len(values) - 1, 1)
    return " ".join(
        f"{i * step:.1f},{height - 2 - (v - lo) / span * (height - 4):.1f}"
        for i, v in enumerate(values)
    )
