"""EditService keeps the seed's contract over whichever prompt editor is active."""

from __future__ import annotations

import pytest

from editing.config import Settings
from editing.errors import InputError
from editing.providers.offline.editor import OfflinePromptEditor
from editing.service import EditService
from tests.measure import BASE_PROMPT, PERFUME, STYLE


def test_modify_scene_prompt_returns_the_seed_dict() -> None:
    result = EditService(OfflinePromptEditor(Settings())).modify_scene_prompt(
        original_prompt=BASE_PROMPT,
        edit_instruction="Make brighter",
        style_spec=STYLE,
        scene_role="showcase",
        perfume_name=PERFUME,
    )
    assert set(result) == {"modified_prompt", "changes_summary"}
    assert "bright" in result["modified_prompt"].lower() and PERFUME in result["modified_prompt"]
    assert 1 <= result["changes_summary"].count(".") <= 4


@pytest.mark.parametrize("instruction", ["", "  \t", "x" * 2001])
def test_bad_instructions_are_refused_before_the_editor(instruction: str) -> None:
    with pytest.raises(InputError):
        EditService(OfflinePromptEditor(Settings())).modify_scene_prompt(
            BASE_PROMPT, instruction, STYLE, "showcase", PERFUME
        )


def test_create_edit_record_has_the_seed_fields() -> None:
    rec = EditService.create_edit_record(2, "slow motion", "before", "after", 0.21, 3)
    assert set(rec) == {"edit_id", "timestamp", "scene_index", "edit_prompt", "original_prompt",
                        "modified_prompt", "cost", "duration_seconds"}  # fmt: skip
    assert rec["timestamp"].endswith("Z") and rec["scene_index"] == 2 and rec["cost"] == 0.21
