"""Coverage keeps its own word for pages no known layout reads: a count and the first one's note

Revision ID: 0010_crawl_stat_layout_changed
Revises: 0009_takedown_requests
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_crawl_stat_layout_changed"
down_revision = "0009_takedown_requests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crawl_stat") as batch:
        batch.add_column(sa.Column("layout_changed", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("layout_note", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("crawl_stat") as batch:
        batch.drop_column("layout_note")
        batch.drop_column("layout_changed")
