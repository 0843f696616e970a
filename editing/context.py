"""The process-wide handle on Atelier: settings, database, storage and providers.

Built once (the app caches it with st.cache_resource, the CLI and workers per process);
each action then opens its own short ``with ctx.db.Session.begin()`` transaction. What
every entry point does on start (migrations, closing interrupted edits, the demo) is
:func:`editing.startup.startup`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar, cast

from editing.config import Settings, load_settings
from editing.db.engine import Database, open_database
from editing.jobs.lease import Leases
from editing.media import VideoFormat
from editing.providers import registry
from editing.providers.base import AudioSynth, PromptEditor, VideoGenerator
from editing.storage import registry as storage_registry
from editing.storage.base import Storage
from editing.storage.integrity import Vault

T = TypeVar("T")


@dataclass
class Atelier:
    settings: Settings
    db: Database
    storage: Storage
    _providers: dict[str, object] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, settings: Settings | None = None, *, migrate: bool = True) -> Atelier:
        """Connect to the database (bringing its schema to head) and pick the storage backend.

        Raises:
            ConfigError: the settings name an unknown provider, or the database is unreachable.
        """
        settings = settings or load_settings()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        storage = storage_registry.storage(settings)
        registry.import_clients(settings)  # an unknown provider is a settings error, now
        return cls(settings=settings, db=open_database(settings, run_migrations=migrate), storage=storage)

    @cached_property
    def vault(self) -> Vault:
        """The storage, recording each stored file's size and SHA-256."""
        return Vault(self.storage, self.db)

    @cached_property
    def leases(self) -> Leases:
        """This process's edit leases (one dedicated database connection, opened on first use)."""
        return Leases(self.db.conninfo)

    @cached_property
    def video_format(self) -> VideoFormat:
        s = self.settings
        return VideoFormat(width=s.video_width, height=s.video_height, fps=s.video_fps)

    def _cached(self, key: str, make: Callable[[], T]) -> T:
        if key not in self._providers:
            self._providers[key] = make()
        return cast(T, self._providers[key])

    def prompt_editor(self, name: str | None = None) -> PromptEditor:
        name = name or self.settings.active_prompt_editor
        return self._cached(f"editor:{name}", lambda: registry.prompt_editor(self.settings, name))

    def video_generator(self, name: str | None = None) -> VideoGenerator:
        name = name or self.settings.active_video_generator
        return self._cached(f"video:{name}", lambda: registry.video_generator(self.settings, name))

    def audio_synth(self) -> AudioSynth:
        return self._cached("audio", lambda: registry.audio_synth(self.settings))

    def close(self) -> None:
        if "leases" in self.__dict__:
            self.leases.close()
        self.db.dispose()
