"""Evidence captures keep why they are partial or failed: the main content-check reason and every reason

Revision ID: 0012_evidence_capture_checks
Revises: 0011_review_reasons_feedback
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_evidence_capture_checks"
down_revision = "0011_review_reasons_feedback"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("evidence_capture") as batch:
        batch.add_column(sa.Column("check_reason", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("check_detail", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("evidence_capture") as batch:
        batch.drop_column("check_detail")
        batch.drop_column("check_reason")
