"""Small typed objects the client returns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


def _time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


@dataclass(frozen=True, kw_only=True)
class Project:
    """A project you own."""

    id: str
    slug: str
    name: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Project:
        return cls(id=data["id"], slug=data["slug"], name=data["name"])


@dataclass(frozen=True, kw_only=True)
class Metric:
    """One measured value of one benchmark.

    ``samples`` are the raw per-round values in the measure's unit, when the report was fetched
    with ``samples=True`` and the harness reported them; otherwise ``None``. Left out of the
    repr: there may be thousands.
    """

    benchmark: str
    measure: str
    value: float
    lower_value: float | None = None
    upper_value: float | None = None
    samples: tuple[float, ...] | None = field(default=None, repr=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Metric:
        samples = data.get("samples")
        return cls(
            benchmark=data["benchmark"]["name"],
            measure=data["measure"],
            value=data["value"],
            lower_value=data.get("lowerValue"),
            upper_value=data.get("upperValue"),
            samples=None if samples is None else tuple(samples),
        )


@dataclass(frozen=True, kw_only=True)
class Flamegraph:
    """A flamegraph attached to a report; ``url`` is signed for one hour from the query."""

    id: str
    file_name: str
    file_size: int
    url: str | None = None
    storage_path: str | None = None
    benchmark: str | None = None
    created_at: dt.datetime | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Flamegraph:
        benchmark = data.get("benchmark")
        return cls(
            id=data["id"],
            file_name=data["fileName"],
            file_size=data["fileSize"],
            url=data.get("url"),
            storage_path=data.get("storagePath"),
            benchmark=benchmark["name"] if benchmark else None,
            created_at=_time(data.get("createdAt")),
        )


@dataclass(frozen=True, kw_only=True)
class UploadUrl:
    """Where to PUT a flamegraph, and the path to confirm afterwards."""

    upload_url: str
    storage_path: str


@dataclass(frozen=True, kw_only=True)
class Report:
    """One benchmark run with its metrics and flamegraphs."""

    id: str
    project: str
    branch: str
    testbed: str
    git_hash: str | None
    adapter: str
    start_time: dt.datetime
    end_time: dt.datetime
    created_at: dt.datetime
    metrics: tuple[Metric, ...] = ()
    flamegraphs: tuple[Flamegraph, ...] = ()
    with_samples: bool = False
    """Whether the metrics' samples were fetched (``Client.report(..., samples=True)``)."""
    alerts: tuple[Alert, ...] = ()
    """The alerts this report raised or updated (filled by ``Client.create_report``)."""

    @classmethod
    def from_json(cls, data: dict[str, Any], *, with_samples: bool = False) -> Report:
        return cls(
            id=data["id"],
            project=data["projectSlug"],
            branch=data["branch"]["name"],
            testbed=data["testbed"]["name"],
            git_hash=data.get("gitHash"),
            adapter=data["adapter"],
            start_time=dt.datetime.fromisoformat(data["startTime"]),
            end_time=dt.datetime.fromisoformat(data["endTime"]),
            created_at=dt.datetime.fromisoformat(data["createdAt"]),
            metrics=tuple(Metric.from_json(item) for item in data.get("metrics", [])),
            flamegraphs=tuple(Flamegraph.from_json(item) for item in data.get("flamegraphs", [])),
            with_samples=with_samples,
            alerts=tuple(Alert.from_json(item) for item in data.get("alerts") or []),
        )

    def metric_rows(self, *, samples: bool = False) -> Iterator[dict[str, Any]]:
        """One tidy row per metric (the shape of ``to_pandas``)."""
        if samples:
            _require_samples(self)
        for metric in self.metrics:
            row = {
                "report": self.id,
                "time": self.start_time,
                "branch": self.branch,
                "testbed": self.testbed,
                "git_hash": self.git_hash,
                "benchmark": metric.benchmark,
                "measure": metric.measure,
                "value": metric.value,
                "lower": metric.lower_value,
                "upper": metric.upper_value,
            }
            if samples:
                row["samples"] = None if metric.samples is None else list(metric.samples)
            yield row

    def to_pandas(self, *, samples: bool = False) -> pd.DataFrame:
        """This report's metrics as a tidy DataFrame (``samples=True``: see
        ``ReportList.to_pandas``)."""
        return ReportList(reports=[self], total_count=1).to_pandas(samples=samples)


def _require_samples(report: Report) -> None:
    if not report.with_samples:
        raise ValueError(
            f"report {report.id} was fetched without its samples; fetch it with "
            "Client.report(id, samples=True) or Client.reports(..., samples=True)"
        )


TIDY_COLUMNS = (
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


@dataclass(frozen=True, kw_only=True)
class ReportList(Sequence[Report]):
    """Reports, newest first, as a sequence; ``to_pandas()`` gives one row per metric."""

    reports: list[Report] = field(default_factory=list)
    total_count: int = 0
    end_cursor: str | None = None
    """Pass as ``after=`` for the next (older) page; stable while reports arrive."""
    has_more: bool = False
    """Whether older reports follow this page."""
    frame: Any = field(default=None, repr=False, compare=False)
    """The metrics as the bulk export gave them (``Client.reports``), in ``to_pandas``'s
    shape and order; None when the reports came with their metrics through GraphQL."""

    def __getitem__(self, index: Any) -> Any:
        return self.reports[index]

    def __len__(self) -> int:
        return len(self.reports)

    def to_pandas(self, *, samples: bool = False) -> pd.DataFrame:
        """A tidy frame: report, time, branch, testbed, git_hash, benchmark, measure, value,
        lower, upper.

        ``samples=True`` (for reports fetched with ``Client.reports(..., samples=True)``) adds a
        ``samples`` column: the metric's raw values as a list, or ``None`` where the harness
        reported none. Off by default: samples can be large.
        """
        import pandas as pd

        if samples:
            for report in self.reports:
                _require_samples(report)
        if self.frame is not None:
            columns = [*TIDY_COLUMNS, "samples"] if samples else list(TIDY_COLUMNS)
            return self.frame[columns].copy()
        rows = [row for report in self.reports for row in report.metric_rows(samples=samples)]
        columns = [*TIDY_COLUMNS, "samples"] if samples else list(TIDY_COLUMNS)
        frame = pd.DataFrame(rows, columns=columns)
        frame["time"] = pd.to_datetime(frame["time"], utc=True)
        return frame


# -- drift ----------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Alert:
    """A detected change in one series (project, branch, testbed, benchmark, measure).

    ``direction`` is ``REGRESSION`` or ``IMPROVEMENT`` (by the measure's direction),
    ``confidence`` ``CONFIRMED`` or ``SUSPECTED`` (the newest report(s) look shifted, the evidence
    is not enough yet), ``status`` ``ACTIVE``, ``ACKNOWLEDGED`` or ``DISMISSED``. ``change`` is
    ``value / baseline_value - 1``.
    """

    id: str
    benchmark: str
    measure: str
    direction: str
    change: float
    baseline_value: float
    value: float
    p_value: float
    confidence: str
    status: str
    branch: str
    testbed: str
    report_id: str
    change_report_id: str
    change_git_hash: str | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def is_regression(self) -> bool:
        return self.direction == "REGRESSION"

    @property
    def is_confirmed(self) -> bool:
        return self.confidence == "CONFIRMED"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Alert:
        change_report = data["changeReport"]
        return cls(
            id=data["id"],
            benchmark=data["benchmark"]["name"],
            measure=data["measure"],
            direction=data["direction"],
            change=data["change"],
            baseline_value=data["baselineValue"],
            value=data["value"],
            p_value=data["pValue"],
            confidence=data["confidence"],
            status=data["status"],
            branch=data["branch"]["name"],
            testbed=data["testbed"]["name"],
            report_id=data["report"]["id"],
            change_report_id=change_report["id"],
            change_git_hash=change_report.get("gitHash"),
            created_at=dt.datetime.fromisoformat(data["createdAt"]),
            updated_at=dt.datetime.fromisoformat(data["updatedAt"]),
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (snake_case keys, ISO times), as the CLI prints it."""
        return {
            "id": self.id,
            "benchmark": self.benchmark,
            "measure": self.measure,
            "direction": self.direction,
            "change": self.change,
            "baseline_value": self.baseline_value,
            "value": self.value,
            "p_value": self.p_value,
            "confidence": self.confidence,
            "status": self.status,
            "branch": self.branch,
            "testbed": self.testbed,
            "report": self.report_id,
            "change_report": self.change_report_id,
            "change_git_hash": self.change_git_hash,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


ALERT_COLUMNS = (
    "id",
    "benchmark",
    "measure",
    "direction",
    "change",
    "baseline_value",
    "value",
    "p_value",
    "confidence",
    "status",
    "branch",
    "testbed",
    "report",
    "change_report",
    "change_git_hash",
    "created_at",
    "updated_at",
)


@dataclass(frozen=True, kw_only=True)
class AlertPage(Sequence[Alert]):
    """A page of alerts, most recently updated first; ``total_count`` counts every match."""

    alerts: list[Alert] = field(default_factory=list)
    total_count: int = 0

    def __getitem__(self, index: Any) -> Any:
        return self.alerts[index]

    def __len__(self) -> int:
        return len(self.alerts)

    def to_pandas(self) -> pd.DataFrame:
        """One row per alert."""
        import pandas as pd

        frame = pd.DataFrame([a.to_json() for a in self.alerts], columns=list(ALERT_COLUMNS))
        for column in ("created_at", "updated_at"):
            frame[column] = pd.to_datetime(frame[column], utc=True)
        return frame


@dataclass(frozen=True, kw_only=True)
class MeasureDirection:
    """Whether higher is better for a measure; ``known`` is False when it is only assumed."""

    measure: str
    higher_is_better: bool
    known: bool = True

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MeasureDirection:
        return cls(
            measure=data["measure"],
            higher_is_better=data["higherIsBetter"],
            known=data.get("known", True),
        )


@dataclass(frozen=True, kw_only=True)
class DetectionRule:
    """Detection knobs of a whole project (``benchmark`` None) or of one benchmark; a None knob
    inherits (the project's rule, then the server's default)."""

    benchmark: str | None
    min_change: float | None
    sensitivity: float | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DetectionRule:
        return cls(
            benchmark=data.get("benchmark"),
            min_change=data.get("minChange"),
            sensitivity=data.get("sensitivity"),
        )


@dataclass(frozen=True, kw_only=True)
class Detection:
    """A project's detection rules, measure directions, and the server's defaults."""

    rules: tuple[DetectionRule, ...]
    directions: tuple[MeasureDirection, ...]
    default_min_change: float
    default_sensitivity: float

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Detection:
        return cls(
            rules=tuple(DetectionRule.from_json(r) for r in data["rules"]),
            directions=tuple(MeasureDirection.from_json(d) for d in data["directions"]),
            default_min_change=data["defaultMinChange"],
            default_sensitivity=data["defaultSensitivity"],
        )

    def rule(self, benchmark: str | None = None) -> DetectionRule | None:
        """The rule of ``benchmark`` (None: the project's), if one is set."""
        return next((r for r in self.rules if r.benchmark == benchmark), None)

    def overrides(self) -> dict[str, bool]:
        """``measure -> higher_is_better`` as ``core.measures.direction`` takes them."""
        return {d.measure: d.higher_is_better for d in self.directions}


@dataclass(frozen=True, kw_only=True)
class HistoryPoint:
    """One report's value in a series."""

    report_id: str
    time: dt.datetime
    git_hash: str | None
    value: float
    lower_value: float | None = None
    upper_value: float | None = None


@dataclass(frozen=True, kw_only=True)
class ChangePoint:
    """Where a series changed level: ``index`` is the first point at the new level."""

    index: int
    report_id: str
    git_hash: str | None
    direction: str
    change: float
    before: float
    after: float
    p_value: float


HISTORY_COLUMNS = (
    "report",
    "time",
    "git_hash",
    "branch",
    "testbed",
    "benchmark",
    "measure",
    "value",
    "lower",
    "upper",
    "change_point",
)


@dataclass(frozen=True, kw_only=True)
class History(Sequence[HistoryPoint]):
    """One series, oldest point first, with its change points; ``to_pandas()`` gives one row per
    point (``change_point`` is True on the first point of each new level)."""

    benchmark: str
    measure: str
    branch: str
    testbed: str
    direction: MeasureDirection
    points: list[HistoryPoint] = field(default_factory=list)
    change_points: list[ChangePoint] = field(default_factory=list)

    def __getitem__(self, index: Any) -> Any:
        return self.points[index]

    def __len__(self) -> int:
        return len(self.points)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> History:
        return cls(
            benchmark=data["benchmark"]["name"],
            measure=data["measure"],
            branch=data["branch"]["name"],
            testbed=data["testbed"]["name"],
            direction=MeasureDirection.from_json(data["direction"]),
            points=[
                HistoryPoint(
                    report_id=p["report"]["id"],
                    time=dt.datetime.fromisoformat(p["report"]["startTime"]),
                    git_hash=p["report"].get("gitHash"),
                    value=p["value"],
                    lower_value=p.get("lowerValue"),
                    upper_value=p.get("upperValue"),
                )
                for p in data["points"]
            ],
            change_points=[
                ChangePoint(
                    index=c["index"],
                    report_id=c["report"]["id"],
                    git_hash=c["report"].get("gitHash"),
                    direction=c["direction"],
                    change=c["change"],
                    before=c["before"],
                    after=c["after"],
                    p_value=c["pValue"],
                )
                for c in data["changePoints"]
            ],
        )

    def to_pandas(self) -> pd.DataFrame:
        """report, time, git_hash, branch, testbed, benchmark, measure, value, lower, upper,
        change_point."""
        import pandas as pd

        starts = {c.index for c in self.change_points}
        rows = [
            {
                "report": p.report_id,
                "time": p.time,
                "git_hash": p.git_hash,
                "branch": self.branch,
                "testbed": self.testbed,
                "benchmark": self.benchmark,
                "measure": self.measure,
                "value": p.value,
                "lower": p.lower_value,
                "upper": p.upper_value,
                "change_point": index in starts,
            }
            for index, p in enumerate(self.points)
        ]
        frame = pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))
        frame["time"] = pd.to_datetime(frame["time"], utc=True)
        return frame
