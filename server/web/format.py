"""Formatting for the dashboard's tables. The number formatters are the shared family of
``driftwatch_nb.core.measures`` (re-exported here for the templates); only the table layout is
the dashboard's own."""

from __future__ import annotations

from typing import Any

from driftwatch_nb.core.measures import format_bytes, format_measure, format_number, format_time

__all__ = ["format_bytes", "format_measure", "format_number", "format_time", "metric_table"]


def metric_table(metrics: list[dict[str, Any]]) -> dict[str, Any]:
    """Metrics as rows per benchmark and one column per measure."""
    measures: list[str] = []
    rows: dict[str, dict[str, dict[str, Any]]] = {}
    for metric in metrics:
        measure = metric["measure"]
        if measure not in measures:
            measures.append(measure)
        rows.setdefault(metric["benchmark"]["name"], {})[measure] = metric
    return {"measures": measures, "rows": rows}
