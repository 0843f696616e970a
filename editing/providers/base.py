"""The small interfaces every provider implements, and the values they exchange.

A provider never touches the database or storage: it turns inputs into outputs
and reports what they cost. The pipeline does the bookkeeping.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from editing.media.format import VideoFormat

#: Progress inside a step: (fraction 0..1 or None, short message).
StepProgress = Callable[[float | None, str], None]


@dataclass(frozen=True)
class PromptEdit:
    """Result of EditService.modify_scene_prompt (the seed's dict, plus cost)."""

    modified_prompt: str
    changes_summary: str
    cost: float = 0.0
    provider: str = ""
    usage: dict[str, int] = field(default_factory=dict)

    def as_seed_dict(self) -> dict[str, str]:
        return {"modified_prompt": self.modified_prompt, "changes_summary": self.changes_summary}


@runtime_checkable
class PromptEditor(Protocol):
    """Rewrites a scene prompt from a marketer's instruction."""

    name: str

    def modify_scene_prompt(
        self,
        original_prompt: str,
        edit_instruction: str,
        style_spec: dict[str, Any],
        scene_role: str,
        perfume_name: str,
    ) -> PromptEdit:
        """Return the full modified prompt and a 2-3 sentence summary.

        Raises:
            UnmappableInstructionError: (offline) nothing visual could be derived.
            ProviderError: the model failed or replied with garbage after one retry.
        """
        ...

    def screen(
        self, original_prompt: str, edit_instruction: str, style_spec: dict[str, Any], perfume_name: str
    ) -> None:
        """Refuse, for free and before anything is queued, an instruction this editor cannot use.

        Raises:
            InputError: (offline) nothing visual to change; a paid editor lets its model judge.
        """
        ...

    def estimate_cost(self, original_prompt: str, edit_instruction: str) -> float:
        """USD one rewrite is expected to cost, from the price table."""
        ...

    def check(self) -> str:
        """Cheap health check; returns a one-line status or raises ProviderError."""
        ...


@dataclass(frozen=True)
class SceneRequest:
    """What to generate for one scene."""

    prompt: str
    style_spec: dict[str, Any]
    duration: float
    role: str = "showcase"
    perfume_name: str = "Perfume"
    seed: int = 0
    fmt: VideoFormat = field(default_factory=VideoFormat)
    #: The campaign's product image (a local PNG or JPEG): the model starts from it when it takes an image.
    product_image: Path | None = None


@dataclass
class GeneratedScene:
    """A generated scene video on local disk (the caller owns and removes ``path``)."""

    path: Path
    cost: float
    provider: str
    prediction_id: str | None = None


@runtime_checkable
class VideoGenerator(Protocol):
    """Turns a scene prompt into a video file."""

    name: str
    #: Whether a recorded paid job (``resume_prediction_id``) can be picked up again by another process.
    can_resume: bool

    def generate(
        self,
        request: SceneRequest,
        workdir: Path,
        *,
        on_progress: StepProgress | None = None,
        on_submitted: Callable[[str], None] | None = None,
        resume_prediction_id: str | None = None,
    ) -> GeneratedScene:
        """Generate the scene into ``workdir``.

        ``on_submitted(prediction_id)`` is called once a paid job exists, before
        waiting on it, so the caller can record it; ``resume_prediction_id`` makes
        the generator wait on that job instead of creating a new one.

        Raises:
            ProviderError / ProviderTimeout / InvalidVideoError.
        """
        ...

    def estimate_cost(self, duration: float) -> float: ...

    def check(self) -> str: ...


@runtime_checkable
class AudioSynth(Protocol):
    """Makes the campaign's music bed."""

    name: str

    def synthesize(self, style_spec: dict[str, Any], duration: float, dst: Path) -> Path:
        """Write a seamless-looping audio bed (WAV) of ``duration`` seconds to ``dst``."""
        ...
