"""Listings remember what their search-page row looked like, so unchanged ones are not re-opened

Revision ID: 0006_listing_search_sig
Revises: 0005_purchase_planning
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_listing_search_sig"
down_revision = "0005_purchase_planning"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("listing") as batch:
        batch.add_column(sa.Column("search_sig", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("listing") as batch:
        batch.drop_column("search_sig")
