"""The production backend: Supabase Storage through the official storage3 client.

The server talks to Storage with the service-role key; clients only ever see signed URLs, so the
bytes go straight between them and Supabase and never through the API server.

Signed upload URL lifetime: Supabase decides it, not this class. A self-hosted Storage server
signs upload URLs for ``UPLOAD_SIGNED_URL_EXPIRATION_TIME`` seconds (default **60**); set it to
``3600`` in the storage container's environment to match ``DRIFTWATCH_SIGNED_URL_TTL_SECONDS``.
Read URLs use ``signed_url_ttl_seconds`` (or the ``expires_in`` passed in).

Install with the ``[supabase]`` extra. Every storage3 or httpx error is translated at this
boundary into :class:`~.base.StorageError` / :class:`~.base.ObjectNotFound`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
from storage3 import SyncStorageClient
from storage3.exceptions import StorageApiError
from storage3.utils import StorageException

from driftwatch_nb.core.limits import (
    FLAMEGRAPH_BUCKET,
    FLAMEGRAPH_MIME_TYPE,
    MAX_FLAMEGRAPH_BYTES,
)

from ..config import DEFAULT_SIGNED_URL_TTL_SECONDS
from .base import (
    ObjectInfo,
    ObjectNotFound,
    SignedUpload,
    StorageError,
    StorageUnauthorized,
    StorageUnreachable,
)

__all__ = ["SupabaseStorage"]

# Supabase's delete route accepts at most 1000 paths per call.
_DELETE_BATCH = 1000
_LIST_PAGE = 100
_READ_CHUNK_SIZE = 64 * 1024


def _is_not_found(exc: StorageApiError) -> bool:
    return str(exc.status) == "404" and not _is_bucket_not_found(exc)


def _is_bucket_not_found(exc: StorageApiError) -> bool:
    """Supabase's "Bucket not found" (``NoSuchBucket``): after ``ensure_bucket`` this means the
    key cannot see the bucket (an anon key, another project's), not that an object is missing."""
    text = f"{exc.code} {exc.message}".lower()
    return str(exc.status) in {"404", "400"} and (
        "bucket not found" in text or "nosuchbucket" in text
    )


class SupabaseStorage:
    """One private Supabase Storage bucket, reached with the service-role key.

    ``url`` is the Supabase project URL (``https://<ref>.supabase.co``, or the self-hosted
    gateway); the Storage API lives under ``{url}/storage/v1``.
    """

    def __init__(
        self,
        url: str,
        service_key: str,
        *,
        signed_url_ttl_seconds: int = DEFAULT_SIGNED_URL_TTL_SECONDS,
        bucket: str = FLAMEGRAPH_BUCKET,
    ) -> None:
        if not url or not service_key:
            raise StorageError(
                "SupabaseStorage needs the project URL and the service-role key; set "
                "DRIFTWATCH_SUPABASE_URL and DRIFTWATCH_SUPABASE_SERVICE_KEY."
            )
        self.bucket = bucket
        self.signed_url_ttl_seconds = signed_url_ttl_seconds
        self.storage_url = f"{url.rstrip('/')}/storage/v1/"
        self._client = SyncStorageClient(
            self.storage_url,
            {"apikey": service_key, "Authorization": f"Bearer {service_key}"},
        )

    def __repr__(self) -> str:
        return f"SupabaseStorage(storage_url={self.storage_url!r}, bucket={self.bucket!r})"

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.session.close()

    def _unauthorized(self, action: str, exc: StorageApiError) -> StorageError:
        return StorageUnauthorized(
            f"Supabase Storage refused to {action}: it says the bucket {self.bucket!r} does not "
            f"exist ({exc.message}), although the server created it at start-up. The key in "
            "DRIFTWATCH_SUPABASE_SERVICE_KEY is most likely not this project's service_role key "
            "(an anon key, or another project's key, sees no private buckets): copy the "
            "service_role key from the project's API settings"
        )

    def _fail(self, action: str, exc: Exception) -> StorageError:
        if isinstance(exc, StorageApiError) and _is_bucket_not_found(exc):
            return self._unauthorized(action, exc)
        if isinstance(exc, StorageApiError) and str(exc.status) in {"401", "403"}:
            return StorageUnauthorized(
                f"Supabase Storage refused to {action}: {exc.message} (status {exc.status}). "
                "Check that DRIFTWATCH_SUPABASE_SERVICE_KEY is this project's service_role key"
            )
        if isinstance(exc, StorageApiError):
            return StorageError(
                f"Supabase Storage refused to {action}: {exc.message} (status {exc.status}, "
                f"{exc.code}). Check DRIFTWATCH_SUPABASE_SERVICE_KEY and that the bucket "
                f"{self.bucket!r} exists (SupabaseStorage.ensure_bucket creates it)."
            )
        if isinstance(exc, httpx.TransportError):
            return StorageUnreachable(
                f"the storage is unreachable: could not reach Supabase Storage at "
                f"{self.storage_url} to {action} ({exc.__class__.__name__}: {exc}); check "
                "DRIFTWATCH_SUPABASE_URL, that Supabase is up, and the network"
            )
        if isinstance(exc, httpx.HTTPError):
            return StorageError(
                f"Could not reach Supabase Storage at {self.storage_url} to {action} ({exc}); "
                "check DRIFTWATCH_SUPABASE_URL and the network."
            )
        return StorageError(f"Supabase Storage failed to {action}: {exc}")

    @property
    def _files(self) -> Any:
        return self._client.from_(self.bucket)

    def check(self) -> None:
        """Raise :class:`StorageError` unless the bucket can be read."""
        try:
            self._client.get_bucket(self.bucket)
        except (StorageException, httpx.HTTPError) as exc:
            raise self._fail(f"read bucket {self.bucket!r}", exc) from exc

    def ensure_bucket(self) -> None:
        """Create the bucket if missing (private, 10 MiB, SVG only); fix its settings if not."""
        settings: dict[str, Any] = {
            "public": False,
            "file_size_limit": MAX_FLAMEGRAPH_BYTES,
            "allowed_mime_types": [FLAMEGRAPH_MIME_TYPE],
        }
        try:
            existing = self._client.get_bucket(self.bucket)
        except StorageApiError as exc:
            if str(exc.status) != "404":  # a missing bucket is created below
                raise self._fail(f"read bucket {self.bucket!r}", exc) from exc
        except (StorageException, httpx.HTTPError) as exc:
            raise self._fail(f"read bucket {self.bucket!r}", exc) from exc
        else:
            current = {
                "public": existing.public,
                "file_size_limit": existing.file_size_limit,
                "allowed_mime_types": existing.allowed_mime_types,
            }
            if current != settings:
                try:
                    self._client.update_bucket(self.bucket, settings)  # type: ignore[arg-type]
                except (StorageException, httpx.HTTPError) as exc:
                    raise self._fail(f"update bucket {self.bucket!r}", exc) from exc
            return
        try:
            self._client.create_bucket(self.bucket, options=settings)  # type: ignore[arg-type]
        except StorageApiError as exc:
            if str(exc.status) == "409":  # another replica created it first
                return
            raise self._fail(f"create bucket {self.bucket!r}", exc) from exc
        except (StorageException, httpx.HTTPError) as exc:
            raise self._fail(f"create bucket {self.bucket!r}", exc) from exc

    def create_signed_upload_url(self, path: str) -> SignedUpload:
        """Sign a URL a client can PUT the object's bytes to.

        It lives as long as the Storage server says (self-hosted default 60 s; see the module
        docstring). The PUT must send ``Content-Type: image/svg+xml``.
        """
        try:
            signed = self._files.create_signed_upload_url(path)
        except (StorageException, httpx.HTTPError, ValueError) as exc:
            raise self._fail(f"sign an upload URL for {path!r}", exc) from exc
        return SignedUpload(path=path, url=signed["signed_url"], token=signed["token"])

    def create_signed_read_urls(self, paths: list[str], *, expires_in: int) -> dict[str, str]:
        """Sign read URLs in one round trip; objects that do not exist are left out.

        With storage3's ``download`` option the URLs end in ``&download=``, for which Supabase
        Storage answers ``Content-Disposition: attachment``: a browser tab that opens a signed
        URL saves the SVG instead of rendering it in the storage's origin (Supabase sends no
        CSP of its own). The viewers fetch the bytes, which the header does not affect."""
        if not paths:
            return {}
        try:
            items = self._files.create_signed_urls(paths, expires_in, {"download": True})
        except (StorageException, httpx.HTTPError) as exc:
            raise self._fail(f"sign read URLs for {len(paths)} objects", exc) from exc
        return {item["path"]: item["signedURL"] for item in items if item["signedURL"]}

    def info(self, path: str) -> ObjectInfo | None:
        """Size and content type of an object, or ``None`` if it does not exist."""
        try:
            data = self._files.info(path)
        except StorageApiError as exc:
            if _is_not_found(exc):
                return None
            raise self._fail(f"read info of {path!r}", exc) from exc
        except (StorageException, httpx.HTTPError, ValueError) as exc:
            raise self._fail(f"read info of {path!r}", exc) from exc
        return ObjectInfo(
            path=path,
            size=int(data.get("size") or 0),
            content_type=data.get("content_type"),
            created_at=_parse_time(data.get("created_at")),
        )

    def read(self, path: str) -> Iterator[bytes]:
        """The object's bytes in chunks, streamed; raises ``ObjectNotFound`` right away."""
        url = f"{self.storage_url}object/{self.bucket}/{quote(path, safe='/')}"
        session = self._client.session
        # storage3 built this session with the apikey and Authorization headers.
        request = session.build_request("GET", url)
        try:
            response = session.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise self._fail(f"download {path!r}", exc) from exc
        if response.status_code != 200:
            try:
                body = response.read()
                status = str(_error_field(body, "statusCode") or response.status_code)
                message = _error_field(body, "message") or response.reason_phrase
            finally:
                response.close()
            if status == "404":
                raise ObjectNotFound(f"No object at {path!r} in bucket {self.bucket!r}.")
            raise StorageError(
                f"Supabase Storage refused to download {path!r}: {message} (status {status}). "
                "Check DRIFTWATCH_SUPABASE_SERVICE_KEY."
            )
        return self._stream(response, path)

    def _stream(self, response: httpx.Response, path: str) -> Iterator[bytes]:
        try:
            yield from response.iter_bytes(_READ_CHUNK_SIZE)
        except httpx.HTTPError as exc:
            raise self._fail(f"download {path!r}", exc) from exc
        finally:
            response.close()

    def delete(self, paths: list[str]) -> None:
        """Delete objects; missing ones are ignored."""
        for start in range(0, len(paths), _DELETE_BATCH):
            batch = paths[start : start + _DELETE_BATCH]
            try:
                self._files.remove(batch)
            except (StorageException, httpx.HTTPError) as exc:
                raise self._fail(f"delete {len(batch)} objects", exc) from exc

    def list_objects(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Every object under the folder ``prefix`` (``""`` is the whole bucket), by path."""
        folder = prefix.strip("/")
        offset = 0
        while True:
            try:
                page = self._files.list(
                    folder or None,
                    {"limit": _LIST_PAGE, "offset": offset, "sortBy": {"column": "name"}},
                )
            except (StorageException, httpx.HTTPError) as exc:
                raise self._fail(f"list {folder or 'the bucket'!r}", exc) from exc
            for entry in page:
                path = f"{folder}/{entry['name']}" if folder else entry["name"]
                if entry.get("id") is None:  # a folder
                    yield from self.list_objects(path)
                    continue
                metadata = entry.get("metadata") or {}
                yield ObjectInfo(
                    path=path,
                    size=int(metadata.get("size") or 0),
                    content_type=metadata.get("mimetype"),
                    created_at=_parse_time(entry.get("created_at")),
                )
            if len(page) < _LIST_PAGE:
                return
            offset += _LIST_PAGE


def _parse_time(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def _error_field(body: bytes, field: str) -> Any:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data.get(field) if isinstance(data, dict) else None
