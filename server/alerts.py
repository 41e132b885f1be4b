"""Watching for drift: series histories, detection on ingest, alerts and their lifecycle.

A *series* is (project, branch, testbed, benchmark, measure). ``detect_on_ingest`` judges
every series a new report touches against its history in one set-based pass (one query for
all the histories, one for the open alerts) with ``driftwatch_server.drift``'s online test, and
controls false alerts across the whole report. ``history`` reads one series with its change
points (the offline test). Thresholds and directions come from ``rules_for``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from operator import itemgetter
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import Session, select

from driftwatch_nb.core.errors import InvalidInput, NotFoundError
from driftwatch_nb.core.limits import check_measure, check_name
from driftwatch_nb.core.measures import Direction, direction
from driftwatch_server.db import dialect_insert
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
    SeriesState,
    Testbed,
    User,
    as_utc,
    utcnow,
)
from driftwatch_server.paging import Page, branch_id, check_page, fetch_page
from driftwatch_server.samples import pack as pack_samples
from driftwatch_server.samples import unpack as unpack_samples

RowT = TypeVar("RowT", Branch, Testbed)

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
    _settings: dict[str, DetectionSettings] = field(default_factory=dict, repr=False)

    def settings(self, benchmark_id: str) -> DetectionSettings:
        """The detector settings for one benchmark: its rule, else the project's, else the
        built-in defaults (built once per benchmark: ingest asks for every series)."""
        found = self._settings.get(benchmark_id)
        if found is None:
            found = self._settings[benchmark_id] = self._build_settings(benchmark_id)
        return found

    def _build_settings(self, benchmark_id: str) -> DetectionSettings:
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


@dataclass(frozen=True, slots=True)
class IngestedMetric:
    """What detection needs of one freshly stored metric."""

    benchmark_id: str
    measure: str
    value: float


STATE_POINTS = DEFAULT_SETTINGS.window
"""Points of each series the detector's cache keeps (``SeriesState``)."""


def detect_on_ingest(
    session: Session,
    *,
    report: Report,
    metrics: Sequence[IngestedMetric | Metric],
    samples: Sequence[list[float] | None],
    new_benchmarks: Collection[str] = frozenset(),
) -> list[Alert]:
    """Judge every series of a freshly stored report; returns the alerts it raised or updated.

    Set-based, so the statements do not grow with the report: one query reads every series'
    ``SeriesState`` row; the series without one are read from the metrics in one query more
    (none for ``new_benchmarks``, created by this report: their window is this report); the
    change reports of alerts found from cached windows are looked up in one query; the
    windows are upserted in one statement, the stale ones deleted in one, and the alerts
    written by one flush. A series whose newest point is not this report (a report back-dated
    into the past) is left to the offline view, and its cached window is dropped. False
    alerts are controlled across the report: the family is every series it touches.
    """
    if not metrics:
        return []
    rules = rules_for(session, report.project_id)
    keys = [(m.benchmark_id, m.measure) for m in metrics]
    start = as_utc(report.start_time)
    states = _states(session, report, keys)
    fresh: dict[SeriesKey, _Window] = defaultdict(_Window)
    missing: list[SeriesKey] = []
    for metric, key in zip(metrics, keys, strict=True):
        if key[0] in new_benchmarks:
            fresh[key].report_ids.append(report.id)
            fresh[key].values.append(metric.value)
        elif key not in states:
            missing.append(key)
    windows = _windows(session, report, missing, STATE_POINTS) if missing else {}
    windows.update(fresh)
    open_alerts = _open_alerts(session, report, keys)
    family = len(keys)
    touched: list[Alert] = []
    writes: list[dict[str, object]] = []
    stale: list[SeriesKey] = []
    # Alerts found from a cached window: their change report is looked up after the loop.
    unplaced: list[tuple[Alert, SeriesKey, int]] = []
    now = utcnow()
    for metric, new_samples in zip(metrics, samples, strict=True):
        key = (metric.benchmark_id, metric.measure)
        confirmed, suspected = open_alerts.get(key, (None, None))
        state = states.get(key)
        report_ids: list[str] | None = None
        if state is not None:
            if as_utc(state.newest_start) > start:
                stale.append(key)
                continue
            values = [*(unpack_samples(state.points) or []), metric.value][-STATE_POINTS:]
            since = None if state.since_change is None else state.since_change + 1
        else:
            window = windows.get(key)
            if window is None or not window.report_ids or window.report_ids[-1] != report.id:
                continue
            values, report_ids = window.values, window.report_ids
            since = None
            if confirmed is not None and confirmed.change_report_id in report_ids:
                since = len(values) - report_ids.index(confirmed.change_report_id)
        if since is not None and since > len(values):
            since = None  # the change point has left the window
        history_samples: list[list[float] | None] | None = None
        if new_samples:
            history_samples = [None] * (len(values) - 1) + [new_samples]
        verdict = evaluate(
            values,
            history_samples,
            last_change_index=None if since is None else len(values) - since,
            settings=rules.settings(metric.benchmark_id),
            family_size=family,
        )
        point = verdict.change_point
        if verdict.state is State.ALERT and point is not None:
            since = len(values) - point.index
        writes.append(
            {
                "benchmark_id": metric.benchmark_id,
                "measure": metric.measure,
                "branch_id": report.branch_id,
                "testbed_id": report.testbed_id,
                "points": pack_samples(values),
                "newest_start": start,
                "since_change": since,
            }
        )
        if verdict.state is State.NONE or point is None:
            if suspected is not None:  # later reports did not hold the suspected level
                suspected.status = AlertStatus.DISMISSED
                suspected.updated_at = now
                session.add(suspected)
            continue
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
        if report_ids is not None:
            target.change_report_id = report_ids[point.index]
        else:
            unplaced.append((target, key, len(values) - 1 - point.index))
        if target is confirmed and target.baseline_value:
            # Measured from where the series stood before it all began.
            target.change = point.after / target.baseline_value - 1
        else:
            target.change = point.change
            target.baseline_value = point.before
        target.direction = change_direction(target.change, rules.direction(metric.measure))
        target.value = point.after
        target.p_value = point.p_value
        target.confidence = confidence
        target.updated_at = now
        session.add(target)
        touched.append(target)
    if unplaced:
        _place_change_reports(session, report, unplaced)
    _save_states(session, report, writes, stale)
    session.flush()
    return touched


def _place_change_reports(
    session: Session, report: Report, unplaced: list[tuple[Alert, SeriesKey, int]]
) -> None:
    """Set each alert's change report: the one ``offset`` points before its series' newest
    (one windows read for all of them)."""
    deepest = max(offset for _alert, _key, offset in unplaced) + 1
    windows = _windows(session, report, [key for _alert, key, _offset in unplaced], deepest)
    for alert, key, offset in unplaced:
        alert.change_report_id = windows[key].report_ids[-1 - offset]


def forget_states(session: Session, *, branch_id: str, testbed_id: str) -> None:
    """Drop the cached windows of a branch and testbed (a report of theirs was deleted); they
    are rebuilt from the metrics on the next ingest."""
    session.execute(
        sa.delete(SeriesState).where(
            SeriesState.branch_id == branch_id, SeriesState.testbed_id == testbed_id
        )
    )


def _states(session: Session, report: Report, keys: Sequence[SeriesKey]) -> dict[SeriesKey, Any]:
    """The cached windows (plain rows) of the report's series that have one."""
    wanted = set(keys)
    table = SeriesState.__table__  # type: ignore[attr-defined]
    rows = session.execute(
        sa.select(table).where(
            table.c.branch_id == report.branch_id,
            table.c.testbed_id == report.testbed_id,
            table.c.benchmark_id.in_(sorted({b for b, _ in keys})),
        )
    )
    return {
        (row.benchmark_id, row.measure): row
        for row in rows
        if (row.benchmark_id, row.measure) in wanted
    }


# PostgreSQL: one statement with four array parameters, the same SQL text for any report
# size (an executemany of 40 rows costs 40 statements on the server, and builds the ON
# CONFLICT construct per call). Every row of a report shares branch, testbed and start.
_UPSERT_STATES_POSTGRESQL = sa.text(
    "INSERT INTO series_states "
    "(benchmark_id, measure, branch_id, testbed_id, points, newest_start, since_change) "
    "SELECT k.b, k.m, :branch, :testbed, k.p, :start, k.s "
    "FROM unnest(CAST(:benchmarks AS text[]), CAST(:measures AS text[]), "
    "CAST(:points AS bytea[]), CAST(:since AS integer[])) AS k(b, m, p, s) "
    "ON CONFLICT (benchmark_id, measure, branch_id, testbed_id) DO UPDATE SET "
    "points = excluded.points, newest_start = excluded.newest_start, "
    "since_change = excluded.since_change"
).bindparams(sa.bindparam("start", type_=sa.DateTime(timezone=True)))


def _save_states(
    session: Session, report: Report, writes: list[dict[str, object]], stale: list[SeriesKey]
) -> None:
    """Upsert the new windows in one statement; drop the stale ones in one more."""
    table = SeriesState.__table__  # type: ignore[attr-defined]
    if writes and session.get_bind().dialect.name == "postgresql":
        # Last write of a key wins, as an executemany would leave it (one statement may not
        # update a row twice).
        rows = list({(w["benchmark_id"], w["measure"]): w for w in writes}.values())
        session.execute(
            _UPSERT_STATES_POSTGRESQL,
            {
                "benchmarks": [w["benchmark_id"] for w in rows],
                "measures": [w["measure"] for w in rows],
                "points": [w["points"] for w in rows],
                "since": [w["since_change"] for w in rows],
                "branch": report.branch_id,
                "testbed": report.testbed_id,
                "start": rows[0]["newest_start"],
            },
        )
    elif writes:
        statement = dialect_insert(session, table)
        statement = statement.on_conflict_do_update(
            index_elements=["benchmark_id", "measure", "branch_id", "testbed_id"],
            set_={
                "points": statement.excluded.points,
                "newest_start": statement.excluded.newest_start,
                "since_change": statement.excluded.since_change,
            },
        )
        session.execute(statement, writes)
    if stale:
        session.execute(
            sa.delete(table).where(
                table.c.branch_id == report.branch_id,
                table.c.testbed_id == report.testbed_id,
                sa.tuple_(table.c.benchmark_id, table.c.measure).in_(sorted(set(stale))),
            )
        )


# One statement for every series' newest points: per series an index range scan of
# ix_metrics_series (a window function would sort every row of the branch). PostgreSQL walks
# the series with LATERAL ... LIMIT; SQLite, which has no LATERAL, joins each series from the
# start time of its ``window``-th newest point on (ties may add a few rows, cut in Python).
# Plain SQL text: building the statement per call and converting thousands of timestamps
# would cost more than the query (the timestamps are only compared and sorted).
_WINDOWS_POSTGRESQL = sa.text(
    "SELECT k.b, k.m, s.report_id, s.value, s.start_time "
    "FROM unnest(CAST(:benchmarks AS text[]), CAST(:measures AS text[])) AS k(b, m) "
    "CROSS JOIN LATERAL (SELECT report_id, value, start_time FROM metrics "
    "WHERE benchmark_id = k.b AND measure = k.m AND branch_id = :branch "
    "AND testbed_id = :testbed ORDER BY start_time DESC LIMIT :window) AS s"
)
_WINDOWS_SQLITE = sa.text(
    "WITH k(b, m) AS (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') "
    "FROM json_each(:keys)) "
    "SELECT k.b, k.m, x.report_id, x.value, x.start_time FROM k CROSS JOIN metrics AS x "
    "WHERE x.benchmark_id = k.b AND x.measure = k.m AND x.branch_id = :branch "
    "AND x.testbed_id = :testbed AND x.start_time >= coalesce(("
    "SELECT start_time FROM metrics WHERE benchmark_id = k.b AND measure = k.m "
    "AND branch_id = :branch AND testbed_id = :testbed "
    "ORDER BY start_time DESC LIMIT 1 OFFSET :window - 1), '')"
)


def _windows(
    session: Session, report: Report, keys: Sequence[SeriesKey], window: int
) -> dict[SeriesKey, _Window]:
    """The last ``window`` points of each series, oldest first (one statement)."""
    unique = list(dict.fromkeys(keys))
    params: dict[str, object] = {
        "branch": report.branch_id,
        "testbed": report.testbed_id,
        "window": window,
    }
    if session.get_bind().dialect.name == "postgresql":
        statement = _WINDOWS_POSTGRESQL
        params["benchmarks"] = [b for b, _ in unique]
        params["measures"] = [m for _, m in unique]
    else:
        statement = _WINDOWS_SQLITE
        params["keys"] = json.dumps(unique)
    rows = session.connection().execute(statement, params).all()
    windows: dict[SeriesKey, _Window] = defaultdict(_Window)
    for benchmark_id, measure, report_id, value, _start in sorted(rows, key=itemgetter(0, 1, 4)):
        found = windows[(benchmark_id, measure)]
        found.report_ids.append(report_id)
        found.values.append(value)
    for found in windows.values():
        del found.report_ids[:-window], found.values[:-window]
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
    """The report (a ``Report`` or a row with the same attributes)."""
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
    branch_row = _branch(session, project, bench, measure, branch)
    testbed_row = _testbed(session, project, bench, measure, branch_row, testbed)
    # One query, metrics joined to their reports, read as plain rows: a thousand ORM objects
    # (or a second query for the reports) would cost more than the query itself.
    report_columns = [getattr(Report, name).label(name) for name in Report.model_fields]
    columns = [
        *report_columns,
        Metric.value.label("metric_value"),
        Metric.lower_value.label("metric_lower"),
        Metric.upper_value.label("metric_upper"),
    ]
    if with_samples:
        columns.append(Metric.samples.label("metric_samples"))  # type: ignore[union-attr]
    rows = list(
        session.connection().execute(  # Core rows: no ORM loading step per row
            sa.select(*columns)
            .join(Report, Report.id == Metric.report_id)  # type: ignore[arg-type]
            .where(
                Metric.benchmark_id == bench.id,
                Metric.measure == measure,
                Metric.branch_id == branch_row.id,
                Metric.testbed_id == testbed_row.id,
            )
            .order_by(sa.desc(Metric.start_time))
            .limit(last)
        )
    )
    rows.reverse()
    at = len(report_columns)  # the metric's columns follow the report's (by position: fast)
    points = [
        HistoryPoint(
            report=row,
            value=row[at],
            lower_value=row[at + 1],
            upper_value=row[at + 2],
            samples=unpack_samples(row[at + 3]) if with_samples else None,
        )
        for row in rows
    ]
    rules = rules_for(session, project.id)
    settings = rules.settings(bench.id)
    change_points = [
        (cp.index, cp.before, cp.after, cp.change, cp.p_value)
        for cp in detect_change_points([p.value for p in points], settings=settings)
    ]
    return History(
        benchmark=bench,
        measure=measure,
        branch=branch_row,
        testbed=testbed_row,
        direction=rules.direction(measure),
        points=points,
        change_points=change_points,
    )


MAX_SERIES_POINTS = 500
"""``all_series``: the most points per series."""

_IN_CHUNK = 900  # ids per IN (...) list: far below SQLite's and PostgreSQL's parameter limits


def all_series(
    session: Session,
    *,
    project: Project,
    measure: str = "latency",
    last: int = 30,
    benchmark: str | None = None,
) -> list[History]:
    """Every series of one measure in one set-based pass: each benchmark on each branch that
    has it, on the testbed of the benchmark's newest report on that branch (as :func:`history`
    picks it), the last ``last`` points each, with their change points. Ordered by benchmark
    name, then ``main`` first, then branch name. ``benchmark`` keeps that benchmark's series
    (``NOT_FOUND`` when the project has no such benchmark).

    A fixed number of queries whatever the number of series: benchmarks, the newest testbed
    per (benchmark, branch) and the last points per series (window functions), the reports,
    the branches and testbeds, the detection rules.
    """
    if not 1 <= last <= MAX_SERIES_POINTS:
        raise InvalidInput(f"last must be between 1 and {MAX_SERIES_POINTS:,}", field="last")
    check_measure(measure)
    query = select(Benchmark).where(Benchmark.project_id == project.id)
    if benchmark is not None:
        query = query.where(Benchmark.name == benchmark)
    benches = {row.id: row for row in session.exec(query)}
    if not benches:
        if benchmark is not None:
            raise NotFoundError(
                f"project {project.slug!r} has no benchmark named {benchmark!r}",
                field="benchmark",
                kind="benchmark",
            )
        return []
    in_benches = Metric.benchmark_id.in_(list(benches))  # type: ignore[attr-defined]
    newest = (
        sa.select(
            Metric.benchmark_id,
            Metric.branch_id,
            Metric.testbed_id,
            sa.func.row_number()
            .over(
                partition_by=(Metric.benchmark_id, Metric.branch_id),
                order_by=sa.desc(Metric.start_time),
            )
            .label("rank"),
        )
        .where(in_benches, Metric.measure == measure)
        .subquery()
    )
    picked = {
        (row.benchmark_id, row.branch_id, row.testbed_id)
        for row in session.execute(
            sa.select(newest.c.benchmark_id, newest.c.branch_id, newest.c.testbed_id).where(
                newest.c.rank == 1
            )
        )
    }
    ranked = (
        sa.select(
            Metric.report_id,
            Metric.benchmark_id,
            Metric.branch_id,
            Metric.testbed_id,
            Metric.value,
            Metric.lower_value,
            Metric.upper_value,
            sa.func.row_number()
            .over(
                partition_by=(Metric.benchmark_id, Metric.branch_id, Metric.testbed_id),
                order_by=sa.desc(Metric.start_time),
            )
            .label("rank"),
        )
        .where(in_benches, Metric.measure == measure)
        .subquery()
    )
    by_series: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
    for row in session.execute(sa.select(ranked).where(ranked.c.rank <= last)):
        key = (row.benchmark_id, row.branch_id, row.testbed_id)
        if key in picked:
            by_series[key].append(row)
    report_columns = [getattr(Report, name) for name in Report.model_fields]
    wanted = sorted({row.report_id for rows in by_series.values() for row in rows})
    reports: dict[str, Any] = {}
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start : start + _IN_CHUNK]
        for row in session.execute(
            sa.select(*report_columns).where(Report.id.in_(chunk))  # type: ignore[attr-defined]
        ):
            reports[row.id] = row
    branches = {
        row.id: row for row in session.exec(select(Branch).where(Branch.project_id == project.id))
    }
    testbeds = {
        row.id: row for row in session.exec(select(Testbed).where(Testbed.project_id == project.id))
    }
    rules = rules_for(session, project.id)
    found = []
    for (bench_id, branch_id_, testbed_id), rows in by_series.items():
        rows.sort(key=lambda row: -row.rank)  # oldest first
        points = [
            HistoryPoint(
                report=reports[row.report_id],
                value=row.value,
                lower_value=row.lower_value,
                upper_value=row.upper_value,
            )
            for row in rows
        ]
        change_points = [
            (cp.index, cp.before, cp.after, cp.change, cp.p_value)
            for cp in detect_change_points(
                [p.value for p in points], settings=rules.settings(bench_id)
            )
        ]
        found.append(
            History(
                benchmark=benches[bench_id],
                measure=measure,
                branch=branches[branch_id_],
                testbed=testbeds[testbed_id],
                direction=rules.direction(measure),
                points=points,
                change_points=change_points,
            )
        )
    found.sort(key=lambda h: (h.benchmark.name, h.branch.name != "main", h.branch.name))
    return found


def _branch(
    session: Session, project: Project, bench: Benchmark, measure: str, name: str | None
) -> Branch:
    if name is not None:
        row = _by_name(session, Branch, project.id, name)
        if row is None:
            raise NotFoundError(
                f"project {project.slug!r} has no branch named {name!r}", field="branch"
            )
        return row
    row = _by_name(session, Branch, project.id, "main") or _of_newest_metric(
        session, Branch, Metric.branch_id, Metric.benchmark_id == bench.id
    )
    if row is None:
        raise NotFoundError(f"benchmark {bench.name!r} has no reports", field="benchmark")
    return row


def _testbed(
    session: Session,
    project: Project,
    bench: Benchmark,
    measure: str,
    branch: Branch,
    name: str | None,
) -> Testbed:
    if name is not None:
        row = _by_name(session, Testbed, project.id, name)
        if row is None:
            raise NotFoundError(
                f"project {project.slug!r} has no testbed named {name!r}", field="testbed"
            )
        return row
    row = _newest_testbed(session, project, bench, measure, branch)
    if row is None:
        raise NotFoundError(
            f"benchmark {bench.name!r} has no reports on branch {branch.name!r}", field="branch"
        )
    return row


def _newest_testbed(
    session: Session, project: Project, bench: Benchmark, measure: str, branch: Branch
) -> Testbed | None:
    """The testbed of the series' newest point: per testbed of the project (a handful), the
    newest start time is one seek in ``ix_metrics_series``, where "newest metric of the
    benchmark on the branch" would sort every point of it (20 ms at 10k reports)."""
    testbeds = list(session.exec(select(Testbed).where(Testbed.project_id == project.id)))
    newest: tuple[Any, Testbed] | None = None
    for testbed in testbeds:
        start = session.execute(
            sa.select(Metric.start_time)
            .where(
                Metric.benchmark_id == bench.id,
                Metric.measure == measure,
                Metric.branch_id == branch.id,
                Metric.testbed_id == testbed.id,
            )
            .order_by(sa.desc(Metric.start_time))
            .limit(1)
        ).scalar()
        if start is not None and (newest is None or as_utc(start) > newest[0]):
            newest = (as_utc(start), testbed)
    if newest is None and len(testbeds) > 0:
        # The measure has no point on this branch: the benchmark's newest testbed there.
        return _of_newest_metric(
            session,
            Testbed,
            Metric.testbed_id,
            Metric.benchmark_id == bench.id,
            Metric.branch_id == branch.id,
        )
    return None if newest is None else newest[1]


def _by_name(session: Session, model: type[RowT], project_id: str, name: str) -> RowT | None:
    """The project's branch or testbed called ``name``."""
    return session.exec(
        select(model).where(model.project_id == project_id, model.name == name)  # type: ignore[attr-defined]
    ).first()


def _of_newest_metric(
    session: Session, model: type[RowT], column: Any, *conditions: Any
) -> RowT | None:
    """The branch or testbed (``column`` of ``Metric``) of the newest metric matching."""
    newest = session.exec(
        select(column).where(*conditions).order_by(sa.desc(Metric.start_time)).limit(1)
    ).first()
    return session.get(model, newest) if newest else None


def list_alerts(
    session: Session,
    *,
    project: Project,
    status: AlertStatus | None,
    branch: str | None,
    limit: int,
    offset: int,
) -> Page[Alert]:
    """A page of the project's alerts, newest first (``paging``'s rule)."""
    check_page(limit, offset, maximum=MAX_ALERT_PAGE)
    condition = Alert.project_id == project.id
    if status is not None:
        condition = sa.and_(condition, Alert.status == status.value)
    if branch is not None:
        found = branch_id(session, project.id, branch)
        if found is None:
            return Page.empty()
        condition = sa.and_(condition, Alert.branch_id == found)
    return fetch_page(
        session, Alert, condition, newest_first=(Alert.updated_at,), limit=limit, offset=offset
    )


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
