"""The Storage interface: where scene videos, final videos, thumbnails and audio live.

A key is a POSIX-style path relative to the store's root (the layout is in
:mod:`editing.storage.keys`). A stored key is never overwritten: a new scene or final
video gets a new key, so every earlier version stays playable.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Listed:
    """One stored object: its key, size and when it was written."""

    key: str
    size: int
    modified: datetime


@runtime_checkable
class Storage(Protocol):
    """Where scene videos, final videos, thumbnails and audio live."""

    name: str

    def put_file(self, key: str, src: Path, content_type: str = "video/mp4") -> None:
        """Store ``src`` under ``key``.

        Raises:
            StorageError: the key already exists (keys are write-once) or the write failed.
        """
        ...

    def get_file(self, key: str, dst: Path) -> Path:
        """Copy the object to local ``dst`` (the caller removes it).

        Raises:
            StorageError: missing key or read failure.
        """
        ...

    def exists(self, key: str) -> bool: ...

    def url(self, key: str, expires_s: int = 3600) -> str:
        """A URL or local path the browser (st.video / st.image) can play."""
        ...

    def delete(self, key: str) -> None: ...

    def list(self, prefix: str = "") -> Iterator[Listed]:
        """Every stored object whose key starts with ``prefix``.

        Raises:
            StorageError: the store cannot be listed.
        """
        ...

    def check(self) -> str:
        """One-line status; raises StorageError when the store is unusable."""
        ...
