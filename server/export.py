"""The bulk metrics export: every metric of a project matching a filter, streamed.

One SQL query reads the rows through a server-side cursor (``stream_results``) in batches of
``BATCH_ROWS``; each batch becomes one Arrow record batch (or a block of CSV lines) and is sent
at once, so the server holds one batch at a time whatever the export's size. The columns are
``driftwatch_nb.core.export.COLUMNS`` (the client's tidy frame), optionally ``samples``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from driftwatch_nb.core.errors import InvalidInput
from driftwatch_nb.core.export import (
    COLUMNS,
    FILTER_PARAMETERS,
    FORMATS,
    MAX_EXPORT_REPORTS,
    OTHER_PARAMETERS,
    SAMPLES_COLUMN,
)
from driftwatch_nb.core.limits import check_measure, check_name
from driftwatch_server.models import Benchmark, Branch, Metric, Project, Report, Testbed

log = logging.getLogger(__name__)

BATCH_ROWS = 20_000
"""Rows per database fetch and per Arrow record batch (a few MB at most without samples)."""

_TIME = pa.timestamp("us", tz="UTC")
_STRING_COLUMNS = ("report", "branch", "testbed", "git_hash", "benchmark", "measure")
SCHEMA = pa.schema(
    [
        (
            name,
            _TIME if name == "time" else pa.string() if name in _STRING_COLUMNS else pa.float64(),
        )
        for name in COLUMNS
    ]
)
"""The Arrow schema of an export without samples."""
SAMPLES_SCHEMA = SCHEMA.append(pa.field(SAMPLES_COLUMN, pa.list_(pa.float64())))
"""The Arrow schema of an export with ``samples=true``."""


class ExportTooLarge(Exception):
    """The export passed the server's row limit: the stream is cut (its end never comes)."""


@dataclass(frozen=True, kw_only=True)
class ExportFilter:
    """What one export request asks for, checked (names are not yet looked up)."""

    branch: str | None = None
    testbed: str | None = None
    benchmark: str | None = None
    measure: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    reports: tuple[str, ...] = ()
    last: int | None = None
    samples: bool = False
    format: str = "arrow"


@dataclass(frozen=True, kw_only=True)
class ResolvedFilter:
    """An ``ExportFilter`` with its names turned into the project's ids; ``empty`` when a name
    matches nothing (the export is then just the header)."""

    project_id: str
    request: ExportFilter
    ids: dict[str, str] = field(default_factory=dict)
    reports: tuple[str, ...] = ()
    """The asked-for reports that are the project's (checked here, so the export's query
    finds their metrics by report id alone)."""
    empty: bool = False


def parse_filter(
    params: Sequence[tuple[str, str]], *, format_from_path: str | None = None
) -> ExportFilter:
    """The filter of an export request's query string, or ``InvalidInput`` naming the
    parameter (an unknown one too: a mistyped filter must not silently export everything)."""
    single: dict[str, str] = {}
    reports: list[str] = []
    for name, value in params:
        if "\x00" in name or "\x00" in value:
            raise InvalidInput(f"{name!r} contains a NUL character", field=name.strip("\x00"))
        if name == "report":
            reports.append(value.strip())
            continue
        if name not in FILTER_PARAMETERS and name not in OTHER_PARAMETERS:
            known = ", ".join((*FILTER_PARAMETERS, *OTHER_PARAMETERS))
            raise InvalidInput(f"unknown parameter {name!r}; the export takes {known}", field=name)
        if name in single:
            raise InvalidInput(f"{name} is given twice; give it once", field=name)
        single[name] = value
    for name in ("branch", "testbed", "benchmark"):
        if name in single:
            check_name(single[name], field=name)
    if "measure" in single:
        check_measure(single["measure"])
    since = _moment(single, "since")
    until = _moment(single, "until")
    if since is not None and until is not None and until <= since:
        raise InvalidInput(
            f"until ({until.isoformat()}) must be after since ({since.isoformat()})",
            field="until",
        )
    if len(reports) > MAX_EXPORT_REPORTS:
        raise InvalidInput(
            f"{len(reports)} report ids; at most {MAX_EXPORT_REPORTS} per request", field="report"
        )
    if any(not (0 < len(report) <= 36) for report in reports):
        raise InvalidInput("report must be a report id", field="report")
    last = None
    if "last" in single:
        try:
            last = int(single["last"])
        except ValueError:
            last = 0
        if last < 1:
            raise InvalidInput(
                f"last must be a positive integer, got {single['last']!r}", field="last"
            )
    samples = _flag(single.get("samples", "false"), "samples")
    export_format = single.get("format", format_from_path or "arrow")
    if export_format not in FORMATS:
        raise InvalidInput(f"format must be arrow or csv, got {export_format!r}", field="format")
    if format_from_path is not None and export_format != format_from_path:
        raise InvalidInput(
            f"format={export_format} contradicts the path's .{format_from_path}", field="format"
        )
    return ExportFilter(
        branch=single.get("branch"),
        testbed=single.get("testbed"),
        benchmark=single.get("benchmark"),
        measure=single.get("measure"),
        since=since,
        until=until,
        reports=tuple(dict.fromkeys(reports)),
        last=last,
        samples=samples,
        format=export_format,
    )


def _moment(params: Mapping[str, str], name: str) -> dt.datetime | None:
    raw = params.get(name)
    if raw is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(raw.strip())
    except ValueError:
        moment = None
    if moment is None:
        try:  # an offset's "+" sent unencoded arrives as a space
            moment = dt.datetime.fromisoformat(raw.strip().replace(" ", "+"))
        except ValueError:
            moment = None
    if moment is None:
        raise InvalidInput(
            f"{name} must be an ISO 8601 time such as 2026-01-31 or 2026-01-31T12:00:00Z, "
            f"got {raw!r}",
            field=name,
        )
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _flag(raw: str, name: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes"}:
        return True
    if lowered in {"0", "false", "no", ""}:
        return False
    raise InvalidInput(f"{name} must be true or false, got {raw!r}", field=name)


def resolve(session: Session, *, project: Project, request: ExportFilter) -> ResolvedFilter:
    """Look the filter's names up among the project's branches, testbeds and benchmarks (a
    name the project does not have matches no row, as for ``Project.reports(branch)``)."""
    ids: dict[str, str] = {}
    for name, model in (("branch", Branch), ("testbed", Testbed), ("benchmark", Benchmark)):
        wanted = getattr(request, name)
        if wanted is None:
            continue
        found = session.exec(
            select(model.id).where(model.project_id == project.id, model.name == wanted)  # type: ignore[attr-defined]
        ).first()
        if found is None:
            return ResolvedFilter(project_id=project.id, request=request, empty=True)
        ids[name] = found
    reports: tuple[str, ...] = ()
    if request.reports:
        owned = set(
            session.exec(
                select(Report.id).where(
                    Report.project_id == project.id,
                    Report.id.in_(request.reports),  # type: ignore[attr-defined]
                )
            )
        )
        reports = tuple(report for report in request.reports if report in owned)
        if not reports:
            return ResolvedFilter(project_id=project.id, request=request, empty=True)
    return ResolvedFilter(project_id=project.id, request=request, ids=ids, reports=reports)


def export_statement(resolved: ResolvedFilter) -> sa.Select:
    """The one query of an export: metrics with their report's hash and their names, oldest
    report first (with ``last``: the newest ``last`` rows of the filter, still oldest first)."""
    request = resolved.request
    m = Metric.__table__.alias("m")  # type: ignore[attr-defined]
    b = Benchmark.__table__.alias("b")  # type: ignore[attr-defined]
    r = Report.__table__.alias("r")  # type: ignore[attr-defined]
    br = Branch.__table__.alias("br")  # type: ignore[attr-defined]
    tb = Testbed.__table__.alias("tb")  # type: ignore[attr-defined]
    columns = [
        m.c.report_id.label("report"),
        m.c.start_time.label("time"),
        br.c.name.label("branch"),
        tb.c.name.label("testbed"),
        r.c.git_hash.label("git_hash"),
        b.c.name.label("benchmark"),
        m.c.measure.label("measure"),
        m.c.value.label("value"),
        m.c.lower_value.label("lower"),
        m.c.upper_value.label("upper"),
    ]
    if request.samples:
        columns.append(m.c.samples.label(SAMPLES_COLUMN))
    if resolved.reports:
        # Reports already checked to be the project's (``resolve``): found by their ids
        # through ix_metrics_report_id, whatever the project's size.
        conditions = [m.c.report_id.in_(resolved.reports)]
    else:
        conditions = [b.c.project_id == resolved.project_id]
    if "benchmark" in resolved.ids:
        conditions.append(m.c.benchmark_id == resolved.ids["benchmark"])
    if "branch" in resolved.ids:
        conditions.append(m.c.branch_id == resolved.ids["branch"])
    if "testbed" in resolved.ids:
        conditions.append(m.c.testbed_id == resolved.ids["testbed"])
    if request.measure is not None:
        conditions.append(m.c.measure == request.measure)
    if request.since is not None:
        conditions.append(m.c.start_time >= request.since)
    if request.until is not None:
        conditions.append(m.c.start_time < request.until)
    statement = (
        sa.select(*columns)
        .select_from(
            m.join(b, b.c.id == m.c.benchmark_id)
            .join(r, r.c.id == m.c.report_id)
            .join(br, br.c.id == m.c.branch_id)
            .join(tb, tb.c.id == m.c.testbed_id)
        )
        .where(*conditions)
    )
    order = (m.c.start_time, m.c.report_id, b.c.name, m.c.measure)
    if request.last is None:
        return statement.order_by(*order)
    newest = statement.order_by(*(sa.desc(column) for column in order)).limit(request.last)
    inner = newest.subquery("newest")
    return sa.select(*inner.c).order_by(
        inner.c.time, inner.c.report, inner.c.benchmark, inner.c.measure
    )


def row_batches(
    engine: Engine, resolved: ResolvedFilter, *, max_rows: int, batch_rows: int | None = None
) -> Iterator[list[tuple]]:
    """The export's rows, ``batch_rows`` at a time, from one server-side cursor.

    Raises ``ExportTooLarge`` (after the rows up to the limit) when more than ``max_rows``
    match: the caller cuts the stream so the client cannot take a partial export for a whole.
    """
    if resolved.empty:
        return
    statement = export_statement(resolved).limit(max_rows + 1)
    batch_rows = batch_rows or BATCH_ROWS
    sent = 0
    with engine.connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=batch_rows).execute(
            statement
        )
        for partition in result.partitions():
            rows = [tuple(row) for row in partition]
            if sent + len(rows) > max_rows:
                yield rows[: max_rows - sent]
                raise ExportTooLarge(f"more than {max_rows:,} rows match")
            sent += len(rows)
            yield rows


def record_batch(rows: list[tuple], *, samples: bool) -> pa.RecordBatch:
    """One batch of query rows as an Arrow record batch of the export's schema."""
    schema = SAMPLES_SCHEMA if samples else SCHEMA
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    arrays = []
    for index, column in enumerate(columns):
        name = schema.field(index).name
        if name == "time":
            arrays.append(_times(column))
        elif name == SAMPLES_COLUMN:
            arrays.append(_samples(column))
        else:
            arrays.append(pa.array(column, type=schema.field(index).type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _times(values: Sequence[object]) -> pa.Array:
    # SQLite hands back naive datetimes (stored as UTC), PostgreSQL aware ones.
    if values and isinstance(values[0], dt.datetime) and values[0].tzinfo is None:
        return pa.array(values, type=pa.timestamp("us")).cast(_TIME)
    return pa.array(values, type=_TIME)


def _samples(values: Sequence[bytes | None]) -> pa.Array:
    """Packed float64 samples (``driftwatch_server.samples``) to a list array, in one pass."""
    lengths = np.fromiter((0 if v is None else len(v) // 8 for v in values), np.int32, len(values))
    offsets = np.zeros(len(values) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    flat = np.frombuffer(b"".join(v for v in values if v), dtype="<f8")
    if sys.byteorder != "little":  # pragma: no cover - packed little-endian everywhere we run
        flat = flat.byteswap()
    mask = pa.array([v is None for v in values], type=pa.bool_())
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(flat), mask=mask)


def arrow_stream(batches: Iterator[list[tuple]], *, samples: bool) -> Iterator[bytes]:
    """The Arrow IPC stream of the batches: the schema first, then one message per batch."""
    schema = SAMPLES_SCHEMA if samples else SCHEMA
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, schema) as writer:
        yield _drain(sink)
        for rows in batches:
            if rows:
                writer.write_batch(record_batch(rows, samples=samples))
                yield _drain(sink)
    yield _drain(sink)  # the end-of-stream marker


def csv_stream(batches: Iterator[list[tuple]], *, samples: bool) -> Iterator[bytes]:
    """The CSV form: a header line, then each batch's lines (times in ISO 8601 with ``Z``;
    ``samples`` as a JSON array, empty where none)."""
    schema = SCHEMA.append(pa.field(SAMPLES_COLUMN, pa.string())) if samples else SCHEMA
    sink = io.BytesIO()
    with pa_csv.CSVWriter(sink, schema) as writer:
        yield _drain(sink)
        for rows in batches:
            if not rows:
                continue
            batch = record_batch(rows, samples=samples)
            if samples:
                packed = batch.column(len(COLUMNS)).to_pylist()
                text = pa.array(
                    [None if values is None else json.dumps(values) for values in packed],
                    type=pa.string(),
                )
                batch = pa.RecordBatch.from_arrays([*batch.columns[:-1], text], schema=schema)
            writer.write_batch(batch)
            yield _drain(sink)
    yield _drain(sink)


def _drain(sink: io.BytesIO) -> bytes:
    data = sink.getvalue()
    sink.seek(0)
    sink.truncate()
    return data
