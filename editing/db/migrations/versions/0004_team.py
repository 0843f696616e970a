"""The team: users and their roles per brand, budgets and reservations, approvals, the audit log.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(14, 6)
UUID = postgresql.UUID(as_uuid=True)
NOW = sa.func.now()


def _brand_fk(nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("brand_id", UUID, sa.ForeignKey("brands.id", ondelete="CASCADE"), nullable=nullable)


def upgrade() -> None:
    _people()
    _budgets()
    _approvals()
    _audit_log()
    _edit_columns()


def _people() -> None:
    """Users and their role in each brand."""
    op.create_table(
        "users",
        sa.Column("email", sa.String(320), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("is_admin", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("last_seen_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "memberships",
        sa.Column(
            "email", sa.String(320), sa.ForeignKey("users.email", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("brand_id", UUID, sa.ForeignKey("brands.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("created_by", sa.String(320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.CheckConstraint("role IN ('viewer', 'editor', 'manager')", name="ck_memberships_role"),
    )


def _budgets() -> None:
    op.create_table(
        "budgets",
        sa.Column("id", UUID, primary_key=True),
        _brand_fk(),
        sa.Column("campaign_id", UUID, sa.ForeignKey("campaigns.id", ondelete="CASCADE")),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("limit_usd", MONEY, nullable=False),
        sa.Column("updated_by", sa.String(320), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.CheckConstraint("period IN ('monthly', 'total')", name="ck_budgets_period"),
        sa.CheckConstraint("limit_usd >= 0", name="ck_budgets_limit"),
    )
    # one budget per (brand, campaign or none, period)
    op.create_index(
        "uq_budgets_brand", "budgets", ["brand_id", "period"], unique=True,
        postgresql_where=sa.text("campaign_id IS NULL"),
    )  # fmt: skip
    op.create_index(
        "uq_budgets_campaign", "budgets", ["campaign_id", "period"], unique=True,
        postgresql_where=sa.text("campaign_id IS NOT NULL"),
    )  # fmt: skip


def _approvals() -> None:
    op.create_table(
        "approvals",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("campaign_id", UUID, sa.ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False),
        sa.Column("scene_index", sa.Integer()),  # None: every scene (an "edit all scenes")
        sa.Column("instruction", sa.Text(), nullable=False),
        sa.Column("request", postgresql.JSONB(), nullable=False),
        sa.Column("estimated_cost", MONEY, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(320), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("status", sa.String(20), nullable=False, server_default="pending"),
        sa.Column("decided_by", sa.String(320)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("edit_id", UUID),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'used')", name="ck_approvals_status"
        ),
    )


def _audit_log() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("actor", sa.String(320), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        _brand_fk(nullable=True),
        sa.Column("campaign_id", UUID),
        sa.Column("target", sa.Text(), nullable=False, server_default=""),
        sa.Column("details", postgresql.JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_brand_at", "audit_log", ["brand_id", "at"])


def _edit_columns() -> None:
    """What a team needs on each edit: the scene's role, the estimate it reserves while it runs,
    and (a quick adjust) what regenerating would have cost."""
    op.add_column("edit_history", sa.Column("scene_role", sa.String(40)))
    op.add_column("edit_history", sa.Column("reserved", MONEY, nullable=False, server_default="0"))
    op.add_column("edit_history", sa.Column("regenerate_cost", MONEY))
    op.add_column("edit_history", sa.Column("approval_id", UUID))
    op.execute(
        "UPDATE edit_history e SET scene_role = c.campaign_json->'scenes'->e.scene_index->>'role' "
        "FROM campaigns c WHERE c.id = e.campaign_id"
    )


def downgrade() -> None:
    for name in ("approval_id", "regenerate_cost", "reserved", "scene_role"):
        op.drop_column("edit_history", name)
    op.drop_table("audit_log")
    op.drop_table("approvals")
    op.drop_table("budgets")
    op.drop_table("memberships")
    op.drop_table("users")
