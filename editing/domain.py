"""The rules of an edit and the typed records that cross the page boundary.

campaign_json keeps the seed's shape::

    {"perfume_name": ..., "brand_name": ..., "style_spec": {lighting_direction, camera_style,
     mood_atmosphere, color_palette}, "audio_url": <storage key of the music bed>,
     "selected_variation_index": 0, "final_video_key": ..., "final_thumbnail_key": ...,
     "scenes": [{"scene_id", "role", "duration", "background_prompt", "edit_count",
                 "last_edited_at", "video_key", "thumbnail_key", "seed"}, ...],
     "variations": [{"scenes", "final_video_key", "final_thumbnail_key", "audio_url"}, ...]}

The top level mirrors the selected variation; ``variations`` (optional) holds each one's own
fields, and :mod:`editing.variations` is the one place that reads and writes them.

Edit history is not stored in campaign_json: the ``edit_history`` table is the single
source of truth and :func:`edit_history_summary` derives the seed's dict from it.

Every rule about what a request may be lives here, once: :class:`Instruction` is the
only way to turn typed text into an instruction, and whatever takes an ``Instruction``
knows it was checked. The records (SceneInfo, EditHistoryRecord: the seed's; the others
what the pages draw) are frozen dataclasses, never dicts read by string key.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from editing.config import NAME_MAX
from editing.errors import InputError

#: The longest edit instruction accepted (the UI, the CLI and every provider share it).
MAX_INSTRUCTION_CHARS = 2000
#: The most scenes a campaign may have.
MAX_SCENES = 20
#: The most variations a campaign may hold.
MAX_VARIATIONS = 10


# --- the rules of a request --------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    """A marketer's edit instruction that passed the checks: build it with :meth:`parse`."""

    text: str

    @classmethod
    def parse(cls, raw: str | Instruction | None) -> Instruction:
        """NFC-normalize, drop control and invisible formatting characters, trim, check the length.

        Line breaks and tabs are kept (they were typed); zero-width and bidi controls are not.

        Raises:
            InputError: empty once cleaned, or longer than MAX_INSTRUCTION_CHARS.
        """
        if isinstance(raw, Instruction):
            return raw
        text = unicodedata.normalize("NFC", raw or "")
        text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C").strip()
        if not text:
            raise InputError(
                "Edit instruction cannot be empty: describe what should change, e.g. 'make it brighter'"
            )
        if len(text) > MAX_INSTRUCTION_CHARS:
            raise InputError(
                f"Edit instruction is {len(text)} characters; the limit is {MAX_INSTRUCTION_CHARS}"
            )
        return cls(text)

    def __str__(self) -> str:
        return self.text


def validate_instruction(edit_instruction: str) -> str:
    """The cleaned instruction text (see :meth:`Instruction.parse`)."""
    return Instruction.parse(edit_instruction).text


#: What a rewritten prompt or summary must not hold: it is plain text for a video model and a
#: reader, never Markdown or HTML that fetches something (checked on every model reply).
_MARKUP = (
    (re.compile(r"!\[[^\]]*\]"), "a Markdown image"),
    (re.compile(r"\[[^\]]*\]\s*[(\[]"), "a Markdown link"),
    (re.compile(r"^\s*\[[^\]]+\]:\s*\S", re.M), "a Markdown link reference"),
    (re.compile(r"<\s*/?\s*[a-z!?][^>]*>", re.I), "HTML"),
    (re.compile(r"\b(?:https?|ftp|javascript|data|file|vbscript)\s*:", re.I), "a URL"),
    (re.compile(r"\bwww\.[a-z0-9-]+\.[a-z]", re.I), "a URL"),
    (re.compile(r"&(?:#x?[0-9a-f]+|[a-z]{2,8});", re.I), "an HTML entity"),
)


def markup_in(text: str) -> str | None:
    """What markup (image, link, HTML, URL, entity) ``text`` holds; None when it is plain text."""
    return next((what for pattern, what in _MARKUP if pattern.search(text)), None)


#: The longest scene prompt a person may write by hand (the rewrites of the models are shorter).
MAX_PROMPT_CHARS = 4000


def validate_prompt(raw: str | None) -> str:
    """A scene prompt written or corrected by hand: cleaned like an instruction, plain text.

    Raises:
        InputError: empty, longer than MAX_PROMPT_CHARS, or holding markup (links, HTML, URLs).
    """
    text = unicodedata.normalize("NFC", raw or "")
    text = " ".join("".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\n\t").split())
    if not text:
        raise InputError("The prompt cannot be empty: describe the scene the video model should make")
    if len(text) > MAX_PROMPT_CHARS:
        raise InputError(f"The prompt is {len(text)} characters; the limit is {MAX_PROMPT_CHARS}")
    if (what := markup_in(text)) is not None:
        raise InputError(f"The prompt holds {what}; a scene prompt is plain text")
    return text


def validate_scene_index(scene_index: int, scene_count: int) -> int:
    """Raises InputError unless 0 <= scene_index < scene_count (0-based, as in the seed)."""
    if isinstance(scene_index, bool) or not isinstance(scene_index, int):
        raise InputError(f"Scene index must be an integer, got {scene_index!r}")
    if scene_index < 0 or scene_index >= scene_count:
        last = scene_count - 1
        raise InputError(f"Scene index {scene_index} out of range: this campaign has scenes 0-{last}")
    return scene_index


def clean_name(value: str, what: str) -> str:
    """A campaign, brand, perfume or role name: trimmed, one line, at most NAME_MAX characters.

    Raises:
        InputError: empty, holding a line break, tab or control character, or too long
            (the message starts with ``what``).
    """
    text = value.strip()
    if not text:
        raise InputError(f"{what} is empty")
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise InputError(f"{what} must be one line of text (no line breaks, tabs or control characters)")
    if len(text) > NAME_MAX:
        raise InputError(f"{what} is {len(text)} characters; the limit is {NAME_MAX}")
    return text


def iso_utc(ts: datetime) -> str:
    """The seed's timestamp format: ISO 8601 in UTC with a trailing Z."""
    if ts.tzinfo is not None:
        ts = ts.astimezone(UTC).replace(tzinfo=None)
    return ts.isoformat(timespec="seconds") + "Z"


# --- the seed's records ---------------------------------------------------------------------------


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
    method: str = "regenerate"  # regenerate | adjust | revert | upload
    group_id: str | None = None  # the edits of one "edit all scenes"
    preview_id: str | None = None  # the preview it was made from (its tokens are the preview's spend)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


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


# --- what the pages draw ------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignSummary:
    """One campaign in a list: the pickers, `python -m editing campaigns`."""

    campaign_id: str
    name: str
    brand: str
    perfume: str
    status: str
    error_message: str | None
    scenes: int
    cost: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CampaignOverview:
    """Everything the editor page draws for one campaign, read in one transaction."""

    campaign_id: str
    name: str
    perfume_name: str
    brand_name: str
    style_spec: dict[str, Any]
    status: str
    error_message: str | None
    cost: float
    version: int
    final_video_url: str | None
    final_thumbnail_url: str | None
    scenes: tuple[SceneInfo, ...] = field(default_factory=tuple)
    variation: int = 0  # the variation shown
    variations: tuple[int, ...] = (0,)  # every variation's number
    selected_variation: int = 0  # the seed's selected_variation_index


@dataclass(frozen=True)
class HistoryRow:
    """One edit across campaigns, for the History table (newest first)."""

    record: EditHistoryRecord
    campaign_id: str
    campaign: str
    brand: str

    def to_dict(self) -> dict[str, Any]:
        extra = {"campaign_id": self.campaign_id, "campaign": self.campaign, "brand": self.brand}
        return {**self.record.to_dict(), **extra}


@dataclass(frozen=True)
class CampaignCost:
    """Edit spend of one campaign (failed edits that cost money included)."""

    campaign_id: str
    campaign: str
    brand: str
    edits: int
    failed_edits: int
    edit_cost: float
    avg_duration_s: float
    campaign_cost: float


@dataclass(frozen=True)
class CostSummary:
    """Spend per campaign and in total."""

    campaigns: tuple[CampaignCost, ...]

    @property
    def total_edit_cost(self) -> float:
        return round(sum(c.edit_cost for c in self.campaigns), 6)

    @property
    def total_edits(self) -> int:
        return sum(c.edits for c in self.campaigns)

    @property
    def total_failed_edits(self) -> int:
        return sum(c.failed_edits for c in self.campaigns)

    def to_dict(self) -> dict[str, Any]:
        return {
            "campaigns": [asdict(c) for c in self.campaigns],
            "total_edit_cost": self.total_edit_cost,
            "total_edits": self.total_edits,
            "total_failed_edits": self.total_failed_edits,
        }


@dataclass(frozen=True)
class HealthCheck:
    """Whether one provider (database, storage, prompt editor, video generator) answers."""

    kind: str
    provider: str
    ok: bool
    detail: str
    latency_ms: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
