"""The storage interface every backend implements.

Object paths are relative to the ``flamegraphs`` bucket, e.g.
``projects/{projectId}/flamegraphs/{uuid}_{safeFileName}``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from driftwatch_nb.core.errors import DriftwatchError


class StorageError(DriftwatchError):
    """A storage operation failed; the message says what to do next."""


class StorageUnreachable(StorageError):
    """The storage could not be reached at all (connection refused, timeout, DNS)."""


class StorageUnauthorized(StorageError):
    """The storage refused the server's own credentials (a wrong service key)."""


class ObjectNotFound(StorageError):
    """The object does not exist in the bucket."""


@dataclass(frozen=True, kw_only=True)
class SignedUpload:
    """Where a client PUTs the bytes of one object."""

    path: str
    url: str
    token: str


@dataclass(frozen=True, kw_only=True)
class ObjectInfo:
    """What storage knows about one stored object."""

    path: str
    size: int
    content_type: str | None
    created_at: dt.datetime | None = None


class StorageBackend(Protocol):
    """One bucket of objects reached through signed URLs."""

    bucket: str

    def ensure_bucket(self) -> None:
        """Create the bucket with its limits if it does not exist yet."""
        ...

    def create_signed_upload_url(self, path: str) -> SignedUpload:
        """Sign a URL a client can PUT the object's bytes to (lives the configured TTL)."""
        ...

    def create_signed_read_urls(self, paths: list[str], *, expires_in: int) -> dict[str, str]:
        """Sign read URLs for many objects in one round trip; maps path to URL."""
        ...

    def info(self, path: str) -> ObjectInfo | None:
        """Size and content type of an object, or ``None`` if it does not exist."""
        ...

    def read(self, path: str) -> Iterator[bytes]:
        """The object's bytes in chunks; raises ``ObjectNotFound``."""
        ...

    def delete(self, paths: list[str]) -> None:
        """Delete objects; missing ones are ignored."""
        ...

    def list_objects(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Every object under ``prefix`` (used by the sweep to find objects with no row)."""
        ...
