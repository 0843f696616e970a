"""Local-filesystem storage under ATELIER_DATA_DIR/media (the offline default)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from editing.config import Settings
from editing.errors import StorageError
from editing.storage.base import Listed


class LocalStorage:
    """Write-once files under a root directory; URLs are local paths Streamlit can serve."""

    name = "local"

    def __init__(self, settings: Settings | None = None, *, root: Path | None = None) -> None:
        base = root if root is not None else (settings.media_dir if settings else Path(".atelier/media"))
        self.root = Path(base).resolve()

    def _path(self, key: str) -> Path:
        pure = PurePosixPath(key)
        if pure.is_absolute() or ".." in pure.parts or not key.strip():
            raise StorageError(f"invalid storage key {key!r}")
        return self.root.joinpath(*pure.parts)

    def put_file(self, key: str, src: Path, content_type: str = "video/mp4") -> None:
        dst = self._path(key)
        dst.parent.mkdir(parents=True, exist_ok=True)
        tmp = dst.with_name(f".{dst.name}.{os.getpid()}.part")
        try:
            shutil.copyfile(src, tmp)
            # os.link fails if dst exists: write-once without a check-then-act race.
            os.link(tmp, dst)
        except FileExistsError:
            raise StorageError(f"refusing to overwrite stored file {key}") from None
        except OSError as exc:
            raise StorageError(f"could not store {key}: {exc.strerror or exc}") from exc
        finally:
            tmp.unlink(missing_ok=True)

    def get_file(self, key: str, dst: Path) -> Path:
        src = self._path(key)
        try:
            shutil.copyfile(src, dst)
        except FileNotFoundError:
            raise StorageError(f"stored file {key} is missing") from None
        except OSError as exc:
            raise StorageError(f"could not read {key}: {exc.strerror or exc}") from exc
        return dst

    def local_path(self, key: str) -> Path:
        """Direct path of a stored file (no copy); local storage only."""
        return self._path(key)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def url(self, key: str, expires_s: int = 3600) -> str:
        return str(self._path(key))

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def list(self, prefix: str = "") -> Iterator[Listed]:
        if not self.root.is_dir():
            return
        for path in sorted(self.root.rglob("*")):
            if not path.is_file() or path.name.startswith("."):  # our own in-flight temp files
                continue
            key = path.relative_to(self.root).as_posix()
            if key.startswith(prefix):
                stat = path.stat()
                yield Listed(key, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))

    def check(self) -> str:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            # A unique probe file: concurrent checks (two tabs, the CLI) must not trip each other.
            with tempfile.NamedTemporaryFile(dir=self.root, prefix=".write-check-") as probe:
                probe.write(b"ok")
        except OSError as exc:
            raise StorageError(
                f"local storage at {self.root} is not writable: {exc.strerror or exc}"
            ) from exc
        free = shutil.disk_usage(self.root).free / 2**30
        return f"local files at {self.root} ({free:.1f} GiB free)"
