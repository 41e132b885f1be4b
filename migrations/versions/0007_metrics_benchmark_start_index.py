"""metrics by benchmark and time (issue 14)

The bulk export filtered by benchmark and a time range (``since=``/``until=``) without a measure
or branch could not use ``ix_metrics_series`` (benchmark, measure, branch, testbed, time) for the
range: it read every metric of the benchmark. Measured on 3,000 reports, the newest 2 % by
``since=``: SQLite 711 -> 26 ms, PostgreSQL 191 -> 141 ms.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08 01:25:00
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_metrics_benchmark_start", "metrics", ["benchmark_id", "start_time"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_metrics_benchmark_start", table_name="metrics")
