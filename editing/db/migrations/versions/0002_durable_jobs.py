"""Durable edit jobs: Procrastinate's schema, queued edits, leases, progress, idempotency, file integrity.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op
from procrastinate.schema import SchemaManager

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(14, 6)
ACTIVE = "status IN ('queued', 'running')"


def upgrade() -> None:
    # Procrastinate 3.10's own schema (its jobs, workers and events tables and functions),
    # applied by Alembic like everything else; later Procrastinate versions add migrations here.
    # Several statements with no parameters: psycopg runs them with the simple query protocol, on
    # the migration's own connection and transaction.
    op.get_bind().connection.driver_connection.execute(SchemaManager.get_schema())
    _edit_history_columns()
    op.drop_constraint("ck_edit_history_status", "edit_history", type_="check")
    op.create_check_constraint(
        "ck_edit_history_status", "edit_history", "status IN ('queued', 'running', 'completed', 'failed')"
    )
    # One queued or running edit per scene: a second one is refused before anything is spent.
    op.create_index(
        "uq_edit_history_active_scene",
        "edit_history",
        ["campaign_id", "variation", "scene_index"],
        unique=True,
        postgresql_where=sa.text(ACTIVE),
    )
    op.create_index(
        "uq_edit_history_idempotency_key",
        "edit_history",
        ["idempotency_key"],
        unique=True,
        postgresql_where=sa.text("idempotency_key IS NOT NULL"),
    )
    op.create_index("ix_edit_history_active", "edit_history", ["status"], postgresql_where=sa.text(ACTIVE))
    op.create_table(
        "stored_files",
        sa.Column("key", sa.Text(), primary_key=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("size >= 0", name="ck_stored_files_size"),
    )


def _edit_history_columns() -> None:
    for column in _new_edit_history_columns():
        op.add_column("edit_history", column)


def _new_edit_history_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("variation", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("job_id", sa.BigInteger()),
        sa.Column("idempotency_key", sa.String(200)),
        sa.Column("lease_key", sa.BigInteger()),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("progress_step", sa.String(40)),
        sa.Column("progress_fraction", sa.Float()),
        sa.Column("progress_message", sa.Text()),
        sa.Column("progress_at", sa.DateTime(timezone=True)),
        sa.Column("estimated_cost", MONEY),
        sa.Column("estimated_seconds", sa.Numeric(10, 3)),
    ]


def downgrade() -> None:
    op.drop_table("stored_files")
    op.drop_index("ix_edit_history_active", table_name="edit_history")
    op.drop_index("uq_edit_history_idempotency_key", table_name="edit_history")
    op.drop_index("uq_edit_history_active_scene", table_name="edit_history")
    op.execute("DELETE FROM edit_history WHERE status = 'queued'")
    op.drop_constraint("ck_edit_history_status", "edit_history", type_="check")
    op.create_check_constraint(
        "ck_edit_history_status", "edit_history", "status IN ('running', 'completed', 'failed')"
    )
    for column in reversed(_new_edit_history_columns()):
        op.drop_column("edit_history", column.name)
    for table in (
        "procrastinate_events",
        "procrastinate_periodic_defers",
        "procrastinate_jobs",
        "procrastinate_workers",
    ):
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
    op.execute(
        "DO $$ DECLARE r record; BEGIN "
        "FOR r IN SELECT p.oid::regprocedure AS f FROM pg_proc p WHERE p.proname LIKE 'procrastinate%' "
        "LOOP EXECUTE 'DROP FUNCTION IF EXISTS ' || r.f || ' CASCADE'; END LOOP; "
        "FOR r IN SELECT t.typname FROM pg_type t "
        "WHERE t.typname LIKE 'procrastinate%' AND t.typtype IN ('e', 'c') "
        "LOOP EXECUTE 'DROP TYPE IF EXISTS ' || r.typname || ' CASCADE'; END LOOP; END $$"
    )
