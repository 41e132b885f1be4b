"""metrics by benchmark and time (issue 14)

The bulk export filtered by benchmark and a time range (``since=``/``until=``) without a measure
or branch could not use ``ix_metrics_series`` (benchmark, measure, branch, testbed, time) for the
range: it read every metric of the benchmark. Measured in one run (the export's query alone,
3,000 reports x 40 metrics, one benchmark's newest 2 % by ``since=``, medians of 5, index
dropped and re-created between rounds): SQLite 8.1 -> 1.1 ms, PostgreSQL 3.4 -> 2.7 ms.

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
