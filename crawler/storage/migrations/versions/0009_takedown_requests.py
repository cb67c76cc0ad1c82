"""Takedown requests: one per confirmed flag sent to a platform, with its status

Revision ID: 0009_takedown_requests
Revises: 0008_match_runs
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_takedown_requests"
down_revision = "0008_match_runs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "takedown_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flag_id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("export_batch", sa.String(length=64), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["flag_id"], ["flag.id"], name=op.f("fk_takedown_request_flag_id_flag"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listing.id"],
            name=op.f("fk_takedown_request_listing_id_listing"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platform.id"], name=op.f("fk_takedown_request_platform_id_platform")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_takedown_request")),
        sa.UniqueConstraint("flag_id", name=op.f("uq_takedown_request_flag_id")),
        sa.UniqueConstraint("reference", name=op.f("uq_takedown_request_reference")),
    )
    op.create_index("ix_takedown_request_listing_id", "takedown_request", ["listing_id"])
    op.create_index("ix_takedown_request_platform_status", "takedown_request", ["platform_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_takedown_request_platform_status", table_name="takedown_request")
    op.drop_index("ix_takedown_request_listing_id", table_name="takedown_request")
    op.drop_table("takedown_request")
