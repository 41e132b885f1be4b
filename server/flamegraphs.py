"""The flamegraph upload protocol: issue an upload path, confirm it, sign reads, sweep leftovers.

A client asks for a signed upload URL (a ``PendingUpload`` row remembers the path was issued
to that project), PUTs the bytes straight to storage, then confirms. Confirmation checks the
stored object itself (size, type, SVG rules) and deletes it on any failure, so refused bytes
never linger in the bucket.

The SVG rules cost a pass of the validator over up to 10 MiB. The embedded backend runs it while
the bytes are written and records an acceptance bound to their sha256, so confirm only hashes
the file (``LocalStorage.read_verified_svg``); without such a verdict (Supabase, a refusal, bytes
changed since) confirm downloads the object and validates it. Stacks are stored at confirm only
when the SVG carries driftwatch's own (cheap to read); a foreign SVG's frames (about 0.5 s at
9 MiB) are read back after the confirm's commit by the app's background worker
(``stacks_worker``), or by the first request that needs them if it comes first (``stacks_of``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from driftwatch_nb.core.errors import (
    InvalidInput,
    NotFoundError,
    PayloadTooLarge,
    RateLimited,
    UnsupportedMediaType,
)
from driftwatch_nb.core.limits import (
    FLAMEGRAPH_MIME_TYPE,
    MAX_FLAMEGRAPH_BYTES,
    MAX_PENDING_UPLOADS_PER_PROJECT,
    safe_file_name,
)
from driftwatch_nb.core.profiles import Profile, embedded_stacks, unpack_stacks
from driftwatch_nb.core.svg import SvgValidationError, validate_svg
from driftwatch_server.config import DEFAULT_SIGNED_URL_TTL_SECONDS
from driftwatch_server.models import (
    Flamegraph,
    FlamegraphStacks,
    PendingUpload,
    Project,
    Report,
    User,
    utcnow,
)
from driftwatch_server.reports import (
    as_utc,
    delete_report_rows,
    owned_project,
    owned_report,
    report_benchmark,
)
from driftwatch_server.stacks_parse import (
    STACKS_PICTURE_ONLY,
    STACKS_READY,
    StacksFields,
    read_stacks,
    ready,
)
from driftwatch_server.storage.base import ObjectInfo, SignedUpload, StorageBackend
from driftwatch_server.storage.local import PARTIAL_UPLOAD_MAX_IDLE

log = logging.getLogger(__name__)

SWEEP_MIN_AGE = dt.timedelta(seconds=DEFAULT_SIGNED_URL_TTL_SECONDS)
"""Objects younger than this are never orphan candidates (the pending-upload lifetime)."""
_SWEEP_BATCH = 500
_STACKS_WANTED = "stacks_wanted"


@dataclass(frozen=True, kw_only=True)
class SweepResult:
    """What one sweep removed."""

    expired_uploads: int
    orphan_objects: int
    partial_uploads: int = 0
    oversized_uploads: int = 0


def owned_flamegraph(session: Session, *, user: User, flamegraph_id: str) -> Flamegraph:
    """The flamegraph ``flamegraph_id`` if ``user`` owns its project."""
    row = session.exec(
        select(Flamegraph)
        .join(Report, Report.id == Flamegraph.report_id)  # type: ignore[arg-type]
        .join(Project, Project.id == Report.project_id)  # type: ignore[arg-type]
        .where(Flamegraph.id == flamegraph_id, Project.owner_id == user.id)
    ).first()
    if row is None:
        raise NotFoundError(f"no flamegraph {flamegraph_id!r} among your projects", field="id")
    return row


def create_upload_url(
    session: Session,
    storage: StorageBackend,
    *,
    user: User,
    project_slug: str,
    file_name: str,
    file_size: int,
    ttl_seconds: int,
) -> SignedUpload:
    """Issue a signed upload URL for one flamegraph of a project the user owns."""
    project = owned_project(session, user=user, slug=project_slug)
    if file_size <= 0:
        raise InvalidInput(f"fileSize must be positive, got {file_size}", field="fileSize")
    if file_size > MAX_FLAMEGRAPH_BYTES:
        raise PayloadTooLarge(
            f"{file_name}: {file_size} bytes is over the flamegraph limit of "
            f"{MAX_FLAMEGRAPH_BYTES} bytes (10 MiB)",
            field="fileSize",
        )
    pending = session.exec(
        select(sa.func.count())
        .select_from(PendingUpload)
        .where(PendingUpload.project_id == project.id, PendingUpload.expires_at > utcnow())  # type: ignore[arg-type]
    ).one()
    if pending >= MAX_PENDING_UPLOADS_PER_PROJECT:
        raise RateLimited(
            f"project {project_slug!r} has {pending} unconfirmed uploads (the most is "
            f"{MAX_PENDING_UPLOADS_PER_PROJECT}): confirm them with confirmFlamegraphUpload, or "
            "wait until they expire",
            field="projectSlug",
        )
    path = f"projects/{project.id}/flamegraphs/{uuid.uuid4()}_{safe_file_name(file_name)}"
    signed = storage.create_signed_upload_url(path)
    session.add(
        PendingUpload(
            storage_path=path,
            project_id=project.id,
            user_id=user.id,
            expires_at=utcnow() + dt.timedelta(seconds=ttl_seconds),
        )
    )
    session.flush()
    return signed


def confirm_upload(
    session: Session,
    storage: StorageBackend,
    *,
    user: User,
    report_id: str,
    storage_path: str,
    file_name: str,
    file_size: int,
    benchmark_name: str | None,
) -> Flamegraph:
    """Check the uploaded object and attach it to the report; idempotent per storage path."""
    report = owned_report(session, user=user, report_id=report_id)
    existing = session.exec(
        select(Flamegraph).where(Flamegraph.storage_path == storage_path)
    ).first()
    if existing is not None:
        if existing.report_id != report.id:
            raise InvalidInput(
                "storagePath is already attached to another report", field="storagePath"
            )
        return existing

    pending = session.exec(
        select(PendingUpload).where(
            PendingUpload.storage_path == storage_path,
            PendingUpload.project_id == report.project_id,
        )
    ).first()
    if pending is None:
        raise InvalidInput(
            "storagePath was not issued for this report's project; "
            "request one with createFlamegraphUploadUrl",
            field="storagePath",
        )
    if as_utc(pending.expires_at) < utcnow():
        raise InvalidInput(
            "the upload URL for storagePath has expired; request a new one with "
            "createFlamegraphUploadUrl and upload again",
            field="storagePath",
        )
    benchmark_id = None
    if benchmark_name:
        benchmark_id = report_benchmark(session, report=report, name=benchmark_name).id

    info = storage.info(storage_path)
    if info is None:
        # Never discard here: the object may not be visible *yet* (eventual consistency, or
        # a replica that does not share the storage). The pending row stays for a retry.
        raise InvalidInput(
            f"{file_name}: nothing was uploaded to storagePath (yet); PUT the file to the "
            "upload URL before confirming, then confirm again",
            field="storagePath",
        )
    try:
        data = _check_stored_object(
            storage, info=info, storage_path=storage_path, file_name=file_name, size=file_size
        )
    except (InvalidInput, NotFoundError, PayloadTooLarge, UnsupportedMediaType):
        _discard(session, storage, pending)
        raise
    except SvgValidationError as exc:
        _discard(session, storage, pending)
        raise UnsupportedMediaType(str(exc), field="storagePath") from exc

    flamegraph = Flamegraph(
        report_id=report.id,
        benchmark_id=benchmark_id,
        storage_path=storage_path,
        file_name=file_name,
        file_size=file_size,
    )
    try:
        with session.begin_nested():
            # The pending row must still be there when the flamegraph row appears, in one
            # transaction: a sweep that removed it (expired) also removes the file, so a
            # flamegraph must not be created for it.
            removed = session.execute(
                sa.delete(PendingUpload).where(PendingUpload.id == pending.id)  # type: ignore[arg-type]
            ).rowcount
            if removed != 1:
                raise _PendingGone
            session.add(flamegraph)
            session.flush()
            stacks = embedded_stacks_row(flamegraph.id, data)
            if stacks is not None:
                session.add(stacks)
                session.flush()
            else:
                session.info.setdefault(_STACKS_WANTED, []).append(flamegraph.id)
    except IntegrityError:
        # A concurrent confirm of the same path won; return its row.
        return session.exec(select(Flamegraph).where(Flamegraph.storage_path == storage_path)).one()
    except _PendingGone:
        winner = session.exec(
            select(Flamegraph).where(Flamegraph.storage_path == storage_path)
        ).first()
        if winner is not None and winner.report_id == report.id:
            return winner  # a concurrent confirm of the same path won
        raise InvalidInput(
            "the upload for storagePath expired and was removed; request a new upload URL "
            "and upload again",
            field="storagePath",
        ) from None
    return flamegraph


class _PendingGone(Exception):
    """The pending row disappeared between reading it and confirming it."""


def delete_report(session: Session, storage: StorageBackend, *, user: User, report_id: str) -> None:
    """Delete a report, its rows, and then its stored files."""
    report = owned_report(session, user=user, report_id=report_id)
    paths = delete_report_rows(session, report=report)
    session.commit()
    # The rows are gone first: a file left behind by a failed delete is an orphan the sweep
    # removes, whereas a row pointing at a deleted file would be a broken flamegraph.
    if paths:
        try:
            storage.delete(paths)
        except Exception:  # noqa: BLE001 - logged; the sweep finishes the job
            log.exception(
                "could not delete %d stored flamegraphs of report %s", len(paths), report_id
            )


def sweep(
    session: Session,
    storage: StorageBackend,
    *,
    now: dt.datetime | None = None,
    min_age: dt.timedelta = SWEEP_MIN_AGE,
) -> SweepResult:
    """Remove expired unconfirmed uploads and stored objects that no row refers to.

    Safe beside uploads in flight, by construction:

    - an expired pending row is deleted (and committed) before its file, and only if this
      sweep's own DELETE matched it: a confirm deletes the same row in the transaction that
      creates the flamegraph, so exactly one of the two wins;
    - an object is an orphan candidate only if it is older than ``min_age`` (callers pass the
      pending-upload lifetime), and it is deleted only if, in one statement run *after* the
      storage was listed, neither a flamegraph nor a pending upload names it. A pending row
      always exists before its object does and is replaced by the flamegraph row atomically,
      so one snapshot always sees one of them for a live object; once both are gone no row
      can name the path again (confirm needs the pending row).
    """
    now = now or utcnow()
    expired = [
        (pending.id, pending.storage_path)
        for pending in session.exec(select(PendingUpload).where(PendingUpload.expires_at < now))
        if as_utc(pending.expires_at) < now
    ]
    session.rollback()  # end the read; each delete below must see the newest state
    removed_paths = []
    for pending_id, path in expired:
        deleted = session.execute(
            sa.delete(PendingUpload).where(PendingUpload.id == pending_id)  # type: ignore[arg-type]
        ).rowcount
        if deleted == 1:
            removed_paths.append(path)
    session.commit()
    if removed_paths:
        storage.delete(removed_paths)

    cutoff = now - min_age
    candidates = [
        info.path
        for info in storage.list_objects("projects/")
        if info.created_at is not None and as_utc(info.created_at) <= cutoff
    ]
    orphans: list[str] = []
    for start in range(0, len(candidates), _SWEEP_BATCH):
        batch = candidates[start : start + _SWEEP_BATCH]
        named = sa.union_all(
            sa.select(Flamegraph.storage_path).where(Flamegraph.storage_path.in_(batch)),  # type: ignore[attr-defined]
            sa.select(PendingUpload.storage_path).where(PendingUpload.storage_path.in_(batch)),  # type: ignore[attr-defined]
        )
        known = set(session.execute(named).scalars())
        session.rollback()
        orphans.extend(path for path in batch if path not in known)
    if orphans:
        storage.delete(orphans)

    # Unconfirmed objects over the limit (a chunked PUT that Supabase did not hold to 10 MiB)
    # go now rather than when their upload expires; the pending row stays, so a confirm finds
    # nothing and the client may upload again.
    live = [pending.storage_path for pending in session.exec(select(PendingUpload))]
    session.rollback()
    oversized = [
        path for path in live if (info := storage.info(path)) and info.size > MAX_FLAMEGRAPH_BYTES
    ]
    if oversized:
        storage.delete(oversized)

    partial = 0
    remove_partial = getattr(storage, "remove_partial_uploads", None)
    if remove_partial is not None:
        # Never younger than the idle limit: a .part file being written is an upload in flight.
        partial = remove_partial(older_than=max(min_age, PARTIAL_UPLOAD_MAX_IDLE))
    return SweepResult(
        expired_uploads=len(removed_paths),
        orphan_objects=len(orphans),
        partial_uploads=partial,
        oversized_uploads=len(oversized),
    )


def _check_stored_object(
    storage: StorageBackend, *, info: ObjectInfo, storage_path: str, file_name: str, size: int
) -> bytes:
    if info.size != size:
        raise InvalidInput(
            f"{file_name}: size mismatch: {info.size} bytes were uploaded but fileSize says {size}",
            field="fileSize",
        )
    if info.size > MAX_FLAMEGRAPH_BYTES:
        raise PayloadTooLarge(f"{file_name}: over the 10 MiB limit", field="fileSize")
    content_type = (info.content_type or "").split(";")[0].strip().lower()
    if content_type and content_type != FLAMEGRAPH_MIME_TYPE:
        raise UnsupportedMediaType(
            f"{file_name}: stored with content type {content_type!r}; upload it as "
            f"{FLAMEGRAPH_MIME_TYPE}",
            field="storagePath",
        )
    read_verified = getattr(storage, "read_verified_svg", None)
    if read_verified is not None:
        data = read_verified(storage_path)
        if data is not None and len(data) == size:
            return data
    chunks: list[bytes] = []

    def keep() -> Iterator[bytes]:
        for chunk in storage.read(storage_path):
            chunks.append(chunk)
            yield chunk

    validate_svg(keep(), file_name=file_name)
    return b"".join(chunks)


def stacks_row(flamegraph_id: str, data: bytes, *, file_name: str) -> FlamegraphStacks:
    """The stacks of a (validated) flamegraph SVG, or a PICTURE_ONLY row saying why not."""
    return stacks_row_of(flamegraph_id, read_stacks(data, file_name=file_name))


def stacks_row_of(flamegraph_id: str, fields: StacksFields) -> FlamegraphStacks:
    """The ``flamegraph_stacks`` row of ``fields``."""
    return FlamegraphStacks(flamegraph_id=flamegraph_id, **dataclasses.asdict(fields))


def embedded_stacks_row(flamegraph_id: str, data: bytes) -> FlamegraphStacks | None:
    """The READY row of an SVG that carries driftwatch's stacks (a regular-expression search
    and an unpack), or ``None``: frames are then read back by the background worker or by
    ``stacks_of``, whichever comes first."""
    folded = embedded_stacks(data)
    if not folded:
        return None
    return stacks_row_of(flamegraph_id, ready(Profile("svg", folded, svg=data)))


def stacks_of(
    session: Session, storage: StorageBackend, flamegraph: Flamegraph
) -> FlamegraphStacks:
    """A flamegraph's stored stacks; recovered from its SVG (and stored) if it has none yet.

    The recovered row is committed in a transaction of its own: the caller is usually a query,
    whose session is never committed, and the next request must find the row.
    """
    # The request's own snapshot may not see a row committed beside it (SQLite): remember it.
    recovered: dict[str, FlamegraphStacks] = session.info.setdefault("recovered_stacks", {})
    row = recovered.get(flamegraph.id) or session.get(FlamegraphStacks, flamegraph.id)
    if row is not None:
        return row
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, sa.engine.Connection) else bind
    running = _running_recoveries.get(flamegraph.id)
    if running is not None and running.wait(RECOVERY_WAIT_SECONDS):
        # The background worker was reading this very SVG: its row, not a second parse.
        with Session(engine, expire_on_commit=False) as own:
            row = own.get(FlamegraphStacks, flamegraph.id)
        if row is not None:
            recovered[flamegraph.id] = row
            return row
    data = b"".join(storage.read(flamegraph.storage_path))
    row = store_stacks(engine, stacks_row(flamegraph.id, data, file_name=flamegraph.file_name))
    recovered[flamegraph.id] = row
    return row


RECOVERY_WAIT_SECONDS = 30.0
"""How long a reader waits for a background recovery of the same flamegraph already running
in this process before it reads the frames itself."""
_running_recoveries: dict[str, threading.Event] = {}
_running_lock = threading.Lock()


@contextlib.contextmanager
def recovery_running(flamegraph_id: str) -> Iterator[None]:
    """Mark a background recovery of ``flamegraph_id`` as running in this process: a reader of
    its stacks (``stacks_of``) meanwhile waits for it instead of parsing the same SVG beside it."""
    done = threading.Event()
    with _running_lock:
        mine = _running_recoveries.setdefault(flamegraph_id, done) is done
    try:
        yield
    finally:
        if mine:
            with _running_lock:
                del _running_recoveries[flamegraph_id]
        done.set()


def store_stacks(engine: sa.engine.Engine, row: FlamegraphStacks) -> FlamegraphStacks:
    """Insert ``row`` in a transaction of its own; the stored row if another got there first.

    The lazy path (``stacks_of``), the background worker (``stacks_worker``) and other replicas
    may recover the same flamegraph at once: the primary key lets one insert through, on SQLite
    and PostgreSQL alike, and every other side answers with the winner's row.
    """
    with Session(engine, expire_on_commit=False) as own:
        own.add(row)
        try:
            own.commit()
        except IntegrityError:
            # Stored by someone else first (or the flamegraph is gone meanwhile).
            own.rollback()
            found = own.get(FlamegraphStacks, row.flamegraph_id)
            if found is not None:
                return found
    return row


def take_stacks_wanted(session: Session) -> list[str]:
    """The flamegraphs this session confirmed without stacks (read once, then forgotten): the
    confirm mutation hands them to the background worker after its commit."""
    return session.info.pop(_STACKS_WANTED, [])


def folded_of(
    session: Session, storage: StorageBackend, flamegraph: Flamegraph, *, field: str
) -> dict[str, int]:
    """A flamegraph's folded stacks, or ``InvalidInput`` when it is a picture only."""
    row = stacks_of(session, storage, flamegraph)
    if row.status != STACKS_READY:
        raise InvalidInput(
            f"flamegraph {flamegraph.id} ({flamegraph.file_name}) has no stacks to compare: "
            f"{row.note}",
            field=field,
        )
    return unpack_stacks(row.data)


def _discard(session: Session, storage: StorageBackend, pending: PendingUpload) -> None:
    """Delete a refused object and its pending row, committed even though the caller raises."""
    storage.delete([pending.storage_path])
    session.delete(pending)
    session.commit()


__all__ = [
    "STACKS_PICTURE_ONLY",
    "STACKS_READY",
    "SWEEP_MIN_AGE",
    "SweepResult",
    "confirm_upload",
    "create_upload_url",
    "delete_report",
    "embedded_stacks_row",
    "folded_of",
    "owned_flamegraph",
    "recovery_running",
    "safe_file_name",
    "stacks_of",
    "stacks_row",
    "stacks_row_of",
    "store_stacks",
    "sweep",
    "take_stacks_wanted",
]
