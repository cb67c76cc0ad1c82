"""evidence log: the database copy of the hash-chained evidence log, append-only

Revision ID: 0003_evidence_log
Revises: 0002_web_sessions
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_evidence_log"
down_revision = "0002_web_sessions"
branch_labels = None
depends_on = None

APPEND_ONLY_SQLITE = [
    "CREATE TRIGGER evidence_log_no_update BEFORE UPDATE ON evidence_log "
    "BEGIN SELECT RAISE(ABORT, 'evidence_log is append-only'); END",
    "CREATE TRIGGER evidence_log_no_delete BEFORE DELETE ON evidence_log "
    "BEGIN SELECT RAISE(ABORT, 'evidence_log is append-only'); END",
]
APPEND_ONLY_POSTGRES = [
    "CREATE FUNCTION evidence_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'evidence_log is append-only'; END $$",
    "CREATE TRIGGER evidence_log_no_change BEFORE UPDATE OR DELETE ON evidence_log "
    "FOR EACH ROW EXECUTE FUNCTION evidence_log_append_only()",
]


def upgrade() -> None:
    op.create_table(
        "evidence_log",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("capture_id", sa.Integer(), nullable=True),
        sa.Column("prev_sha256", sa.String(length=64), nullable=False),
        sa.Column("entry_sha256", sa.String(length=64), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_evidence_log")),
        sa.UniqueConstraint("entry_sha256", name=op.f("uq_evidence_log_entry_sha256")),
    )
    op.create_index(op.f("ix_evidence_log_capture_id"), "evidence_log", ["capture_id"], unique=False)
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in APPEND_ONLY_POSTGRES if postgres else APPEND_ONLY_SQLITE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS evidence_log_no_change ON evidence_log")
        op.execute("DROP FUNCTION IF EXISTS evidence_log_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS evidence_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS evidence_log_no_delete")
    op.drop_index(op.f("ix_evidence_log_capture_id"), table_name="evidence_log")
    op.drop_table("evidence_log")
