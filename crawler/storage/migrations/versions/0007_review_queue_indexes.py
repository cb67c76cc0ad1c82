"""review queue indexes: flags in risk order (any status, or by list type), and by creation date

Revision ID: 0007_review_queue_indexes
Revises: 0006_listing_search_sig
"""

from alembic import op

revision = "0007_review_queue_indexes"
down_revision = "0006_listing_search_sig"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_flag_risk", "flag", ["risk_score"])
    op.create_index("ix_flag_status_list_type_risk", "flag", ["status", "list_type", "risk_score"])
    op.create_index("ix_flag_status_created", "flag", ["status", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_flag_status_created", table_name="flag")
    op.drop_index("ix_flag_status_list_type_risk", table_name="flag")
    op.drop_index("ix_flag_risk", table_name="flag")
