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
    __table_args__ = (sa.Index("ix_reports_project_created", "project_id", "created_at"),)

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
    """One measured value of one benchmark in a report (e.g. latency in ns)."""

    __tablename__ = "metrics"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    report_id: str = Field(sa_column=_fk("reports.id"))
    benchmark_id: str = Field(sa_column=_fk("benchmarks.id"))
    measure: str = Field(max_length=64)
    value: float
    lower_value: float | None = None
    upper_value: float | None = None


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
