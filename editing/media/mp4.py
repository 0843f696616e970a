"""The one mp4 box reader: top-level boxes, each track's boxes, and two readings of them.

* :func:`read_mp4_video` summarizes the first video track (frames, timescale, avcC,
  keyframe first, edit list, rotation...) leniently: it is how a scene is recognized as
  canonical in about a millisecond, without a subprocess, and how a joined final is
  checked. Anything unreadable gives None (ffprobe then judges).
* :func:`read_tracks` expands every track's sample tables to one entry per sample,
  strictly: it is what the byte join (``mp4join``) copies from, and anything outside the
  shape it handles raises :class:`Unsupported`.

Both walk the same boxes with :func:`track_boxes` and decode them with the same helpers.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

U32 = np.dtype(">u4")
U64 = np.dtype(">u8")
TOP_LEVEL = frozenset({
    b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"uuid",
    b"meta", b"pdin", b"moof", b"mfra", b"styp", b"sidx", b"udta",
})  # fmt: skip
_CONTAINERS = frozenset({b"trak", b"mdia", b"minf", b"stbl", b"edts"})
# Boxes of a track the join understands; anything else in a track means Unsupported there.
KNOWN = frozenset({
    b"tkhd", b"edts", b"elst", b"mdia", b"mdhd", b"hdlr", b"minf", b"vmhd", b"smhd", b"dinf", b"stbl",
    b"stsd", b"stts", b"ctts", b"stss", b"stsc", b"stsz", b"stco", b"co64", b"sgpd", b"sbgp", b"udta",
    b"sdtp",
})  # fmt: skip
_IDENTITY = (0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)


class Unsupported(Exception):
    """The file is outside what this reader (or the byte join) handles."""


def boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int, int]]:
    """(type, payload start, payload end, declared end) of the boxes in ``data[start:end]``."""
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        head = 8
        if size == 1 and pos + 16 <= end:
            size = struct.unpack_from(">Q", data, pos + 8)[0]
            head = 16
        elif size == 0:
            size = end - pos
        if size < head:
            return
        yield kind, pos + head, min(pos + size, end), pos + size
        pos += size


def top_level(fd: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, declared end) of each top-level box, found by seeking: mdat is never read.

    The declared end may lie past the end of the file (a truncated file); the caller decides.

    Raises:
        Unsupported: a box that is not an ISO top-level type, a malformed size, or over
            1000 boxes (not an ISO media file, or a pathological one).
    """
    size = os.fstat(fd).st_size
    pos, seen = 0, 0
    while pos + 8 <= size:
        head = os.pread(fd, 16, pos)
        box_size, kind = struct.unpack_from(">I4s", head)
        start = 8
        if box_size == 1 and len(head) == 16:
            box_size, start = struct.unpack_from(">Q", head, 8)[0], 16
        elif box_size == 0:
            box_size = size - pos
        seen += 1
        if kind not in TOP_LEVEL or box_size < start or seen > 1000:
            raise Unsupported("not a plain mp4")
        yield kind, pos + start, pos + box_size
        pos += box_size


# --- one track's boxes and their fields --------------------------------------------------------


def table(payload: bytes, fields: int, dtype: np.dtype = U32, header: int = 8) -> np.ndarray:
    """The entries of a full box's table: ``count`` rows of ``fields`` big-endian integers."""
    (count,) = struct.unpack_from(">I", payload, header - 4)
    width = dtype.itemsize * fields
    if header + count * width > len(payload):
        raise Unsupported("a sample table is cut short")
    rows = np.frombuffer(payload, dtype=dtype, count=count * fields, offset=header)
    return rows.reshape(count, fields).astype(np.int64)


@dataclass(frozen=True)
class TrackBoxes:
    """The leaf boxes of one ``trak``: payloads by type (``dinf`` kept as a whole box)."""

    found: dict[bytes, bytes]
    foreign: tuple[bytes, ...]  # box types outside KNOWN

    @property
    def handler(self) -> str:
        return self.found.get(b"hdlr", b"")[8:12].decode("latin-1")

    def media_header(self) -> tuple[int, int]:
        """(timescale, duration) from mdhd."""
        mdhd = self.found[b"mdhd"]
        if mdhd[0] == 1:
            return struct.unpack_from(">IQ", mdhd, 20)
        return struct.unpack_from(">II", mdhd, 12)

    def sizes(self) -> np.ndarray:
        """Bytes of each sample (stsz)."""
        stsz = self.found[b"stsz"]
        uniform, count = struct.unpack_from(">II", stsz, 4)
        return np.full(count, uniform, dtype=np.int64) if uniform else table(stsz, 1, header=12)[:, 0]

    def time_runs(self) -> np.ndarray:
        """(count, duration) rows of stts."""
        return table(self.found[b"stts"], 2)

    def composition_runs(self) -> np.ndarray | None:
        """(count, offset) rows of ctts, offsets signed for version 1; None without ctts."""
        ctts = self.found.get(b"ctts")
        if ctts is None:
            return None
        rows = table(ctts, 2)
        if ctts[0] == 1:
            rows[:, 1] = rows[:, 1].astype(np.uint32).view(np.int32)
        return rows

    def sync_samples(self) -> np.ndarray | None:
        """0-based indexes of the keyframes (stss); None when every sample is one."""
        stss = self.found.get(b"stss")
        return None if stss is None else table(stss, 1)[:, 0] - 1

    def edits(self) -> list[tuple[int, int]] | None:
        """(segment duration in movie ticks, media time) of each edit list entry; None without elst."""
        elst = self.found.get(b"elst")
        if elst is None:
            return None
        (count,) = struct.unpack_from(">I", elst, 4)
        entry = ">Qq" if elst[0] == 1 else ">Ii"
        step = struct.calcsize(entry) + 4  # + media rate
        return [struct.unpack_from(entry, elst, 8 + i * step) for i in range(count)]

    def display(self) -> tuple[int, int, bool]:
        """(width, height, rotated) from tkhd."""
        tkhd = self.found[b"tkhd"]
        matrix = struct.unpack_from(">9i", tkhd, 52 if tkhd[0] == 1 else 40)
        w, h = struct.unpack_from(">II", tkhd, len(tkhd) - 8)
        return w >> 16, h >> 16, matrix != _IDENTITY

    def avcc(self) -> bytes:
        """The avcC payload (SPS/PPS) of an avc1 track; b"" otherwise."""
        stsd = self.found[b"stsd"]
        at = stsd.find(b"avcC")
        if stsd[12:16] != b"avc1" or at < 4:
            return b""
        return stsd[at + 4 : at - 4 + struct.unpack_from(">I", stsd, at - 4)[0]]

    def pixel_aspect(self) -> tuple[int, int] | None:
        stsd = self.found[b"stsd"]
        at = stsd.find(b"pasp")
        return struct.unpack_from(">II", stsd, at + 4) if at >= 4 else None


def track_boxes(moov: bytes, start: int, end: int) -> TrackBoxes:
    """Walk one ``trak`` box of ``moov`` (payload ``start..end``) down to its leaves."""
    found: dict[bytes, bytes] = {}
    foreign: list[bytes] = []
    stack = [(start, end)]
    while stack:
        s, e = stack.pop()
        for kind, ps, pe, _ in boxes(moov, s, e):
            if kind not in KNOWN:
                foreign.append(kind)
            if kind in _CONTAINERS:
                stack.append((ps, pe))
            elif kind == b"dinf":
                found[kind] = moov[ps - 8 : pe]
            elif kind != b"udta":
                found[kind] = moov[ps:pe]
    return TrackBoxes(found, tuple(foreign))


def movie_tracks(moov: bytes) -> tuple[int, list[TrackBoxes]]:
    """The movie timescale (mvhd) and every track of a moov payload."""
    timescale, tracks = 0, []
    for kind, start, end, _ in boxes(moov, 0, len(moov)):
        if kind == b"mvhd":
            timescale = struct.unpack_from(">I", moov, start + (20 if moov[start] == 1 else 12))[0]
        elif kind == b"trak":
            tracks.append(track_boxes(moov, start, end))
    return timescale, tracks


# --- the lenient summary ------------------------------------------------------------------------


@dataclass(frozen=True)
class Mp4Video:
    """The first video track of an mp4, as its boxes describe it (no decoding, no subprocess)."""

    frames: int
    timescale: int
    duration: int  # media duration in timescale units (mdhd)
    sample_delta: int  # the one sample duration when constant, else 0
    width: int  # display size from tkhd
    height: int
    avcc: bytes  # the avcC payload (SPS/PPS); b"" when the track is not avc1
    faststart: bool  # moov before mdat
    first_is_sync: bool  # the first sample is a keyframe
    starts_at_zero: bool  # the edit list shows the first frame at time 0
    rotated: bool  # tkhd matrix is not the identity
    pixel_aspect: tuple[int, int] | None  # pasp box, if any
    tracks: tuple[str, ...]  # handler type of every track ("vide", "soun", ...)
    sample_bytes: int  # sum of the video samples' sizes
    complete: bool  # every top-level box ends within the file (not truncated)


_SUMMARY_NEEDS = (b"tkhd", b"mdhd", b"stsd", b"stts", b"stsz")


def read_mp4_video(path: Path) -> Mp4Video | None:
    """Read the first video track's timing, keyframes and avcC; None if it is not a readable mp4."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        size = os.fstat(fd).st_size
        top: dict[bytes, tuple[int, int]] = {}
        complete = True
        for kind, start, end in top_level(fd):
            complete = complete and end <= size
            top.setdefault(kind, (start, min(end, size)))
        if b"moov" not in top or b"mdat" not in top:
            return None
        moov = os.pread(fd, top[b"moov"][1] - top[b"moov"][0], top[b"moov"][0])
        _, tracks = movie_tracks(moov)
        video = next((t for t in tracks if t.handler == "vide"), None)
        if video is None or not all(k in video.found for k in _SUMMARY_NEEDS):
            return None
        box = _summary(video, tracks, faststart=top[b"moov"][0] < top[b"mdat"][0], complete=complete)
    except (Unsupported, OSError, struct.error, IndexError, ValueError):
        return None  # not an ISO media file: let ffprobe judge
    finally:
        os.close(fd)
    mdat_bytes = top[b"mdat"][1] - top[b"mdat"][0]
    if box.sample_bytes > mdat_bytes:  # the index promises more than is there
        box = replace(box, complete=False)
    return box


def _summary(video: TrackBoxes, tracks: list[TrackBoxes], *, faststart: bool, complete: bool) -> Mp4Video:
    timescale, duration = video.media_header()
    sizes = video.sizes()
    deltas = set(video.time_runs()[:, 1].tolist())
    sync = video.sync_samples()
    ctts = video.composition_runs()
    first_offset = int(ctts[0, 1]) if ctts is not None and len(ctts) else 0
    edits = video.edits()
    # Several segments or none (empty edits) are not a plain start at 0.
    media_time = 0 if edits is None else edits[0][1] if len(edits) == 1 else -1
    width, height, rotated = video.display()
    return Mp4Video(
        frames=len(sizes),
        timescale=timescale,
        duration=duration,
        sample_delta=deltas.pop() if len(deltas) == 1 else 0,
        width=width,
        height=height,
        avcc=video.avcc(),
        faststart=faststart,
        first_is_sync=sync is None or (len(sync) > 0 and sync[0] == 0),
        starts_at_zero=media_time == first_offset,
        rotated=rotated,
        pixel_aspect=video.pixel_aspect(),
        tracks=tuple(t.handler for t in tracks),
        sample_bytes=int(sizes.sum()),
        complete=complete,
    )


# --- the strict expansion ----------------------------------------------------------------------


@dataclass
class Track:
    """One track of an mp4, its sample tables expanded to one entry per sample."""

    source: Path
    handler: str  # "vide", "soun", ...
    timescale: int  # media timescale (mdhd)
    media_time: int  # where presentation starts in the media (edit list), in media ticks
    presented: float  # seconds the edit list presents (the whole media without one)
    raw: dict[bytes, bytes]  # payloads of tkhd, mdhd, hdlr, vmhd/smhd, stsd, sgpd, sbgp; dinf as a box
    sizes: np.ndarray  # bytes per sample
    offsets: np.ndarray  # file offset of each sample
    deltas: np.ndarray  # duration of each sample, in media ticks
    cts: np.ndarray | None  # composition offset of each sample (ctts), if any
    sync: np.ndarray | None  # 0-based indexes of the keyframes (stss); None: every sample is one

    @property
    def duration(self) -> int:
        return int(self.deltas.sum())


def _read_moov(fd: int, path: Path) -> tuple[bytes, int]:
    """The moov box's payload and the file's size, of a complete, unfragmented file."""
    size = os.fstat(fd).st_size
    try:
        found = list(top_level(fd))
    except Unsupported as exc:
        raise Unsupported(f"{path.name} is not a complete plain mp4") from exc
    moov = None
    for kind, start, end in found:
        if end > size:
            raise Unsupported(f"{path.name} is not a complete plain mp4")
        if kind == b"moof":
            raise Unsupported(f"{path.name} is fragmented")
        if kind == b"moov":
            moov = os.pread(fd, end - start, start)
    if moov is None:
        raise Unsupported(f"{path.name} has no index")
    return moov, size


def read_tracks(path: Path, fd: int | None = None) -> list[Track]:
    """Every track of a plain (not fragmented) mp4 with its sample tables.

    With ``fd`` (open on ``path``), the file is read through it, so a caller that then
    copies the samples through the same descriptor reads the very file it indexed.

    Raises:
        Unsupported: the file is not an mp4 the byte join can take.
        OSError: the file cannot be read.
    """
    path = Path(path)
    if fd is None:
        fd = os.open(path, os.O_RDONLY)
        try:
            return read_tracks(path, fd)
        finally:
            os.close(fd)
    try:
        moov, file_size = _read_moov(fd, path)
        movie_timescale, tracks = movie_tracks(moov)
        return [_expand(path, t, movie_timescale, file_size) for t in tracks]
    except (struct.error, ValueError, IndexError) as exc:
        raise Unsupported(f"{path.name}: {exc}") from exc


_NEEDED = (b"tkhd", b"mdhd", b"hdlr", b"stsd", b"stts", b"stsc", b"stsz", b"dinf")
_KEEP = (b"tkhd", b"mdhd", b"hdlr", b"vmhd", b"smhd", b"dinf", b"stsd", b"sgpd", b"sbgp")


def _expand(path: Path, boxes_: TrackBoxes, movie_timescale: int, file_size: int) -> Track:
    found = boxes_.found
    if boxes_.foreign:
        raise Unsupported(f"{path.name}: a track has a {boxes_.foreign[0]!r} box")
    if any(k not in found for k in _NEEDED) or not (b"stco" in found or b"co64" in found):
        raise Unsupported(f"{path.name}: a track lacks part of its index")
    if b"sdtp" in found and boxes_.handler == "vide":
        raise Unsupported(f"{path.name}: sample dependency table")
    timescale, _ = boxes_.media_header()
    sizes = boxes_.sizes()
    stts = boxes_.time_runs()
    deltas = np.repeat(stts[:, 1], stts[:, 0])
    chunk_offsets = (
        table(found[b"co64"], 1, U64)[:, 0] if b"co64" in found else table(found[b"stco"], 1)[:, 0]
    )
    offsets = _expand_chunks(table(found[b"stsc"], 3), chunk_offsets, sizes)
    count = len(sizes)
    if len(deltas) != count or (count and int((offsets + sizes).max()) > file_size) or np.any(offsets < 0):
        raise Unsupported(f"{path.name}: the index does not match the data")
    cts = None
    if (runs := boxes_.composition_runs()) is not None:
        cts = np.repeat(runs[:, 1], runs[:, 0])
        if len(cts) != count:
            raise Unsupported(f"{path.name}: composition offsets do not match the samples")
    media_time, presented = _presentation(path, boxes_, movie_timescale, int(deltas.sum()), timescale)
    return Track(
        source=path,
        handler=boxes_.handler,
        timescale=timescale,
        media_time=media_time,
        presented=presented,
        raw={k: found[k] for k in _KEEP if k in found},
        sizes=sizes,
        offsets=offsets,
        deltas=deltas,
        cts=cts,
        sync=boxes_.sync_samples(),
    )


def _presentation(
    path: Path, boxes_: TrackBoxes, movie_timescale: int, media_ticks: int, timescale: int
) -> tuple[int, float]:
    """(media time where presentation starts, seconds presented) from a one-entry edit list."""
    edits = boxes_.edits()
    if edits is None:
        return 0, media_ticks / timescale if timescale else 0.0
    if len(edits) != 1:
        raise Unsupported(f"{path.name}: edit list with {len(edits)} entries")
    segment, media_time = edits[0]
    if media_time < 0 or not movie_timescale:
        raise Unsupported(f"{path.name}: empty edit")
    return media_time, segment / movie_timescale


def _expand_chunks(stsc: np.ndarray, chunk_offsets: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Each sample's file offset, from the sample-to-chunk runs, chunk offsets and sample sizes."""
    chunks = len(chunk_offsets)
    if len(stsc) == 0 or stsc[0, 0] != 1 or np.any(np.diff(stsc[:, 0]) <= 0) or np.any(stsc[:, 2] != 1):
        raise Unsupported("unusual sample-to-chunk table")
    runs = np.diff(np.append(stsc[:, 0], chunks + 1))
    if np.any(runs < 0):
        raise Unsupported("sample-to-chunk table names missing chunks")
    per_chunk = np.repeat(stsc[:, 1], runs)
    if int(per_chunk.sum()) != len(sizes):
        raise Unsupported("chunks and samples do not agree")
    chunk_of = np.repeat(np.arange(chunks), per_chunk)
    before = np.cumsum(sizes) - sizes  # bytes of all earlier samples
    first = np.cumsum(per_chunk) - per_chunk  # index of each chunk's first sample
    return np.asarray(chunk_offsets[chunk_of] + before - before[first[chunk_of]])
