"""Pages of a project's rows, newest first: the one paging rule (reports, alerts).

Rows are ordered by time columns, then by id (all descending): reports by (start time,
arrival time, id), so reports of the same start time come in the order they arrived. A page is
read one of two ways:

- by cursor (keyset): ``after`` a row, the rows older than it; ``before`` a row, the rows newer
  than it. A cursor names a row by its (times, id), so a scan that follows ``endCursor`` sees
  every row that existed when it started exactly once, however many rows arrive meanwhile;
- by ``offset`` (older clients): the rows after skipping ``offset``. Rows that arrive
  meanwhile shift such pages, so a scan by offset can see a row twice.

A page reads ``first + 1`` rows to know whether there is more, and counts the matching rows
only when ``Page.total()`` is called (``totalCount`` only when a query asks for it).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from driftwatch_nb.core.errors import InvalidInput
from driftwatch_server.models import Branch, as_utc

RowT = TypeVar("RowT", bound=SQLModel)


def check_page(first: int, offset: int, *, maximum: int) -> None:
    """``first`` in 1..``maximum`` and a non-negative ``offset``, or ``InvalidInput``."""
    if not 1 <= first <= maximum:
        raise InvalidInput(f"first must be between 1 and {maximum}", field="first")
    if offset < 0:
        raise InvalidInput("offset must not be negative", field="offset")


def branch_id(session: Session, project_id: str, name: str) -> str | None:
    """The id of the project's branch ``name``, if it has one."""
    return session.exec(
        select(Branch.id).where(Branch.project_id == project_id, Branch.name == name)
    ).first()


def encode_cursor(moments: Sequence[dt.datetime], row_id: str) -> str:
    """An opaque cursor for the row with these order times and id ``row_id``."""
    values = [as_utc(moment).isoformat() for moment in moments] + [row_id]
    text = json.dumps(values, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, times: int, field: str) -> tuple[list[dt.datetime], str]:
    """The order times and id a cursor names, or ``InvalidInput`` naming ``field``."""
    try:
        if len(cursor) > 400:
            raise ValueError(cursor)
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != times + 1:
            raise ValueError(cursor)
        *moments, row_id = values
        if not isinstance(row_id, str) or not all(isinstance(m, str) for m in moments):
            raise ValueError(cursor)
        return [as_utc(dt.datetime.fromisoformat(m)) for m in moments], row_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidInput(
            f"{field} is not a cursor this server gave out; pass a page's endCursor "
            "(or startCursor, as `before`) unchanged",
            field=field,
        ) from exc


@dataclass(kw_only=True)
class Page(Generic[RowT]):
    """One page of rows, newest first, with what a client needs to ask for the next."""

    rows: list[RowT]
    has_next: bool
    """Whether older rows follow this page."""
    has_previous: bool
    """Whether newer rows precede it."""
    start_cursor: str | None
    end_cursor: str | None
    count: Callable[[], int] = field(repr=False)
    _total: int | None = field(default=None, repr=False)

    @classmethod
    def empty(cls) -> Page[Any]:
        """A page with no rows and nothing around it."""
        return cls(
            rows=[],
            has_next=False,
            has_previous=False,
            start_cursor=None,
            end_cursor=None,
            count=lambda: 0,
        )

    def total(self) -> int:
        """How many rows match in all (one ``count(*)``, run once, on first call)."""
        if self._total is None:
            self._total = self.count()
        return self._total


def fetch_page(
    session: Session,
    model: type[RowT],
    condition: Any,
    *,
    newest_first: Sequence[Any],
    limit: int,
    offset: int = 0,
    after: str | None = None,
    before: str | None = None,
    plain: bool = False,
) -> Page[RowT]:
    """A page of ``model`` rows matching ``condition``, ordered by the time columns
    ``newest_first`` then id (all descending): after the cursor ``after``, before the cursor
    ``before``, or from ``offset``. ``plain``: read-only rows with the same attributes instead
    of ORM objects (cheaper to build, for pages only shown)."""
    if after is not None and before is not None:
        raise InvalidInput("pass either after or before, not both", field="before")
    if (after is not None or before is not None) and offset:
        raise InvalidInput("offset cannot be combined with a cursor", field="offset")
    columns = [*newest_first, model.id]  # type: ignore[attr-defined]
    key = sa.tuple_(*columns)

    def count() -> int:
        total = session.exec(select(sa.func.count()).select_from(model).where(condition)).one()
        return int(total)

    def bound(cursor: str, field: str) -> Any:
        moments, row_id = decode_cursor(cursor, times=len(newest_first), field=field)
        values = [sa.literal(m, c.type) for m, c in zip(moments, newest_first, strict=True)]
        return sa.tuple_(*values, sa.literal(row_id, model.id.type))  # type: ignore[attr-defined]

    statement: Any = (
        sa.select(*model.__table__.columns) if plain else select(model)  # type: ignore[attr-defined]
    ).where(condition)
    run = session.execute if plain else session.exec
    if before is not None:
        # Newer rows than the cursor: read them oldest first, then turn the page around.
        statement = statement.where(key > bound(before, "before"))
        statement = statement.order_by(*(sa.asc(c) for c in columns))
        rows = list(run(statement.limit(limit + 1)))
        has_previous = len(rows) > limit
        rows = rows[:limit][::-1]
        has_next = True
    else:
        if after is not None:
            statement = statement.where(key < bound(after, "after"))
        statement = statement.order_by(*(sa.desc(c) for c in columns))
        rows = list(run(statement.limit(limit + 1).offset(offset)))
        has_next = len(rows) > limit
        rows = rows[:limit]
        has_previous = after is not None or offset > 0
    names = [c.key for c in newest_first]

    def cursor(row: RowT) -> str:
        return encode_cursor([getattr(row, n) for n in names], row.id)  # type: ignore[attr-defined]

    return Page(
        rows=rows,
        has_next=has_next,
        has_previous=has_previous,
        start_cursor=cursor(rows[0]) if rows else None,
        end_cursor=cursor(rows[-1]) if rows else None,
        count=count,
    )
