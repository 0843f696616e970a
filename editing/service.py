"""EditService: the seed's prompt-rewriting service, over whichever PromptEditor is active."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from editing.config import Settings, load_settings
from editing.domain import Instruction, iso_utc
from editing.providers import registry
from editing.providers.base import PromptEdit, PromptEditor

log = logging.getLogger(__name__)


class EditService:
    """Service for editing campaign scenes via prompt modifications (seed: edit_service.py).

    Built the seed's way, ``EditService(openai_api_key=key)`` (the OpenAI editor with that
    key) or ``EditService()`` (the editor the settings choose), or with an editor object,
    as the pipeline does.
    """

    def __init__(
        self,
        editor: PromptEditor | None = None,
        *,
        openai_api_key: str | None = None,
        settings: Settings | None = None,
    ) -> None:
        if editor is None:
            settings = settings or load_settings()
            if openai_api_key:
                settings = settings.model_copy(
                    update={"openai_api_key": openai_api_key, "prompt_editor": "openai"}
                )
            editor = registry.prompt_editor(settings)
        self.editor = editor

    def modify_prompt(
        self,
        original_prompt: str,
        instruction: Instruction,
        style_spec: dict[str, Any],
        scene_role: str,
        perfume_name: str,
    ) -> PromptEdit:
        """Like :meth:`modify_scene_prompt`, for an instruction already checked, returning cost and usage."""
        log.info("modifying scene prompt - role: %s, edit: %r", scene_role, instruction.text[:80])
        return self.editor.modify_scene_prompt(
            original_prompt=original_prompt,
            edit_instruction=instruction.text,
            style_spec=style_spec,
            scene_role=scene_role,
            perfume_name=perfume_name,
        )

    def modify_scene_prompt(
        self,
        original_prompt: str,
        edit_instruction: str,
        style_spec: dict[str, Any],
        scene_role: str,
        perfume_name: str,
    ) -> dict[str, str]:
        """The seed's contract: ``{"modified_prompt": ..., "changes_summary": ...}``.

        Raises:
            InputError: empty or over-long instruction, or (offline) nothing visual to change.
            ProviderError: the model failed or replied with garbage.
        """
        instruction = Instruction.parse(edit_instruction)
        return self.modify_prompt(
            original_prompt, instruction, style_spec, scene_role, perfume_name
        ).as_seed_dict()

    @staticmethod
    def create_edit_record(
        scene_index: int,
        edit_prompt: str,
        original_prompt: str,
        modified_prompt: str,
        cost: float,
        duration_seconds: float,
    ) -> dict[str, Any]:
        """The seed's edit record dict (the pipeline stores it as an edit_history row)."""
        return {
            "edit_id": str(uuid.uuid4()),
            "timestamp": iso_utc(datetime.now(UTC)),
            "scene_index": scene_index,
            "edit_prompt": edit_prompt,
            "original_prompt": original_prompt,
            "modified_prompt": modified_prompt,
            "cost": cost,
            "duration_seconds": duration_seconds,
        }
