"""Where an imported campaign comes from: a folder, a zip or an S3 prefix, all read the same way.

A source lists its files (name → size; names relative to its root, "/"-separated) and gives a
local copy of each file an import reads, in a staging directory that goes when the import ends.
A zip is checked whole before anything is unpacked (no absolute or ``..`` names, no links, no
encryption, no name twice, unpacked size under ATELIER_IMPORT_MAX_MB, packing ratio under
ATELIER_IMPORT_MAX_RATIO) and unpacked under the same caps counted on the bytes actually read,
so a header that lies does not help a zip bomb.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import IO, NoReturn, Protocol

from editing.config import Settings
from editing.errors import CampaignImportError
from editing.storage.s3 import S3Storage, S3UrlError, parse_s3_url
from editing.transfer.layout import MAX_DEPTH, MAX_FILES

MB = 2**20
#: Members smaller than this are not judged by their packing ratio (a campaign.json packs 5-10x).
RATIO_FLOOR = MB
_CHUNK = MB
_DRIVE = re.compile(r"^[A-Za-z]:")


class Source(Protocol):
    """A folder, zip or S3 prefix holding one campaign."""

    where: str  # how messages name it

    def sizes(self) -> Mapping[str, int]:
        """Every file, by its name relative to the source's root, with its size in bytes."""
        ...

    def local(self, name: str) -> Path:
        """A local file holding the bytes of ``name``.

        Raises:
            CampaignImportError: it cannot be read as it was listed.
        """
        ...


@contextmanager
def open_source(settings: Settings, spec: str | Path, *, where: str | None = None) -> Iterator[Source]:
    """The source ``spec`` names: ``s3://bucket/prefix/``, a folder, or a zip file.

    Raises:
        CampaignImportError: it does not exist, is not a zip, or the zip is unsafe.
    """
    settings.tmp_dir.mkdir(parents=True, exist_ok=True)
    text = str(spec).strip()
    shown = where or text
    with tempfile.TemporaryDirectory(dir=settings.tmp_dir, prefix="import-source-") as tmp:
        staging = Path(tmp)
        if isinstance(spec, str) and text.lower().startswith("s3://"):
            yield S3Source(text, settings, staging)
            return
        path = Path(text).expanduser()
        if path.is_dir():
            yield FolderSource(path, shown)
        elif path.is_file():
            with ZipSource.opened(path, shown, staging, settings) as source:
                yield source
        else:
            raise CampaignImportError(
                f"{shown} does not exist (give a folder, a .zip or s3://bucket/prefix/)"
            )


def unsafe(name: str) -> bool:
    """A name that could land outside the directory it is unpacked in (absolute, ``..``, a drive)."""
    pure = PurePosixPath(name)
    return (
        not name
        or name.startswith("/")
        or "\\" in name
        or "\x00" in name
        or bool(_DRIVE.match(name))
        or ".." in pure.parts
    )


def _staged(staging: Path, name: str, where: str) -> Path:
    if unsafe(name):
        raise CampaignImportError(f"{where} holds an unsafe path {name[:200]!r}: refused")
    dst = staging.joinpath(*PurePosixPath(name).parts)
    dst.parent.mkdir(parents=True, exist_ok=True)
    return dst


# --- a folder ------------------------------------------------------------------------------------


class FolderSource:
    """A campaign's files in a local folder (read in place; links and special files are refused)."""

    def __init__(self, root: Path, where: str) -> None:
        self.root = root
        self.where = where
        self._sizes: dict[str, int] | None = None
        self._refused: dict[str, str] = {}  # name -> why it is not read

    def sizes(self) -> Mapping[str, int]:
        if self._sizes is None:
            self._sizes = self._walk()
        return self._sizes

    def _walk(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for folder, dirs, files in os.walk(self.root):  # never follows a linked folder
            rel = Path(folder).relative_to(self.root)
            if len(rel.parts) >= MAX_DEPTH + 3:  # campaign.json's depth + variations/variation_N/draft
                dirs.clear()
            for file in files:
                name = (rel / file).as_posix()
                info = os.lstat(Path(folder) / file)
                if stat.S_ISLNK(info.st_mode):
                    self._refused[name] = "is a symbolic link"
                elif not stat.S_ISREG(info.st_mode):
                    self._refused[name] = "is not a regular file"  # a pipe or a device would never end
                found[name] = info.st_size
                if len(found) > MAX_FILES:
                    raise CampaignImportError(
                        f"{self.where} holds more than {MAX_FILES:,} files: not one campaign"
                    )
        return found

    def local(self, name: str) -> Path:
        if name in self._refused:
            raise CampaignImportError(f"{name} in {self.where} {self._refused[name]}: refused")
        return self.root.joinpath(*PurePosixPath(name).parts)


# --- a zip ---------------------------------------------------------------------------------------


class ZipSource:
    """A campaign in a zip file, checked whole on opening and unpacked file by file on demand."""

    def __init__(self, archive: zipfile.ZipFile, where: str, staging: Path, settings: Settings) -> None:
        self.where = where
        self._zip = archive
        self._staging = staging
        self._max_bytes = settings.import_max_mb * MB
        self._max_ratio = settings.import_max_ratio
        self._read = 0
        self._members = {i.filename: i for i in archive.infolist() if not i.is_dir()}
        self._check(archive.infolist())

    @classmethod
    @contextmanager
    def opened(cls, path: Path, where: str, staging: Path, settings: Settings) -> Iterator[ZipSource]:
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise CampaignImportError(f"{where} is not a readable zip file ({exc})") from None
        with archive:
            yield cls(archive, where, staging, settings)

    def _check(self, infos: list[zipfile.ZipInfo]) -> None:
        """Refuse the whole zip for one bad member, before anything is unpacked."""
        if len(infos) > MAX_FILES:
            self._refuse(f"holds {len(infos):,} entries, more than {MAX_FILES:,}: not one campaign")
        seen: set[str] = set()
        for info in infos:
            name = info.filename
            if unsafe(name):
                self._refuse(f"holds an unsafe path {name[:200]!r} (absolute, or climbing out with '..')")
            if stat.S_ISLNK(info.external_attr >> 16):
                self._refuse(f"holds a symbolic link ({name})")
            if info.flag_bits & 0x1:
                self._refuse(f"holds an encrypted file ({name})")
            if name in seen:
                self._refuse(f"holds {name} twice")
            seen.add(name)
            if info.file_size >= RATIO_FLOOR:
                self._check_ratio(f"holds {name}, which unpacks", info.file_size, info.compress_size)
        unpacked = sum(i.file_size for i in infos)
        if unpacked > self._max_bytes:
            self._refuse(
                f"unpacks to {unpacked / MB:,.1f} MB, over the import limit of {self._max_bytes / MB:.0f} MB "
                "(ATELIER_IMPORT_MAX_MB): refused as a possible zip bomb"
            )
        if unpacked >= RATIO_FLOOR:
            self._check_ratio("unpacks", unpacked, sum(i.compress_size for i in infos))

    def _check_ratio(self, what: str, unpacked: int, packed: int) -> None:
        ratio = unpacked / max(packed, 1)
        if ratio > self._max_ratio:
            self._refuse(
                f"{what} to {ratio:,.0f} times its packed size (the limit is {self._max_ratio}, "
                "ATELIER_IMPORT_MAX_RATIO): refused as a possible zip bomb"
            )

    def _refuse(self, why: str) -> NoReturn:
        raise CampaignImportError(f"{self.where} {why}")

    def sizes(self) -> Mapping[str, int]:
        return {name: info.file_size for name, info in self._members.items()}

    def local(self, name: str) -> Path:
        info = self._members[name]
        dst = _staged(self._staging, name, self.where)
        try:
            with self._zip.open(info) as src, dst.open("wb") as out:
                while chunk := src.read(_CHUNK):
                    self._read += len(chunk)
                    if out.tell() + len(chunk) > info.file_size or self._read > self._max_bytes:
                        self._refuse(
                            f"unpacks to more than it declares ({name}): refused as a possible zip bomb"
                        )
                    out.write(chunk)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise CampaignImportError(f"{name} in {self.where} cannot be unpacked: {exc}") from None
        return dst


# --- an S3 prefix --------------------------------------------------------------------------------


class S3Source:
    """A campaign under an S3 prefix, read with the configured credentials (AWS_REGION, AWS_ENDPOINT_URL)."""

    def __init__(self, url: str, settings: Settings, staging: Path) -> None:
        self.where = url
        bucket, self.prefix = _parse_prefix(url)
        self._store = S3Storage(settings.model_copy(update={"s3_bucket_name": bucket}))
        self._staging = staging
        self._sizes: dict[str, int] | None = None

    def sizes(self) -> Mapping[str, int]:
        """Every object under the prefix.

        Raises:
            CampaignImportError: nothing there (no such prefix), or too many objects.
            StorageError: the bucket is missing, the credentials are refused, S3 is unreachable.
        """
        if self._sizes is None:
            found: dict[str, int] = {}
            for obj in self._store.list(self.prefix):
                if not obj.key.endswith("/"):
                    found[obj.key[len(self.prefix) :]] = obj.size
                if len(found) > MAX_FILES:
                    raise CampaignImportError(
                        f"{self.where} holds more than {MAX_FILES:,} files: not one campaign"
                    )
            if not found:
                raise CampaignImportError(
                    f"{self.where} holds no files: there is no such prefix in the bucket"
                )
            self._sizes = found
        return self._sizes

    def local(self, name: str) -> Path:
        dst = _staged(self._staging, name, self.where)
        self._store.get_file(self.prefix + name, dst)
        if dst.stat().st_size != self.sizes()[name]:
            raise CampaignImportError(f"{self.prefix}{name} changed while it was being imported")
        return dst


def _parse_prefix(url: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix/`` → (bucket, ``some/prefix/``).

    Raises:
        CampaignImportError: not an s3:// URL with a bucket and a prefix.
    """
    try:
        bucket, key = parse_s3_url(url.rstrip("/"))
    except S3UrlError:
        raise CampaignImportError(
            f"{url[:200]} is not a campaign's S3 prefix (s3://bucket/brands/…/campaigns/ID/)"
        ) from None
    return bucket, key + "/"


def copy_stream(stream: IO[bytes], dst: Path, max_bytes: int, where: str) -> Path:
    """Write an uploaded file to ``dst``, refusing more than ``max_bytes``."""
    if stream.seekable():
        stream.seek(0)  # an upload read by an earlier run of the page starts over
    with dst.open("wb") as out:
        while chunk := stream.read(_CHUNK):
            if out.tell() + len(chunk) > max_bytes:
                raise CampaignImportError(
                    f"{where} is over the import limit of {max_bytes / MB:.0f} MB (ATELIER_IMPORT_MAX_MB)"
                )
            out.write(chunk)
    return dst
