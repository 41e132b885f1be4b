"""The embedded storage backend: objects are files under the data directory.

Layout: ``{root}/{bucket}/{path}`` holds the bytes; ``{dir}/.{name}.meta.json`` next to it holds
the object's id, content type, creation time and sha256, and, when the SVG validator accepted the
bytes while they were written, that verdict (see :meth:`LocalStorage.read_verified_svg`). Object paths are relative, ``/``-separated, and no
segment may start with ``.``: that rules out ``.``/``..`` and keeps the sidecars and the ``.part``
files of uploads in flight out of the key space.

Signed URLs carry HS256 JWTs signed with a key derived from the server's secret key, with the
claims Supabase Storage uses (``url`` = ``"{bucket}/{path}"``, ``exp``) plus ``purpose``
(``upload`` or ``read``) so that a read URL can never be used to upload and vice versa. The routes
in :mod:`.routes` serve them on Supabase Storage's REST paths, so storage3 works against this
backend unchanged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Literal
from urllib.parse import quote

import jwt

from driftwatch_nb.core.limits import (
    FLAMEGRAPH_BUCKET,
    FLAMEGRAPH_MIME_TYPE,
    MAX_FLAMEGRAPH_BYTES,
)
from driftwatch_nb.core.svg import SvgStreamValidator, SvgValidationError

from ..config import DEFAULT_SIGNED_URL_TTL_SECONDS
from .base import ObjectInfo, ObjectNotFound, SignedUpload, StorageError

__all__ = [
    "STORAGE_API_PREFIX",
    "InvalidObjectPath",
    "PARTIAL_UPLOAD_MAX_IDLE",
    "InvalidToken",
    "ListEntry",
    "LocalStorage",
    "ObjectAlreadyExists",
    "ObjectTooLarge",
    "ObjectWriter",
    "TokenClaims",
    "TokenExpired",
    "UnsupportedContentType",
    "is_allowed_content_type",
    "service_key",
]

STORAGE_API_PREFIX = "/storage/v1"
"""Where the app mounts :func:`~.routes.build_storage_router` (Supabase's own prefix)."""

SERVICE_ROLE = "service_role"
READ_CHUNK_SIZE = 64 * 1024

Purpose = Literal["upload", "read"]

_ALGORITHM = "HS256"
_KEY_CONTEXT = b"driftwatch-storage-v1"
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_MAX_PATH_BYTES = 1024
# The sidecar and ".part" names add ~45 bytes to a segment; filesystems stop at 255.
_MAX_SEGMENT_BYTES = 200
_META_SUFFIX = ".meta.json"
_PART_SUFFIX = ".part"
_STORAGE_ID_FILE = ".storage-id"
SVG_VERDICT = "svg-valid-v1"
"""The sidecar's mark for bytes ``core.svg`` accepted as they were written; a new mark (v2)
would make every verdict an older validator gave be checked again."""
PARTIAL_UPLOAD_MAX_IDLE = dt.timedelta(minutes=15)
"""A ``.part`` file not written to for this long belongs to a crashed upload (start-up clean-up)."""


class InvalidObjectPath(StorageError):
    """An object path is empty, absolute, escapes the bucket or uses a forbidden character."""


class InvalidToken(StorageError):
    """A signed-URL token is malformed, tampered with, or signed for another object or use."""


class TokenExpired(InvalidToken):
    """A signed-URL token is past its expiry time."""


class ObjectTooLarge(StorageError):
    """An upload crossed the bucket's size limit; nothing was stored."""


class UnsupportedContentType(StorageError):
    """An upload's content type is not one the bucket accepts; nothing was stored."""


class ObjectAlreadyExists(StorageError):
    """An upload would overwrite an existing object without upsert; nothing was changed."""


def _derive_key(secret_key: str) -> bytes:
    # A key of its own, so no other token signed with the server secret (dashboard
    # sessions) can ever be replayed as a storage token, or the reverse.
    return hmac.new(secret_key.encode(), _KEY_CONTEXT, hashlib.sha256).digest()


def service_key(secret_key: str) -> str:
    """The service-role JWT storage3 sends as ``Authorization: Bearer`` and ``apikey``.

    It authorizes the non-signed routes (sign, info, list, delete, download). It is the
    embedded equivalent of Supabase's service-role key: keep it on the server.
    """
    claims = {"iss": "driftwatch", "role": SERVICE_ROLE, "purpose": "service"}
    return jwt.encode(claims, _derive_key(secret_key), algorithm=_ALGORITHM)


def is_allowed_content_type(value: str | None, allowed: str = FLAMEGRAPH_MIME_TYPE) -> bool:
    """Whether a Content-Type header names ``allowed`` (type/subtype exact; parameters ignored)."""
    if not value:
        return False
    return value.split(";", 1)[0].strip().lower() == allowed


@dataclass(frozen=True, kw_only=True)
class TokenClaims:
    """What a verified signed-URL token grants."""

    bucket: str
    path: str
    purpose: Purpose
    expires_at: int
    upsert: bool = False


@dataclass(frozen=True, kw_only=True)
class ListEntry:
    """One child of a folder: an object (``info`` set) or a sub-folder (``info`` is ``None``)."""

    name: str
    info: ObjectInfo | None
    id: str | None = None
    last_modified: dt.datetime | None = None


class ObjectWriter:
    """Streams one upload into a temporary file and publishes it atomically on :meth:`commit`.

    Use it as a context manager: leaving the block without committing removes the temporary
    file, so a failed or oversize upload leaves nothing behind.
    """

    def __init__(
        self,
        *,
        target: Path,
        path: str,
        content_type: str,
        upsert: bool,
        max_bytes: int,
        clock: Callable[[], float],
    ) -> None:
        self.path = path
        self._target = target
        self._content_type = content_type
        self._upsert = upsert
        self._max_bytes = max_bytes
        self._clock = clock
        self._size = 0
        self._done = False
        self._digest = hashlib.sha256()
        # The bytes are validated as they arrive, so a confirmation need not read them again;
        # a refusal only drops the verdict: the object is stored, and confirm says why.
        self._svg: SvgStreamValidator | None = (
            SvgStreamValidator(file_name=target.name)
            if is_allowed_content_type(content_type, FLAMEGRAPH_MIME_TYPE)
            else None
        )
        self._tmp = target.parent / f".{target.name}.{uuid.uuid4().hex}{_PART_SUFFIX}"
        for attempt in range(3):
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
            except (FileExistsError, NotADirectoryError) as exc:
                raise ObjectAlreadyExists(
                    f"Cannot store {path!r}: a parent folder in that path is already an object. "
                    "Choose another path."
                ) from exc
            try:
                self._fh: IO[bytes] | None = open(self._tmp, "xb")  # noqa: SIM115 - closed by commit/abort
                break
            except FileNotFoundError:
                # A delete elsewhere pruned the (then empty) folder between mkdir and open.
                if attempt == 2:
                    raise

    @property
    def bytes_written(self) -> int:
        """How many bytes were accepted so far."""
        return self._size

    def write(self, chunk: bytes) -> None:
        """Append bytes; raises :class:`ObjectTooLarge` (and aborts) once the limit is crossed."""
        if self._fh is None:
            raise StorageError("This upload is already finished; start a new one.")
        self._size += len(chunk)
        if self._size > self._max_bytes:
            self.abort()
            raise ObjectTooLarge(
                f"The object exceeded the maximum allowed size of {self._max_bytes} bytes; "
                "upload a smaller file."
            )
        try:
            self._fh.write(chunk)
        except OSError as exc:
            self.abort()
            raise self._disk_error(exc) from exc
        self._digest.update(chunk)
        if self._svg is not None:
            try:
                self._svg.feed(chunk)
            except SvgValidationError:
                self._svg = None

    def _disk_error(self, exc: OSError) -> StorageError:
        return StorageError(
            f"Could not store {self.path!r} under {self._target.parent} ({exc.strerror or exc}); "
            "check free space and permissions of the data directory."
        )

    def commit(self) -> ObjectInfo:
        """Publish the object under its path; raises :class:`ObjectAlreadyExists` unless upsert."""
        if self._fh is None:
            raise StorageError("This upload was aborted; start a new one.")
        try:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
            self._fh = None
            if self._upsert:
                os.replace(self._tmp, self._target)
            else:
                self._publish_exclusive()
            created = dt.datetime.fromtimestamp(self._clock(), tz=dt.UTC)
            meta: dict[str, object] = {
                "id": str(uuid.uuid4()),
                "content_type": self._content_type,
                "created_at": created.isoformat(),
                "size": self._size,
                "sha256": self._digest.hexdigest(),
            }
            if self._svg_accepted():
                meta["verdict"] = SVG_VERDICT
            _write_json_atomic(_meta_path(self._target), meta)
        except OSError as exc:
            raise self._disk_error(exc) from exc
        finally:
            self.abort()  # drops the temporary file, whatever happened
        return ObjectInfo(
            path=self.path,
            size=self._size,
            content_type=self._content_type,
            created_at=created,
        )

    def _svg_accepted(self) -> bool:
        if self._svg is None:
            return False
        try:
            self._svg.finish()
        except SvgValidationError:
            return False
        return True

    def _publish_exclusive(self) -> None:
        # link() fails if the name exists, so two racing uploads cannot both win.
        try:
            os.link(self._tmp, self._target)
        except FileExistsError as exc:
            raise ObjectAlreadyExists(
                f"{self.path!r} already exists; ask for a new upload URL, the object is not "
                "overwritten."
            ) from exc
        except OSError:
            # Filesystems without hard links: a small race is better than no storage.
            if self._target.exists():
                raise ObjectAlreadyExists(
                    f"{self.path!r} already exists; ask for a new upload URL, the object is not "
                    "overwritten."
                ) from None
            os.replace(self._tmp, self._target)

    def abort(self) -> None:
        """Drop the upload and its temporary file (safe to call more than once)."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        self._tmp.unlink(missing_ok=True)
        self._done = True

    def __enter__(self) -> ObjectWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._done:
            self.abort()


def _meta_path(target: Path) -> Path:
    return target.parent / f".{target.name}{_META_SUFFIX}"


def _write_json_atomic(target: Path, data: dict[str, object]) -> None:
    tmp = target.parent / f"{target.name}.{uuid.uuid4().hex}{_PART_SUFFIX}"
    try:
        tmp.write_text(json.dumps(data))
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


class LocalStorage:
    """One bucket of objects kept as files, reached through JWT-signed URLs on this server.

    ``public_url`` is the base URL clients reach the app on; signed URLs point at
    ``{public_url}/storage/v1/object/...``, where the app mounts the storage router.
    ``clock`` exists for tests (it is the time tokens are signed and checked against).
    """

    def __init__(
        self,
        root: Path,
        *,
        public_url: str,
        secret_key: str,
        signed_url_ttl_seconds: int = DEFAULT_SIGNED_URL_TTL_SECONDS,
        bucket: str = FLAMEGRAPH_BUCKET,
        max_bytes: int = MAX_FLAMEGRAPH_BYTES,
        allowed_content_type: str = FLAMEGRAPH_MIME_TYPE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not _BUCKET_NAME.match(bucket):
            raise StorageError(
                f"Bucket name {bucket!r} is not valid: use lowercase letters, digits, '-' and '_'."
            )
        if signed_url_ttl_seconds <= 0:
            raise StorageError("signed_url_ttl_seconds must be a positive number of seconds.")
        if not secret_key:
            raise StorageError("LocalStorage needs a secret key to sign URLs; set one.")
        self.bucket = bucket
        self.root = Path(root)
        self.public_url = public_url.rstrip("/")
        self.signed_url_ttl_seconds = signed_url_ttl_seconds
        self.max_bytes = max_bytes
        self.allowed_content_type = allowed_content_type
        self._key = _derive_key(secret_key)
        self._service_key = service_key(secret_key)
        self._clock = clock

    def __repr__(self) -> str:
        return f"LocalStorage(root={str(self.root)!r}, bucket={self.bucket!r})"

    @property
    def bucket_dir(self) -> Path:
        """The directory holding this bucket's objects."""
        return self.root / self.bucket

    @property
    def api_url(self) -> str:
        """Absolute base URL of the storage routes (``{public_url}/storage/v1``)."""
        return f"{self.public_url}{STORAGE_API_PREFIX}"

    @property
    def service_key(self) -> str:
        """The service-role key for storage3 against this backend (see :func:`service_key`)."""
        return self._service_key

    def ensure_bucket(self) -> None:
        """Create the bucket directory if it is missing."""
        self.bucket_dir.mkdir(parents=True, exist_ok=True)

    def storage_id(self) -> str:
        """The id of this storage directory, created once (``{root}/.storage-id``).

        Recorded in the database at start-up: a replica whose directory has another id does not
        share the files and must not serve the same database.
        """
        marker = self.root / _STORAGE_ID_FILE
        try:
            return marker.read_text().strip()
        except FileNotFoundError:
            pass
        self.root.mkdir(parents=True, exist_ok=True)
        value = str(uuid.uuid4())
        try:
            fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:  # another replica sharing the directory wrote it first
            return marker.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(value)
            handle.flush()
            os.fsync(handle.fileno())
        return value

    def check(self) -> None:
        """Raise :class:`StorageError` unless objects can be stored (folder, access, space)."""
        if not self.bucket_dir.is_dir():
            raise StorageError(f"the storage folder {self.bucket_dir} is missing")
        if not os.access(self.bucket_dir, os.W_OK | os.X_OK):
            raise StorageError(f"the storage folder {self.bucket_dir} is not writable")
        free = shutil.disk_usage(self.bucket_dir).free
        if free < self.max_bytes:
            raise StorageError(
                f"the disk of {self.bucket_dir} is full ({free} bytes free); free some space"
            )

    # -- paths -----------------------------------------------------------------------------

    def validate_path(self, path: str, *, base: Path | None = None) -> str:
        """Return ``path`` if it is a safe object key, else raise :class:`InvalidObjectPath`.
        ``base``: the bucket directory already resolved (a batch resolves it once)."""
        reason = _path_problem(path)
        if reason is None:
            base = base or self.bucket_dir.resolve()
            resolved = (base / path).resolve()
            if not resolved.is_relative_to(base) or resolved == base:
                reason = "it resolves outside the bucket"
        if reason is not None:
            raise InvalidObjectPath(
                f"Object path {path!r} is not allowed: {reason}. Use a relative path such as "
                "'projects/1/flamegraphs/profile.svg' whose parts do not start with '.'."
            )
        return path

    def _file(self, path: str) -> Path:
        return self.bucket_dir / self.validate_path(path)

    def object_file(self, path: str) -> Path:
        """The file holding an object's bytes; raises :class:`ObjectNotFound`."""
        target = self._file(path)
        if not target.is_file():
            raise ObjectNotFound(f"No object at {path!r} in bucket {self.bucket!r}.")
        return target

    # -- tokens ----------------------------------------------------------------------------

    def _now(self) -> int:
        return int(self._clock())

    def _sign(
        self,
        path: str,
        purpose: Purpose,
        expires_in: int,
        *,
        upsert: bool = False,
        validated: bool = False,
    ) -> str:
        if not validated:
            self.validate_path(path)
        if expires_in <= 0:
            raise StorageError("A signed URL must live a positive number of seconds.")
        now = self._now()
        claims: dict[str, object] = {
            "url": f"{self.bucket}/{path}",
            "purpose": purpose,
            "iat": now,
            "exp": now + expires_in,
        }
        if purpose == "upload":
            claims["upsert"] = upsert
        return jwt.encode(claims, self._key, algorithm=_ALGORITHM)

    def sign_upload_token(self, path: str, *, upsert: bool = False) -> str:
        """A token that lets its holder PUT ``path`` once within the TTL (overwrite if upsert)."""
        return self._sign(path, "upload", self.signed_url_ttl_seconds, upsert=upsert)

    def sign_read_token(self, path: str, *, expires_in: int) -> str:
        """A token that lets its holder GET ``path`` for ``expires_in`` seconds."""
        return self._sign(path, "read", expires_in)

    def verify_token(self, token: str, *, purpose: Purpose, path: str) -> TokenClaims:
        """Check a signed-URL token for ``path`` and ``purpose``; raises :class:`InvalidToken`."""
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[_ALGORITHM],
                # exp is checked below against our clock; iat is not checked at all, so a
                # replica whose clock runs a little behind still accepts fresh tokens.
                options={
                    "verify_exp": False,
                    "verify_iat": False,
                    "require": ["url", "purpose", "exp"],
                },
            )
        except jwt.InvalidTokenError as exc:
            raise InvalidToken(
                f"The signed URL's token is not valid ({exc}); ask the driftwatch server for a "
                "new signed URL."
            ) from exc
        if claims.get("purpose") != purpose or claims.get("url") != f"{self.bucket}/{path}":
            raise InvalidToken(
                f"This token was signed for another object or operation, not to {purpose} "
                f"{path!r}; ask the driftwatch server for a new signed URL."
            )
        expires_at = claims["exp"]
        if not isinstance(expires_at, int) or expires_at <= self._now():
            raise TokenExpired(
                "The signed URL has expired; ask the driftwatch server for a new one."
            )
        return TokenClaims(
            bucket=self.bucket,
            path=path,
            purpose=purpose,
            expires_at=expires_at,
            upsert=claims.get("upsert") is True,
        )

    def verify_service_key(self, token: str) -> None:
        """Accept only the service-role key; raises :class:`InvalidToken`."""
        try:
            claims = jwt.decode(token, self._key, algorithms=[_ALGORITHM])
        except jwt.InvalidTokenError as exc:
            raise InvalidToken(
                f"The service key is not valid ({exc}); use the key from service_key() for "
                "this server's secret key."
            ) from exc
        if claims.get("role") != SERVICE_ROLE or claims.get("purpose") != "service":
            raise InvalidToken(
                "This route needs the service-role key, not a signed-URL token or another JWT."
            )

    # -- StorageBackend --------------------------------------------------------------------

    def _relative_url(self, kind: Literal["upload/sign", "sign"], path: str, token: str) -> str:
        return f"/object/{kind}/{self.bucket}/{quote(path, safe='/')}?token={token}"

    def signed_upload_relative_url(self, path: str, token: str) -> str:
        """``/object/upload/sign/{bucket}/{path}?token=...`` (relative to :attr:`api_url`)."""
        return self._relative_url("upload/sign", path, token)

    def signed_read_relative_url(self, path: str, token: str) -> str:
        """``/object/sign/{bucket}/{path}?token=...`` (relative to :attr:`api_url`)."""
        return self._relative_url("sign", path, token)

    def create_signed_upload_url(self, path: str, *, upsert: bool = False) -> SignedUpload:
        """Sign a URL a client can PUT the object's bytes to (lives the configured TTL).

        The PUT takes either a raw body with ``Content-Type: image/svg+xml`` or storage3's
        multipart form. Without ``upsert`` an existing object is never overwritten.
        """
        token = self.sign_upload_token(path, upsert=upsert)
        url = self.api_url + self.signed_upload_relative_url(path, token)
        return SignedUpload(path=path, url=url, token=token)

    def create_signed_read_urls(self, paths: list[str], *, expires_in: int) -> dict[str, str]:
        """Sign read URLs for many objects; objects that do not exist are left out.

        Like Supabase's ``download`` option, each URL ends in ``&download=``: a browser tab that
        opens it saves the file instead of rendering it (the viewers fetch the bytes, which
        ``Content-Disposition`` does not affect)."""
        urls: dict[str, str] = {}
        # One path check per object (a page of reports signs dozens): resolving paths is
        # most of the cost, so the bucket is resolved once and each path once.
        base = self.bucket_dir.resolve()
        for path in paths:
            if (self.bucket_dir / self.validate_path(path, base=base)).is_file():
                token = self._sign(path, "read", expires_in, validated=True)
                urls[path] = (
                    self.api_url + self.signed_read_relative_url(path, token) + "&download="
                )
        return urls

    def info(self, path: str) -> ObjectInfo | None:
        """Size and content type of an object, or ``None`` if it does not exist."""
        target = self._file(path)
        return self._info_at(path, target)

    def _info_at(self, path: str, target: Path) -> ObjectInfo | None:
        try:
            stat = target.stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        if not target.is_file():
            return None
        meta = self._read_meta(target)
        created_raw = meta.get("created_at")
        created_at = (
            dt.datetime.fromisoformat(created_raw)
            if isinstance(created_raw, str)
            else dt.datetime.fromtimestamp(stat.st_mtime, tz=dt.UTC)
        )
        content_type = meta.get("content_type")
        return ObjectInfo(
            path=path,
            size=stat.st_size,
            content_type=content_type if isinstance(content_type, str) else None,
            created_at=created_at,
        )

    def _read_meta(self, target: Path) -> dict[str, object]:
        try:
            data = json.loads(_meta_path(target).read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def object_id(self, path: str) -> str | None:
        """The id recorded when the object was stored (Supabase's ``id`` field)."""
        value = self._read_meta(self._file(path)).get("id")
        return value if isinstance(value, str) else None

    def read(self, path: str) -> Iterator[bytes]:
        """The object's bytes in chunks; raises ``ObjectNotFound`` right away if missing."""
        target = self.object_file(path)
        try:
            handle = open(target, "rb")  # noqa: SIM115 - closed by the generator
        except FileNotFoundError as exc:
            raise ObjectNotFound(f"No object at {path!r} in bucket {self.bucket!r}.") from exc
        return _iter_file(handle)

    def read_verified_svg(self, path: str) -> bytes | None:
        """The object's bytes if the SVG validator accepted exactly these bytes while they were
        written, else ``None`` (no verdict, a refusal, or bytes that changed since).

        The verdict is bound to the bytes, not to the name: it counts only if the sha256 of the
        file as it is now matches the one recorded beside the verdict, so an object overwritten
        later (an upsert, a hand edit) never inherits an earlier verdict. Hashing 10 MiB costs
        milliseconds; validating it again costs hundreds.
        """
        target = self._file(path)
        meta = self._read_meta(target)
        if meta.get("verdict") != SVG_VERDICT or not isinstance(meta.get("sha256"), str):
            return None
        try:
            with open(target, "rb") as handle:
                data = handle.read(self.max_bytes + 1)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None
        if len(data) > self.max_bytes:
            return None
        if not hmac.compare_digest(hashlib.sha256(data).hexdigest(), str(meta["sha256"])):
            return None
        return data

    def delete(self, paths: list[str]) -> None:
        """Delete objects; missing ones are ignored."""
        self.delete_objects(paths)

    def delete_objects(self, paths: list[str]) -> list[ObjectInfo]:
        """Delete objects and return what was deleted (missing ones are skipped)."""
        for path in paths:
            self.validate_path(path)
        deleted: list[ObjectInfo] = []
        for path in paths:
            target = self.bucket_dir / path
            info = self._info_at(path, target)
            if info is None:
                continue
            try:
                target.unlink()
            except FileNotFoundError:
                continue
            _meta_path(target).unlink(missing_ok=True)
            self._prune_empty_dirs(target.parent)
            deleted.append(info)
        return deleted

    def _prune_empty_dirs(self, folder: Path) -> None:
        base = self.bucket_dir
        while folder != base and folder.is_relative_to(base):
            try:
                folder.rmdir()
            except OSError:
                return
            folder = folder.parent

    def remove_partial_uploads(self, *, older_than: dt.timedelta) -> int:
        """Delete the ``.part`` files of uploads interrupted by a crash; returns how many.

        An upload in flight writes its ``.part`` file continuously, so only files whose last
        write is older than ``older_than`` are removed: other replicas' uploads are safe.
        """
        if not self.bucket_dir.is_dir():
            return 0
        cutoff = self._clock() - older_than.total_seconds()
        removed = 0
        # os.walk ignores folders that vanish meanwhile (uploads and deletes run beside it).
        parts = [
            Path(folder) / name
            for folder, _dirs, names in os.walk(self.bucket_dir)
            for name in names
            if name.startswith(".") and name.endswith(_PART_SUFFIX)
        ]
        for part in parts:
            try:
                if part.is_symlink() or not part.is_file() or part.stat().st_mtime > cutoff:
                    continue
                part.unlink()
            except FileNotFoundError:
                continue  # committed or aborted meanwhile
            removed += 1
            self._prune_empty_dirs(part.parent)
        return removed

    def list_objects(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Every object under the folder ``prefix`` (``""`` is the whole bucket), by path."""
        folder = self._folder(prefix)
        if folder is not None:
            yield from self._walk(folder)

    def _walk(self, folder: Path) -> Iterator[ObjectInfo]:
        # Children in name order, folders descended in place, so output is sorted by path.
        for child in sorted(folder.iterdir(), key=lambda p: p.name):
            if child.name.startswith(".") or child.is_symlink():
                continue
            if child.is_dir():
                yield from self._walk(child)
                continue
            path = child.relative_to(self.bucket_dir).as_posix()
            info = self._info_at(path, child)
            if info is not None:
                yield info

    def _folder(self, prefix: str) -> Path | None:
        prefix = prefix.strip("/")
        folder = self.bucket_dir / self.validate_path(prefix) if prefix else self.bucket_dir
        return folder if folder.is_dir() else None

    def list_folder(
        self,
        prefix: str = "",
        *,
        search: str = "",
        limit: int = 100,
        offset: int = 0,
        sort_column: str = "name",
        descending: bool = False,
    ) -> list[ListEntry]:
        """The immediate children of folder ``prefix``, like Supabase's ``/object/list``."""
        folder = self._folder(prefix)
        if folder is None:
            return []
        base = prefix.strip("/")
        entries: list[ListEntry] = []
        for child in folder.iterdir():
            name = child.name
            if name.startswith(".") or not name.lower().startswith(search.lower()):
                continue
            if child.is_dir():
                entries.append(ListEntry(name=name, info=None))
                continue
            path = f"{base}/{name}" if base else name
            info = self._info_at(path, child)
            if info is not None:
                modified = dt.datetime.fromtimestamp(child.stat().st_mtime, tz=dt.UTC)
                meta_id = self._read_meta(child).get("id")
                entries.append(
                    ListEntry(
                        name=name,
                        info=info,
                        id=meta_id if isinstance(meta_id, str) else None,
                        last_modified=modified,
                    )
                )

        def sort_key(entry: ListEntry) -> tuple[str, str]:
            if sort_column == "name":
                return ("", entry.name)
            stamp = (
                entry.info.created_at
                if sort_column == "created_at" and entry.info
                else entry.last_modified
            )
            return (stamp.isoformat() if stamp else "", entry.name)

        entries.sort(key=sort_key, reverse=descending)
        return entries[offset : offset + limit]

    # -- writing ---------------------------------------------------------------------------

    def open_writer(self, path: str, *, content_type: str, upsert: bool = False) -> ObjectWriter:
        """Start streaming an upload to ``path``; checks the content type first.

        Raises :class:`UnsupportedContentType` before anything touches the disk, and
        :class:`ObjectAlreadyExists` early when the object exists and ``upsert`` is false.
        """
        target = self._file(path)
        if not is_allowed_content_type(content_type, self.allowed_content_type):
            raise UnsupportedContentType(
                f"mime type {content_type or '(none)'} is not supported; upload with "
                f"Content-Type: {self.allowed_content_type}."
            )
        if not upsert and target.exists():
            raise ObjectAlreadyExists(
                f"{path!r} already exists; ask for a new upload URL, the object is not overwritten."
            )
        return ObjectWriter(
            target=target,
            path=path,
            content_type=self.allowed_content_type,
            upsert=upsert,
            max_bytes=self.max_bytes,
            clock=self._clock,
        )

    def write_object(
        self, path: str, chunks: Iterable[bytes], *, content_type: str, upsert: bool = False
    ) -> ObjectInfo:
        """Store an object from chunks, enforcing the size and content-type limits."""
        with self.open_writer(path, content_type=content_type, upsert=upsert) as writer:
            for chunk in chunks:
                writer.write(chunk)
            return writer.commit()


def _iter_file(handle: IO[bytes]) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(READ_CHUNK_SIZE):
            yield chunk


def _path_problem(path: object) -> str | None:
    if not isinstance(path, str) or not path:
        return "it is empty"
    if "\x00" in path:
        return "it contains a NUL byte"
    if "\\" in path:
        return "it contains a backslash"
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in path):
        return "it contains a control character"
    if path.startswith("/"):
        return "it is absolute"
    if len(path.encode()) > _MAX_PATH_BYTES:
        return f"it is longer than {_MAX_PATH_BYTES} bytes"
    for segment in path.split("/"):
        if not segment:
            return "it has an empty part ('//' or a trailing '/')"
        if segment in (".", ".."):
            return "it contains '.' or '..'"
        if segment.startswith("."):
            return "a part starts with '.'"
        if len(segment.encode()) > _MAX_SEGMENT_BYTES:
            return f"a part is longer than {_MAX_SEGMENT_BYTES} bytes"
    return None
