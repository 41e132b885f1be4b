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

        rows = [row for report in self.reports for row in report.metric_rows(samples=samples)]
        columns = [*TIDY_COLUMNS, "samples"] if samples else list(TIDY_COLUMNS)
        frame = pd.DataFrame(rows, columns=columns)
        frame["time"] = pd.to_datetime(frame["time"], utc=True)
        return frame
