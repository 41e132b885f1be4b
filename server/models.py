"""Database tables (SQLModel). The schema itself is created only by Alembic migrations."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


def new_id() -> str:
    """A fresh primary key (UUID4 as text, portable across SQLite and PostgreSQL)."""
    return str(uuid.uuid4())


def utcnow() -> dt.datetime:
    """The current time, timezone-aware in UTC."""
    return dt.datetime.now(dt.UTC)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """Treat naive datetimes (SQLite returns them) as UTC."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _timestamp(*, nullable: bool = False, index: bool = False) -> sa.Column:
    return sa.Column(sa.DateTime(timezone=True), nullable=nullable, index=index)


def _fk(target: str, *, nullable: bool = False, ondelete: str = "CASCADE") -> sa.Column:
    return sa.Column(
        sa.String(36), sa.ForeignKey(target, ondelete=ondelete), nullable=nullable, index=True
    )


class User(SQLModel, table=True):
    """A person or CI robot that owns projects and authenticates with API tokens."""

    __tablename__ = "users"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    name: str = Field(sa_column=sa.Column(sa.String(100), nullable=False, unique=True))
    is_admin: bool = Field(default=False)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class ApiToken(SQLModel, table=True):
    """An API token, stored only as its SHA-256 hash."""

    __tablename__ = "api_tokens"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    user_id: str = Field(sa_column=_fk("users.id"))
    token_hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False, unique=True))
    label: str = Field(default="", max_length=100)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    expires_at: dt.datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    last_used_at: dt.datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class Project(SQLModel, table=True):
    """A codebase whose benchmarks are tracked; owned by one user."""

    __tablename__ = "projects"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    slug: str = Field(sa_column=sa.Column(sa.String(64), nullable=False, unique=True))
    name: str = Field(max_length=200)
    owner_id: str = Field(sa_column=_fk("users.id"))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class Branch(SQLModel, table=True):
    """A line of development in a project (e.g. ``main``)."""

    __tablename__ = "branches"
    __table_args__ = (sa.UniqueConstraint("project_id", "name"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    project_id: str = Field(sa_column=_fk("projects.id"))
    name: str = Field(max_length=200)


class Testbed(SQLModel, table=True):
    """The machine or environment a report was measured on."""

    __tablename__ = "testbeds"
    __table_args__ = (sa.UniqueConstraint("project_id", "name"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    project_id: str = Field(sa_column=_fk("projects.id"))
    name: str = Field(max_length=200)


class Benchmark(SQLModel, table=True):
    """A named benchmark; its name is unique within the project."""

    __tablename__ = "benchmarks"
    __table_args__ = (sa.UniqueConstraint("project_id", "name"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    project_id: str = Field(sa_column=_fk("projects.id"))
    name: str = Field(max_length=500)


class Report(SQLModel, table=True):
    """One benchmark run on a branch and testbed."""

    __tablename__ = "reports"
    # Pages of reports read (project or branch, start_time, created_at, id) in index order.
    __table_args__ = (
        sa.Index("ix_reports_project_created", "project_id", "created_at"),
        sa.Index("ix_reports_project_start", "project_id", "start_time", "created_at", "id"),
        sa.Index("ix_reports_branch_start", "branch_id", "start_time", "created_at", "id"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    project_id: str = Field(sa_column=_fk("projects.id"))
    branch_id: str = Field(sa_column=_fk("branches.id"))
    testbed_id: str = Field(sa_column=_fk("testbeds.id"))
    git_hash: str | None = Field(default=None, max_length=64)
    adapter: str = Field(default="json", max_length=50)
    start_time: dt.datetime = Field(sa_column=_timestamp())
    end_time: dt.datetime = Field(sa_column=_timestamp())
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class Metric(SQLModel, table=True):
    """One measured value of one benchmark in a report (e.g. latency in ns).

    ``branch_id``, ``testbed_id`` and ``start_time`` repeat the report's (reports never change)
    so that one index serves a whole series: (benchmark, measure, branch, testbed, time).
    ``samples`` holds the raw per-iteration values, packed (``driftwatch_server.samples``).
    """

    __tablename__ = "metrics"
    __table_args__ = (
        sa.Index(
            "ix_metrics_series", "benchmark_id", "measure", "branch_id", "testbed_id", "start_time"
        ),
        # The bulk export by benchmark and time (any measure, branch, testbed): `since=`.
        sa.Index("ix_metrics_benchmark_start", "benchmark_id", "start_time"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    report_id: str = Field(sa_column=_fk("reports.id"))
    benchmark_id: str = Field(sa_column=_fk("benchmarks.id"))
    measure: str = Field(max_length=64)
    value: float
    lower_value: float | None = None
    upper_value: float | None = None
    branch_id: str = Field(sa_column=sa.Column(sa.String(36), nullable=False))
    testbed_id: str = Field(sa_column=sa.Column(sa.String(36), nullable=False))
    start_time: dt.datetime = Field(sa_column=_timestamp())
    samples: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True))


class Alert(SQLModel, table=True):
    """A detected change in one series (project, branch, testbed, benchmark, measure).

    ``report_id`` is the report that revealed it, ``change_report_id`` the first report of the
    new level (the change point; the same or a few reports earlier). ``confidence`` is
    ``CONFIRMED`` or ``SUSPECTED`` (not enough evidence yet); ``status`` is the user's:
    ``ACTIVE``, ``ACKNOWLEDGED`` or ``DISMISSED``.
    """

    __tablename__ = "alerts"
    __table_args__ = (sa.Index("ix_alerts_project_status", "project_id", "status", "created_at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    project_id: str = Field(sa_column=_fk("projects.id"))
    report_id: str = Field(sa_column=_fk("reports.id"))
    change_report_id: str = Field(sa_column=_fk("reports.id"))
    benchmark_id: str = Field(sa_column=_fk("benchmarks.id"))
    branch_id: str = Field(sa_column=sa.Column(sa.String(36), nullable=False))
    testbed_id: str = Field(sa_column=sa.Column(sa.String(36), nullable=False))
    measure: str = Field(max_length=64)
    direction: str = Field(max_length=16)
    change: float
    baseline_value: float
    value: float
    p_value: float
    confidence: str = Field(max_length=16)
    status: str = Field(default="ACTIVE", max_length=16)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class SeriesState(SQLModel, table=True):
    """The detector's window of one series, kept so that ingest need not re-read history.

    ``points`` holds the newest values (packed float64, oldest first; ``alerts.STATE_POINTS`` at
    most) up to the point at ``newest_start``; ``since_change`` counts the points of the window
    from the last confirmed change point on (NULL: none in the window). A cache: any row may
    be deleted (a report deleted, a back-dated one inserted) and is rebuilt from the metrics.
    """

    __tablename__ = "series_states"

    benchmark_id: str = Field(
        sa_column=sa.Column(
            sa.String(36),
            sa.ForeignKey("benchmarks.id", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    measure: str = Field(sa_column=sa.Column(sa.String(64), primary_key=True))
    branch_id: str = Field(sa_column=sa.Column(sa.String(36), primary_key=True))
    testbed_id: str = Field(sa_column=sa.Column(sa.String(36), primary_key=True))
    points: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    newest_start: dt.datetime = Field(sa_column=_timestamp())
    since_change: int | None = None


class DetectionRule(SQLModel, table=True):
    """A project's detection knobs, for the whole project (``benchmark_id`` NULL) or one
    benchmark; a NULL knob inherits the project's, then the built-in default."""

    __tablename__ = "detection_rules"
    __table_args__ = (sa.UniqueConstraint("project_id", "benchmark_id"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    project_id: str = Field(sa_column=_fk("projects.id"))
    benchmark_id: str | None = Field(default=None, sa_column=_fk("benchmarks.id", nullable=True))
    min_change: float | None = None
    sensitivity: float | None = None


class MeasureDirection(SQLModel, table=True):
    """Whether higher is better for one of a project's measures (overrides the built-ins)."""

    __tablename__ = "measure_directions"
    __table_args__ = (sa.UniqueConstraint("project_id", "measure"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    project_id: str = Field(sa_column=_fk("projects.id"))
    measure: str = Field(max_length=64)
    higher_is_better: bool


class Flamegraph(SQLModel, table=True):
    """A flamegraph SVG stored in the bucket and attached to a report."""

    __tablename__ = "flamegraphs"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    report_id: str = Field(sa_column=_fk("reports.id"))
    benchmark_id: str | None = Field(
        default=None, sa_column=_fk("benchmarks.id", nullable=True, ondelete="SET NULL")
    )
    storage_path: str = Field(sa_column=sa.Column(sa.String(500), nullable=False, unique=True))
    file_name: str = Field(max_length=255)
    file_size: int
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class FlamegraphStacks(SQLModel, table=True):
    """A flamegraph's stacks as data: zlib-compressed folded text, recovered at confirmation.

    ``status`` is ``READY`` (``data`` holds the stacks) or ``PICTURE_ONLY`` (the SVG could not
    be read as a flamegraph; ``note`` says why and ``data`` is empty). Kept in the database:
    the stacks of a 9 MiB SVG compress to a few hundred KiB at most.
    """

    __tablename__ = "flamegraph_stacks"

    flamegraph_id: str = Field(
        sa_column=sa.Column(
            sa.String(36),
            sa.ForeignKey("flamegraphs.id", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    status: str = Field(max_length=16)
    source_format: str = Field(max_length=16)
    unit: str = Field(default="samples", max_length=16)
    total_samples: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False))
    stack_count: int = 0
    note: str | None = Field(default=None, max_length=500)
    data: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))


class PendingUpload(SQLModel, table=True):
    """A storage path the server issued for upload and that is not confirmed yet."""

    __tablename__ = "pending_uploads"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    storage_path: str = Field(sa_column=sa.Column(sa.String(500), nullable=False, unique=True))
    project_id: str = Field(sa_column=_fk("projects.id"))
    user_id: str = Field(sa_column=_fk("users.id"))
    expires_at: dt.datetime = Field(sa_column=_timestamp(index=True))


class DashboardSession(SQLModel, table=True):
    """A dashboard sign-in: ends on sign-out, expiry, or when its API token is revoked."""

    __tablename__ = "dashboard_sessions"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    user_id: str = Field(sa_column=_fk("users.id"))
    token_id: str = Field(sa_column=_fk("api_tokens.id"))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    expires_at: dt.datetime = Field(sa_column=_timestamp(index=True))


class ServerState(SQLModel, table=True):
    """Facts every replica must agree on, e.g. the id of the embedded storage's data directory."""

    __tablename__ = "server_state"

    key: str = Field(primary_key=True, max_length=100)
    value: str = Field(max_length=500)
