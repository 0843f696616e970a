"""Pick provider implementations from settings.

Providers are data: adding one is adding an entry here. Each entry names a class
(imported lazily, so the offline path never imports the OpenAI or Replicate SDKs)
whose constructor takes the Settings.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from editing.config import Settings
from editing.errors import ConfigError
from editing.providers.base import AudioSynth, PromptEditor, VideoGenerator
from editing.storage.base import Storage

PROMPT_EDITORS: dict[str, str] = {
    "offline": "editing.providers.offline.editor:OfflinePromptEditor",
    "openai": "editing.providers.openai_editor:OpenAIPromptEditor",
}
VIDEO_GENERATORS: dict[str, str] = {
    "offline": "editing.providers.offline.procedural:ProceduralVideoGenerator",
    "replicate": "editing.providers.replicate.generator:ReplicateVideoGenerator",
}
AUDIO_SYNTHS: dict[str, str] = {
    "offline": "editing.providers.offline.audio:MusicBedSynth",
}
STORAGES: dict[str, str] = {
    "local": "editing.storage.local:LocalStorage",
    "s3": "editing.storage.s3:S3Storage",
}


def _build(table: dict[str, str], name: str, settings: Settings) -> Any:
    try:
        target = table[name]
    except KeyError:
        raise ConfigError(f"unknown provider {name!r}; choose one of {', '.join(table)}") from None
    module, _, attr = target.partition(":")
    return getattr(import_module(module), attr)(settings)


def prompt_editor(settings: Settings, name: str | None = None) -> PromptEditor:
    return _build(PROMPT_EDITORS, name or settings.active_prompt_editor, settings)


def video_generator(settings: Settings, name: str | None = None) -> VideoGenerator:
    return _build(VIDEO_GENERATORS, name or settings.active_video_generator, settings)


def audio_synth(settings: Settings, name: str = "offline") -> AudioSynth:
    return _build(AUDIO_SYNTHS, name, settings)


def storage(settings: Settings, name: str | None = None) -> Storage:
    return _build(STORAGES, name or settings.active_storage, settings)
