"""Match runs: what each list-matching pass processed, for incremental reruns

Revision ID: 0008_match_runs
Revises: 0007_review_queue_indexes
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_match_runs"
down_revision = "0007_review_queue_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "match_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("matcher_version", sa.String(length=32), nullable=False),
        sa.Column("listings_changed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version_ids", sa.JSON(), nullable=False),
        sa.Column("mode", sa.String(length=32), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_run")),
    )


def downgrade() -> None:
    op.drop_table("match_run")
