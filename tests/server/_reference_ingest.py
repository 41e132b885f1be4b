"""The row-by-row ``createReport`` writer as it was before the bulk one: a reference only.

``test_bulk_ingest.py`` writes the same reports with this and with
``driftwatch_server.reports.create_report`` into two databases and compares every table. Kept
verbatim (one SELECT per benchmark, one ORM object per metric, detection reading state and
windows per series the old way) so that a difference in rows is a difference in behaviour.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

from driftwatch_nb.core.errors import InvalidInput
from driftwatch_nb.core.limits import MAX_SAMPLES_PER_REPORT, check_metric_count, check_name
from driftwatch_server.alerts import (
    STATE_POINTS,
    AlertStatus,
    Confidence,
    change_direction,
    rules_for,
)
from driftwatch_server.drift import State, evaluate
from driftwatch_server.models import (
    Alert,
    Benchmark,
    Branch,
    Metric,
    Report,
    SeriesState,
    Testbed,
    User,
    as_utc,
    utcnow,
)
from driftwatch_server.reports import ReportCreate, _check_value, owned_project
from driftwatch_server.samples import pack as pack_samples
from driftwatch_server.samples import unpack as unpack_samples


def reference_create_report(
    session: Session, *, user: User, data: ReportCreate, detect: bool = True
) -> Report:
    """Validate and store a report with its metrics, creating branch, testbed and benchmarks;
    with ``detect``, judge every series it touches for drift (``alerts.detect_on_ingest``)."""
    project = owned_project(session, user=user, slug=data.project_slug)
    branch_name = check_name(data.branch, field="branch")
    testbed_name = check_name(data.testbed, field="testbed")
    start, end = as_utc(data.start_time), as_utc(data.end_time)
    if end < start:
        raise InvalidInput(
            f"endTime {end.isoformat()} is before startTime {start.isoformat()}", field="endTime"
        )
    if not data.values:
        raise InvalidInput("a report needs at least one metric", field="results")
    check_metric_count(len(data.values))
    samples = [_check_value(index, item) for index, item in enumerate(data.values)]
    total_samples = sum(len(values or ()) for values in samples)
    if total_samples > MAX_SAMPLES_PER_REPORT:
        raise InvalidInput(
            f"the report carries {total_samples:,} samples; at most "
            f"{MAX_SAMPLES_PER_REPORT:,} are kept per report",
            field="samples",
        )

    branch = _get_or_create(session, Branch, project_id=project.id, name=branch_name)
    testbed = _get_or_create(session, Testbed, project_id=project.id, name=testbed_name)
    benchmarks = {
        name: _get_or_create(session, Benchmark, project_id=project.id, name=name)
        for name in dict.fromkeys(item.benchmark.strip() for item in data.values)
    }
    report = Report(
        project_id=project.id,
        branch_id=branch.id,
        testbed_id=testbed.id,
        git_hash=(data.git_hash or "").strip() or None,
        adapter=data.adapter,
        start_time=start,
        end_time=end,
    )
    session.add(report)
    session.flush()
    metrics = [
        Metric(
            report_id=report.id,
            benchmark_id=benchmarks[item.benchmark.strip()].id,
            measure=item.measure,
            value=item.value,
            lower_value=item.lower_value,
            upper_value=item.upper_value,
            branch_id=branch.id,
            testbed_id=testbed.id,
            start_time=start,
            samples=pack_samples(values),
        )
        for item, values in zip(data.values, samples, strict=True)
    ]
    session.add_all(metrics)
    session.flush()
    if detect:
        _detect_on_ingest(session, report=report, metrics=metrics, samples=samples)
    return report


RowT = TypeVar("RowT", bound=SQLModel)


def _get_or_create(session: Session, model: type[RowT], *, project_id: str, name: str) -> RowT:
    """Find a row by (project, name) or insert it; safe when two writers race."""
    statement = select(model).where(
        model.project_id == project_id,  # type: ignore[attr-defined]
        model.name == name,  # type: ignore[attr-defined]
    )
    existing = session.exec(statement).first()
    if existing is not None:
        return existing
    try:
        with session.begin_nested():
            row = model(project_id=project_id, name=name)
            session.add(row)
        return row
    except IntegrityError:
        return session.exec(statement).one()


SeriesKey = tuple[str, str]
"""(benchmark_id, measure) within one branch and testbed."""


@dataclass
class _Window:
    report_ids: list[str] = field(default_factory=list)
    values: list[float] = field(default_factory=list)


def _detect_on_ingest(
    session: Session,
    *,
    report: Report,
    metrics: Sequence[Metric],
    samples: Sequence[list[float] | None],
) -> list[Alert]:
    """Judge every series of a freshly stored report; returns the alerts it raised or updated.

    Each series' window comes from its ``SeriesState`` row (one query for all of them); a
    series without one is read from the metrics once. A series whose newest point is not this
    report (a report back-dated into the past) is left to the offline view, and its cached
    window is dropped. False alerts are controlled across the report: the family is every
    series it touches.
    """
    if not metrics:
        return []
    rules = rules_for(session, report.project_id)
    keys = [(m.benchmark_id, m.measure) for m in metrics]
    start = as_utc(report.start_time)
    states = _states(session, report, keys)
    missing = [key for key in keys if key not in states]
    windows = _windows(session, report, missing, STATE_POINTS) if missing else {}
    open_alerts = _open_alerts(session, report, keys)
    family = len(keys)
    touched: list[Alert] = []
    writes: list[dict[str, object]] = []
    stale: list[SeriesKey] = []
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
        target.change_report_id = (
            report_ids[point.index]
            if report_ids is not None
            else _report_at(session, report, key, len(values) - 1 - point.index)
        )
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
    _save_states(session, report, writes, stale)
    session.flush()
    return touched


def _states(
    session: Session, report: Report, keys: Sequence[SeriesKey]
) -> dict[SeriesKey, SeriesState]:
    wanted = set(keys)
    rows = session.exec(
        select(SeriesState).where(
            SeriesState.branch_id == report.branch_id,
            SeriesState.testbed_id == report.testbed_id,
            SeriesState.benchmark_id.in_(sorted({b for b, _ in keys})),  # type: ignore[attr-defined]
        )
    )
    return {
        (row.benchmark_id, row.measure): row
        for row in rows
        if (row.benchmark_id, row.measure) in wanted
    }


def _save_states(
    session: Session, report: Report, writes: list[dict[str, object]], stale: list[SeriesKey]
) -> None:
    """Upsert the new windows in one statement; drop the stale ones."""
    if writes:
        table = SeriesState.__table__  # type: ignore[attr-defined]
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        statement = insert(table)
        statement = statement.on_conflict_do_update(
            index_elements=["benchmark_id", "measure", "branch_id", "testbed_id"],
            set_={
                "points": statement.excluded.points,
                "newest_start": statement.excluded.newest_start,
                "since_change": statement.excluded.since_change,
            },
        )
        session.execute(statement, writes)
    for benchmark_id, measure in stale:
        session.execute(
            sa.delete(SeriesState).where(
                SeriesState.benchmark_id == benchmark_id,
                SeriesState.measure == measure,
                SeriesState.branch_id == report.branch_id,
                SeriesState.testbed_id == report.testbed_id,
            )
        )


def _report_at(session: Session, report: Report, key: SeriesKey, offset: int) -> str:
    """The report ``offset`` points before the newest of a series."""
    benchmark_id, measure = key
    return session.execute(
        sa.select(Metric.report_id)
        .where(
            Metric.benchmark_id == benchmark_id,
            Metric.measure == measure,
            Metric.branch_id == report.branch_id,
            Metric.testbed_id == report.testbed_id,
        )
        .order_by(sa.desc(Metric.start_time))
        .limit(1)
        .offset(offset)
    ).scalar_one()


_UNION_CHUNK = 250
"""Series per UNION ALL statement (SQLite allows 500 compound terms)."""
_SERIES_SELECT = (
    "SELECT * FROM (SELECT benchmark_id, measure, report_id, value, start_time FROM metrics "
    "WHERE benchmark_id = :b{i} AND measure = :m{i} AND branch_id = :branch "
    "AND testbed_id = :testbed ORDER BY start_time DESC LIMIT :window) AS s{i}"
)


@lru_cache(maxsize=16)
def _windows_statement(count: int) -> sa.TextClause:
    return sa.text(" UNION ALL ".join(_SERIES_SELECT.format(i=i) for i in range(count)))


def _windows(
    session: Session, report: Report, keys: Sequence[SeriesKey], window: int
) -> dict[SeriesKey, _Window]:
    """The last ``window`` points of each series, oldest first.

    One ``UNION ALL`` of per-series ``ORDER BY start_time DESC LIMIT window`` selects per
    chunk of series: each is a short range scan of ``ix_metrics_series``, where a window
    function would sort every row of the branch. Plain SQL text: building 200 subquery
    objects and converting 40,000 timestamps would cost more than the query itself (the
    timestamps are only compared, and ISO text sorts like time).
    """
    windows: dict[SeriesKey, _Window] = defaultdict(_Window)
    unique = list(dict.fromkeys(keys))
    for offset in range(0, len(unique), _UNION_CHUNK):
        chunk = unique[offset : offset + _UNION_CHUNK]
        params: dict[str, object] = {
            "branch": report.branch_id,
            "testbed": report.testbed_id,
            "window": window,
        }
        for index, (benchmark_id, measure) in enumerate(chunk):
            params[f"b{index}"] = benchmark_id
            params[f"m{index}"] = measure
        rows = session.connection().execute(_windows_statement(len(chunk)), params).all()
        for benchmark_id, measure, report_id, value, _start in sorted(
            rows, key=itemgetter(0, 1, 4)
        ):
            found = windows[(benchmark_id, measure)]
            found.report_ids.append(report_id)
            found.values.append(value)
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
