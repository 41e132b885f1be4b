"""``Client``: a typed Python API over the driftwatch GraphQL service.

GraphQL goes through gql with its httpx transport; file bytes go straight to storage through
signed URLs with httpx. gql and httpx are imported on first use, so importing this module (and
``driftwatch --help``) stays cheap. ``Client(lean=True)`` sends the same named operations as
plain httpx POSTs on the connection the file transfers use, without importing gql at all (what
``driftwatch upload`` does: gql's import alone is about a fifth of a second).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from driftwatch_nb._config import load_config
from driftwatch_nb._types import (
    Alert,
    AlertPage,
    Detection,
    DetectionRule,
    Flamegraph,
    History,
    HistoryPoint,
    MeasureDirection,
    Project,
    Report,
    ReportList,
    UploadUrl,
)
from driftwatch_nb.core.errors import (
    ApiError,
    AuthenticationError,
    ConfigurationError,
    ConnectionFailed,
    ErrorCode,
    InvalidInput,
    RateLimited,
    UploadFailed,
    UploadUrlExpired,
    api_error_from,
)
from driftwatch_nb.core.export import EXPORT_PATH, MAX_EXPORT_REPORTS, MAX_ROWS_HEADER
from driftwatch_nb.core.graphql import operation
from driftwatch_nb.core.limits import (
    FLAMEGRAPH_MIME_TYPE,
    MAX_REPORT_PAGE,
    MAX_SAMPLES_PER_REPORT,
    check_samples,
)
from driftwatch_nb.core.measures import BUILTIN_MEASURES

if TYPE_CHECKING:
    import httpx
    import pandas as pd

    from driftwatch_nb.adapters import MetricValue

DEFAULT_TIMEOUT = 30.0
DEFAULT_RETRIES = 3
RETRY_BACKOFF_SECONDS = 0.5
RETRYABLE_STATUS = frozenset({502, 503, 504})
UPLOAD_CHUNK_BYTES = 256 * 1024

EXPORT_REPORTS_MIN = 5
"""``Client.reports`` pages of at least this many reports read their metrics through the bulk
export rather than GraphQL."""
HISTORY_EXPORT_MIN = 1000
"""``Client.history`` of more points than this reads the points through the bulk export."""

ProgressCallback = Callable[[int, int], None]
T = TypeVar("T")


class _Retryable(Exception):
    """An attempt failed in a way that is safe to try again."""

    def __init__(self, cause: Exception) -> None:
        super().__init__(str(cause))
        self.cause = cause


class Client:
    """A connection to a driftwatch server.

    ``url`` and ``token`` default to ``DRIFTWATCH_URL`` / ``DRIFTWATCH_TOKEN``, then to the file
    ``driftwatch login`` writes. Errors are ``driftwatch_nb.DriftwatchError`` subclasses; a
    server-side refusal is an ``ApiError`` whose class matches its code. ``lean=True`` sends
    GraphQL without gql, on the one HTTP connection the uploads use (for short-lived processes
    such as the CLI's; answers and errors are the same).
    """

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        lean: bool = False,
    ) -> None:
        config = load_config(url=url, token=token)
        self.url = config.url
        self.token = config.token
        self.timeout = timeout
        self.retries = max(1, retries)
        self.lean = lean
        """GraphQL as plain httpx POSTs (same operations, errors and retries) instead of gql."""
        self._http: httpx.Client | None = None
        self._gql: Any = None
        self._gql_session: Any = None
        self.field_errors: list[ApiError] = []
        """The errors of single fields (a flamegraph's ``url``) in the last answer that was
        otherwise complete: e.g. SERVICE_UNAVAILABLE when the storage could not sign URLs."""

    @property
    def storage_unavailable(self) -> bool:
        """Whether the last answer lost flamegraph URLs because the storage was unreachable."""
        return any(error.code == ErrorCode.SERVICE_UNAVAILABLE for error in self.field_errors)

    def __repr__(self) -> str:
        return f"Client(url={self.url!r})"

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP connections."""
        if self._gql is not None:
            self._gql.close_sync()
            self._gql = None
        if self._http is not None:
            self._http.close()
            self._http = None

    # -- projects and reports ---------------------------------------------------------------

    def me(self) -> str:
        """The name of the token's user (a cheap way to check URL and token)."""
        return self._execute(operation("Me"), idempotent=True)["me"]["name"]

    def projects(self) -> list[Project]:
        """Your projects."""
        data = self._execute(operation("Projects"), idempotent=True)
        return [Project.from_json(item) for item in data["projects"]]

    def create_project(self, slug: str, name: str | None = None) -> Project:
        """Create a project you own."""
        data = self._execute(
            operation("CreateProject"),
            {"slug": slug, "name": name},
        )
        return Project.from_json(data["createProject"])

    def project(self, slug: str) -> Project:
        """Your project ``slug`` (``NotFoundError`` if you have none by that slug)."""
        data = self._execute(
            operation("Project"),
            {"slug": slug},
            idempotent=True,
        )
        return Project.from_json(data["project"])

    def ensure_project(self, slug: str, name: str | None = None) -> Project:
        """Your project ``slug``, created first if you have none by that name."""
        for project in self.projects():
            if project.slug == slug:
                return project
        return self.create_project(slug, name)

    def create_report(
        self,
        project: str,
        branch: str,
        results: Mapping[str, Mapping[str, MetricValue | float | Mapping[str, Any]]],
        *,
        testbed: str = "localhost",
        git_hash: str | None = None,
        adapter: str = "json",
        start_time: dt.datetime | None = None,
        end_time: dt.datetime | None = None,
    ) -> Report:
        """Record a report. ``results`` maps benchmark -> measure -> value (Bencher Metric
        Format); a value may be a number, a ``MetricValue`` or a ``{"value", "lower_value",
        "upper_value", "samples"}`` mapping.

        Samples (raw values in the measure's unit) are checked here before anything is sent,
        by the rules the server applies (``core.limits.check_samples``: finite, not negative
        for the built-in measures, at most 10,000 per metric and 500,000 per report); a
        refusal is ``InvalidInput`` naming the benchmark, the measure and the field. The
        returned report carries the ``alerts`` it raised.
        """
        measure_inputs = [
            (
                benchmark,
                [_measure_input(benchmark, name, value) for name, value in measures.items()],
            )
            for benchmark, measures in results.items()
        ]
        total = sum(len(m.get("samples") or ()) for _, items in measure_inputs for m in items)
        if total > MAX_SAMPLES_PER_REPORT:
            raise InvalidInput(
                f"the report carries {total:,} samples; at most {MAX_SAMPLES_PER_REPORT:,} are "
                "kept per report",
                field="samples",
            )
        now = dt.datetime.now(dt.UTC)
        report_input = {
            "projectSlug": project,
            "branch": branch,
            "testbed": testbed,
            "gitHash": git_hash,
            "adapter": adapter,
            "startTime": (start_time or now).isoformat(),
            "endTime": (end_time or start_time or now).isoformat(),
            "results": [
                {"benchmark": benchmark, "measures": items} for benchmark, items in measure_inputs
            ],
        }
        # Not retried after the request may have reached the server: that could post twice.
        data = self._execute(
            operation("CreateReport"),
            {"input": report_input},
        )
        return Report.from_json(data["createReport"])

    def report(self, report_id: str, *, samples: bool = False) -> Report:
        """One report with its metrics and flamegraphs (with fresh signed URLs); with
        ``samples=True`` each metric's raw samples too (they can be large)."""
        data = self._execute(
            operation("Report"),
            {"id": report_id, "samples": samples},
            idempotent=True,
        )
        return Report.from_json(data["report"], with_samples=samples)

    def report_project(self, report_id: str) -> str:
        """The slug of the project a report belongs to (a cheap check that it is yours)."""
        data = self._execute(
            operation("ReportProject"),
            {"id": report_id},
            idempotent=True,
        )
        return data["report"]["projectSlug"]

    def report_benchmarks(
        self, report_id: str, names: Iterable[str] | None = None
    ) -> tuple[str, list[str]]:
        """The project slug of a report and the names of the benchmarks it measured (only those
        among ``names`` when given): checks names without fetching the report's metrics."""
        data = self._execute(
            operation("ReportBenchmarks"),
            {"id": report_id, "names": None if names is None else list(names)},
            idempotent=True,
        )
        return data["report"]["projectSlug"], data["report"]["benchmarks"]

    def reports(
        self,
        project: str,
        *,
        branch: str | None = None,
        limit: int = 20,
        offset: int = 0,
        after: str | None = None,
        samples: bool = False,
    ) -> ReportList:
        """A page of a project's reports, newest first; ``.to_pandas()`` gives one row per
        metric. Pass the page's ``end_cursor`` as ``after=`` for the next (older) page, or use
        ``iter_reports`` to walk them all. With ``samples=True`` the metrics' raw samples are
        fetched too, for ``.to_pandas(samples=True)``.

        A page of ``EXPORT_REPORTS_MIN`` reports or more reads its reports through GraphQL and
        their metrics through the bulk export (one streamed request: ``metrics``), which is
        many times faster for reports with many metrics; the result is the same."""
        if limit < EXPORT_REPORTS_MIN:
            return self._reports_graphql(project, branch, limit, offset, samples, after)
        data = self._execute(
            operation("ReportHeaders"),
            {"slug": project, "branch": branch, "first": limit, "offset": offset, "after": after},
            idempotent=True,
        )
        page = data["project"]["reports"]
        field_errors = self.field_errors
        headers = [Report.from_json(item, with_samples=samples) for item in page["nodes"]]
        ids = [report.id for report in headers]
        frames = [
            self._export(
                project,
                [("report", report_id) for report_id in ids[start : start + MAX_EXPORT_REPORTS]],
                samples=samples,
            )
            for start in range(0, len(ids), MAX_EXPORT_REPORTS)
        ]
        self.field_errors = field_errors  # the flamegraph URLs' errors, if any, stay readable
        frame = _page_order(frames, ids, samples=samples)
        return ReportList(
            reports=_with_metrics(headers, frame, samples=samples),
            total_count=page["totalCount"],
            end_cursor=page["pageInfo"]["endCursor"],
            has_more=page["pageInfo"]["hasNextPage"],
            frame=frame,
        )

    def _reports_graphql(
        self,
        project: str,
        branch: str | None,
        limit: int,
        offset: int,
        samples: bool,
        after: str | None = None,
        with_total: bool = True,
    ) -> ReportList:
        data = self._execute(
            operation("Reports"),
            {
                "slug": project,
                "branch": branch,
                "first": limit,
                "offset": offset,
                "after": after,
                "samples": samples,
                "withTotal": with_total,
            },
            idempotent=True,
        )
        page = data["project"]["reports"]
        return ReportList(
            reports=[Report.from_json(item, with_samples=samples) for item in page["nodes"]],
            total_count=page["totalCount"] if with_total else 0,
            end_cursor=page["pageInfo"]["endCursor"],
            has_more=page["pageInfo"]["hasNextPage"],
        )

    def iter_reports(
        self,
        project: str,
        *,
        branch: str | None = None,
        page_size: int = MAX_REPORT_PAGE,
        samples: bool = False,
    ) -> Iterator[Report]:
        """Every report of a project, newest first, a page at a time by cursor: each report
        that existed when the walk began comes exactly once, even while others arrive."""
        after: str | None = None
        while True:
            page = self._reports_graphql(
                project, branch, page_size, 0, samples, after=after, with_total=False
            )
            yield from page.reports
            after = page.end_cursor
            if not page.has_more or after is None:
                return

    def metrics(
        self,
        project: str,
        *,
        branch: str | None = None,
        testbed: str | None = None,
        benchmark: str | None = None,
        measure: str | None = None,
        since: dt.datetime | str | None = None,
        until: dt.datetime | str | None = None,
        samples: bool = False,
    ) -> pd.DataFrame:
        """Every metric of a project matching the filter, as one tidy DataFrame (the columns of
        ``ReportList.to_pandas()``), oldest report first, streamed from the bulk export.

        Names are exact; ``since`` (inclusive) and ``until`` (exclusive) bound the reports'
        start times (a naive time is UTC). ``samples=True`` adds each metric's raw samples.
        Read as Arrow when pyarrow is installed (``driftwatch-nb[arrow]``), else as CSV.
        """
        params: list[tuple[str, str]] = []
        for name, value in (
            ("branch", branch),
            ("testbed", testbed),
            ("benchmark", benchmark),
            ("measure", measure),
            ("since", since),
            ("until", until),
        ):
            if value is not None:
                text = value.isoformat() if isinstance(value, dt.datetime) else str(value)
                params.append((name, text))
        return self._export(project, params, samples=samples)

    def _export(
        self, project: str, params: list[tuple[str, str]], *, samples: bool
    ) -> pd.DataFrame:
        """One bulk-export request, read as it streams in."""
        from urllib.parse import quote

        from driftwatch_nb import _export

        if not self.token:
            raise ConfigurationError(
                "no API token: set DRIFTWATCH_TOKEN or run `driftwatch login --token TOKEN`"
            )
        check_server_url(self.url)
        arrow = _export.have_pyarrow()
        path = EXPORT_PATH.format(slug=quote(project, safe="")) + (".arrow" if arrow else ".csv")
        query = [*params, ("samples", "true")] if samples else params
        headers = {"Authorization": f"Bearer {self.token}"}

        def attempt(_number: int) -> pd.DataFrame:
            import httpx

            try:
                with self._http_client().stream(
                    "GET", f"{self.url}{path}", params=query, headers=headers
                ) as response:
                    if response.status_code != 200:
                        response.read()
                        raise self._export_refused(response)
                    stream = _export.ChunkReader(response.iter_bytes())
                    try:
                        if arrow:
                            return _export.read_arrow(stream, samples=samples)
                        return _export.read_csv(stream, samples=samples)
                    except (httpx.HTTPError, OSError, ValueError) as exc:
                        limit = response.headers.get(MAX_ROWS_HEADER, "?")
                        raise ConnectionFailed(
                            f"the metrics export of {project!r} was cut short: more rows match "
                            f"than the server sends at once ({limit}, "
                            "DRIFTWATCH_EXPORT_MAX_ROWS), or the connection broke "
                            f"({exc.__class__.__name__}); narrow the filter (branch, "
                            "benchmark, since/until) and try again"
                        ) from exc
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                raise _Retryable(self._unreachable(exc)) from exc

        return self._retrying(attempt)

    def _export_refused(self, response: httpx.Response) -> Exception:
        if response.status_code == 429:
            return RateLimited(
                f"{self.url} is backing off after repeated refused tokens from this "
                "address; wait a minute and check DRIFTWATCH_TOKEN"
            )
        try:
            errors = response.json()["errors"]
        except (ValueError, KeyError, TypeError):
            if response.status_code in NOT_DRIFTWATCH_STATUS:
                return self._not_driftwatch(
                    f"GET {response.url.path} answered HTTP {response.status_code}"
                )
            return ConnectionFailed(f"{self.url} answered HTTP {response.status_code}")
        return _api_error(errors)

    def delete_report(self, report_id: str) -> None:
        """Delete a report with its metrics and flamegraph files."""
        self._execute(operation("DeleteReport"), {"id": report_id})

    def report_samples(self, report_id: str) -> Report:
        """One report with the raw samples of its metrics (``Metric.samples``), no flamegraphs."""
        data = self._execute(operation("ReportSamples"), {"id": report_id}, idempotent=True)
        return Report.from_json(data["report"])

    def latest_report_id(
        self, project: str, *, branch: str, testbed: str | None = None, scan: int = 500
    ) -> str | None:
        """The id of the newest report of ``branch`` (on ``testbed``, if given), or None; looks
        at most ``scan`` reports back for one on that testbed."""
        page_size = 1 if testbed is None else 100
        after: str | None = None
        for _ in range(0, scan, page_size):
            data = self._execute(
                operation("LatestReports"),
                {"slug": project, "branch": branch, "first": page_size, "after": after},
                idempotent=True,
            )
            page = data["project"]["reports"]
            for node in page["nodes"]:
                if testbed is None or node["testbed"]["name"] == testbed:
                    return node["id"]
            after = page["pageInfo"]["endCursor"]
            if not page["pageInfo"]["hasNextPage"]:
                break
        return None

    # -- drift ----------------------------------------------------------------------------

    def alerts(
        self,
        project: str,
        status: str | None = "ACTIVE",
        branch: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> AlertPage:
        """A project's alerts, most recently updated first. ``status`` is ``ACTIVE``,
        ``ACKNOWLEDGED``, ``DISMISSED`` or None for all; ``.to_pandas()`` gives one row each."""
        data = self._execute(
            operation("Alerts"),
            {
                "slug": project,
                "status": status.upper() if status else None,
                "branch": branch,
                "first": limit,
                "offset": offset,
            },
            idempotent=True,
        )
        page = data["project"]["alerts"]
        return AlertPage(
            alerts=[Alert.from_json(item) for item in page["nodes"]],
            total_count=page["totalCount"],
        )

    def update_alert(self, alert_id: str, status: str) -> Alert:
        """Acknowledge (``ACKNOWLEDGED``), dismiss (``DISMISSED``) or re-open (``ACTIVE``)."""
        data = self._execute(
            operation("UpdateAlert"),
            {"id": alert_id, "status": status.upper()},
            idempotent=True,  # setting a status twice is the same as once
        )
        return Alert.from_json(data["updateAlert"])

    def history(
        self,
        project: str,
        benchmark: str,
        measure: str = "latency",
        branch: str | None = None,
        testbed: str | None = None,
        last: int = 500,
    ) -> History:
        """One benchmark's series, oldest first, with its change points; ``.to_pandas()`` gives
        one row per point. Without ``branch``: ``main`` if the project has it; without
        ``testbed``: the newest report's. A series of more than ``HISTORY_EXPORT_MIN`` points
        reads its points through the bulk export."""
        if last > HISTORY_EXPORT_MIN:
            return self._history_export(project, benchmark, measure, branch, testbed, last)
        data = self._execute(
            operation("History"),
            {
                "slug": project,
                "benchmark": benchmark,
                "measure": measure,
                "branch": branch,
                "testbed": testbed,
                "last": last,
            },
            idempotent=True,
        )
        return History.from_json(data["project"]["history"])

    def _history_export(
        self,
        project: str,
        benchmark: str,
        measure: str,
        branch: str | None,
        testbed: str | None,
        last: int,
    ) -> History:
        """The series' names and change points through GraphQL, its points through the export
        (the change points are matched to the points by report, not by position, in case a
        report arrived between the two requests)."""
        data = self._execute(
            operation("HistorySummary"),
            {
                "slug": project,
                "benchmark": benchmark,
                "measure": measure,
                "branch": branch,
                "testbed": testbed,
                "last": last,
            },
            idempotent=True,
        )
        summary = data["project"]["history"]
        frame = self._export(
            project,
            [
                ("benchmark", summary["benchmark"]["name"]),
                ("measure", summary["measure"]),
                ("branch", summary["branch"]["name"]),
                ("testbed", summary["testbed"]["name"]),
                ("last", str(last)),
            ],
            samples=False,
        )
        reports = frame["report"].tolist()
        index_of = {report_id: index for index, report_id in enumerate(reports)}
        hashes = frame["git_hash"].astype(object).where(frame["git_hash"].notna(), None)
        points = [
            HistoryPoint(
                report_id=report_id,
                time=time,
                git_hash=git_hash,
                value=value,
                lower_value=None if lower != lower else lower,  # NaN: no bound
                upper_value=None if upper != upper else upper,
            )
            for report_id, time, git_hash, value, lower, upper in zip(
                reports,
                frame["time"].dt.to_pydatetime(),
                hashes.tolist(),
                frame["value"].tolist(),
                frame["lower"].tolist(),
                frame["upper"].tolist(),
                strict=True,
            )
        ]
        change_points = [
            {**change, "index": index_of[change["report"]["id"]]}
            for change in summary["changePoints"]
            if change["report"]["id"] in index_of
        ]
        found = History.from_json({**summary, "points": [], "changePoints": change_points})
        return dataclasses.replace(found, points=points)

    def detection(self, project: str) -> Detection:
        """The project's detection rules, measure directions and the defaults."""
        data = self._execute(operation("Detection"), {"slug": project}, idempotent=True)
        return Detection.from_json(data["project"]["detection"])

    def set_detection_rule(
        self,
        project: str,
        benchmark: str | None = None,
        min_change: float | None = None,
        sensitivity: float | None = None,
    ) -> DetectionRule:
        """Set the knobs of the project (``benchmark`` None) or of one benchmark. A None knob is
        cleared (it inherits again): pass both to keep both."""
        data = self._execute(
            operation("SetDetectionRule"),
            {
                "projectSlug": project,
                "benchmark": benchmark,
                "minChange": min_change,
                "sensitivity": sensitivity,
            },
            idempotent=True,
        )
        return DetectionRule.from_json(data["setDetectionRule"])

    def set_measure_direction(
        self, project: str, measure: str, higher_is_better: bool
    ) -> MeasureDirection:
        """Say whether higher is better for one of the project's measures."""
        data = self._execute(
            operation("SetMeasureDirection"),
            {"projectSlug": project, "measure": measure, "higherIsBetter": higher_is_better},
            idempotent=True,
        )
        return MeasureDirection.from_json(data["setMeasureDirection"])

    # -- flamegraphs ----------------------------------------------------------------------

    def get_flamegraph_upload_url(
        self, project_slug: str, file_name: str, file_size: int
    ) -> UploadUrl:
        """A signed URL (1 hour) to PUT one flamegraph to."""
        data = self._execute(
            operation("CreateFlamegraphUploadUrl"),
            {"projectSlug": project_slug, "fileName": file_name, "fileSize": file_size},
        )
        result = data["createFlamegraphUploadUrl"]
        return UploadUrl(upload_url=result["uploadUrl"], storage_path=result["storagePath"])

    def upload_flamegraph(
        self, upload_url: str, data: bytes, *, progress: ProgressCallback | None = None
    ) -> None:
        """PUT the bytes to a signed upload URL, retrying network faults with backoff."""
        http = self._http_client()
        total = len(data)

        def body() -> Iterable[bytes]:
            sent = 0
            for start in range(0, total, UPLOAD_CHUNK_BYTES):
                chunk = data[start : start + UPLOAD_CHUNK_BYTES]
                yield chunk
                sent += len(chunk)
                if progress:
                    progress(sent, total)

        def attempt(number: int) -> None:
            import httpx

            try:
                response = http.put(
                    upload_url,
                    content=body(),
                    headers={"Content-Type": FLAMEGRAPH_MIME_TYPE, "Content-Length": str(total)},
                )
            except httpx.TransportError as exc:
                raise _Retryable(UploadFailed(f"upload interrupted: {exc}")) from exc
            if response.is_success:
                return
            message = _storage_error_message(response)
            # A retry after a lost response finds the object already there: that is success.
            if number > 1 and (response.status_code == 409 or message.startswith("409 ")):
                return
            if response.status_code in RETRYABLE_STATUS:
                raise _Retryable(
                    UploadFailed(f"storage answered {response.status_code}: {message}")
                )
            if _upload_url_expired(message):
                raise UploadUrlExpired(f"storage refused the upload: {message}")
            raise UploadFailed(f"storage refused the upload: {message}")

        self._retrying(attempt)

    def confirm_flamegraph_upload(
        self,
        report_id: str,
        storage_path: str,
        file_name: str,
        file_size: int,
        benchmark_name: str | None = None,
    ) -> Flamegraph:
        """Have the server check the uploaded file and attach it to the report (idempotent)."""
        data = self._execute(
            operation("ConfirmFlamegraphUpload"),
            {
                "reportId": report_id,
                "storagePath": storage_path,
                "fileName": file_name,
                "fileSize": file_size,
                "benchmarkName": benchmark_name,
            },
            idempotent=True,
        )
        return Flamegraph.from_json(data["confirmFlamegraphUpload"])

    def attach_flamegraph(
        self,
        report: Report | str,
        file: str | os.PathLike[str] | bytes,
        *,
        file_name: str | None = None,
        project: str | None = None,
        benchmark: str | None = None,
        progress: ProgressCallback | None = None,
        validate: bool = True,
    ) -> Flamegraph:
        """Validate a flamegraph locally, upload it and attach it to ``report``.

        ``file`` is a path or the bytes (then ``file_name`` names it): a flamegraph SVG, or a
        profile in another format driftwatch reads (folded stacks, speedscope JSON), which is
        rendered to driftwatch's SVG (with its exact stacks) and uploaded as ``NAME.svg``.
        ``project`` is needed only when ``report`` is an id. ``validate=False`` skips the local
        check of an SVG for callers that have just made it (the server checks again either way).
        """
        from driftwatch_nb.core.profiles import detect_format, parse_profile
        from driftwatch_nb.core.profiles import render_profile as render
        from driftwatch_nb.core.svg import load_svg_file, utf8_svg, validate_svg

        if isinstance(file, bytes):
            name = file_name or "flamegraph.svg"
            data, _ = utf8_svg(file)  # UTF-16 (PowerShell's `>`) goes up as UTF-8
        else:
            path = Path(file)
            name = file_name or path.name
            if validate and (not path.is_file() or path.suffix.lower() == ".svg"):
                data = load_svg_file(path).data  # UTF-16 is transcoded to UTF-8
            else:
                data, _ = utf8_svg(path.read_bytes())
        if detect_format(data) in ("svg", None):
            if validate:
                validate_svg(data, file_name=name)
        else:
            profile = parse_profile(data, file_name=name)
            data = render(profile.folded, title=name, unit=profile.unit)
            name = Path(name).stem + ".svg"
        if isinstance(report, str):
            report_id = report
            project = project or self.report_project(report)
        else:
            report_id, project = report.id, report.project
        upload = self.get_flamegraph_upload_url(project, name, len(data))
        try:
            self.upload_flamegraph(upload.upload_url, data, progress=progress)
        except UploadUrlExpired:
            # The storage signs upload URLs for less time than this upload took to start
            # (self-hosted Supabase: 60 s by default): one fresh URL, used at once.
            upload = self.get_flamegraph_upload_url(project, name, len(data))
            try:
                self.upload_flamegraph(upload.upload_url, data, progress=progress)
            except UploadUrlExpired as exc:
                raise UploadFailed(
                    f"{exc}; a fresh upload URL expired too before the upload began: the "
                    "storage signs upload URLs for too short a time. On self-hosted Supabase "
                    "set UPLOAD_SIGNED_URL_EXPIRATION_TIME=3600 in the storage container's "
                    "environment (its default is 60 s)"
                ) from exc
        return self.confirm_flamegraph_upload(
            report_id, upload.storage_path, name, len(data), benchmark
        )

    def flamegraph_stacks(self, flamegraph_id: str) -> dict[str, int]:
        """A flamegraph's stored stacks as ``{"root;...;leaf": count}``.

        Raises ``InvalidInput`` when the flamegraph is a picture only (its SVG could not be
        read as a flamegraph).
        """
        from driftwatch_nb.core.errors import InvalidInput
        from driftwatch_nb.core.flamegraph import parse_folded

        data = self._execute(operation("FlamegraphStacks"), {"id": flamegraph_id}, idempotent=True)
        stacks = data["flamegraph"]
        if stacks["status"] != "READY":
            raise InvalidInput(
                f"flamegraph {flamegraph_id} has no stacks: {stacks['note']}", field="id"
            )
        return parse_folded(stacks["folded"] or "")

    def flamegraph_diff(
        self,
        base_id: str,
        head_id: str,
        *,
        normalize: bool = True,
        first: int = 20,
        svg: bool = False,
        shape: str = "head",
        folded: bool = False,
    ) -> dict[str, Any]:
        """The server's ``flamegraphDiff`` of two of your flamegraphs, as a dict; with
        ``folded`` also both sides' folded stacks (``baseFolded``/``headFolded``), to draw it."""
        data = self._execute(
            operation("FlamegraphDiff"),
            {
                "baseId": base_id,
                "headId": head_id,
                "normalize": normalize,
                "first": first,
                "withSvg": svg,
                "shape": shape.upper(),
                "withFolded": folded,
            },
            idempotent=True,
        )
        return data["flamegraphDiff"]

    def alert_diffs(
        self, project: str, *, first: int = 20, svg: bool = False
    ) -> list[dict[str, Any]]:
        """The active alerts of a project, each with its ``flamegraphDiff`` (or None)."""
        data = self._execute(
            operation("AlertFlamegraphDiff"),
            {"slug": project, "first": first, "withSvg": svg},
            idempotent=True,
        )
        return data["project"]["alerts"]["nodes"]

    def flamegraph_url(self, flamegraph_id: str) -> str:
        """A fresh signed read URL (1 hour) for a flamegraph."""
        data = self._execute(operation("FlamegraphUrl"), {"id": flamegraph_id}, idempotent=True)
        return data["flamegraphUrl"]

    def download_flamegraph(self, flamegraph_id: str) -> bytes:
        """The flamegraph's bytes, fetched through a signed URL."""
        url = self.flamegraph_url(flamegraph_id)

        def attempt(_number: int) -> bytes:
            import httpx

            try:
                response = self._http_client().get(url)
            except httpx.TransportError as exc:
                raise _Retryable(ConnectionFailed(f"download interrupted: {exc}")) from exc
            if response.status_code in RETRYABLE_STATUS:
                raise _Retryable(ConnectionFailed(f"storage answered {response.status_code}"))
            if not response.is_success:
                raise ApiError(f"storage refused the download: {_storage_error_message(response)}")
            return response.content

        return self._retrying(attempt)

    # -- plumbing ---------------------------------------------------------------------------

    def _http_client(self) -> httpx.Client:
        if self._http is None:
            import httpx

            self._http = httpx.Client(timeout=self.timeout, follow_redirects=False)
        return self._http

    def _graphql_session(self) -> Any:
        if self._gql is None:
            from gql import Client as GqlClient
            from gql.transport.httpx import HTTPXTransport

            headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
            transport = HTTPXTransport(
                url=f"{self.url}/graphql", headers=headers, timeout=self.timeout
            )
            self._gql = GqlClient(transport=transport, execute_timeout=self.timeout)
            self._gql_session = self._gql.connect_sync()
        return self._gql_session

    def _execute(
        self, query: str, variables: dict[str, Any] | None = None, *, idempotent: bool = False
    ) -> dict[str, Any]:
        if not self.token:
            raise ConfigurationError(
                "no API token: set DRIFTWATCH_TOKEN or run `driftwatch login --token TOKEN`"
            )
        check_server_url(self.url)

        if self.lean:
            return self._retrying(lambda _number: self._attempt_lean(query, variables, idempotent))

        def attempt(_number: int) -> dict[str, Any]:
            import httpx
            from gql import GraphQLRequest
            from gql.transport.exceptions import (
                TransportConnectionFailed,
                TransportProtocolError,
                TransportQueryError,
                TransportServerError,
            )

            request = GraphQLRequest(query, variable_values=variables)
            self.field_errors = []
            try:
                return self._graphql_session().execute(request)
            except TransportQueryError as exc:
                if exc.data and _only_url_fields_failed(exc.errors):
                    # A flamegraph whose file is missing costs its own `url` (None), not the
                    # whole answer.
                    self.field_errors = [_api_error([error]) for error in exc.errors or []]
                    return exc.data
                raise _api_error(exc.errors or [{"message": str(exc)}]) from exc
            except TransportConnectionFailed as exc:
                # gql wraps the httpx error; its cause tells whether anything was sent.
                cause = exc.__cause__ if isinstance(exc.__cause__, Exception) else exc
                failure = self._unreachable(cause)
                nothing_sent = isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout)
                if nothing_sent or idempotent:
                    raise _Retryable(failure) from exc
                raise failure from exc
            except TransportServerError as exc:
                raise self._status_failure(exc.code or 0, str(exc), idempotent) from exc
            except TransportProtocolError as exc:
                raise self._not_driftwatch("its answer to POST /graphql is not GraphQL") from exc

        return self._retrying(attempt)

    def _attempt_lean(
        self, query: str, variables: dict[str, Any] | None, idempotent: bool
    ) -> dict[str, Any]:
        """One POST of ``query``, with the answers mapped as the gql path maps them."""
        import httpx

        self.field_errors = []
        try:
            response = self._http_client().post(
                f"{self.url}/graphql",
                json={"query": query, "variables": variables or {}},
                headers={"Authorization": f"Bearer {self.token}"},
            )
        except httpx.TransportError as exc:
            failure = self._unreachable(exc)
            if idempotent or isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
                raise _Retryable(failure) from exc
            raise failure from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or ("data" not in body and "errors" not in body):
            if response.status_code >= 400:
                raise self._status_failure(
                    response.status_code, f"HTTP {response.status_code}", idempotent
                )
            raise self._not_driftwatch("its answer to POST /graphql is not GraphQL")
        errors = body.get("errors")
        if errors:
            data = body.get("data")
            if data and _only_url_fields_failed(errors):
                self.field_errors = [_api_error([error]) for error in errors]
                return data
            raise _api_error(errors if isinstance(errors, list) else [errors])
        return body["data"]

    def _status_failure(self, code: int, detail: str, idempotent: bool) -> Exception:
        """What an HTTP error status without a GraphQL answer means (retryable or not)."""
        if code in NOT_DRIFTWATCH_STATUS:
            return self._not_driftwatch(f"POST /graphql answered HTTP {code}")
        if code == 401:
            return AuthenticationError(
                "the server refused this token (revoked, mistyped, or for another server)"
            )
        if code == 429:
            return RateLimited(
                f"{self.url} is backing off after repeated refused tokens from this "
                "address; wait a minute and check DRIFTWATCH_TOKEN"
            )
        failure = ConnectionFailed(f"{self.url} answered HTTP {code}: {detail}")
        if idempotent and code in RETRYABLE_STATUS:
            return _Retryable(failure)
        return failure

    def _not_driftwatch(self, what: str) -> ConnectionFailed:
        return ConnectionFailed(
            f"{self.url} is not a driftwatch server ({what}); check the URL "
            "(--url or DRIFTWATCH_URL): it is the server's base address, such as "
            "http://127.0.0.1:8787, without /graphql or a dashboard path"
        )

    def _unreachable(self, exc: Exception) -> ConnectionFailed:
        return ConnectionFailed(
            f"cannot reach the driftwatch server at {self.url} ({exc.__class__.__name__}); "
            "is it running? (start one with `driftwatch serve`, or set DRIFTWATCH_URL)"
        )

    def _retrying(self, attempt: Callable[[int], T]) -> T:
        for number in range(1, self.retries + 1):
            try:
                return attempt(number)
            except _Retryable as retryable:
                if number == self.retries:
                    raise retryable.cause from None
                # The transport may be in a bad state after a dropped connection.
                self._reset_graphql()
                time.sleep(RETRY_BACKOFF_SECONDS * 2 ** (number - 1))
        raise AssertionError("unreachable")

    def _reset_graphql(self) -> None:
        if self._gql is not None:
            # Closing a broken connection may fail too; it is being replaced anyway.
            with contextlib.suppress(Exception):
                self._gql.close_sync()
            self._gql = None


def _page_order(frames: list[pd.DataFrame], ids: list[str], *, samples: bool) -> pd.DataFrame:
    """The export's rows (oldest first) in the page's order: newest report first, each
    report's metrics by benchmark and measure, as GraphQL lists them."""
    import pandas as pd

    from driftwatch_nb import _export

    if not frames:
        return _export.normalize(pd.DataFrame(), samples=samples)
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    position = {report_id: index for index, report_id in enumerate(ids)}
    order = frame["report"].map(position).to_numpy().argsort(kind="stable")
    return frame.take(order).reset_index(drop=True)


def _with_metrics(headers: list[Report], frame: pd.DataFrame, *, samples: bool) -> list[Report]:
    """The reports with their metrics from the export's rows."""
    import pandas as pd

    from driftwatch_nb._types import Metric

    grouped: dict[str, list[Metric]] = {report.id: [] for report in headers}
    columns = [frame[name].tolist() for name in ("report", "benchmark", "measure")]
    values = [frame[name].tolist() for name in ("value", "lower", "upper")]
    lists = frame["samples"].tolist() if samples else [None] * len(frame)
    for report_id, benchmark, measure, value, lower, upper, found in zip(
        *columns, *values, lists, strict=True
    ):
        grouped[report_id].append(
            Metric(
                benchmark=benchmark,
                measure=measure,
                value=value,
                lower_value=None if pd.isna(lower) else lower,
                upper_value=None if pd.isna(upper) else upper,
                samples=None if found is None else tuple(found),
            )
        )
    return [dataclasses.replace(report, metrics=tuple(grouped[report.id])) for report in headers]


def _measure_input(benchmark: str, name: str, value: Any) -> dict[str, Any]:
    if isinstance(value, int | float):
        return {"measure": name, "value": float(value)}
    if isinstance(value, Mapping):
        get = value.get
    else:

        def get(key: str, default: Any = None) -> Any:
            return getattr(value, key, default)

    item = {
        "measure": name,
        "value": get("value"),
        "lowerValue": get("lower_value"),
        "upperValue": get("upper_value"),
    }
    samples = get("samples")
    if samples is not None:
        where = f"benchmark {benchmark!r} measure {name!r}: "
        if isinstance(samples, str | bytes) or not hasattr(samples, "__len__"):
            raise InvalidInput(f"{where}samples must be a sequence of numbers", field="samples")
        try:
            checked = check_samples(samples, non_negative=name in BUILTIN_MEASURES, where=where)
        except (TypeError, ValueError):
            raise InvalidInput(
                f"{where}samples must be a sequence of numbers", field="samples"
            ) from None
        if checked:  # none is the same as no samples
            item["samples"] = checked
    return item


NOT_DRIFTWATCH_STATUS = frozenset({404, 405, 501})
"""Answers of a server with no ``POST /graphql``: another web server, or a path in the URL."""


def check_server_url(url: str) -> str:
    """Refuse a server URL that cannot be right before anything is sent, saying why."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        hint = f" (did you mean http://{url}?)" if "://" not in url else ""
        raise ConfigurationError(
            f"the server URL {url!r} must start with http:// or https://{hint}; "
            "set it with --url, DRIFTWATCH_URL or `driftwatch login --url`"
        )
    if parts.query or parts.fragment:
        raise ConfigurationError(
            f"the server URL {url!r} must not carry a query or fragment; use the server's base "
            "address, such as http://127.0.0.1:8787"
        )
    return url


def _only_url_fields_failed(errors: list[Any] | None) -> bool:
    return bool(errors) and all(
        isinstance(error, dict) and (error.get("path") or [None])[-1] == "url"
        for error in errors or []
    )


def _api_error(errors: list[Any]) -> ApiError:
    first = errors[0] if errors else {}
    if not isinstance(first, dict):
        return ApiError(str(first))
    return api_error_from(
        first.get("message", "the server refused the request"), first.get("extensions")
    )


def _upload_url_expired(message: str) -> bool:
    """Supabase: ``400 InvalidJWT: "exp" claim timestamp check failed``; the embedded backend:
    ``400 InvalidJWT: The signed URL has expired; ...``."""
    lowered = message.lower()
    return "invalidjwt" in lowered and ('"exp" claim' in lowered or "expired" in lowered)


def _storage_error_message(response: httpx.Response) -> str:
    """Supabase-style errors carry the real code in the body: ``{"statusCode": "413", ...}``."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(body, dict):
        code = body.get("statusCode") or response.status_code
        return f"{code} {body.get('error', '')}: {body.get('message', '')}".strip()
    return f"HTTP {response.status_code}"
