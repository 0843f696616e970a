"""Each stored file's size and SHA-256, recorded when it is written, and files checked against it.

:class:`Vault` is the storage the product writes through: every ``put`` records the
file's fingerprint in ``stored_files``. The final render checks each scene against its
record while copying it (``media.render_final(..., expected=...)``), ``python -m editing
verify`` checks every file a campaign references, and ``gc`` removes what nothing
references any more.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from editing.db.engine import Database
from editing.db.models import StoredFile
from editing.errors import AtelierError
from editing.storage.base import Storage
from editing.storage.local import LocalStorage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Fingerprint:
    size: int
    sha256: str


def fingerprint(path: Path) -> Fingerprint:
    """Size and SHA-256 of a local file."""
    with path.open("rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()
    return Fingerprint(path.stat().st_size, digest)


@dataclass
class Vault:
    """The storage, remembering the fingerprint of everything it stored."""

    storage: Storage
    db: Database

    def put(self, key: str, path: Path, content_type: str) -> Fingerprint:
        """Store ``path`` under ``key`` and record its size and SHA-256.

        Raises:
            StorageError: the key exists or the write failed.
        """
        fp = fingerprint(path)
        self.storage.put_file(key, path, content_type)
        with self.db.Session.begin() as session:
            session.execute(
                insert(StoredFile).values(key=key, size=fp.size, sha256=fp.sha256).on_conflict_do_nothing()
            )
        return fp

    def records(self, keys: Iterable[str]) -> dict[str, Fingerprint]:
        """The recorded fingerprint of each key that has one."""
        wanted = list(keys)
        if not wanted:
            return {}
        with self.db.Session() as session:
            rows = session.execute(
                select(StoredFile.key, StoredFile.size, StoredFile.sha256).where(StoredFile.key.in_(wanted))
            ).all()
        return {key: Fingerprint(size, sha) for key, size, sha in rows}

    def problem(self, key: str, recorded: Fingerprint | None) -> str | None:
        """What is wrong with a stored file (missing, resized, other bytes); None when fine.

        A file stored before fingerprints were recorded can only be checked for being there.
        """
        try:
            if recorded is None:
                return None if self.storage.exists(key) else "missing"
            if isinstance(self.storage, LocalStorage):
                path = self.storage.local_path(key)
                if not path.is_file():
                    return "missing"
                actual = fingerprint(path)
            else:
                with tempfile.TemporaryDirectory(prefix="atelier-verify-") as tmp:
                    actual = fingerprint(self.storage.get_file(key, Path(tmp) / "file"))
        except AtelierError as exc:
            return str(exc)
        if actual.size != recorded.size:
            return f"{actual.size} bytes, {recorded.size} when stored"
        if actual.sha256 != recorded.sha256:
            return "its bytes changed since it was stored (SHA-256 differs)"
        return None

    def forget(self, keys: Iterable[str]) -> None:
        """Drop the records of deleted files."""
        wanted = list(keys)
        if wanted:
            with self.db.Session.begin() as session:
                session.execute(delete(StoredFile).where(StoredFile.key.in_(wanted)))
