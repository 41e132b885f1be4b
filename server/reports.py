"""Projects and reports: the rules behind the GraphQL mutations and queries."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from driftwatch_nb.core.errors import InvalidInput, NotFoundError
from driftwatch_nb.core.limits import (
    DEFAULT_TESTBED,
    MAX_BARE_REPORT_PAGE,
    MAX_REPORT_PAGE,
    MAX_SAMPLES_PER_REPORT,
    check_measure,
    check_metric_count,
    check_name,
    check_samples,
    check_slug,
)
from driftwatch_nb.core.measures import BUILTIN_MEASURES
from driftwatch_server.alerts import IngestedMetric, detect_on_ingest, forget_states
from driftwatch_server.db import dialect_insert
from driftwatch_server.models import (
    Benchmark,
    Branch,
    Flamegraph,
    FlamegraphStacks,
    Metric,
    Project,
    Report,
    Testbed,
    User,
    as_utc,
    new_id,
)
from driftwatch_server.paging import Page, branch_id, check_page, fetch_page
from driftwatch_server.samples import pack as pack_samples


@dataclass(frozen=True, kw_only=True)
class MeasureValue:
    """One value of one measure of one benchmark, as a client sends it."""

    benchmark: str
    measure: str
    value: float
    lower_value: float | None = None
    upper_value: float | None = None
    samples: Sequence[float] | None = None


@dataclass(frozen=True, kw_only=True)
class ReportCreate:
    """Everything ``createReport`` needs."""

    project_slug: str
    branch: str
    start_time: dt.datetime
    end_time: dt.datetime
    testbed: str = DEFAULT_TESTBED
    git_hash: str | None = None
    adapter: str = "json"
    values: Sequence[MeasureValue] = field(default_factory=tuple)


def create_project(session: Session, *, owner: User, slug: str, name: str | None) -> Project:
    """Create a project owned by ``owner``."""
    slug = check_slug(slug.strip())
    if session.exec(select(Project.id).where(Project.slug == slug)).first():
        # Slugs are global (they are the project's address); the answer is the same whoever
        # holds the slug, so it says nothing about other users' projects beyond "in use".
        raise InvalidInput(f"slug {slug!r} is not available; choose another", field="slug")
    project = Project(slug=slug, name=(name or slug).strip() or slug, owner_id=owner.id)
    session.add(project)
    session.flush()
    return project


def owned_project(session: Session, *, user: User, slug: str) -> Project:
    """The project ``slug`` if ``user`` owns it; another user's project is not found."""
    project = session.exec(select(Project).where(Project.slug == slug)).first()
    if project is None or project.owner_id != user.id:
        raise NotFoundError(f"no project {slug!r} among yours", field="projectSlug", kind="project")
    return project


def owned_report(session: Session, *, user: User, report_id: str) -> Report:
    """The report ``report_id`` if ``user`` owns its project."""
    row = session.exec(
        select(Report, Project.owner_id)
        .join(Project, sa.and_(Project.id == Report.project_id))
        .where(Report.id == report_id)
    ).first()
    if row is None or row[1] != user.id:
        raise NotFoundError(f"no report {report_id!r} among your projects", field="reportId")
    return row[0]


def projects_of(session: Session, *, user: User) -> list[Project]:
    """The user's projects, by slug."""
    return list(session.exec(select(Project).where(Project.owner_id == user.id).order_by("slug")))


def list_reports(
    session: Session,
    *,
    project: Project,
    branch: str | None,
    limit: int,
    offset: int = 0,
    after: str | None = None,
    before: str | None = None,
    bare: bool = False,
) -> Page[Report]:
    """A page of the project's reports, newest first (by start time, arrival, id): by cursor
    (``after``/``before``) or by ``offset``. ``bare`` pages (no metrics, flamegraphs or
    alerts asked) may hold up to ``MAX_BARE_REPORT_PAGE`` reports."""
    check_page(limit, offset, maximum=MAX_BARE_REPORT_PAGE if bare else MAX_REPORT_PAGE)
    condition = Report.project_id == project.id
    if branch is not None:
        found = branch_id(session, project.id, branch)
        if found is None:
            return Page.empty()
        condition = sa.and_(condition, Report.branch_id == found)
    return fetch_page(
        session,
        Report,
        condition,
        newest_first=(Report.start_time, Report.created_at),
        limit=limit,
        offset=offset,
        after=after,
        before=before,
        plain=True,
    )


def create_report(
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

    branch_id, testbed_id = _branch_and_testbed_ids(session, project.id, branch_name, testbed_name)
    names = [item.benchmark.strip() for item in data.values]
    benchmark_ids, created = _ids_by_name(session, Benchmark, project.id, names)
    report = Report(
        project_id=project.id,
        branch_id=branch_id,
        testbed_id=testbed_id,
        git_hash=(data.git_hash or "").strip() or None,
        adapter=data.adapter,
        start_time=start,
        end_time=end,
    )
    session.add(report)
    session.flush()
    rows = [
        {
            "id": new_id(),
            "report_id": report.id,
            "benchmark_id": benchmark_ids[name],
            "measure": item.measure,
            "value": item.value,
            "lower_value": item.lower_value,
            "upper_value": item.upper_value,
            "branch_id": branch_id,
            "testbed_id": testbed_id,
            "start_time": start,
            "samples": pack_samples(values),
        }
        for item, name, values in zip(data.values, names, samples, strict=True)
    ]
    # One executemany: the driver sends every row in one call (psycopg pipelines them).
    session.execute(sa.insert(Metric.__table__), rows)  # type: ignore[attr-defined]
    if detect:
        detect_on_ingest(
            session,
            report=report,
            metrics=[
                IngestedMetric(
                    benchmark_id=row["benchmark_id"], measure=row["measure"], value=row["value"]
                )
                for row in rows
            ],
            samples=samples,
            new_benchmarks=created,
        )
    return report


def report_benchmark(session: Session, *, report: Report, name: str) -> Benchmark:
    """The benchmark ``name`` measured in ``report``."""
    benchmark = session.exec(
        select(Benchmark)
        .join(Metric, sa.and_(Metric.benchmark_id == Benchmark.id))
        .where(Metric.report_id == report.id, Benchmark.name == name)
        .limit(1)
    ).first()
    if benchmark is None:
        raise NotFoundError(
            f"report {report.id} has no benchmark named {name!r}", field="benchmarkName"
        )
    return benchmark


MAX_BENCHMARK_NAMES_ASKED = 100
"""The most names one ``Report.benchmarks(names:)`` asks about (it bounds the request's cost)."""


def report_benchmark_names(
    session: Session, *, report_id: str, names: Sequence[str] | None = None
) -> list[str]:
    """The names of the benchmarks measured in report ``report_id``, sorted; only those among
    ``names`` when given (a check of a few names that reads no metric values). The caller has
    checked that the report is the user's."""
    query = (
        select(Benchmark.name)
        .join(Metric, Metric.benchmark_id == Benchmark.id)  # type: ignore[arg-type]
        .where(Metric.report_id == report_id)
        .distinct()
    )
    if names is not None:
        if len(names) > MAX_BENCHMARK_NAMES_ASKED:
            raise InvalidInput(
                f"names lists {len(names)} benchmarks; ask about at most "
                f"{MAX_BENCHMARK_NAMES_ASKED} at a time",
                field="names",
            )
        if not names:
            return []
        query = query.where(Benchmark.name.in_(list(names)))  # type: ignore[attr-defined]
    return sorted(session.exec(query))


def delete_report_rows(session: Session, *, report: Report) -> list[str]:
    """Delete a report with its metrics and flamegraph rows; returns the storage paths freed."""
    paths = list(
        session.exec(select(Flamegraph.storage_path).where(Flamegraph.report_id == report.id))
    )
    # Explicit deletes as well as ON DELETE CASCADE: correct even where the pragma is off.
    session.exec(
        sa.delete(FlamegraphStacks).where(
            FlamegraphStacks.flamegraph_id.in_(  # type: ignore[attr-defined]
                sa.select(Flamegraph.id).where(Flamegraph.report_id == report.id)
            )
        )
    )  # type: ignore[call-overload]
    session.exec(sa.delete(Flamegraph).where(Flamegraph.report_id == report.id))  # type: ignore[call-overload]
    session.exec(sa.delete(Metric).where(Metric.report_id == report.id))  # type: ignore[call-overload]
    forget_states(session, branch_id=report.branch_id, testbed_id=report.testbed_id)
    session.delete(report)
    session.flush()
    return paths


def _check_value(index: int, item: MeasureValue) -> list[float] | None:
    """Refuse an invalid value; returns its samples, checked."""
    where = f"results[{index}] ({item.benchmark!r} {item.measure!r}): "
    check_name(item.benchmark, field="benchmark", where=where)
    check_measure(item.measure, where=where)
    for name in ("value", "lower_value", "upper_value"):
        number = getattr(item, name)
        if number is not None and not math.isfinite(number):
            raise InvalidInput(f"{where}{name} must be a finite number, got {number}", field=name)
    if item.lower_value is not None and item.lower_value > item.value:
        raise InvalidInput(f"{where}lower_value is above value", field="lower_value")
    if item.upper_value is not None and item.upper_value < item.value:
        raise InvalidInput(f"{where}upper_value is below value", field="upper_value")
    if item.samples is None:
        return None
    return check_samples(item.samples, non_negative=item.measure in BUILTIN_MEASURES, where=where)


def _branch_and_testbed_ids(
    session: Session, project_id: str, branch: str, testbed: str
) -> tuple[str, str]:
    """The ids of the branch and testbed named, both read in one statement (they almost
    always exist); a missing one is created as ``_ids_by_name`` does."""
    rows = session.execute(
        sa.union_all(
            sa.select(sa.literal("branch"), Branch.id).where(
                Branch.project_id == project_id, Branch.name == branch
            ),
            sa.select(sa.literal("testbed"), Testbed.id).where(
                Testbed.project_id == project_id, Testbed.name == testbed
            ),
        )
    )
    found = dict(tuple(row) for row in rows)
    if "branch" not in found:
        found["branch"] = _ids_by_name(session, Branch, project_id, [branch])[0][branch]
    if "testbed" not in found:
        found["testbed"] = _ids_by_name(session, Testbed, project_id, [testbed])[0][testbed]
    return found["branch"], found["testbed"]


def _ids_by_name(
    session: Session, model: type[SQLModel], project_id: str, names: Sequence[str]
) -> tuple[dict[str, str], set[str]]:
    """The ids of the project's rows called ``names`` (branches, testbeds or benchmarks),
    inserting the missing ones; returns them by name and the ids this call created.

    One SELECT with ``IN``; when some are missing, one INSERT of all of them with ON CONFLICT
    DO NOTHING (a concurrent creator may insert the same name first: its row wins and is read
    back) and one SELECT of the missing names.
    """
    table = model.__table__  # type: ignore[attr-defined]
    wanted = list(dict.fromkeys(names))
    select_ids = sa.select(table.c.name, table.c.id).where(table.c.project_id == project_id)
    found: dict[str, str] = {
        name: id_ for name, id_ in session.execute(select_ids.where(table.c.name.in_(wanted)))
    }
    missing = [name for name in wanted if name not in found]
    if not missing:
        return found, set()
    fresh = {name: new_id() for name in missing}
    session.execute(
        dialect_insert(session, table).on_conflict_do_nothing(
            index_elements=["project_id", "name"]
        ),
        [{"id": id_, "project_id": project_id, "name": name} for name, id_ in fresh.items()],
    )
    found.update(
        (name, id_) for name, id_ in session.execute(select_ids.where(table.c.name.in_(missing)))
    )
    return found, {id_ for name, id_ in fresh.items() if found[name] == id_}
