"""Offset pages of a project's rows, newest first: the one rule for ``first``/``offset`` and
the one way a page and its total are read (reports, alerts)."""

from __future__ import annotations

from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from driftwatch_nb.core.errors import InvalidInput
from driftwatch_server.models import Branch

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


def fetch_page(
    session: Session,
    model: type[RowT],
    condition: Any,
    *,
    newest_first: Any,
    limit: int,
    offset: int,
) -> tuple[list[RowT], int]:
    """One page of ``model`` rows matching ``condition``, ordered by ``newest_first`` then id
    (descending), and how many match in all."""
    total = session.exec(select(sa.func.count()).select_from(model).where(condition)).one()
    rows = session.exec(
        select(model)
        .where(condition)
        .order_by(sa.desc(newest_first), sa.desc(model.id))  # type: ignore[attr-defined]
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total)
