"""Scene and final versions (back-filled from the edit history), previews, the edit method and plan.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(14, 6)
UUID = postgresql.UUID(as_uuid=True)


def _campaign_fk() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("campaign_id", UUID, sa.ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.add_column(
        "edit_history", sa.Column("method", sa.String(20), nullable=False, server_default="regenerate")
    )
    op.add_column("edit_history", sa.Column("group_id", UUID))
    op.add_column("edit_history", sa.Column("preview_id", UUID))
    op.add_column("edit_history", sa.Column("plan", postgresql.JSONB()))
    op.create_table(
        "scene_versions",
        sa.Column("id", UUID, primary_key=True),
        _campaign_fk(),
        sa.Column("variation", sa.Integer(), nullable=False),
        sa.Column("scene_index", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("video_key", sa.Text(), nullable=False),
        sa.Column("thumbnail_key", sa.Text()),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("duration", sa.Float(), nullable=False),
        sa.Column("method", sa.String(20), nullable=False),
        sa.Column("source_version", sa.Integer()),
        sa.Column("edit_id", UUID),
        sa.Column("cost", MONEY, nullable=False, server_default="0"),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("campaign_id", "variation", "scene_index", "version"),
    )
    op.create_table(
        "final_versions",
        sa.Column("id", UUID, primary_key=True),
        _campaign_fk(),
        sa.Column("variation", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("video_key", sa.Text(), nullable=False),
        sa.Column("thumbnail_key", sa.Text()),
        sa.Column("edit_id", UUID),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("campaign_id", "variation", "version"),
    )
    op.create_table(
        "previews",
        sa.Column("id", UUID, primary_key=True),
        _campaign_fk(),
        sa.Column("variation", sa.Integer(), nullable=False),
        sa.Column("scene_index", sa.Integer(), nullable=False),
        sa.Column("instruction", sa.Text(), nullable=False),
        sa.Column("original_prompt", sa.Text(), nullable=False),
        sa.Column("modified_prompt", sa.Text(), nullable=False),
        sa.Column("changes_summary", sa.Text(), nullable=False),
        sa.Column("prompt_provider", sa.String(50), nullable=False),
        sa.Column("cost", MONEY, nullable=False, server_default="0"),
        sa.Column("user_name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("used_by_edit_id", UUID),
        sa.Column("error", sa.Text()),
    )
    op.create_check_constraint(
        "ck_edit_history_method", "edit_history", "method IN ('regenerate', 'adjust', 'revert', 'upload')"
    )
    _backfill()


# Every existing campaign's scene versions, from its edit history: the file before the first
# completed edit is version 1 ('original'), each completed edit adds the file it made. Finals alike.
_SCENES = """
WITH edits AS (
    SELECT e.campaign_id, e.variation, e.scene_index, e.timestamp, e.edit_id, e.scene_key_before,
           e.scene_key_after, e.original_prompt, e.modified_prompt, e.cost, e.user_name,
           row_number() OVER (PARTITION BY e.campaign_id, e.variation, e.scene_index
                              ORDER BY e.timestamp) AS n
    FROM edit_history e WHERE e.status = 'completed' AND e.scene_key_after IS NOT NULL
), scenes AS (
    SELECT c.id AS campaign_id, c.created_at, (s.idx - 1)::int AS scene_index, s.doc,
           COALESCE((c.campaign_json->>'selected_variation_index')::int, 0) AS variation
    FROM campaigns c, jsonb_array_elements(c.campaign_json->'scenes') WITH ORDINALITY AS s(doc, idx)
)
INSERT INTO scene_versions (id, campaign_id, variation, scene_index, version, video_key, thumbnail_key,
                            prompt, duration, method, edit_id, cost, created_by, created_at)
SELECT gen_random_uuid(), s.campaign_id, s.variation, s.scene_index, 1,
       COALESCE(first.scene_key_before, s.doc->>'video_key'),
       regexp_replace(COALESCE(first.scene_key_before, s.doc->>'video_key'), '\\.[^.]*$', '') || '_thumb.jpg',
       COALESCE(first.original_prompt, s.doc->>'background_prompt', ''),
       COALESCE((s.doc->>'duration')::float, 4), 'original', NULL, 0, 'atelier', s.created_at
FROM scenes s LEFT JOIN edits first
  ON first.campaign_id = s.campaign_id AND first.scene_index = s.scene_index AND first.n = 1
UNION ALL
SELECT gen_random_uuid(), e.campaign_id, e.variation, e.scene_index, e.n + 1, e.scene_key_after,
       regexp_replace(e.scene_key_after, '\\.[^.]*$', '') || '_thumb.jpg', COALESCE(e.modified_prompt, ''),
       COALESCE((s.doc->>'duration')::float, 4), 'regenerate', e.edit_id, e.cost, e.user_name, e.timestamp
FROM edits e JOIN scenes s ON s.campaign_id = e.campaign_id AND s.scene_index = e.scene_index
"""

_FINALS = """
WITH edits AS (
    SELECT e.campaign_id, e.variation, e.timestamp, e.edit_id, e.final_key_before, e.final_key_after,
           e.user_name, row_number() OVER (PARTITION BY e.campaign_id, e.variation ORDER BY e.timestamp) AS n
    FROM edit_history e WHERE e.status = 'completed' AND e.final_key_after IS NOT NULL
)
INSERT INTO final_versions (id, campaign_id, variation, version, video_key, thumbnail_key, edit_id,
                            created_by, created_at)
SELECT gen_random_uuid(), c.id, COALESCE((c.campaign_json->>'selected_variation_index')::int, 0), 1,
       COALESCE(first.final_key_before, c.campaign_json->>'final_video_key'),
       regexp_replace(COALESCE(first.final_key_before, c.campaign_json->>'final_video_key'), '\\.[^.]*$', '')
           || '_thumb.jpg',
       NULL, 'atelier', c.created_at
FROM campaigns c LEFT JOIN edits first ON first.campaign_id = c.id AND first.n = 1
WHERE COALESCE(first.final_key_before, c.campaign_json->>'final_video_key') IS NOT NULL
UNION ALL
SELECT gen_random_uuid(), e.campaign_id, e.variation, e.n + 1, e.final_key_after,
       regexp_replace(e.final_key_after, '\\.[^.]*$', '') || '_thumb.jpg', e.edit_id, e.user_name, e.timestamp
FROM edits e
"""


def _backfill() -> None:
    op.execute(_SCENES)
    op.execute(_FINALS)


def downgrade() -> None:
    op.drop_constraint("ck_edit_history_method", "edit_history", type_="check")
    op.drop_table("previews")
    op.drop_table("final_versions")
    op.drop_table("scene_versions")
    for name in ("plan", "preview_id", "group_id", "method"):
        op.drop_column("edit_history", name)
