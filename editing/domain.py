"""The seed's record shapes (SceneInfo, EditHistoryRecord) and campaign_json helpers.

campaign_json keeps the seed's shape::

    {"perfume_name": ..., "brand_name": ..., "style_spec": {lighting_direction, camera_style,
     mood_atmosphere, color_palette}, "audio_url": <storage key of the music bed>,
     "selected_variation_index": 0, "final_video_key": ..., "final_thumbnail_key": ...,
     "scenes": [{"scene_id", "role", "duration", "background_prompt", "edit_count",
                 "last_edited_at", "video_key", "thumbnail_key", "seed"}, ...]}

Edit history is not stored in campaign_json: the ``edit_history`` table is the single
source of truth and :func:`edit_history_summary` derives the seed's dict from it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from editing.errors import InputError

#: The longest edit instruction accepted (the UI, the CLI and every provider share it).
MAX_INSTRUCTION_CHARS = 2000


@dataclass(frozen=True)
class SceneInfo:
    """Scene information for the editing UI (the seed's SceneInfo)."""

    scene_index: int
    scene_id: int
    role: str
    duration: int
    background_prompt: str
    video_url: str
    thumbnail_url: str | None = None
    edit_count: int = 0
    last_edited_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class EditHistoryRecord:
    """One edit (the seed's EditHistoryRecord, plus what the table also knows)."""

    edit_id: str
    timestamp: str
    scene_index: int
    edit_prompt: str
    changes_summary: str | None
    cost: float
    duration_seconds: int  # whole seconds, rounded up, as the seed's int
    # Beyond the seed:
    elapsed_s: float = 0.0  # the same duration to the hundredth of a second
    status: str = "completed"
    original_prompt: str | None = None
    modified_prompt: str | None = None
    error: str | None = None
    user: str | None = None
    prompt_provider: str | None = None
    video_provider: str | None = None
    cost_breakdown: dict[str, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def iso_utc(ts: datetime) -> str:
    """The seed's timestamp format: ISO 8601 in UTC with a trailing Z."""
    if ts.tzinfo is not None:
        ts = ts.astimezone(UTC).replace(tzinfo=None)
    return ts.isoformat(timespec="seconds") + "Z"


def validate_instruction(edit_instruction: str) -> str:
    """Return the stripped instruction.

    Raises:
        InputError: empty, whitespace-only, or longer than MAX_INSTRUCTION_CHARS.
    """
    text = (edit_instruction or "").strip()
    if not text:
        raise InputError(
            "Edit instruction cannot be empty: describe what should change, e.g. 'make it brighter'"
        )
    if len(text) > MAX_INSTRUCTION_CHARS:
        raise InputError(f"Edit instruction is {len(text)} characters; the limit is {MAX_INSTRUCTION_CHARS}")
    return text


def validate_scene_index(scene_index: int, scene_count: int) -> int:
    """Raises InputError unless 0 <= scene_index < scene_count (0-based, as in the seed)."""
    if isinstance(scene_index, bool) or not isinstance(scene_index, int):
        raise InputError(f"Scene index must be an integer, got {scene_index!r}")
    if scene_index < 0 or scene_index >= scene_count:
        last = scene_count - 1
        raise InputError(f"Scene index {scene_index} out of range: this campaign has scenes 0-{last}")
    return scene_index


def edit_history_summary(records: list[EditHistoryRecord]) -> dict[str, Any]:
    """The seed's ``edit_history`` dict, derived from the edit_history table's rows.

    ``edits`` and ``edit_count`` cover completed edits (the ones that changed the campaign);
    ``total_edit_cost`` is what every attempt cost, failed ones included: no cent is hidden.
    """
    completed = [r for r in records if r.status == "completed"]
    return {
        "edits": [r.to_dict() for r in completed],
        "total_edit_cost": round(sum(r.cost for r in records), 6),
        "edit_count": len(completed),
    }
