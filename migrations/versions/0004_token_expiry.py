"""api token expiry and last use (issue 13)

Optional expiry per API token (``driftwatch admin create-token --expires-in-days``, the
``createToken`` mutation) and when each token was last used, so ``list-tokens`` can tell
stale ones apart.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 22:25:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("last_used_at")
        batch.drop_column("expires_at")
