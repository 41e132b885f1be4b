"""GraphQL object types. Each wraps a table row and is built with ``from_row``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
from collections import defaultdict

import strawberry
from strawberry.types import Info
from strawberry.types.nodes import SelectedField

from driftwatch_nb.core.limits import MAX_DIFF_FOLDED_BYTES
from driftwatch_server import alerts, models, paging
from driftwatch_server.graphql.context import Context, MetricRow
from driftwatch_server.reports import as_utc, list_reports, report_benchmark_names
from driftwatch_server.samples import unpack as unpack_samples


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
class ApiToken:
    """One of your API tokens (never its secret, which is shown only when it is created)."""

    id: strawberry.ID
    label: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    current: bool = strawberry.field(description="Whether this request was sent with it.")

    @classmethod
    def from_row(cls, row: models.ApiToken, *, current_id: str | None = None) -> ApiToken:
        def utc(moment: dt.datetime | None) -> dt.datetime | None:
            return models.as_utc(moment) if moment is not None else None

        return cls(
            id=strawberry.ID(row.id),
            label=row.label,
            created_at=models.as_utc(row.created_at),
            expires_at=utc(row.expires_at),
            last_used_at=utc(row.last_used_at),
            current=row.id == current_id,
        )


@strawberry.type
class NewApiToken:
    """A token just created: ``token`` is its secret, shown this once."""

    token: str
    info: ApiToken


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
    report_id: strawberry.Private[str]

    @strawberry.field(description="Raw per-iteration values, if the harness reported them.")
    async def samples(self, info: Info[Context, None]) -> list[float] | None:
        packed = await info.context.loaders.samples_by_report.load(self.report_id)
        return unpack_samples(packed.get(str(self.id)))

    @classmethod
    def from_row(cls, row: MetricRow, benchmark: Benchmark) -> Metric:
        return cls(
            id=row.id,  # type: ignore[arg-type]
            measure=row.measure,
            value=row.value,
            lower_value=row.lower_value,
            upper_value=row.upper_value,
            benchmark=benchmark,
            report_id=row.report_id,
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
    signed: strawberry.Private[str | BaseException | None] = None
    """The URL (or the error) signed with the rest of its page, if it was."""

    @strawberry.field(
        description="Signed read URL, valid for one hour from this query; null (with an error "
        "for this field alone: NOT_FOUND or SERVICE_UNAVAILABLE) when the stored file is "
        "missing or cannot be signed."
    )
    def url(self, info: Info[Context, None]) -> str | None:
        if self.signed is None:
            return info.context.loaders.signed_url.load(self.storage_path)  # type: ignore[return-value]
        if isinstance(self.signed, BaseException):
            raise self.signed
        return self.signed

    @strawberry.field(
        description="The flamegraph's stacks as data (stored at confirmation when the SVG carries "
        "driftwatch's own, else read back from its frames on first request)."
    )
    def stacks(self, info: Info[Context, None]) -> FlamegraphStacks:
        from driftwatch_server.flamegraphs import stacks_of

        session = info.context.session
        row = session.get(models.Flamegraph, str(self.id))
        assert row is not None
        return FlamegraphStacks.from_row(stacks_of(session, info.context.storage, row))

    @strawberry.field
    def benchmark(self, info: Info[Context, None]) -> Benchmark | None:
        if self.benchmark_id is None:
            return None
        known = info.context.benchmarks.get(self.benchmark_id)
        if known is not None:  # already built for a metric of this request
            return known
        return self._load_benchmark(info)  # type: ignore[return-value]

    async def _load_benchmark(self, info: Info[Context, None]) -> Benchmark | None:
        assert self.benchmark_id is not None
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


@strawberry.enum(
    description="READY: the stacks are stored; PICTURE_ONLY: the SVG could not be read as a "
    "flamegraph (see `note`) and is kept as a picture."
)
class StacksStatus(enum.Enum):
    READY = "READY"
    PICTURE_ONLY = "PICTURE_ONLY"


@strawberry.type
class FlamegraphStacks:
    """A flamegraph's folded stacks and what they hold."""

    status: StacksStatus
    source_format: str = strawberry.field(description="svg, folded or speedscope.")
    unit: str = strawberry.field(description="What a count is: samples or microseconds.")
    total_samples: int
    stack_count: int
    note: str | None
    packed: strawberry.Private[bytes]

    @strawberry.field(description="Folded text: one `frame;frame;frame COUNT` line per stack.")
    def folded(self) -> str | None:
        from driftwatch_nb.core.profiles import folded_text, unpack_stacks

        return folded_text(unpack_stacks(self.packed)) if self.packed else None

    @classmethod
    def from_row(cls, row: models.FlamegraphStacks) -> FlamegraphStacks:
        return cls(
            status=StacksStatus[row.status],
            source_format=row.source_format,
            unit=row.unit,
            total_samples=row.total_samples,
            stack_count=row.stack_count,
            note=row.note,
            packed=row.data,
        )


@strawberry.enum(
    description="HEAD: frames sized by the head profile; BASE: by the base, so removed code "
    "shows (flamegraph.pl --negate)."
)
class DiffShape(enum.Enum):
    HEAD = "head"
    BASE = "base"


@strawberry.type
class FunctionDiff:
    """One function's change; fractions of all samples when normalized, else counts."""

    name: str
    base_self: float
    head_self: float
    delta_self: float
    base_total: float
    head_total: float
    delta_total: float
    relative_self: float | None = strawberry.field(
        description="headSelf / baseSelf - 1; null when the base had no self time."
    )


_FOLDED_MIB = MAX_DIFF_FOLDED_BYTES // (1024 * 1024)


@strawberry.type
class FlamegraphDiff:
    """Two profiles compared: functions ranked by change in self time, and a red/blue SVG."""

    normalized: bool
    base_samples: float
    head_samples: float
    base_flamegraph_ids: list[strawberry.ID]
    head_flamegraph_ids: list[strawberry.ID]
    since: strawberry.Private[str | None]
    result: strawberry.Private[object]
    merged_runs: strawberry.Private[bool] = False

    @functools.cached_property
    def _folded(self) -> tuple[str, str, int]:
        from driftwatch_nb.core.profiles import diff_folded_texts

        diff = self.result
        return diff_folded_texts(
            diff.base,  # type: ignore[attr-defined]
            diff.head,  # type: ignore[attr-defined]
            base_samples=None if self.merged_runs else self.base_samples,
            head_samples=None if self.merged_runs else self.head_samples,
            max_bytes=MAX_DIFF_FOLDED_BYTES,
        )

    @strawberry.field(
        description="The base side's folded stacks as the diff compares them (several runs "
        "merged, each weighing the same, as parts per million; else the flamegraph's own "
        f"counts), for drawing the diff on a canvas. With headFolded at most {_FOLDED_MIB} MiB: the "
        "lightest stacks are left out of both sides beyond it (foldedOmitted)."
    )
    def base_folded(self) -> str:
        return self._folded[0]

    @strawberry.field(description="The head side's folded stacks, as baseFolded.")
    def head_folded(self) -> str:
        return self._folded[1]

    @strawberry.field(
        description="How many stacks baseFolded/headFolded left out to stay within "
        f"{_FOLDED_MIB} MiB."
    )
    def folded_omitted(self) -> int:
        return self._folded[2]

    @strawberry.field(
        description="Functions ranked by |deltaSelf|, largest first; an alert's diff ranks "
        "them the alert's way (a regression: the largest growth in self time first; an "
        "improvement: the largest drop)."
    )
    def functions(self, first: int = 20) -> list[FunctionDiff]:
        if not 0 <= first <= 1000:
            from driftwatch_nb.core.errors import InvalidInput

            raise InvalidInput("first must be between 0 and 1000", field="first")
        return [
            FunctionDiff(
                name=f.name,
                base_self=f.base_self,
                head_self=f.head_self,
                delta_self=f.delta_self,
                base_total=f.base_total,
                head_total=f.head_total,
                delta_total=f.delta_total,
                relative_self=f.relative_self,
            )
            for f in self.result.functions[:first]  # type: ignore[attr-defined]
        ]

    @strawberry.field(description="The differential flamegraph SVG (red grew, blue shrank).")
    def svg(self, shape: DiffShape = DiffShape.HEAD) -> str:
        return self.result.render(shape=shape.value).decode("utf-8")  # type: ignore[attr-defined]

    @strawberry.field(
        description="One sentence: the function whose self time changed most, e.g. "
        '"slower since abc123: parse_row +44 % self time".'
    )
    def summary(self) -> str:
        from driftwatch_nb.core.profiles import summarize

        return summarize(self.result, since=self.since)  # type: ignore[arg-type]


def metrics_of(context: Context, rows: list[MetricRow]) -> list[Metric]:
    """GraphQL metrics from plain rows, one ``Benchmark`` object per benchmark and request."""
    shared = context.benchmarks
    out = []
    for row in rows:
        benchmark = shared.get(row.benchmark_id)
        if benchmark is None:
            benchmark = shared[row.benchmark_id] = Benchmark(
                id=row.benchmark_id,  # type: ignore[arg-type]
                name=row.benchmark_name,
            )
        out.append(Metric.from_row(row, benchmark))
    return out


@dataclasses.dataclass
class Prefetched:
    """A report's fields read with the rest of its page (None: not asked)."""

    branch: Branch | None = None
    testbed: Testbed | None = None
    metrics: list[Metric] | None = None
    flamegraphs: list[Flamegraph] | None = None


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
    prefetched: strawberry.Private[Prefetched | None] = None
    """Its fields read with the rest of its page (``Project.reports``), if they were."""

    # Each field answers from the prefetched page when there is one, else through the
    # request's DataLoaders (a report of its own: report(id), createReport, an alert's).

    @strawberry.field
    def branch(self, info: Info[Context, None]) -> Branch:
        if self.prefetched is not None and self.prefetched.branch is not None:
            return self.prefetched.branch
        return self._load_branch(info)  # type: ignore[return-value]

    @strawberry.field
    def testbed(self, info: Info[Context, None]) -> Testbed:
        if self.prefetched is not None and self.prefetched.testbed is not None:
            return self.prefetched.testbed
        return self._load_testbed(info)  # type: ignore[return-value]

    @strawberry.field
    def metrics(self, info: Info[Context, None]) -> list[Metric]:
        if self.prefetched is not None and self.prefetched.metrics is not None:
            return self.prefetched.metrics
        return self._load_metrics(info)  # type: ignore[return-value]

    @strawberry.field
    def flamegraphs(self, info: Info[Context, None]) -> list[Flamegraph]:
        if self.prefetched is not None and self.prefetched.flamegraphs is not None:
            return self.prefetched.flamegraphs
        return self._load_flamegraphs(info)  # type: ignore[return-value]

    async def _load_branch(self, info: Info[Context, None]) -> Branch:
        row = await info.context.loaders.branch.load(self.branch_id)
        assert row is not None
        return Branch.from_row(row)

    async def _load_testbed(self, info: Info[Context, None]) -> Testbed:
        row = await info.context.loaders.testbed.load(self.testbed_id)
        assert row is not None
        return Testbed.from_row(row)

    async def _load_metrics(self, info: Info[Context, None]) -> list[Metric]:
        rows = await info.context.loaders.metrics_by_report.load(str(self.id))
        return metrics_of(info.context, rows)

    async def _load_flamegraphs(self, info: Info[Context, None]) -> list[Flamegraph]:
        rows = await info.context.loaders.flamegraphs_by_report.load(str(self.id))
        return [Flamegraph.from_row(row) for row in rows]

    @strawberry.field(description="The alerts this report raised (or was the latest to update).")
    async def alerts(self, info: Info[Context, None]) -> list[Alert]:
        rows = await info.context.loaders.alerts_by_report.load(str(self.id))
        return [Alert.from_row(row, project_slug=self.project_slug) for row in rows]

    @strawberry.field(
        description="The names of the benchmarks this report measured, sorted. With `names` "
        "(at most 100), only those of them it measured: a cheap check that a name is there."
    )
    def benchmarks(self, info: Info[Context, None], names: list[str] | None = None) -> list[str]:
        return report_benchmark_names(info.context.session, report_id=str(self.id), names=names)

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
class PageInfo:
    """Where a page sits in the list: pass ``endCursor`` as ``after`` for the next (older)
    page, ``startCursor`` as ``before`` for the previous (newer) one."""

    start_cursor: str | None
    end_cursor: str | None
    has_next_page: bool = strawberry.field(description="Whether older items follow.")
    has_previous_page: bool = strawberry.field(
        description="Whether newer items precede (true on any page read with `after` or `offset`)."
    )

    @classmethod
    def from_page(cls, page: paging.Page) -> PageInfo:
        return cls(
            start_cursor=page.start_cursor,
            end_cursor=page.end_cursor,
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
        )


@strawberry.type
class ReportPage:
    """A page of reports, newest first (by start time, then arrival)."""

    nodes: list[Report]
    has_more: bool = strawberry.field(description="Whether older reports follow this page.")
    page_info: PageInfo
    page: strawberry.Private[paging.Page]

    @strawberry.field(description="How many reports match in all (counted only when asked).")
    def total_count(self) -> int:
        return self.page.total()


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

    @strawberry.field(
        description="Reports newest first (by start time, then arrival); `branch` filters by "
        "branch name. Page with `after: pageInfo.endCursor` (stable while reports arrive) or, for "
        "older clients, `offset`. `first` is at most 100, or 1,000 when the page asks for no "
        "metrics, flamegraphs or alerts."
    )
    def reports(
        self,
        info: Info[Context, None],
        branch: str | None = None,
        first: int = 20,
        offset: int = 0,
        after: str | None = None,
        before: str | None = None,
    ) -> ReportPage:
        project = self._row(info)
        asked = _node_selection(info)
        page = list_reports(
            info.context.session,
            project=project,
            branch=branch,
            limit=first,
            offset=offset,
            after=after,
            before=before,
            bare=not _REPORT_LISTS & asked.keys(),
        )
        slug = self.slug
        nodes = [Report.from_row(row, project_slug=slug) for row in page.rows]
        if nodes:
            _prefetch(info.context, nodes, asked)
        return ReportPage(
            nodes=nodes,
            has_more=page.has_next,
            page_info=PageInfo.from_page(page),
            page=page,
        )

    @strawberry.field(description="Alerts, most recently updated first.")
    def alerts(
        self,
        info: Info[Context, None],
        status: AlertStatus | None = alerts.AlertStatus.ACTIVE,
        branch: str | None = None,
        first: int = 50,
        offset: int = 0,
    ) -> AlertPage:
        project = self._row(info)
        page = alerts.list_alerts(
            info.context.session,
            project=project,
            status=status,
            branch=branch,
            limit=first,
            offset=offset,
        )
        return AlertPage(
            nodes=[Alert.from_row(row, project_slug=self.slug) for row in page.rows],
            has_more=page.has_next,
            page=page,
        )

    @strawberry.field(description="One alert of this project (another's is NOT_FOUND).")
    def alert(self, info: Info[Context, None], id: strawberry.ID) -> Alert:
        from driftwatch_nb.core.errors import NotFoundError

        project = self._row(info)
        user = info.context.require_user()
        row = alerts.owned_alert(info.context.session, user=user, alert_id=str(id))
        if row.project_id != project.id:
            raise NotFoundError(f"no alert {str(id)!r} in project {self.slug!r}", field="id")
        return Alert.from_row(row, project_slug=self.slug)

    @strawberry.field(
        description="One benchmark's series, oldest first, with its change points. Without "
        "`branch`: `main` if the project has it, else the newest report's branch; without "
        "`testbed`: the newest report's testbed on that branch."
    )
    def history(
        self,
        info: Info[Context, None],
        benchmark: str,
        measure: str = "latency",
        branch: str | None = None,
        testbed: str | None = None,
        last: int = 500,
    ) -> BenchmarkHistory:
        found = alerts.history(
            info.context.session,
            project=self._row(info),
            benchmark=benchmark,
            measure=measure,
            branch=branch,
            testbed=testbed,
            last=last,
        )
        return BenchmarkHistory.from_history(found, project_slug=self.slug)

    @strawberry.field(
        description="Every series of one measure in one pass: each benchmark on each branch "
        "that has it (on the testbed of the benchmark's newest report there, as `history` "
        "picks it), the last `last` points each (1 to 500), benchmark by name, then `main` "
        "first, then branch name; `benchmark` keeps one benchmark's series."
    )
    def series(
        self,
        info: Info[Context, None],
        measure: str = "latency",
        last: int = 30,
        benchmark: str | None = None,
    ) -> list[BenchmarkHistory]:
        found = alerts.all_series(
            info.context.session,
            project=self._row(info),
            measure=measure,
            last=last,
            benchmark=benchmark,
        )
        return [BenchmarkHistory.from_history(h, project_slug=self.slug) for h in found]

    @strawberry.field(description="The project's detection thresholds and measure directions.")
    def detection(self, info: Info[Context, None]) -> Detection:
        from driftwatch_server.drift import DEFAULT_SETTINGS

        session = info.context.session
        rules = alerts.rules_for(session, str(self.id))
        names = {row.id: row.name for row in _children(info, models.Benchmark, str(self.id))}
        listed = ([rules.project] if rules.project else []) + list(rules.by_benchmark.values())
        return Detection(
            rules=[
                DetectionRule(
                    benchmark=names.get(rule.benchmark_id) if rule.benchmark_id else None,
                    min_change=rule.min_change,
                    sensitivity=rule.sensitivity,
                )
                for rule in listed
            ],
            directions=[
                MeasureDirection(measure=measure, higher_is_better=better, known=True)
                for measure, better in sorted(rules.directions.items())
            ],
            default_min_change=DEFAULT_SETTINGS.min_change,
            default_sensitivity=DEFAULT_SETTINGS.sensitivity,
        )

    def _row(self, info: Info[Context, None]) -> models.Project:
        project = info.context.session.get(models.Project, str(self.id))
        assert project is not None
        return project

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


# Fields of a report that are lists: a page asking for any of them is held to MAX_REPORT_PAGE.
_REPORT_LISTS = frozenset({"metrics", "flamegraphs", "alerts"})


def _node_selection(info: Info[Context, None]) -> dict[str, list[SelectedField]]:
    """The fields this ``reports`` selection asks of its nodes, by name (fragments flattened)."""
    pending: list = [child for page in info.selected_fields for child in page.selections]
    nodes: list = []
    while pending:  # the page's own fields
        item = pending.pop()
        if not isinstance(item, SelectedField):
            pending.extend(item.selections)
        elif item.name == "nodes":
            nodes.extend(item.selections)
    asked: dict[str, list[SelectedField]] = defaultdict(list)
    while nodes:  # the nodes' fields
        item = nodes.pop()
        if not isinstance(item, SelectedField):
            nodes.extend(item.selections)
        else:
            asked[item.name].append(item)
    return asked


def _asks(fields: list[SelectedField], name: str) -> bool:
    """Whether any of ``fields`` selects ``name`` (fragments flattened)."""
    pending: list = [child for f in fields for child in f.selections]
    while pending:
        item = pending.pop()
        if not isinstance(item, SelectedField):
            pending.extend(item.selections)
        elif item.name == name:
            return True
    return False


def _prefetch(context: Context, nodes: list[Report], asked: dict[str, list[SelectedField]]) -> None:
    """Read the asked fields of a page's reports in one batch each (the same statements the
    DataLoaders would run), so that the fields resolve without a DataLoader round each."""
    loaders = context.loaders
    ids = [str(node.id) for node in nodes]
    for node in nodes:
        node.prefetched = Prefetched()
    if "branch" in asked:
        keys = list(dict.fromkeys(node.branch_id for node in nodes))
        branches = {
            k: Branch.from_row(r)
            for k, r in zip(keys, loaders.rows_by_id(models.Branch, keys), strict=True)
            if r
        }
        for node in nodes:
            node.prefetched.branch = branches.get(node.branch_id)  # type: ignore[union-attr]
    if "testbed" in asked:
        keys = list(dict.fromkeys(node.testbed_id for node in nodes))
        testbeds = {
            k: Testbed.from_row(r)
            for k, r in zip(keys, loaders.rows_by_id(models.Testbed, keys), strict=True)
            if r
        }
        for node in nodes:
            node.prefetched.testbed = testbeds.get(node.testbed_id)  # type: ignore[union-attr]
    if "metrics" in asked:
        for node, rows in zip(nodes, loaders.metrics_for(ids), strict=True):
            node.prefetched.metrics = metrics_of(context, rows)  # type: ignore[union-attr]
    if "flamegraphs" in asked:
        groups = [[Flamegraph.from_row(r) for r in rows] for rows in loaders.flamegraphs_for(ids)]
        flat = [f for group in groups for f in group]
        if flat and _asks(asked["flamegraphs"], "url"):
            for flamegraph, signed in zip(
                flat, loaders.sign_urls([f.storage_path for f in flat]), strict=True
            ):
                flamegraph.signed = signed
        for node, group in zip(nodes, groups, strict=True):
            node.prefetched.flamegraphs = group  # type: ignore[union-attr]


def _children(info: Info[Context, None], model: type, project_id: str) -> list:
    from sqlmodel import select

    return list(
        info.context.session.exec(
            select(model).where(model.project_id == project_id).order_by(model.name)
        )
    )


# -- drift ----------------------------------------------------------------------------------------

AlertStatus = strawberry.enum(alerts.AlertStatus, description="Where the user has put an alert.")
Confidence = strawberry.enum(
    alerts.Confidence,
    description="CONFIRMED, or SUSPECTED: the newest report(s) look shifted but the evidence is "
    "not enough yet (the alert is confirmed or dismissed by the reports that follow).",
)
ChangeDirection = strawberry.enum(
    alerts.ChangeDirection,
    description="REGRESSION or IMPROVEMENT, by the measure's direction (latency: higher is "
    "worse; throughput: higher is better; unknown measures: higher is worse).",
)


@strawberry.type
class MeasureDirection:
    """Whether higher is better for a measure, and whether that is known or assumed."""

    measure: str
    higher_is_better: bool
    known: bool = strawberry.field(
        description="False when the measure is not built in and the project has not said: "
        "driftwatch then assumes higher is worse."
    )


@strawberry.type
class Alert:
    """A detected change in one series, raised by the report that revealed it."""

    id: strawberry.ID
    measure: str
    direction: ChangeDirection
    change: float = strawberry.field(description="Relative change: value / baselineValue - 1.")
    baseline_value: float = strawberry.field(description="The series' level before the change.")
    value: float = strawberry.field(description="The level after the change.")
    p_value: float
    confidence: Confidence
    status: AlertStatus
    created_at: dt.datetime
    updated_at: dt.datetime
    project_slug: str
    row: strawberry.Private[models.Alert]

    @strawberry.field
    async def benchmark(self, info: Info[Context, None]) -> Benchmark:
        row = await info.context.loaders.benchmark.load(self.row.benchmark_id)
        assert row is not None
        return Benchmark.from_row(row)

    @strawberry.field
    async def branch(self, info: Info[Context, None]) -> Branch:
        row = await info.context.loaders.branch.load(self.row.branch_id)
        assert row is not None
        return Branch.from_row(row)

    @strawberry.field
    async def testbed(self, info: Info[Context, None]) -> Testbed:
        row = await info.context.loaders.testbed.load(self.row.testbed_id)
        assert row is not None
        return Testbed.from_row(row)

    @strawberry.field(description="The report that revealed the change.")
    async def report(self, info: Info[Context, None]) -> Report:
        row = await info.context.loaders.report.load(self.row.report_id)
        assert row is not None
        return Report.from_row(row, project_slug=self.project_slug)

    @strawberry.field(description="The first report at the new level (the change point).")
    async def change_report(self, info: Info[Context, None]) -> Report:
        row = await info.context.loaders.report.load(self.row.change_report_id)
        assert row is not None
        return Report.from_row(row, project_slug=self.project_slug)

    @strawberry.field(
        description="The profiles of this benchmark before the change report vs from it on "
        "(same branch and testbed, several runs per side merged); null without profiles on "
        "both sides."
    )
    def flamegraph_diff(self, info: Info[Context, None]) -> FlamegraphDiff | None:
        from driftwatch_server.profiles import alert_diff

        found = alert_diff(info.context.session, info.context.storage, alert=self.row)
        if found is None:
            return None
        change = found.change_report
        return FlamegraphDiff(
            normalized=True,
            base_samples=found.diff.base_samples,
            head_samples=found.diff.head_samples,
            base_flamegraph_ids=[strawberry.ID(i) for i in found.base_flamegraph_ids],
            head_flamegraph_ids=[strawberry.ID(i) for i in found.head_flamegraph_ids],
            since=(change.git_hash or change.id)[:7],
            result=found.diff,
            merged_runs=True,
        )

    @classmethod
    def from_row(cls, row: models.Alert, *, project_slug: str) -> Alert:
        return cls(
            id=strawberry.ID(row.id),
            measure=row.measure,
            direction=alerts.ChangeDirection(row.direction),
            change=row.change,
            baseline_value=row.baseline_value,
            value=row.value,
            p_value=row.p_value,
            confidence=alerts.Confidence(row.confidence),
            status=alerts.AlertStatus(row.status),
            created_at=as_utc(row.created_at),
            updated_at=as_utc(row.updated_at),
            project_slug=project_slug,
            row=row,
        )


@strawberry.type
class AlertPage:
    """A page of alerts, most recently updated first."""

    nodes: list[Alert]
    has_more: bool
    page: strawberry.Private[paging.Page]

    @strawberry.field(description="How many alerts match in all (counted only when asked).")
    def total_count(self) -> int:
        return self.page.total()


@strawberry.type
class HistoryPoint:
    """One report's value in a series."""

    report: Report
    value: float
    lower_value: float | None
    upper_value: float | None


@strawberry.type
class ChangePoint:
    """Where a series changed level (offline change-point detection over its history)."""

    report: Report = strawberry.field(description="The first report at the new level.")
    index: int = strawberry.field(description="Its position in `points`.")
    direction: ChangeDirection
    change: float = strawberry.field(description="Relative change: after / before - 1.")
    before: float = strawberry.field(description="Median of the segment before.")
    after: float = strawberry.field(description="Median of the segment after.")
    p_value: float


@strawberry.type
class BenchmarkHistory:
    """One series (project, branch, testbed, benchmark, measure), oldest point first."""

    benchmark: Benchmark
    measure: str
    branch: Branch
    testbed: Testbed
    direction: MeasureDirection
    change_points: list[ChangePoint]
    found: strawberry.Private[alerts.History]
    project_slug: strawberry.Private[str]

    @strawberry.field
    def points(self) -> list[HistoryPoint]:
        # Built only when asked: a client reading the points through the bulk export asks
        # for the change points alone, and 10,000 points cost more than the query.
        return [
            HistoryPoint(
                report=Report.from_row(p.report, project_slug=self.project_slug),
                value=p.value,
                lower_value=p.lower_value,
                upper_value=p.upper_value,
            )
            for p in self.found.points
        ]

    @classmethod
    def from_history(cls, found: alerts.History, *, project_slug: str) -> BenchmarkHistory:
        return cls(
            benchmark=Benchmark.from_row(found.benchmark),
            measure=found.measure,
            branch=Branch.from_row(found.branch),
            testbed=Testbed.from_row(found.testbed),
            direction=MeasureDirection(
                measure=found.measure,
                higher_is_better=found.direction.higher_is_better,
                known=found.direction.known,
            ),
            change_points=[
                ChangePoint(
                    report=Report.from_row(found.points[index].report, project_slug=project_slug),
                    index=index,
                    direction=alerts.change_direction(change, found.direction),
                    change=change,
                    before=before,
                    after=after,
                    p_value=p_value,
                )
                for index, before, after, change, p_value in found.change_points
            ],
            found=found,
            project_slug=project_slug,
        )


@strawberry.type
class DetectionRule:
    """Detection knobs for a whole project (`benchmark` null) or one benchmark; a null knob
    inherits the project's, then the default."""

    benchmark: str | None
    min_change: float | None = strawberry.field(
        description="Smallest relative change worth an alert (default 0.02 = 2 %)."
    )
    sensitivity: float | None = strawberry.field(
        description="Multiplies the false-alert rate the detector accepts (default 1; 10 is "
        "more sensitive and noisier, 0.1 quieter)."
    )


@strawberry.type
class Detection:
    """A project's detection settings."""

    rules: list[DetectionRule]
    directions: list[MeasureDirection] = strawberry.field(
        description="Measures whose direction the project has set."
    )
    default_min_change: float
    default_sensitivity: float
