"""Server settings: the one place that reads the environment.

Every variable is named ``DRIFTWATCH_<FIELD>`` and documented in the README.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path.home() / ".local" / "share" / "driftwatch"
DEFAULT_SIGNED_URL_TTL_SECONDS = 3600


class Settings(BaseSettings):
    """Configuration for the driftwatch server, read from ``DRIFTWATCH_*`` variables."""

    model_config = SettingsConfigDict(env_prefix="DRIFTWATCH_", extra="ignore")

    data_dir: Path = Field(
        default=DEFAULT_DATA_DIR,
        description="Directory for the SQLite database and the embedded storage's files.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; defaults to sqlite:///{data_dir}/driftwatch.db. "
        "Use postgresql+psycopg://user@host/db for PostgreSQL.",
    )
    host: str = Field(default="127.0.0.1", description="Address `driftwatch serve` binds to.")
    port: int = Field(default=8787, description="Port `driftwatch serve` listens on.")
    public_url: str | None = Field(
        default=None,
        description="Base URL clients use to reach this server (signed URLs are built on it); "
        "defaults to http://{host}:{port}.",
    )
    secret_key: str | None = Field(
        default=None,
        description="Key that signs embedded-storage tokens and dashboard sessions. Defaults to "
        "a random key kept in {data_dir}/secret.key so that every replica sharing the data "
        "directory agrees; set it explicitly when replicas do not share a disk.",
    )
    storage_backend: Literal["local", "supabase"] = Field(
        default="local", description="`local` (embedded, files in data_dir) or `supabase`."
    )
    supabase_url: str | None = Field(default=None, description="Supabase project URL.")
    supabase_service_key: str | None = Field(
        default=None, description="Supabase service-role key (server side only)."
    )
    signed_url_ttl_seconds: int = Field(
        default=DEFAULT_SIGNED_URL_TTL_SECONDS,
        gt=0,
        description="Lifetime of signed upload and read URLs.",
    )
    pending_upload_ttl_seconds: int = Field(
        default=DEFAULT_SIGNED_URL_TTL_SECONDS,
        gt=0,
        description="How long an issued upload path may wait for confirmation before the sweep "
        "removes it.",
    )

    sweep_interval_seconds: int = Field(
        default=300,
        ge=0,
        description="`driftwatch serve` runs the sweep (expired and oversized unconfirmed "
        "uploads, orphan files) this often; 0 turns the schedule off.",
    )

    stacks_workers: int = Field(
        default=1,
        ge=0,
        le=16,
        description="How many foreign flamegraphs (flamegraph.pl, inferno, py-spy SVGs) the "
        "server reads back into stacks at once, in the background after their confirmation; "
        "0 turns the worker off (the first request that needs the stacks recovers them).",
    )
    stacks_queue_limit: int = Field(
        default=256,
        gt=0,
        description="The most flamegraphs waiting for that background recovery; past it a "
        "flamegraph waits for its first reader or the next catch-up (at start and after each "
        "scheduled sweep).",
    )

    detection: bool = Field(
        default=True,
        description="Judge every series a new report touches for drift (change-point "
        "detection) and raise alerts; `false` stores reports only.",
    )
    export_max_rows: int = Field(
        default=10_000_000,
        gt=0,
        description="The most rows one metrics export (`/api/projects/{slug}/metrics`) streams; "
        "past it the stream is cut and the client told to narrow the filter.",
    )
    graphiql: bool = Field(
        default=False,
        description="Serve the GraphiQL IDE on GET /graphql. Off by default: its page loads "
        "its code from a public CDN (jsDelivr).",
    )

    @field_validator("public_url")
    @classmethod
    def _strip_trailing_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else value

    @property
    def resolved_database_url(self) -> str:
        """The database URL, with the embedded SQLite default filled in."""
        return self.database_url or f"sqlite:///{self.data_dir / 'driftwatch.db'}"

    @property
    def resolved_public_url(self) -> str:
        """The base URL clients reach this server on."""
        return self.public_url or f"http://{self.host}:{self.port}"

    @property
    def storage_dir(self) -> Path:
        """Where the embedded storage backend keeps objects."""
        return self.data_dir / "storage"

    def resolved_secret_key(self) -> str:
        """The signing key: configured, or created once in the data directory."""
        if self.secret_key:
            return self.secret_key
        key_file = self.data_dir / "secret.key"
        if key_file.exists():
            return key_file.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        # O_EXCL: if another replica wrote it first, use theirs.
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return key_file.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (tests build their own ``Settings`` instead)."""
    return Settings()
