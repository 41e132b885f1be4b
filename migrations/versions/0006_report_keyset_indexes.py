"""report keyset indexes (issue 14)

``Project.reports`` pages newest first by (start time, arrival time, id), by cursor or offset, with or
without a branch filter: one index per way of reading, so a page reads its rows from the
index in order instead of sorting every report of the project.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 23:45:00
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_reports_project_start",
        "reports",
        ["project_id", "start_time", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_reports_branch_start",
        "reports",
        ["branch_id", "start_time", "created_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_reports_branch_start", table_name="reports")
    op.drop_index("ix_reports_project_start", table_name="reports")
