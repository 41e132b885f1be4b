"""flamegraph stacks (issue 11): every flamegraph's stacks as data

One row per flamegraph: zlib-compressed folded stacks recovered from the SVG at confirmation
(status READY), or PICTURE_ONLY with a note when the SVG cannot be read as a flamegraph.
Existing flamegraphs have no row: their stacks are read from the stored SVG on first use.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 22:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "flamegraph_stacks",
        sa.Column("flamegraph_id", sa.String(length=36), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("source_format", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("total_samples", sa.BigInteger(), nullable=False),
        sa.Column("stack_count", sa.Integer(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["flamegraph_id"], ["flamegraphs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("flamegraph_id"),
    )


def downgrade() -> None:
    op.drop_table("flamegraph_stacks")
