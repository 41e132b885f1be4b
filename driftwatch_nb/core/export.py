"""The bulk metrics export: its address, parameters and columns, shared by client and server.

``GET /api/projects/{slug}/metrics.arrow`` (or ``metrics.csv``, or ``metrics?format=csv``) with
``Authorization: Bearer <token>`` streams every metric of a project that matches the filter as
an Apache Arrow IPC stream (or CSV), one row per metric, in record batches read from one
server-side cursor. The columns are the client's tidy DataFrame's (``Client.reports(...)
.to_pandas()``), so a frame is the export with no reshaping.
"""

from __future__ import annotations

EXPORT_PATH = "/api/projects/{slug}/metrics"
"""The export's path; ``.arrow`` or ``.csv`` may follow it (else ``format`` decides)."""

ARROW_MEDIA_TYPE = "application/vnd.apache.arrow.stream"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
FORMATS = ("arrow", "csv")

COLUMNS = (
    "report",
    "time",
    "branch",
    "testbed",
    "git_hash",
    "benchmark",
    "measure",
    "value",
    "lower",
    "upper",
)
"""Every row: report id, report start time (UTC), branch, testbed, git hash, benchmark,
measure, value, lower and upper bound. ``samples`` (a list of floats; in CSV a JSON array) is
added only when asked for (``samples=true``)."""

SAMPLES_COLUMN = "samples"

FILTER_PARAMETERS = ("branch", "testbed", "benchmark", "measure", "since", "until")
"""Single-valued filters: names are exact; ``since`` (inclusive) and ``until`` (exclusive) are
ISO 8601 times of the reports' start (without a zone: UTC)."""

OTHER_PARAMETERS = ("report", "last", "samples", "format")
"""``report`` (repeatable, at most ``MAX_EXPORT_REPORTS``): only these reports; ``last``: only
the newest N rows of the filter (still oldest first); ``samples``: add the raw samples;
``format``: ``arrow`` (default) or ``csv``."""

MAX_EXPORT_REPORTS = 100
"""The most ``report`` ids one export request may name (they travel in the URL)."""

MAX_ROWS_HEADER = "X-Driftwatch-Max-Rows"
"""The server's row limit for one export, sent with every answer: a stream that stops before
its end (the connection closes without the final chunk) was cut at this limit."""
