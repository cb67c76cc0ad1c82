"""Dismissals carry a reason code and what the listing showed; weights fitted on decisions are kept

Revision ID: 0011_review_reasons_feedback
Revises: 0010_crawl_stat_layout_changed
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_review_reasons_feedback"
down_revision = "0010_crawl_stat_layout_changed"
branch_labels = None
depends_on = None

REASONS = ("accessory", "other_product", "other_model", "other_brand", "not_the_batch", "other")


def upgrade() -> None:
    with op.batch_alter_table("review_decision") as batch:
        batch.add_column(
            sa.Column(
                "reason_code",
                sa.Enum(*REASONS, name="dismiss_reason", native_enum=False, length=32),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("listing_state", sa.String(length=64), nullable=True))
    op.create_table(
        "matcher_weights",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("fitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("held_out_score", sa.Float(), nullable=False),
        sa.Column("baseline_score", sa.Float(), nullable=False),
        sa.Column("decisions", sa.Integer(), nullable=False),
        sa.Column("held_out", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("matcher_weights")
    with op.batch_alter_table("review_decision") as batch:
        batch.drop_column("listing_state")
        batch.drop_column("reason_code")
