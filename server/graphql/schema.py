"""The GraphQL schema: queries and mutations over the services in ``driftwatch_server``."""

from __future__ import annotations

import datetime as dt
import logging
import re

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, ParserCache, ValidationCache
from strawberry.types import ExecutionContext, Info

from driftwatch_nb.core.errors import ApiError
from driftwatch_server import alerts, auth, flamegraphs, profiles, reports
from driftwatch_server.graphql.context import Context
from driftwatch_server.graphql.execution import PlainObjectsExecutionContext
from driftwatch_server.graphql.limits import limit_extensions
from driftwatch_server.graphql.nul import RefuseNulCharacters
from driftwatch_server.graphql.types import (
    Alert,
    AlertStatus,
    ApiToken,
    DetectionRule,
    Flamegraph,
    FlamegraphDiff,
    FlamegraphStacks,
    MeasureDirection,
    NewApiToken,
    Project,
    Report,
    UploadUrlResponse,
    User,
)
from driftwatch_server.health import service_unavailable_for
from driftwatch_server.models import Project as ProjectRow

log = logging.getLogger(__name__)


@strawberry.input
class MeasureInput:
    """One measure of a benchmark, e.g. ``latency`` in nanoseconds."""

    measure: str
    value: float
    lower_value: float | None = None
    upper_value: float | None = None
    samples: list[float] | None = strawberry.field(
        default=None,
        description="Raw per-iteration values in the measure's unit (at most 10,000).",
    )


@strawberry.input
class BenchmarkResultInput:
    """All measures of one benchmark in a report."""

    benchmark: str
    measures: list[MeasureInput]


@strawberry.input
class ReportInput:
    """A benchmark run to record."""

    project_slug: str
    branch: str
    start_time: dt.datetime
    end_time: dt.datetime
    results: list[BenchmarkResultInput]
    testbed: str = reports.DEFAULT_TESTBED
    git_hash: str | None = None
    adapter: str = "json"


Ctx = Info[Context, None]


@strawberry.type
class Query:
    @strawberry.field(description="The user the API token belongs to.")
    def me(self, info: Ctx) -> User:
        return User.from_row(info.context.require_user())

    @strawberry.field(description="Your API tokens, oldest first (never their secrets).")
    def tokens(self, info: Ctx) -> list[ApiToken]:
        user = info.context.require_user()
        rows = auth.list_tokens(info.context.session, user=user)
        return [ApiToken.from_row(row, current_id=info.context.token_id) for row, _ in rows]

    @strawberry.field(description="Your projects, by slug.")
    def projects(self, info: Ctx) -> list[Project]:
        user = info.context.require_user()
        return [
            Project.from_row(row) for row in reports.projects_of(info.context.session, user=user)
        ]

    @strawberry.field(description="One of your projects.")
    def project(self, info: Ctx, slug: str) -> Project:
        user = info.context.require_user()
        return Project.from_row(reports.owned_project(info.context.session, user=user, slug=slug))

    @strawberry.field(description="One report of your projects.")
    def report(self, info: Ctx, id: strawberry.ID) -> Report:
        user = info.context.require_user()
        session = info.context.session
        row = reports.owned_report(session, user=user, report_id=str(id))
        project = session.get(ProjectRow, row.project_id)
        assert project is not None
        return Report.from_row(row, project_slug=project.slug)

    @strawberry.field(
        description="Compare two of your flamegraphs: functions ranked by change in self time "
        "(fractions of all samples when normalized) and a red/blue differential SVG."
    )
    def flamegraph_diff(
        self, info: Ctx, base_id: strawberry.ID, head_id: strawberry.ID, normalize: bool = True
    ) -> FlamegraphDiff:
        user = info.context.require_user()
        result = profiles.flamegraph_diff(
            info.context.session,
            info.context.storage,
            user=user,
            base_id=str(base_id),
            head_id=str(head_id),
            normalize=normalize,
        )
        return FlamegraphDiff(
            normalized=normalize,
            base_samples=result.base_samples,
            head_samples=result.head_samples,
            base_flamegraph_ids=[base_id],
            head_flamegraph_ids=[head_id],
            since=None,
            result=result,
        )

    @strawberry.field(description="One of your flamegraphs' stacks as data.")
    def flamegraph_stacks(self, info: Ctx, id: strawberry.ID) -> FlamegraphStacks:
        user = info.context.require_user()
        session = info.context.session
        row = flamegraphs.owned_flamegraph(session, user=user, flamegraph_id=str(id))
        return FlamegraphStacks.from_row(flamegraphs.stacks_of(session, info.context.storage, row))

    @strawberry.field(description="A signed read URL for one flamegraph, valid for one hour.")
    async def flamegraph_url(self, info: Ctx, id: strawberry.ID) -> str:
        user = info.context.require_user()
        row = flamegraphs.owned_flamegraph(info.context.session, user=user, flamegraph_id=str(id))
        return await info.context.loaders.signed_url.load(row.storage_path)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Create another API token for yourself; `expiresInDays` makes it stop "
        "working after that many days. The secret is in the answer only."
    )
    def create_token(
        self, info: Ctx, label: str = "", expires_in_days: int | None = None
    ) -> NewApiToken:
        user = info.context.require_user()
        lifetime = dt.timedelta(days=expires_in_days) if expires_in_days is not None else None
        token, row = auth.issue_token_row(
            info.context.session, user=user, label=label, expires_in=lifetime
        )
        info.context.session.commit()
        return NewApiToken(token=token, info=ApiToken.from_row(row))

    @strawberry.mutation(
        description="Revoke one of your API tokens by id (its dashboard sessions end too); "
        "another user's token is NOT_FOUND."
    )
    def revoke_token(self, info: Ctx, id: strawberry.ID) -> bool:
        user = info.context.require_user()
        auth.revoke_token(info.context.session, str(id), user=user)
        info.context.session.commit()
        return True

    @strawberry.mutation(description="Create a project you own.")
    def create_project(self, info: Ctx, slug: str, name: str | None = None) -> Project:
        user = info.context.require_user()
        row = reports.create_project(info.context.session, owner=user, slug=slug, name=name)
        info.context.session.commit()
        return Project.from_row(row)

    @strawberry.mutation(
        description="Record a report; missing branch, testbed and benchmarks are created."
    )
    def create_report(self, info: Ctx, input: ReportInput) -> Report:
        user = info.context.require_user()
        data = reports.ReportCreate(
            project_slug=input.project_slug,
            branch=input.branch,
            testbed=input.testbed,
            git_hash=input.git_hash,
            adapter=input.adapter,
            start_time=input.start_time,
            end_time=input.end_time,
            values=[
                reports.MeasureValue(
                    benchmark=result.benchmark,
                    measure=measure.measure,
                    value=measure.value,
                    lower_value=measure.lower_value,
                    upper_value=measure.upper_value,
                    samples=measure.samples,
                )
                for result in input.results
                for measure in result.measures
            ],
        )
        row = reports.create_report(
            info.context.session, user=user, data=data, detect=info.context.settings.detection
        )
        info.context.session.commit()
        return Report.from_row(row, project_slug=input.project_slug)

    @strawberry.mutation(description="Acknowledge, dismiss or re-open an alert.")
    def update_alert(self, info: Ctx, id: strawberry.ID, status: AlertStatus) -> Alert:
        user = info.context.require_user()
        session = info.context.session
        row = alerts.update_alert(session, user=user, alert_id=str(id), status=status)
        project = session.get(ProjectRow, row.project_id)
        assert project is not None
        session.commit()
        return Alert.from_row(row, project_slug=project.slug)

    @strawberry.mutation(
        description="Set the detection knobs of a project (no `benchmark`) or of one benchmark; "
        "null clears a knob (it inherits again)."
    )
    def set_detection_rule(
        self,
        info: Ctx,
        project_slug: str,
        benchmark: str | None = None,
        min_change: float | None = None,
        sensitivity: float | None = None,
    ) -> DetectionRule:
        user = info.context.require_user()
        session = info.context.session
        project = reports.owned_project(session, user=user, slug=project_slug)
        rule = alerts.set_rule(
            session,
            project=project,
            benchmark=benchmark,
            min_change=min_change,
            sensitivity=sensitivity,
        )
        session.commit()
        return DetectionRule(
            benchmark=benchmark, min_change=rule.min_change, sensitivity=rule.sensitivity
        )

    @strawberry.mutation(description="Say whether higher is better for one of your measures.")
    def set_measure_direction(
        self, info: Ctx, project_slug: str, measure: str, higher_is_better: bool
    ) -> MeasureDirection:
        user = info.context.require_user()
        session = info.context.session
        project = reports.owned_project(session, user=user, slug=project_slug)
        alerts.set_direction(
            session, project=project, measure=measure, higher_is_better=higher_is_better
        )
        session.commit()
        return MeasureDirection(measure=measure, higher_is_better=higher_is_better, known=True)

    @strawberry.mutation(description="Delete a report, its metrics and its flamegraph files.")
    def delete_report(self, info: Ctx, id: strawberry.ID) -> bool:
        user = info.context.require_user()
        flamegraphs.delete_report(
            info.context.session, info.context.storage, user=user, report_id=str(id)
        )
        return True

    @strawberry.mutation(description="A signed URL to PUT one flamegraph SVG to (1 hour).")
    def create_flamegraph_upload_url(
        self, info: Ctx, project_slug: str, file_name: str, file_size: int
    ) -> UploadUrlResponse:
        user = info.context.require_user()
        signed = flamegraphs.create_upload_url(
            info.context.session,
            info.context.storage,
            user=user,
            project_slug=project_slug,
            file_name=file_name,
            file_size=file_size,
            ttl_seconds=info.context.settings.pending_upload_ttl_seconds,
        )
        info.context.session.commit()
        return UploadUrlResponse(upload_url=signed.url, storage_path=signed.path)

    @strawberry.mutation(description="Check an uploaded flamegraph and attach it to a report.")
    def confirm_flamegraph_upload(
        self,
        info: Ctx,
        report_id: strawberry.ID,
        storage_path: str,
        file_name: str,
        file_size: int,
        benchmark_name: str | None = None,
    ) -> Flamegraph:
        user = info.context.require_user()
        row = flamegraphs.confirm_upload(
            info.context.session,
            info.context.storage,
            user=user,
            report_id=str(report_id),
            storage_path=storage_path,
            file_name=file_name,
            file_size=file_size,
            benchmark_name=benchmark_name,
        )
        info.context.session.commit()
        # Only now: the worker's own session must see the committed flamegraph.
        wanted = flamegraphs.take_stacks_wanted(info.context.session)
        if info.context.stacks_worker is not None:
            for flamegraph_id in wanted:
                info.context.stacks_worker.submit(flamegraph_id)
        return Flamegraph.from_row(row)


def _should_mask(error: GraphQLError) -> bool:
    original = error.original_error
    if original is None or isinstance(original, ApiError | GraphQLError):
        return False
    log.error("unexpected error in GraphQL resolver", exc_info=original)
    return True


class _MaskUnexpectedErrors(MaskErrors):
    """Hide the details of unexpected errors, keeping a code clients can branch on."""

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        mapped = service_unavailable_for(error.original_error) if error.original_error else None
        if mapped is not None:
            # A database that is down or full, or a failing storage: say which, with a code.
            return GraphQLError(
                mapped.message,
                nodes=error.nodes,
                path=error.path,
                original_error=mapped,
                extensions=mapped.extensions,
            )
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "INTERNAL_SERVER_ERROR"}
        return masked


# The refusals of strawberry's limiter extensions and graphql-core's token limit.
_LIMIT_MESSAGES = re.compile(
    r"aliases found\. Allowed|exceeds maximum operation depth|Document contains more than"
)


class DriftwatchSchema(strawberry.Schema):
    """The schema, giving every error an ``extensions.code`` clients can branch on."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            extensions = error.extensions if error.extensions is not None else {}
            if "code" not in extensions:
                # Errors graphql-core raises itself: bad variables are the client's input,
                # anything else is a query that does not fit the schema.
                bad_input = error.message.startswith("Variable '$")
                if bad_input:
                    extensions["code"] = "BAD_USER_INPUT"
                elif _LIMIT_MESSAGES.search(error.message):
                    extensions["code"] = "QUERY_TOO_COMPLEX"
                else:
                    extensions["code"] = "GRAPHQL_VALIDATION_FAILED"
                error.extensions = extensions
            if not isinstance(error.original_error, ApiError):
                super().process_errors([error], execution_context)


schema = DriftwatchSchema(
    query=Query,
    mutation=Mutation,
    execution_context_class=PlainObjectsExecutionContext,
    extensions=[
        lambda: _MaskUnexpectedErrors(should_mask_error=_should_mask),
        *limit_extensions(),
        RefuseNulCharacters,
        # Module-level LRU caches: clients send the same few query texts over and over.
        ParserCache,
        ValidationCache,
    ],
)
