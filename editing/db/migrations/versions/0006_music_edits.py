"""Music changes are edits: the edit method ``music`` (an uploaded music bed, recorded at $0).

A music change is a campaign-level edit: its row has ``scene_index`` -1 (no scene), which only
music rows may have.

Revision ID: 0006
Revises: 0005 (the spend rollups; it only widens a check constraint)
Create Date: 2026-11-30
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_OLD = "method IN ('regenerate', 'adjust', 'revert', 'upload')"
_NEW = "method IN ('regenerate', 'adjust', 'revert', 'upload', 'music')"
_OLD_SCENE = "scene_index >= 0"
_NEW_SCENE = "scene_index >= 0 OR (method = 'music' AND scene_index = -1)"


def upgrade() -> None:
    op.drop_constraint("ck_edit_history_method", "edit_history", type_="check")
    op.create_check_constraint("ck_edit_history_method", "edit_history", _NEW)
    op.drop_constraint("ck_edit_history_scene_index", "edit_history", type_="check")
    op.create_check_constraint("ck_edit_history_scene_index", "edit_history", _NEW_SCENE)


def downgrade() -> None:
    # The older schema has no edits of no scene: music changes go (their finals stay as versions).
    op.execute("DELETE FROM edit_history WHERE method = 'music'")
    op.drop_constraint("ck_edit_history_scene_index", "edit_history", type_="check")
    op.create_check_constraint("ck_edit_history_scene_index", "edit_history", _OLD_SCENE)
    op.drop_constraint("ck_edit_history_method", "edit_history", type_="check")
    op.create_check_constraint("ck_edit_history_method", "edit_history", _OLD)
