"""GraphQL object types. Each wraps a table row and is built with ``from_row``."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from driftwatch_server import models
from driftwatch_server.graphql.context import Context
from driftwatch_server.reports import as_utc, list_reports


@strawberry.type
class User:
    """The signed-in person or robot."""

    id: strawberry.ID
    name: str
    is_admin: bool

    @classmethod
    def from_row(cls, row: models.User) -> User:
        return cls(id=strawberry.ID(row.id), name=row.name, is_admin=row.is_admin)


@strawberry.type
class Branch:
    """A line of development."""

    id: strawberry.ID
    name: str

    @classmethod
    def from_row(cls, row: models.Branch) -> Branch:
        return cls(id=strawberry.ID(row.id), name=row.name)


@strawberry.type
class Testbed:
    """Where a report was measured."""

    id: strawberry.ID
    name: str

    @classmethod
    def from_row(cls, row: models.Testbed) -> Testbed:
        return cls(id=strawberry.ID(row.id), name=row.name)


@strawberry.type
class Benchmark:
    """A named benchmark of a project."""

    id: strawberry.ID
    name: str

    @classmethod
    def from_row(cls, row: models.Benchmark) -> Benchmark:
        return cls(id=strawberry.ID(row.id), name=row.name)


@strawberry.type
class Metric:
    """One measured value: e.g. ``latency`` in nanoseconds or ``throughput`` in ops/s."""

    id: strawberry.ID
    measure: str
    value: float
    lower_value: float | None
    upper_value: float | None
    benchmark: Benchmark

    @classmethod
    def from_row(cls, row: models.Metric, benchmark: models.Benchmark) -> Metric:
        return cls(
            id=strawberry.ID(row.id),
            measure=row.measure,
            value=row.value,
            lower_value=row.lower_value,
            upper_value=row.upper_value,
            benchmark=Benchmark.from_row(benchmark),
        )


@strawberry.type
class Flamegraph:
    """A flamegraph SVG attached to a report; ``url`` is a fresh signed read URL."""

    id: strawberry.ID
    storage_path: str
    file_name: str
    file_size: int
    created_at: dt.datetime
    benchmark_id: strawberry.Private[str | None]

    @strawberry.field(
        description="Signed read URL, valid for one hour from this query; null (with an error "
        "for this field alone: NOT_FOUND or SERVICE_UNAVAILABLE) when the stored file is "
        "missing or cannot be signed."
    )
    async def url(self, info: Info[Context, None]) -> str | None:
        return await info.context.loaders.signed_url.load(self.storage_path)

    @strawberry.field
    async def benchmark(self, info: Info[Context, None]) -> Benchmark | None:
        if self.benchmark_id is None:
            return None
        row = await info.context.loaders.benchmark.load(self.benchmark_id)
        return Benchmark.from_row(row) if row else None

    @classmethod
    def from_row(cls, row: models.Flamegraph) -> Flamegraph:
        return cls(
            id=strawberry.ID(row.id),
            storage_path=row.storage_path,
            file_name=row.file_name,
            file_size=row.file_size,
            created_at=as_utc(row.created_at),
            benchmark_id=row.benchmark_id,
        )


@strawberry.type
class Report:
    """One benchmark run on a branch and testbed, with its metrics and flamegraphs."""

    id: strawberry.ID
    git_hash: str | None
    adapter: str
    start_time: dt.datetime
    end_time: dt.datetime
    created_at: dt.datetime
    project_slug: str
    branch_id: strawberry.Private[str]
    testbed_id: strawberry.Private[str]

    @strawberry.field
    async def branch(self, info: Info[Context, None]) -> Branch:
        row = await info.context.loaders.branch.load(self.branch_id)
        assert row is not None
        return Branch.from_row(row)

    @strawberry.field
    async def testbed(self, info: Info[Context, None]) -> Testbed:
        row = await info.context.loaders.testbed.load(self.testbed_id)
        assert row is not None
        return Testbed.from_row(row)

    @strawberry.field
    async def metrics(self, info: Info[Context, None]) -> list[Metric]:
        rows = await info.context.loaders.metrics_by_report.load(str(self.id))
        return [Metric.from_row(metric, benchmark) for metric, benchmark in rows]

    @strawberry.field
    async def flamegraphs(self, info: Info[Context, None]) -> list[Flamegraph]:
        rows = await info.context.loaders.flamegraphs_by_report.load(str(self.id))
        return [Flamegraph.from_row(row) for row in rows]

    @classmethod
    def from_row(cls, row: models.Report, *, project_slug: str) -> Report:
        return cls(
            id=strawberry.ID(row.id),
            git_hash=row.git_hash,
            adapter=row.adapter,
            start_time=as_utc(row.start_time),
            end_time=as_utc(row.end_time),
            created_at=as_utc(row.created_at),
            project_slug=project_slug,
            branch_id=row.branch_id,
            testbed_id=row.testbed_id,
        )


@strawberry.type
class ReportPage:
    """A page of reports, newest first."""

    nodes: list[Report]
    total_count: int
    has_more: bool


@strawberry.type
class Project:
    """A codebase whose benchmarks are tracked."""

    id: strawberry.ID
    slug: str
    name: str
    created_at: dt.datetime

    @strawberry.field
    def branches(self, info: Info[Context, None]) -> list[Branch]:
        return [Branch.from_row(row) for row in _children(info, models.Branch, str(self.id))]

    @strawberry.field
    def testbeds(self, info: Info[Context, None]) -> list[Testbed]:
        return [Testbed.from_row(row) for row in _children(info, models.Testbed, str(self.id))]

    @strawberry.field
    def benchmarks(self, info: Info[Context, None]) -> list[Benchmark]:
        return [Benchmark.from_row(row) for row in _children(info, models.Benchmark, str(self.id))]

    @strawberry.field(description="Reports newest first; `branch` filters by branch name.")
    def reports(
        self,
        info: Info[Context, None],
        branch: str | None = None,
        first: int = 20,
        offset: int = 0,
    ) -> ReportPage:
        project = info.context.session.get(models.Project, str(self.id))
        assert project is not None
        rows, total = list_reports(
            info.context.session, project=project, branch=branch, limit=first, offset=offset
        )
        return ReportPage(
            nodes=[Report.from_row(row, project_slug=self.slug) for row in rows],
            total_count=total,
            has_more=offset + len(rows) < total,
        )

    @classmethod
    def from_row(cls, row: models.Project) -> Project:
        return cls(
            id=strawberry.ID(row.id),
            slug=row.slug,
            name=row.name,
            created_at=as_utc(row.created_at),
        )


@strawberry.type
class UploadUrlResponse:
    """Where to PUT a flamegraph's bytes, and the path to confirm afterwards."""

    upload_url: str
    storage_path: str


def _children(info: Info[Context, None], model: type, project_id: str) -> list:
    from sqlmodel import select

    return list(
        info.context.session.exec(
            select(model).where(model.project_id == project_id).order_by(model.name)
        )
    )
