"""Pick the storage backend from settings (local files, or S3 when a bucket is set)."""

from __future__ import annotations

from editing.config import Settings
from editing.providers.registry import Factory, build
from editing.storage.base import Storage


def _local(settings: Settings) -> Storage:
    from editing.storage.local import LocalStorage

    return LocalStorage(settings)


def _s3(settings: Settings) -> Storage:
    from editing.storage.s3 import S3Storage

    return S3Storage(settings)


STORAGES: dict[str, Factory[Storage]] = {"local": _local, "s3": _s3}


def storage(settings: Settings, name: str | None = None) -> Storage:
    return build(STORAGES, name or settings.active_storage, settings, "storage")
