"""Brands, perfumes, campaigns (campaign_json JSONB + GIN) and the edit_history table.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

MONEY = sa.Numeric(14, 6)


def upgrade() -> None:
    op.create_table(
        "brands",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "perfumes",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("brand_id", postgresql.UUID(as_uuid=True),
                  sa.ForeignKey("brands.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("brand_id", "name"),
    )  # fmt: skip
    op.create_index("ix_perfumes_brand_id", "perfumes", ["brand_id"])
    op.create_table(
        "campaigns",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("brand_id", postgresql.UUID(as_uuid=True),
                  sa.ForeignKey("brands.id", ondelete="CASCADE"), nullable=False),
        sa.Column("perfume_id", postgresql.UUID(as_uuid=True),
                  sa.ForeignKey("perfumes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("campaign_json", postgresql.JSONB(), nullable=False),
        sa.Column("selected_variation_index", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("cost", MONEY, nullable=False, server_default="0"),
        sa.Column("status", sa.String(20), nullable=False, server_default="completed"),
        sa.Column("error_message", sa.Text()),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )  # fmt: skip
    op.create_index("ix_campaigns_brand_id", "campaigns", ["brand_id"])
    op.create_index("ix_campaigns_perfume_id", "campaigns", ["perfume_id"])
    op.create_index("idx_campaigns_campaign_json", "campaigns", ["campaign_json"], postgresql_using="gin")
    op.create_table(
        "edit_history",
        sa.Column("edit_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("campaign_id", postgresql.UUID(as_uuid=True),
                  sa.ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scene_index", sa.Integer(), nullable=False),
        sa.Column("edit_prompt", sa.Text(), nullable=False),
        sa.Column("original_prompt", sa.Text(), nullable=False),
        sa.Column("modified_prompt", sa.Text()),
        sa.Column("changes_summary", sa.Text()),
        sa.Column("cost", MONEY, nullable=False, server_default="0"),
        sa.Column("cost_breakdown", postgresql.JSONB(), nullable=False, server_default="{}"),
        sa.Column("duration_seconds", sa.Numeric(10, 3), nullable=False, server_default="0"),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("user_name", sa.String(200), nullable=False),
        sa.Column("prompt_provider", sa.String(50)),
        sa.Column("video_provider", sa.String(50)),
        sa.Column("prediction_id", sa.String(200)),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("scene_key_before", sa.Text()),
        sa.Column("scene_key_after", sa.Text()),
        sa.Column("final_key_before", sa.Text()),
        sa.Column("final_key_after", sa.Text()),
        sa.CheckConstraint("scene_index >= 0", name="ck_edit_history_scene_index"),
        sa.CheckConstraint("status IN ('running', 'completed', 'failed')", name="ck_edit_history_status"),
    )  # fmt: skip
    op.create_index("idx_edit_history_campaign_time", "edit_history", ["campaign_id", "timestamp"])


def downgrade() -> None:
    op.drop_table("edit_history")
    op.drop_table("campaigns")
    op.drop_table("perfumes")
    op.drop_table("brands")
