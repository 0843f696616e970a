"""Pick provider implementations from settings.

Providers are data: adding one is adding an entry here. Each entry is a factory that
takes the Settings and imports its module only when called, so the offline path never
imports the OpenAI or Replicate SDKs, and go-to-definition leads to the class.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from editing.config import Settings
from editing.errors import ConfigError
from editing.providers.base import AudioSynth, PromptEditor, VideoGenerator

T = TypeVar("T")
Factory = Callable[[Settings], T]


def _offline_editor(settings: Settings) -> PromptEditor:
    from editing.providers.offline.editor import OfflinePromptEditor

    return OfflinePromptEditor(settings)


def _openai_editor(settings: Settings) -> PromptEditor:
    from editing.providers.openai_editor import OpenAIPromptEditor

    return OpenAIPromptEditor(settings)


def _procedural_generator(settings: Settings) -> VideoGenerator:
    from editing.providers.offline.procedural import ProceduralVideoGenerator

    return ProceduralVideoGenerator(settings)


def _replicate_generator(settings: Settings) -> VideoGenerator:
    from editing.providers.replicate.generator import ReplicateVideoGenerator

    return ReplicateVideoGenerator(settings)


def _music_bed(settings: Settings) -> AudioSynth:
    from editing.providers.offline.audio import MusicBedSynth

    return MusicBedSynth(settings)


PROMPT_EDITORS: dict[str, Factory[PromptEditor]] = {"offline": _offline_editor, "openai": _openai_editor}
VIDEO_GENERATORS: dict[str, Factory[VideoGenerator]] = {
    "offline": _procedural_generator,
    "replicate": _replicate_generator,
}
AUDIO_SYNTHS: dict[str, Factory[AudioSynth]] = {"offline": _music_bed}


def build(table: dict[str, Factory[T]], name: str, settings: Settings, kind: str, variable: str = "") -> T:
    """The implementation named ``name`` in ``table`` (``variable``: the setting that named it).

    Raises:
        ConfigError: no such name.
    """
    factory = table.get(name)
    if factory is None:
        where = f"{variable}={name}: " if variable else ""
        raise ConfigError(f"{where}unknown {kind} {name!r}; choose one of auto, {', '.join(table)}")
    return factory(settings)


def prompt_editor(settings: Settings, name: str | None = None) -> PromptEditor:
    variable = "" if name else "ATELIER_PROMPT_EDITOR"
    return build(PROMPT_EDITORS, name or settings.active_prompt_editor, settings, "prompt editor", variable)


def video_generator(settings: Settings, name: str | None = None) -> VideoGenerator:
    variable = "" if name else "ATELIER_VIDEO_GENERATOR"
    return build(
        VIDEO_GENERATORS, name or settings.active_video_generator, settings, "video generator", variable
    )


def audio_synth(settings: Settings, name: str = "offline") -> AudioSynth:
    return build(AUDIO_SYNTHS, name, settings, "audio synth")


def import_clients(settings: Settings) -> None:
    """Import the active providers' client libraries now, on one thread.

    Several worker threads importing httpx (through openai or replicate) at once can see a
    partially initialized module; importing before any worker starts avoids it.
    """
    prompt_editor(settings)
    video_generator(settings)
    if settings.active_prompt_editor == "openai":
        import openai  # noqa: F401
    if settings.active_video_generator == "replicate":
        import replicate  # noqa: F401
