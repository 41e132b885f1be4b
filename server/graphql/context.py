"""Per-request GraphQL context: session, user, storage and fresh DataLoaders.

Loaders live on the context, never at module level: a loader caches, and a cache shared
between requests would leak one user's rows to another.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select
from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from driftwatch_nb.core.errors import AuthenticationError, NotFoundError, ServiceUnavailable
from driftwatch_server.config import Settings
from driftwatch_server.models import (
    Alert,
    Benchmark,
    Branch,
    Flamegraph,
    Metric,
    Report,
    Testbed,
    User,
)
from driftwatch_server.stacks_worker import StacksWorker
from driftwatch_server.storage.base import StorageBackend, StorageUnreachable

log = logging.getLogger(__name__)

RowT = TypeVar("RowT", bound=SQLModel)
KeyT = TypeVar("KeyT", bound=Hashable)


class MetricRow(NamedTuple):
    """One metric with its benchmark's name, as plain values (no ORM object)."""

    id: str
    report_id: str
    measure: str
    value: float
    lower_value: float | None
    upper_value: float | None
    benchmark_id: str
    benchmark_name: str


_METRIC_COLUMNS = (
    Metric.id,
    Metric.report_id,
    Metric.measure,
    Metric.value,
    Metric.lower_value,
    Metric.upper_value,
    Benchmark.id,
    Benchmark.name,
)


@dataclass(kw_only=True)
class Loaders:
    """Batched loads for one request, so lists of reports cost a fixed number of queries."""

    session: Session
    storage: StorageBackend
    signed_url_ttl_seconds: int
    metrics_by_report: DataLoader[str, list[MetricRow]] = field(init=False)
    samples_by_report: DataLoader[str, dict[str, bytes | None]] = field(init=False)
    flamegraphs_by_report: DataLoader[str, list[Any]] = field(init=False)
    benchmark: DataLoader[str, Benchmark | None] = field(init=False)
    branch: DataLoader[str, Branch | None] = field(init=False)
    testbed: DataLoader[str, Testbed | None] = field(init=False)
    signed_url: DataLoader[str, str] = field(init=False)
    report: DataLoader[str, Report | None] = field(init=False)
    alerts_by_report: DataLoader[str, list[Alert]] = field(init=False)

    def __post_init__(self) -> None:
        self.metrics_by_report = DataLoader(_batch(self.metrics_for))
        self.samples_by_report = DataLoader(_batch(self._samples_for))
        self.flamegraphs_by_report = DataLoader(_batch(self.flamegraphs_for))
        self.benchmark = DataLoader(_batch(lambda keys: self.rows_by_id(Benchmark, keys)))
        self.branch = DataLoader(_batch(lambda keys: self.rows_by_id(Branch, keys)))
        self.testbed = DataLoader(_batch(lambda keys: self.rows_by_id(Testbed, keys)))
        self.signed_url = DataLoader(_batch(self.sign_urls))
        self.report = DataLoader(_batch(lambda keys: self.rows_by_id(Report, keys)))
        self.alerts_by_report = DataLoader(_batch(self._alerts_for))

    # The batch reads, also called directly by a resolver that knows every key up front (a
    # page of reports prefetches its nodes' fields: no DataLoader round per field).

    def metrics_for(self, report_ids: Sequence[str]) -> list[list[MetricRow]]:
        """Each report's metrics, by benchmark name then measure, as plain rows."""
        # Plain rows in one join, no ORM objects and no samples: a page of 20 reports carries
        # hundreds of metrics, and building an ORM object per row cost more than the SQL.
        grouped: dict[str, list[MetricRow]] = defaultdict(list)
        rows = self.session.execute(
            sa.select(*_METRIC_COLUMNS)
            .join(Benchmark, Benchmark.id == Metric.benchmark_id)  # type: ignore[arg-type]
            .where(Metric.report_id.in_(report_ids))  # type: ignore[attr-defined]
            .order_by(Benchmark.name, Metric.measure)
        )
        for row in rows:
            grouped[row[1]].append(MetricRow._make(row))
        return [grouped[key] for key in report_ids]

    def flamegraphs_for(self, report_ids: Sequence[str]) -> list[list[Any]]:
        """Each report's flamegraphs, oldest first, as read-only rows with the attributes of
        ``Flamegraph`` (not ORM objects: a page has dozens)."""
        grouped: dict[str, list[Any]] = defaultdict(list)
        rows = self.session.execute(
            sa.select(*Flamegraph.__table__.columns)  # type: ignore[attr-defined]
            .where(Flamegraph.report_id.in_(report_ids))  # type: ignore[attr-defined]
            .order_by(Flamegraph.created_at)
        )
        for row in rows:
            grouped[row.report_id].append(row)
        return [grouped[key] for key in report_ids]

    def _alerts_for(self, report_ids: Sequence[str]) -> list[list[Alert]]:
        return self._grouped(Alert, "report_id", Alert.created_at, report_ids)

    def _grouped(
        self, model: type[RowT], column: str, order_by: object, keys: Sequence[str]
    ) -> list[list[RowT]]:
        grouped: dict[str, list[RowT]] = defaultdict(list)
        rows = self.session.exec(
            select(model).where(getattr(model, column).in_(keys)).order_by(order_by)  # type: ignore[arg-type]
        )
        for row in rows:
            grouped[getattr(row, column)].append(row)
        return [grouped[key] for key in keys]

    def _samples_for(self, report_ids: Sequence[str]) -> list[dict[str, bytes | None]]:
        # Raw samples are large: read only when a query asks for them.
        grouped: dict[str, dict[str, bytes | None]] = defaultdict(dict)
        rows = self.session.execute(
            sa.select(Metric.id, Metric.report_id, Metric.samples).where(
                Metric.report_id.in_(report_ids)  # type: ignore[attr-defined]
            )
        )
        for metric_id, report_id, packed in rows:
            grouped[report_id][metric_id] = packed
        return [grouped[key] for key in report_ids]

    def rows_by_id(self, model: type[RowT], keys: Sequence[str]) -> list[RowT | None]:
        """The rows of ``model`` with these ids (``None`` where there is none)."""
        rows = self.session.exec(select(model).where(model.id.in_(keys)))  # type: ignore[attr-defined]
        by_id = {row.id: row for row in rows}  # type: ignore[attr-defined]
        return [by_id.get(key) for key in keys]

    def sign_urls(self, paths: Sequence[str]) -> list[str | BaseException]:
        """A signed read URL per path, or the error its ``url`` field reports."""
        try:
            urls = self.storage.create_signed_read_urls(
                list(paths), expires_in=self.signed_url_ttl_seconds
            )
        except Exception as exc:  # noqa: BLE001 - each url field fails on its own, not the query
            log.exception("could not sign read URLs for %d flamegraphs", len(paths))
            what = (
                "the storage is unreachable"
                if isinstance(exc, StorageUnreachable)
                else "the storage could not sign a URL for this flamegraph"
            )
            return [ServiceUnavailable(f"{what}; try again later", field="url") for _ in paths]
        return [
            urls[path]
            if path in urls
            else NotFoundError("the flamegraph's file is missing from storage", field="url")
            for path in paths
        ]


def _batch(read: Callable[[list[str]], Sequence[object]]) -> Callable[[list[str]], object]:
    """A DataLoader load function around a synchronous batch read."""

    async def load(keys: list[str]) -> Sequence[object]:
        return read(keys)

    return load


class Context(BaseContext):
    """What every resolver sees as ``info.context``."""

    def __init__(
        self,
        *,
        session: Session,
        user: User | None,
        storage: StorageBackend,
        settings: Settings,
        token_refused: bool = False,
        token_id: str | None = None,
        stacks_worker: StacksWorker | None = None,
    ) -> None:
        super().__init__()
        self.stacks_worker = stacks_worker
        """Recovers confirmed flamegraphs' stacks in the background (``None``: nothing does)."""
        self.token_refused = token_refused
        self.token_id = token_id
        self.session = session
        self.user = user
        self.storage = storage
        self.settings = settings
        self.benchmarks: dict[str, Any] = {}
        """GraphQL ``Benchmark`` objects of this request by id, shared by their metrics."""
        self.loaders = Loaders(
            session=session,
            storage=storage,
            signed_url_ttl_seconds=settings.signed_url_ttl_seconds,
        )

    def require_user(self) -> User:
        """The signed-in user, or an UNAUTHENTICATED error."""
        if self.user is None and self.token_refused:
            raise AuthenticationError(
                "the server refused this token (revoked, expired, mistyped, or for another "
                "server); check it with `driftwatch login`, or ask for a new one "
                "(`driftwatch admin create-token`)"
            )
        if self.user is None:
            raise AuthenticationError(
                "send an API token as 'Authorization: Bearer <token>' "
                "(create one with `driftwatch admin create-token`)"
            )
        return self.user
