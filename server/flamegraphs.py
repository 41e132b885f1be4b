"""The flamegraph upload protocol: issue an upload path, confirm it, sign reads, sweep leftovers.

A client asks for a signed upload URL (a ``PendingUpload`` row remembers the path was issued
to that project), PUTs the bytes straight to storage, then confirms. Confirmation checks the
stored object itself (size, type, SVG rules) and deletes it on any failure, so refused bytes
never linger in the bucket.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from driftwatch_nb.core.errors import (
    InvalidInput,
    NotFoundError,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from driftwatch_nb.core.limits import FLAMEGRAPH_MIME_TYPE, MAX_FLAMEGRAPH_BYTES, safe_file_name
from driftwatch_nb.core.svg import SvgValidationError, validate_svg
from driftwatch_server.models import Flamegraph, PendingUpload, Project, Report, User, utcnow
from driftwatch_server.reports import (
    as_utc,
    delete_report_rows,
    owned_project,
    owned_report,
    report_benchmark,
)
from driftwatch_server.storage.base import SignedUpload, StorageBackend

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class SweepResult:
    """What one sweep removed."""

    expired_uploads: int
    orphan_objects: int


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
    benchmark_id = None
    if benchmark_name:
        benchmark_id = report_benchmark(session, report=report, name=benchmark_name).id

    try:
        _check_stored_object(
            storage, storage_path=storage_path, file_name=file_name, size=file_size
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
            session.add(flamegraph)
            session.delete(pending)
    except IntegrityError:
        # A concurrent confirm of the same path won; return its row.
        return session.exec(select(Flamegraph).where(Flamegraph.storage_path == storage_path)).one()
    return flamegraph


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
    session: Session, storage: StorageBackend, *, now: dt.datetime | None = None
) -> SweepResult:
    """Remove expired unconfirmed uploads and stored objects that no row refers to."""
    now = now or utcnow()
    expired = [
        pending
        for pending in session.exec(select(PendingUpload).where(PendingUpload.expires_at < now))
        if as_utc(pending.expires_at) < now
    ]
    if expired:
        storage.delete([pending.storage_path for pending in expired])
        for pending in expired:
            session.delete(pending)
        session.flush()

    known = set(session.exec(select(Flamegraph.storage_path)))
    known.update(session.exec(select(PendingUpload.storage_path)))
    orphans = [info.path for info in storage.list_objects("projects/") if info.path not in known]
    if orphans:
        storage.delete(orphans)
    return SweepResult(expired_uploads=len(expired), orphan_objects=len(orphans))


def _check_stored_object(
    storage: StorageBackend, *, storage_path: str, file_name: str, size: int
) -> None:
    info = storage.info(storage_path)
    if info is None:
        raise InvalidInput(
            f"{file_name}: nothing was uploaded to storagePath; PUT the file to the upload URL "
            "before confirming",
            field="storagePath",
        )
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
    validate_svg(storage.read(storage_path), file_name=file_name)


def _discard(session: Session, storage: StorageBackend, pending: PendingUpload) -> None:
    """Delete a refused object and its pending row, committed even though the caller raises."""
    storage.delete([pending.storage_path])
    session.delete(pending)
    session.commit()


__all__ = [
    "SweepResult",
    "confirm_upload",
    "create_upload_url",
    "delete_report",
    "owned_flamegraph",
    "safe_file_name",
    "sweep",
]
