"""Watching for drift: series histories, detection on ingest, alerts and their lifecycle.

A *series* is (project, branch, testbed, benchmark, measure). ``detect_on_ingest`` judges
every series a new report touches against its history in one set-based pass (one query for
all the histories, one for the open alerts) with ``driftwatch_server.drift``'s online test, and
controls false alerts across the whole report. ``history`` reads one series with its change
points (the offline test). Thresholds and directions come from ``rules_for``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Session, select

from driftwatch_nb.core.errors import InvalidInput, NotFoundError
from driftwatch_nb.core.limits import check_measure, check_name
from driftwatch_nb.core.measures import Direction, direction
from driftwatch_server.drift import (
    DEFAULT_SETTINGS,
    DetectionSettings,
    State,
    detect_change_points,
    evaluate,
)
from driftwatch_server.models import (
    Alert,
    Benchmark,
    Branch,
    DetectionRule,
    MeasureDirection,
    Metric,
    Project,
    Report,
    Testbed,
    User,
    utcnow,
)
from driftwatch_server.samples import unpack as unpack_samples

MAX_HISTORY_POINTS = 10_000
"""The most points one ``history`` answer holds."""
MAX_ALERT_PAGE = 200
"""The most alerts one page holds."""


class AlertStatus(StrEnum):
    """Where the user has put an alert."""

    ACTIVE = "ACTIVE"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    DISMISSED = "DISMISSED"


class Confidence(StrEnum):
    """How sure the detector is: ``SUSPECTED`` means the newest report(s) look shifted but the
    evidence is not enough yet; the same alert becomes ``CONFIRMED`` when later reports hold
    the new level, and is dismissed by itself when they do not."""

    CONFIRMED = "CONFIRMED"
    SUSPECTED = "SUSPECTED"


class ChangeDirection(StrEnum):
    """Whether a change is good or bad news for its measure."""

    REGRESSION = "REGRESSION"
    IMPROVEMENT = "IMPROVEMENT"


def change_direction(change: float, measure_direction: Direction) -> ChangeDirection:
    """A rise is an improvement only where higher is better."""
    better = (change > 0) == measure_direction.higher_is_better
    return ChangeDirection.IMPROVEMENT if better else ChangeDirection.REGRESSION


# -- rules ----------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Rules:
    """A project's detection knobs and measure directions, resolved per benchmark."""

    project: DetectionRule | None = None
    by_benchmark: dict[str, DetectionRule] = field(default_factory=dict)
    directions: dict[str, bool] = field(default_factory=dict)

    def settings(self, benchmark_id: str) -> DetectionSettings:
        """The detector settings for one benchmark: its rule, else the project's, else the
        built-in defaults."""
        knobs: dict[str, float] = {}
        for rule in (self.project, self.by_benchmark.get(benchmark_id)):
            if rule is None:
                continue
            if rule.min_change is not None:
                knobs["min_change"] = rule.min_change
            if rule.sensitivity is not None:
                knobs["sensitivity"] = rule.sensitivity
        if not knobs:
            return DEFAULT_SETTINGS
        return DetectionSettings(**knobs)  # type: ignore[arg-type]

    def direction(self, measure: str) -> Direction:
        return direction(measure, self.directions)


def rules_for(session: Session, project_id: str) -> Rules:
    """Every rule and direction of a project (two small queries)."""
    rules = list(session.exec(select(DetectionRule).where(DetectionRule.project_id == project_id)))
    directions = session.exec(
        select(MeasureDirection).where(MeasureDirection.project_id == project_id)
    )
    return Rules(
        project=next((r for r in rules if r.benchmark_id is None), None),
        by_benchmark={r.benchmark_id: r for r in rules if r.benchmark_id is not None},
        directions={d.measure: d.higher_is_better for d in directions},
    )


def set_rule(
    session: Session,
    *,
    project: Project,
    benchmark: str | None,
    min_change: float | None,
    sensitivity: float | None,
) -> DetectionRule:
    """Set (or clear, with None) a project's or one benchmark's detection knobs."""
    if min_change is not None and not 0.0 <= min_change < 10.0:
        raise InvalidInput(
            f"minChange must be a relative change between 0 and 10 (0.02 = 2 %), got {min_change}",
            field="minChange",
        )
    if sensitivity is not None and not 0.01 <= sensitivity <= 100.0:
        raise InvalidInput(
            f"sensitivity must be between 0.01 and 100 (1 = default), got {sensitivity}",
            field="sensitivity",
        )
    benchmark_id = None
    if benchmark is not None:
        name = check_name(benchmark, field="benchmark")
        row = session.exec(
            select(Benchmark).where(Benchmark.project_id == project.id, Benchmark.name == name)
        ).first()
        if row is None:
            raise NotFoundError(
                f"project {project.slug!r} has no benchmark named {name!r}",
                field="benchmark",
                kind="benchmark",
            )
        benchmark_id = row.id
    rule = session.exec(
        select(DetectionRule).where(
            DetectionRule.project_id == project.id,
            DetectionRule.benchmark_id == benchmark_id
            if benchmark_id
            else DetectionRule.benchmark_id.is_(None),  # type: ignore[union-attr]
        )
    ).first()
    if rule is None:
        rule = DetectionRule(project_id=project.id, benchmark_id=benchmark_id)
    rule.min_change, rule.sensitivity = min_change, sensitivity
    session.add(rule)
    session.flush()
    return rule


def set_direction(
    session: Session, *, project: Project, measure: str, higher_is_better: bool
) -> MeasureDirection:
    """Say whether higher is better for one of a project's measures."""
    check_measure(measure)
    row = session.exec(
        select(MeasureDirection).where(
            MeasureDirection.project_id == project.id, MeasureDirection.measure == measure
        )
    ).first() or MeasureDirection(project_id=project.id, measure=measure, higher_is_better=False)
    row.higher_is_better = higher_is_better
    session.add(row)
    session.flush()
    return row


# -- detection on ingest --------------------------------------------------------------------------

SeriesKey = tuple[str, str]
"""(benchmark_id, measure) within one branch and testbed."""


@dataclass
class _Window:
    report_ids: list[str] = field(default_factory=list)
    values: list[float] = field(default_factory=list)


def detect_on_ingest(
    session: Session,
    *,
    report: Report,
    metrics: Sequence[Metric],
    samples: Sequence[list[float] | None],
) -> list[Alert]:
    """Judge every series of a freshly stored report; returns the alerts it raised or updated.

    A series whose newest point is not this report (a report back-dated into the past) is
    left to the offline view. False alerts are controlled across the report: the family is
    every series it touches.
    """
    if not metrics:
        return []
    rules = rules_for(session, report.project_id)
    keys = [(m.benchmark_id, m.measure) for m in metrics]
    windows = _windows(session, report, keys, max(rules.settings(k[0]).window for k in keys))
    open_alerts = _open_alerts(session, report, keys)
    family = len(keys)
    touched: list[Alert] = []
    now = utcnow()
    for metric, new_samples in zip(metrics, samples, strict=True):
        key = (metric.benchmark_id, metric.measure)
        window = windows.get(key)
        if window is None or not window.report_ids or window.report_ids[-1] != report.id:
            continue
        confirmed, suspected = open_alerts.get(key, (None, None))
        last_index = None
        if confirmed is not None and confirmed.change_report_id in window.report_ids:
            last_index = window.report_ids.index(confirmed.change_report_id)
        history_samples: list[list[float] | None] | None = None
        if new_samples:
            history_samples = [None] * (len(window.values) - 1) + [new_samples]
        verdict = evaluate(
            window.values,
            history_samples,
            last_change_index=last_index,
            settings=rules.settings(metric.benchmark_id),
            family_size=family,
        )
        point = verdict.change_point
        if verdict.state is State.NONE or point is None:
            if suspected is not None:  # later reports did not hold the suspected level
                suspected.status = AlertStatus.DISMISSED
                suspected.updated_at = now
                session.add(suspected)
            continue
        measure_direction = rules.direction(metric.measure)
        target = suspected
        confidence = Confidence.SUSPECTED
        if verdict.state is State.ALERT:
            confidence = Confidence.CONFIRMED
            if suspected is None and verdict.extends_last and confirmed is not None:
                target = confirmed  # a creep or staircase: one alert keeps growing
        if target is None:
            target = Alert(
                project_id=report.project_id,
                benchmark_id=metric.benchmark_id,
                branch_id=report.branch_id,
                testbed_id=report.testbed_id,
                measure=metric.measure,
                created_at=now,
            )
        target.report_id = report.id
        target.change_report_id = window.report_ids[point.index]
        target.change = point.change
        target.direction = change_direction(point.change, measure_direction)
        if target is confirmed:  # measured from where the series stood before it all began
            target.change = (
                point.after / target.baseline_value - 1 if target.baseline_value else point.change
            )
        else:
            target.baseline_value = point.before
        target.value = point.after
        target.p_value = point.p_value
        target.confidence = confidence
        target.updated_at = now
        session.add(target)
        touched.append(target)
    session.flush()
    return touched


def _windows(
    session: Session, report: Report, keys: Sequence[SeriesKey], window: int
) -> dict[SeriesKey, _Window]:
    """The last ``window`` points of each series, oldest first, in one query."""
    benchmark_ids = sorted({benchmark for benchmark, _ in keys})
    measures = sorted({measure for _, measure in keys})
    ranked = (
        sa.select(
            Metric.benchmark_id,
            Metric.measure,
            Metric.report_id,
            Metric.value,
            Metric.start_time,
            sa.func.row_number()
            .over(
                partition_by=(Metric.benchmark_id, Metric.measure),
                order_by=(sa.desc(Metric.start_time), sa.desc(Metric.report_id)),
            )
            .label("rank"),
        )
        .where(
            Metric.branch_id == report.branch_id,
            Metric.testbed_id == report.testbed_id,
            Metric.benchmark_id.in_(benchmark_ids),  # type: ignore[attr-defined]
            Metric.measure.in_(measures),  # type: ignore[attr-defined]
        )
        .subquery()
    )
    rows = session.execute(
        sa.select(ranked.c.benchmark_id, ranked.c.measure, ranked.c.report_id, ranked.c.value)
        .where(ranked.c.rank <= window)
        .order_by(ranked.c.benchmark_id, ranked.c.measure, ranked.c.rank.desc())
    )
    wanted = set(keys)
    windows: dict[SeriesKey, _Window] = defaultdict(_Window)
    for benchmark_id, measure, report_id, value in rows:
        key = (benchmark_id, measure)
        if key in wanted:
            windows[key].report_ids.append(report_id)
            windows[key].values.append(value)
    return windows


def _open_alerts(
    session: Session, report: Report, keys: Sequence[SeriesKey]
) -> dict[SeriesKey, tuple[Alert | None, Alert | None]]:
    """Per series: its newest confirmed alert (any status: the change happened) and its open
    suspicion, if any."""
    benchmark_ids = sorted({benchmark for benchmark, _ in keys})
    rows = session.exec(
        select(Alert)
        .where(
            Alert.branch_id == report.branch_id,
            Alert.testbed_id == report.testbed_id,
            Alert.benchmark_id.in_(benchmark_ids),  # type: ignore[attr-defined]
        )
        .order_by(Alert.created_at)  # type: ignore[arg-type]
    )
    found: dict[SeriesKey, tuple[Alert | None, Alert | None]] = {}
    for alert in rows:
        key = (alert.benchmark_id, alert.measure)
        confirmed, suspected = found.get(key, (None, None))
        if alert.confidence == Confidence.CONFIRMED:
            confirmed = alert
        elif alert.status == AlertStatus.ACTIVE:
            suspected = alert
        found[key] = (confirmed, suspected)
    return found


# -- reading --------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class HistoryPoint:
    """One report's value in a series."""

    report: Report
    value: float
    lower_value: float | None
    upper_value: float | None
    samples: list[float] | None = None


@dataclass(frozen=True, kw_only=True)
class History:
    """One series, oldest first, with the change points of the offline test."""

    benchmark: Benchmark
    measure: str
    branch: Branch
    testbed: Testbed
    direction: Direction
    points: list[HistoryPoint]
    change_points: list[tuple[int, float, float, float, float]]
    """``(index, before, after, change, p_value)`` per change point, index into ``points``."""


def history(
    session: Session,
    *,
    project: Project,
    benchmark: str,
    measure: str = "latency",
    branch: str | None = None,
    testbed: str | None = None,
    last: int = 500,
    with_samples: bool = False,
) -> History:
    """The last ``last`` points of one series in start-time order, with its change points.

    Without ``branch`` the project's ``main`` branch is used when it has one, else the branch
    of the benchmark's newest report; without ``testbed``, the testbed of the newest report on
    that branch.
    """
    if not 1 <= last <= MAX_HISTORY_POINTS:
        raise InvalidInput(f"last must be between 1 and {MAX_HISTORY_POINTS:,}", field="last")
    check_measure(measure)
    bench = session.exec(
        select(Benchmark).where(Benchmark.project_id == project.id, Benchmark.name == benchmark)
    ).first()
    if bench is None:
        raise NotFoundError(
            f"project {project.slug!r} has no benchmark named {benchmark!r}",
            field="benchmark",
            kind="benchmark",
        )
    branch_row = _branch(session, project, bench, branch)
    testbed_row = _testbed(session, project, bench, branch_row, testbed)
    columns = [Metric.report_id, Metric.value, Metric.lower_value, Metric.upper_value]
    if with_samples:
        columns.append(Metric.samples)  # type: ignore[arg-type]
    rows = list(
        session.execute(
            sa.select(*columns)
            .where(
                Metric.benchmark_id == bench.id,
                Metric.measure == measure,
                Metric.branch_id == branch_row.id,
                Metric.testbed_id == testbed_row.id,
            )
            .order_by(sa.desc(Metric.start_time), sa.desc(Metric.report_id))
            .limit(last)
        )
    )
    rows.reverse()
    reports = {
        row.id: row
        for row in session.exec(
            select(Report).where(Report.id.in_([r.report_id for r in rows]))  # type: ignore[attr-defined]
        )
    }
    points = [
        HistoryPoint(
            report=reports[row.report_id],
            value=row.value,
            lower_value=row.lower_value,
            upper_value=row.upper_value,
            samples=unpack_samples(row.samples) if with_samples else None,
        )
        for row in rows
    ]
    settings = rules_for(session, project.id).settings(bench.id)
    change_points = [
        (cp.index, cp.before, cp.after, cp.change, cp.p_value)
        for cp in detect_change_points([p.value for p in points], settings=settings)
    ]
    return History(
        benchmark=bench,
        measure=measure,
        branch=branch_row,
        testbed=testbed_row,
        direction=rules_for(session, project.id).direction(measure),
        points=points,
        change_points=change_points,
    )


def _branch(session: Session, project: Project, bench: Benchmark, name: str | None) -> Branch:
    if name is not None:
        row = session.exec(
            select(Branch).where(Branch.project_id == project.id, Branch.name == name)
        ).first()
        if row is None:
            raise NotFoundError(
                f"project {project.slug!r} has no branch named {name!r}", field="branch"
            )
        return row
    main = session.exec(
        select(Branch).where(Branch.project_id == project.id, Branch.name == "main")
    ).first()
    if main is not None:
        return main
    newest = session.exec(
        select(Metric.branch_id)
        .where(Metric.benchmark_id == bench.id)
        .order_by(sa.desc(Metric.start_time))
        .limit(1)
    ).first()
    row = session.get(Branch, newest) if newest else None
    if row is None:
        raise NotFoundError(f"benchmark {bench.name!r} has no reports", field="benchmark")
    return row


def _testbed(
    session: Session, project: Project, bench: Benchmark, branch: Branch, name: str | None
) -> Testbed:
    if name is not None:
        row = session.exec(
            select(Testbed).where(Testbed.project_id == project.id, Testbed.name == name)
        ).first()
        if row is None:
            raise NotFoundError(
                f"project {project.slug!r} has no testbed named {name!r}", field="testbed"
            )
        return row
    newest = session.exec(
        select(Metric.testbed_id)
        .where(Metric.benchmark_id == bench.id, Metric.branch_id == branch.id)
        .order_by(sa.desc(Metric.start_time))
        .limit(1)
    ).first()
    row = session.get(Testbed, newest) if newest else None
    if row is None:
        raise NotFoundError(
            f"benchmark {bench.name!r} has no reports on branch {branch.name!r}", field="branch"
        )
    return row


def list_alerts(
    session: Session,
    *,
    project: Project,
    status: AlertStatus | None,
    branch: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Alert], int]:
    """A page of the project's alerts, newest first, and how many match."""
    if not 1 <= limit <= MAX_ALERT_PAGE:
        raise InvalidInput(f"first must be between 1 and {MAX_ALERT_PAGE}", field="first")
    if offset < 0:
        raise InvalidInput("offset must not be negative", field="offset")
    condition = Alert.project_id == project.id
    if status is not None:
        condition = sa.and_(condition, Alert.status == status.value)
    if branch is not None:
        branch_id = session.exec(
            select(Branch.id).where(Branch.project_id == project.id, Branch.name == branch)
        ).first()
        if branch_id is None:
            return [], 0
        condition = sa.and_(condition, Alert.branch_id == branch_id)
    total = session.exec(select(sa.func.count()).select_from(Alert).where(condition)).one()
    rows = session.exec(
        select(Alert)
        .where(condition)
        .order_by(sa.desc(Alert.updated_at), sa.desc(Alert.id))
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total)


def owned_alert(session: Session, *, user: User, alert_id: str) -> Alert:
    """The alert ``alert_id`` if ``user`` owns its project (else not found, as for others)."""
    row = session.exec(
        select(Alert)
        .join(Project, Project.id == Alert.project_id)  # type: ignore[arg-type]
        .where(Alert.id == alert_id, Project.owner_id == user.id)
    ).first()
    if row is None:
        raise NotFoundError(f"no alert {alert_id!r} among your projects", field="id", kind="alert")
    return row


def update_alert(session: Session, *, user: User, alert_id: str, status: AlertStatus) -> Alert:
    """Acknowledge, dismiss or re-open an alert."""
    alert = owned_alert(session, user=user, alert_id=alert_id)
    alert.status = status.value
    alert.updated_at = utcnow()
    session.add(alert)
    session.flush()
    return alert


def alerts_of_reports(session: Session, report_ids: Iterable[str]) -> dict[str, list[Alert]]:
    """The alerts each report raised (or last updated), for a batch of reports."""
    grouped: dict[str, list[Alert]] = defaultdict(list)
    ids = list(report_ids)
    if ids:
        for alert in session.exec(
            select(Alert).where(Alert.report_id.in_(ids)).order_by(Alert.created_at)  # type: ignore[attr-defined]
        ):
            grouped[alert.report_id].append(alert)
    return grouped
