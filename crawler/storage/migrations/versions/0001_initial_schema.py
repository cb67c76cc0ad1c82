"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 13:16:14.582398
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY_SQLITE = [
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
]
APPEND_ONLY_POSTGRES = [
    "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$",
    "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
]


def _append_only_statements() -> list[str]:
    return APPEND_ONLY_POSTGRES if op.get_bind().dialect.name == "postgresql" else APPEND_ONLY_SQLITE


def upgrade() -> None:
    op.create_table(
        "category",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("licence_required", sa.Boolean(), nullable=False),
        sa.Column("ccc_required", sa.Boolean(), nullable=False),
        sa.Column("search_terms", sa.JSON(), nullable=False),
        sa.Column("risk_factors", sa.JSON(), nullable=False),
        sa.Column("test_items", sa.JSON(), nullable=False),
        sa.Column("yearly_quota", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_category")),
        sa.UniqueConstraint("code", name=op.f("uq_category_code")),
    )
    op.create_table(
        "crawl_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "running", "finished", "partial", "failed", name="run_status", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column("software_version", sa.String(length=32), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_run")),
    )
    op.create_table(
        "image",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("phash", sa.BigInteger(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("mime", sa.String(length=64), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_image")),
        sa.UniqueConstraint("sha256", name=op.f("uq_image_sha256")),
    )
    with op.batch_alter_table("image", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_image_phash"), ["phash"], unique=False)

    op.create_table(
        "lab",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("accepted_categories", sa.JSON(), nullable=False),
        sa.Column("export_preferences", sa.JSON(), nullable=False),
        sa.Column("contact", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lab")),
        sa.UniqueConstraint("code", name=op.f("uq_lab_code")),
    )
    op.create_table(
        "platform",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("allowed_hosts", sa.JSON(), nullable=False),
        sa.Column("obey_robots", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform")),
        sa.UniqueConstraint("code", name=op.f("uq_platform_code")),
    )
    op.create_table(
        "reference_list",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column(
            "list_type",
            sa.Enum(
                "recall",
                "noncompliant",
                "risk",
                "licence",
                "licensed",
                "blacklist",
                name="list_type",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_list")),
        sa.UniqueConstraint("code", name=op.f("uq_reference_list_code")),
    )
    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=300), nullable=False),
        sa.Column(
            "role",
            sa.Enum("admin", "analyst", "officer", "lab", name="user_role", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("username", name=op.f("uq_user_account_username")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("object_type", sa.String(length=64), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_audit_log_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)
        batch_op.create_index("ix_audit_object", ["object_type", "object_id"], unique=False)

    op.create_table(
        "crawl_stat",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("pages_fetched", sa.Integer(), nullable=False),
        sa.Column("listings_seen", sa.Integer(), nullable=False),
        sa.Column("new", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("gone", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.Column("block_reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["category_id"], ["category.id"], name=op.f("fk_crawl_stat_category_id_category")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platform.id"], name=op.f("fk_crawl_stat_platform_id_platform")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["crawl_run.id"], name=op.f("fk_crawl_stat_run_id_crawl_run"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_stat")),
        sa.UniqueConstraint(
            "run_id", "platform_id", "category_id", name=op.f("uq_crawl_stat_run_id_platform_id_category_id")
        ),
    )
    op.create_table(
        "purchase_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("budget", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["approved_by_id"], ["user_account.id"], name=op.f("fk_purchase_plan_approved_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_plan")),
    )
    op.create_table(
        "reference_list_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=100), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=64), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("diff", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["reference_list.id"],
            name=op.f("fk_reference_list_version_list_id_reference_list"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_list_version")),
        sa.UniqueConstraint("list_id", "number", name=op.f("uq_reference_list_version_list_id_number")),
    )
    with op.batch_alter_table("reference_list_version", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reference_list_version_file_sha256"), ["file_sha256"], unique=False
        )

    op.create_table(
        "seller",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("platform_seller_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("normalized_name", sa.String(length=300), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platform.id"], name=op.f("fk_seller_platform_id_platform")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seller")),
        sa.UniqueConstraint(
            "platform_id", "platform_seller_id", name=op.f("uq_seller_platform_id_platform_seller_id")
        ),
    )
    with op.batch_alter_table("seller", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_seller_normalized_name"), ["normalized_name"], unique=False)

    op.create_table(
        "listing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("platform_item_id", sa.String(length=128), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("seller_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("price", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("price_masked", sa.Boolean(), nullable=False),
        sa.Column("currency", sa.String(length=8), nullable=False),
        sa.Column("brand", sa.String(length=200), nullable=True),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("barcodes", sa.JSON(), nullable=False),
        sa.Column("licence_no", sa.String(length=100), nullable=True),
        sa.Column("specs", sa.JSON(), nullable=False),
        sa.Column("sales_count", sa.Integer(), nullable=True),
        sa.Column("comment_count", sa.Integer(), nullable=True),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("gone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("detail_fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["category_id"], ["category.id"], name=op.f("fk_listing_category_id_category")
        ),
        sa.ForeignKeyConstraint(
            ["last_run_id"], ["crawl_run.id"], name=op.f("fk_listing_last_run_id_crawl_run")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platform.id"], name=op.f("fk_listing_platform_id_platform")
        ),
        sa.ForeignKeyConstraint(["seller_id"], ["seller.id"], name=op.f("fk_listing_seller_id_seller")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listing")),
        sa.UniqueConstraint(
            "platform_id", "platform_item_id", name=op.f("uq_listing_platform_id_platform_item_id")
        ),
    )
    with op.batch_alter_table("listing", schema=None) as batch_op:
        batch_op.create_index("ix_listing_category_last_seen", ["category_id", "last_seen_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_listing_seller_id"), ["seller_id"], unique=False)

    op.create_table(
        "reference_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("ref_key", sa.String(length=200), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "list_type",
            sa.Enum(
                "recall",
                "noncompliant",
                "risk",
                "licence",
                "licensed",
                "blacklist",
                name="list_type",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("product_name", sa.Text(), nullable=False),
        sa.Column("brand", sa.String(length=300), nullable=True),
        sa.Column("models", sa.JSON(), nullable=False),
        sa.Column("batches", sa.JSON(), nullable=False),
        sa.Column("barcodes", sa.JSON(), nullable=False),
        sa.Column("manufacturer", sa.Text(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("category_text", sa.Text(), nullable=True),
        sa.Column("hazard", sa.Text(), nullable=True),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"], ["category.id"], name=op.f("fk_reference_entry_category_id_category")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["reference_list_version.id"],
            name=op.f("fk_reference_entry_version_id_reference_list_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_entry")),
        sa.UniqueConstraint("version_id", "ref_key", name=op.f("uq_reference_entry_version_id_ref_key")),
    )
    op.create_table(
        "listing_image",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("image_id", sa.Integer(), nullable=True),
        sa.Column("source_url", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["image_id"], ["image.id"], name=op.f("fk_listing_image_image_id_image")),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listing.id"],
            name=op.f("fk_listing_image_listing_id_listing"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listing_image")),
        sa.UniqueConstraint("listing_id", "source_url", name=op.f("uq_listing_image_listing_id_source_url")),
    )
    with op.batch_alter_table("listing_image", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_listing_image_listing_id"), ["listing_id"], unique=False)

    op.create_table(
        "listing_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("price", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("price_masked", sa.Boolean(), nullable=False),
        sa.Column("seller_name", sa.String(length=300), nullable=True),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listing.id"],
            name=op.f("fk_listing_snapshot_listing_id_listing"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["crawl_run.id"], name=op.f("fk_listing_snapshot_run_id_crawl_run")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listing_snapshot")),
    )
    with op.batch_alter_table("listing_snapshot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_listing_snapshot_listing_id"), ["listing_id"], unique=False)

    op.create_table(
        "match",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column(
            "decision",
            sa.Enum("match", "review", name="match_decision", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("matcher_version", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["reference_entry.id"],
            name=op.f("fk_match_entry_id_reference_entry"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"], ["listing.id"], name=op.f("fk_match_listing_id_listing"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match")),
        sa.UniqueConstraint("listing_id", "entry_id", name=op.f("uq_match_listing_id_entry_id")),
    )
    with op.batch_alter_table("match", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_match_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_match_listing_id"), ["listing_id"], unique=False)

    op.create_table(
        "flag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=True),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column(
            "list_type",
            sa.Enum(
                "recall",
                "noncompliant",
                "risk",
                "licence",
                "licensed",
                "blacklist",
                name="list_type",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("risk_score", sa.Float(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "confirmed",
                "dismissed",
                "purchase_ordered",
                "closed",
                name="flag_status",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["reference_entry.id"],
            name=op.f("fk_flag_entry_id_reference_entry"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"], ["listing.id"], name=op.f("fk_flag_listing_id_listing"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["match_id"], ["match.id"], name=op.f("fk_flag_match_id_match"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flag")),
        sa.UniqueConstraint("listing_id", "kind", "subject", name=op.f("uq_flag_listing_id_kind_subject")),
    )
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_flag_listing_id"), ["listing_id"], unique=False)
        batch_op.create_index("ix_flag_status_risk", ["status", "risk_score"], unique=False)

    op.create_table(
        "evidence_capture",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("flag_id", sa.Integer(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_url", sa.Text(), nullable=False),
        sa.Column("final_url", sa.Text(), nullable=False),
        sa.Column("device_profile", sa.String(length=100), nullable=False),
        sa.Column("software_version", sa.String(length=32), nullable=False),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=False),
        sa.Column("log_sequence", sa.Integer(), nullable=True),
        sa.Column("timestamp_token", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["flag_id"], ["flag.id"], name=op.f("fk_evidence_capture_flag_id_flag"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"], ["listing.id"], name=op.f("fk_evidence_capture_listing_id_listing")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["crawl_run.id"], name=op.f("fk_evidence_capture_run_id_crawl_run")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_capture")),
    )
    with op.batch_alter_table("evidence_capture", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_capture_flag_id"), ["flag_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_capture_listing_id"), ["listing_id"], unique=False)

    op.create_table(
        "purchase",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("flag_id", sa.Integer(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "ordered",
                "received",
                "sent_to_lab",
                "result",
                "cancelled",
                name="purchase_status",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("expected_price", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("price_paid", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("buyer", sa.String(length=100), nullable=False),
        sa.Column("order_no", sa.String(length=100), nullable=False),
        sa.Column("lab_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"], ["category.id"], name=op.f("fk_purchase_category_id_category")
        ),
        sa.ForeignKeyConstraint(
            ["flag_id"], ["flag.id"], name=op.f("fk_purchase_flag_id_flag"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["lab_id"], ["lab.id"], name=op.f("fk_purchase_lab_id_lab")),
        sa.ForeignKeyConstraint(["listing_id"], ["listing.id"], name=op.f("fk_purchase_listing_id_listing")),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["purchase_plan.id"],
            name=op.f("fk_purchase_plan_id_purchase_plan"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase")),
    )
    op.create_table(
        "review_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flag_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("decision", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["flag_id"], ["flag.id"], name=op.f("fk_review_decision_flag_id_flag"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_review_decision_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_decision")),
    )
    with op.batch_alter_table("review_decision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_decision_flag_id"), ["flag_id"], unique=False)

    op.create_table(
        "evidence_artefact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("capture_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["capture_id"],
            ["evidence_capture.id"],
            name=op.f("fk_evidence_artefact_capture_id_evidence_capture"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_artefact")),
        sa.UniqueConstraint("capture_id", "name", name=op.f("uq_evidence_artefact_capture_id_name")),
    )
    with op.batch_alter_table("evidence_artefact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_artefact_sha256"), ["sha256"], unique=False)

    op.create_table(
        "sample",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purchase_id", sa.Integer(), nullable=False),
        sa.Column("sample_code", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("condition", sa.Text(), nullable=False),
        sa.Column("parcel_photos", sa.JSON(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lab_id", sa.Integer(), nullable=True),
        sa.Column("result", sa.String(length=32), nullable=True),
        sa.Column("report_no", sa.String(length=100), nullable=True),
        sa.Column("result_on", sa.Date(), nullable=True),
        sa.Column("verdicts", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["lab_id"], ["lab.id"], name=op.f("fk_sample_lab_id_lab")),
        sa.ForeignKeyConstraint(
            ["purchase_id"], ["purchase.id"], name=op.f("fk_sample_purchase_id_purchase")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sample")),
        sa.UniqueConstraint("purchase_id", name=op.f("uq_sample_purchase_id")),
        sa.UniqueConstraint("sample_code", name=op.f("uq_sample_sample_code")),
    )
    for statement in _append_only_statements():
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    op.drop_table("sample")
    with op.batch_alter_table("evidence_artefact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_artefact_sha256"))

    op.drop_table("evidence_artefact")
    with op.batch_alter_table("review_decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_decision_flag_id"))

    op.drop_table("review_decision")
    op.drop_table("purchase")
    with op.batch_alter_table("evidence_capture", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_capture_listing_id"))
        batch_op.drop_index(batch_op.f("ix_evidence_capture_flag_id"))

    op.drop_table("evidence_capture")
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.drop_index("ix_flag_status_risk")
        batch_op.drop_index(batch_op.f("ix_flag_listing_id"))

    op.drop_table("flag")
    with op.batch_alter_table("match", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_listing_id"))
        batch_op.drop_index(batch_op.f("ix_match_entry_id"))

    op.drop_table("match")
    with op.batch_alter_table("listing_snapshot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_listing_snapshot_listing_id"))

    op.drop_table("listing_snapshot")
    with op.batch_alter_table("listing_image", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_listing_image_listing_id"))

    op.drop_table("listing_image")
    op.drop_table("reference_entry")
    with op.batch_alter_table("listing", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_listing_seller_id"))
        batch_op.drop_index("ix_listing_category_last_seen")

    op.drop_table("listing")
    with op.batch_alter_table("seller", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seller_normalized_name"))

    op.drop_table("seller")
    with op.batch_alter_table("reference_list_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reference_list_version_file_sha256"))

    op.drop_table("reference_list_version")
    op.drop_table("purchase_plan")
    op.drop_table("crawl_stat")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_object")
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))

    op.drop_table("audit_log")
    op.drop_table("user_account")
    op.drop_table("reference_list")
    op.drop_table("platform")
    op.drop_table("lab")
    with op.batch_alter_table("image", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_image_phash"))

    op.drop_table("image")
    op.drop_table("crawl_run")
    op.drop_table("category")
