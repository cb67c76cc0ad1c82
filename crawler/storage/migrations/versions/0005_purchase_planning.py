"""Purchase plans keep their quota table and skipped listings; purchases say how they were costed

Revision ID: 0005_purchase_planning
Revises: 0004_scheduler
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_purchase_planning"
down_revision = "0004_scheduler"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("purchase_plan") as batch:
        batch.add_column(sa.Column("summary", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("approved_by", sa.String(length=100), nullable=False, server_default=""))
    with op.batch_alter_table("purchase") as batch:
        batch.add_column(sa.Column("cost_basis", sa.String(length=32), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("purchase") as batch:
        batch.drop_column("cost_basis")
    with op.batch_alter_table("purchase_plan") as batch:
        batch.drop_column("approved_by")
        batch.drop_column("summary")
