"""The process-wide handle on Atelier: settings, database, storage and providers.

Built once (the app caches it with st.cache_resource, the CLI per command); each
action then opens its own short ``with ctx.db.Session.begin()`` transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from editing.config import Settings, load_settings
from editing.db.engine import Database, open_database
from editing.media import VideoFormat
from editing.providers import registry
from editing.providers.base import AudioSynth, PromptEditor, VideoGenerator
from editing.storage.base import Storage


@dataclass
class Atelier:
    settings: Settings
    db: Database
    storage: Storage
    _cache: dict[str, object] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, settings: Settings | None = None) -> Atelier:
        """Connect to the database (migrating it) and pick the storage backend."""
        settings = settings or load_settings()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        db = open_database(settings)
        return cls(settings=settings, db=db, storage=registry.storage(settings))

    @cached_property
    def video_format(self) -> VideoFormat:
        s = self.settings
        return VideoFormat(width=s.video_width, height=s.video_height, fps=s.video_fps)

    def prompt_editor(self, name: str | None = None) -> PromptEditor:
        key = f"editor:{name or self.settings.active_prompt_editor}"
        if key not in self._cache:
            self._cache[key] = registry.prompt_editor(self.settings, name)
        return self._cache[key]  # type: ignore[return-value]

    def video_generator(self, name: str | None = None) -> VideoGenerator:
        key = f"video:{name or self.settings.active_video_generator}"
        if key not in self._cache:
            self._cache[key] = registry.video_generator(self.settings, name)
        return self._cache[key]  # type: ignore[return-value]

    def audio_synth(self) -> AudioSynth:
        if "audio" not in self._cache:
            self._cache["audio"] = registry.audio_synth(self.settings)
        return self._cache["audio"]  # type: ignore[return-value]

    def close(self) -> None:
        self.db.dispose()
