"""Join canonical scenes and an AAC track into one mp4 by copying their bytes.

A campaign's final video is its scenes' H.264 packets one after another plus the music
bed's AAC packets. Every canonical scene carries the same parameter sets (the render
checks that first), so no packet needs to change: only the index (``moov``) is new. This
module writes that index from the inputs' sample tables and copies the samples with
``copy_file_range``, so a re-render is one pass over the bytes inside the kernel and no
ffmpeg process: the work an unchanged scene adds is a table concatenation and a copy.

Output: ``ftyp``, ``moov`` (index first, so browsers start playing at once), ``mdat``
with video and audio interleaved about once a second.

Inputs outside that shape (several video tracks, differing sample descriptions or
decoder delays, fragmented files, tables that point outside the file...) raise
:class:`Unsupported`; the caller then joins with ffmpeg instead.
"""

from __future__ import annotations

import errno
import itertools
import os
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Video is cut into chunks of about this many seconds, each followed by its audio.
CHUNK_SECONDS = 1.0

_U32 = np.dtype(">u4")
_U64 = np.dtype(">u8")
_IDENTITY_MATRIX = struct.pack(">9i", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
TOP_LEVEL = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"uuid", b"meta", b"pdin", b"moof",
              b"mfra", b"styp", b"sidx", b"udta"}  # fmt: skip
_CONTAINERS = {b"trak", b"mdia", b"minf", b"stbl", b"edts"}
# Boxes of a track this module understands; anything else in a track means Unsupported.
_KNOWN = {b"tkhd", b"edts", b"elst", b"mdia", b"mdhd", b"hdlr", b"minf", b"vmhd", b"smhd", b"dinf",
          b"stbl", b"stsd", b"stts", b"ctts", b"stss", b"stsc", b"stsz", b"stco", b"co64", b"sgpd",
          b"sbgp", b"udta", b"sdtp"}  # fmt: skip


class Unsupported(Exception):
    """The inputs are outside what a byte-level join handles; join them with ffmpeg."""


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


# --- reading ------------------------------------------------------------------------------------


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


def _table(payload: bytes, fields: int, dtype: np.dtype = _U32, header: int = 8) -> np.ndarray:
    """The entries of a full box's table: ``count`` rows of ``fields`` big-endian integers."""
    (count,) = struct.unpack_from(">I", payload, header - 4)
    width = dtype.itemsize * fields
    if header + count * width > len(payload):
        raise Unsupported("a sample table is cut short")
    rows = np.frombuffer(payload, dtype=dtype, count=count * fields, offset=header)
    return rows.reshape(count, fields).astype(np.int64)


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
    return chunk_offsets[chunk_of] + before - before[first[chunk_of]]


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


def _read_moov(fd: int, path: Path) -> tuple[bytes, int]:
    """The moov box's payload and the file's size."""
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
        Unsupported: the file is not an mp4 this module can join.
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
        movie_timescale = 0
        tracks = []
        for kind, start, end, _ in boxes(moov, 0, len(moov)):
            if kind == b"mvhd":
                version = moov[start]
                movie_timescale = struct.unpack_from(">I", moov, start + (20 if version == 1 else 12))[0]
            elif kind == b"trak":
                tracks.append(_read_track(path, moov, start, end, movie_timescale, file_size))
    except (struct.error, ValueError, IndexError) as exc:
        raise Unsupported(f"{path.name}: {exc}") from exc
    return tracks


def _read_track(path: Path, moov: bytes, start: int, end: int, movie_timescale: int, file_size: int) -> Track:
    found: dict[bytes, bytes] = {}
    stack = [(start, end)]
    while stack:
        s, e = stack.pop()
        for kind, ps, pe, _ in boxes(moov, s, e):
            if kind not in _KNOWN:
                raise Unsupported(f"{path.name}: a track has a {kind!r} box")
            if kind in _CONTAINERS:
                stack.append((ps, pe))
            elif kind == b"dinf":
                found[kind] = moov[ps - 8 : pe]
            elif kind != b"udta":
                found[kind] = moov[ps:pe]
    needed = (b"tkhd", b"mdhd", b"hdlr", b"stsd", b"stts", b"stsc", b"stsz", b"dinf")
    if any(k not in found for k in needed) or not (b"stco" in found or b"co64" in found):
        raise Unsupported(f"{path.name}: a track lacks part of its index")
    handler = found[b"hdlr"][8:12].decode("latin-1")
    mdhd = found[b"mdhd"]
    timescale = struct.unpack_from(">I", mdhd, 20 if mdhd[0] == 1 else 12)[0]

    stsz = found[b"stsz"]
    uniform, count = struct.unpack_from(">II", stsz, 4)
    sizes = np.full(count, uniform, dtype=np.int64) if uniform else _table(stsz, 1, header=12)[:, 0]
    stts = _table(found[b"stts"], 2)
    deltas = np.repeat(stts[:, 1], stts[:, 0])
    chunk_offsets = (
        _table(found[b"co64"], 1, _U64)[:, 0] if b"co64" in found else _table(found[b"stco"], 1)[:, 0]
    )
    offsets = _expand_chunks(_table(found[b"stsc"], 3), chunk_offsets, sizes)
    if len(deltas) != count or (count and int((offsets + sizes).max()) > file_size) or np.any(offsets < 0):
        raise Unsupported(f"{path.name}: the index does not match the data")

    cts = None
    if b"ctts" in found:
        ctts = found[b"ctts"]
        rows = _table(ctts, 2)
        values = rows[:, 1]
        if ctts[0] == 1:  # signed offsets
            values = values.astype(np.uint32).view(np.int32).astype(np.int64)
        cts = np.repeat(values, rows[:, 0])
        if len(cts) != count:
            raise Unsupported(f"{path.name}: composition offsets do not match the samples")
    sync = _table(found[b"stss"], 1)[:, 0] - 1 if b"stss" in found else None
    if b"sdtp" in found and handler == "vide":
        raise Unsupported(f"{path.name}: sample dependency table")

    media_time, presented = 0, int(deltas.sum()) / timescale if timescale else 0.0
    if b"elst" in found:
        elst = found[b"elst"]
        entries = struct.unpack_from(">I", elst, 4)[0]
        if entries != 1:
            raise Unsupported(f"{path.name}: edit list with {entries} entries")
        if elst[0] == 1:
            segment, media_time = struct.unpack_from(">Qq", elst, 8)
        else:
            segment, media_time = struct.unpack_from(">Ii", elst, 8)
        if media_time < 0 or not movie_timescale:
            raise Unsupported(f"{path.name}: empty edit")
        presented = segment / movie_timescale
    keep = (b"tkhd", b"mdhd", b"hdlr", b"vmhd", b"smhd", b"dinf", b"stsd", b"sgpd", b"sbgp")
    return Track(
        source=path,
        handler=handler,
        timescale=timescale,
        media_time=media_time,
        presented=presented,
        raw={k: found[k] for k in keep if k in found},
        sizes=sizes,
        offsets=offsets,
        deltas=deltas,
        cts=cts,
        sync=sync,
    )


# --- writing ------------------------------------------------------------------------------------


def _box(kind: bytes, *parts: bytes) -> bytes:
    payload = b"".join(parts)
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def _full(kind: bytes, version: int, flags: int, *parts: bytes) -> bytes:
    return _box(kind, struct.pack(">I", (version << 24) | flags), *parts)


def _runs(values: np.ndarray) -> np.ndarray:
    """Run-length encoding as rows of (count, value)."""
    if len(values) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    starts = np.flatnonzero(np.diff(values)) + 1
    starts = np.concatenate(([0], starts))
    counts = np.diff(np.append(starts, len(values)))
    return np.column_stack((counts, values[starts]))


def _counted(kind: bytes, rows: np.ndarray, dtype: np.dtype = _U32, version: int = 0) -> bytes:
    return _full(
        kind, version, 0, struct.pack(">I", len(rows)), np.ascontiguousarray(rows, dtype=dtype).tobytes()
    )


def _patch(payload: bytes, fields: Sequence[tuple[int, str, int]]) -> bytes:
    out = bytearray(payload)
    for offset, fmt, value in fields:
        struct.pack_into(fmt, out, offset, value)
    return bytes(out)


def _with_duration(payload: bytes, duration: int, v0_offset: int, v1_offset: int) -> bytes:
    """A tkhd/mdhd payload with a new duration (version 0 fields are 32-bit)."""
    if payload[0] == 1:
        return _patch(payload, [(v1_offset, ">Q", duration)])
    if duration >= 2**32:
        raise Unsupported("duration too long for a version 0 header")
    return _patch(payload, [(v0_offset, ">I", duration)])


def _tkhd(payload: bytes, track_id: int, duration: int) -> bytes:
    payload = _with_duration(payload, duration, 20, 28)
    return _patch(payload, [(20 if payload[0] == 1 else 12, ">I", track_id)])


def _with_bitrates(stsd: bytes, track: Track) -> bytes:
    """The sample description with its btrt box (if any) describing the joined stream.

    maxBitrate is the most bytes in any one-second window, avgBitrate the whole track's.
    """
    at = stsd.find(b"btrt")
    if at < 4 or struct.unpack_from(">I", stsd, at - 4)[0] != 20 or not track.duration:
        return stsd
    dts = np.cumsum(track.deltas) - track.deltas
    total = np.concatenate(([0], np.cumsum(track.sizes)))
    window_end = np.searchsorted(dts, dts + track.timescale, side="left")
    peak = int((total[window_end] - total[: len(dts)]).max()) * 8
    average = int(total[-1]) * 8 * track.timescale // track.duration
    top = 2**32 - 1
    return _patch(stsd, [(at + 8, ">I", min(peak, top)), (at + 12, ">I", min(average, top))])


@dataclass
class _Layout:
    """One track as it will be written: its samples in order and where each chunk starts."""

    track: Track  # tables of the joined track (offsets still in the sources)
    sources: np.ndarray  # per sample, the input file it is in: scenes in order, then the audio
    chunk_first: list[int]  # first sample of each chunk, in write order
    chunk_count: list[int]  # samples per chunk
    chunk_offset: list[int]  # output file offset of each chunk (filled in by the writer)


def _description(stsd: bytes) -> tuple[bytes, ...]:
    """What makes two video sample descriptions interchangeable: entry type, size, avcC, pasp.

    The encoder name, bitrate box (btrt) and colour box (colr, which repeats what the
    SPS says) may differ between files that join perfectly well.
    """
    entry = stsd[8:]
    kind, width_height = entry[4:8], entry[32:36]
    children = {
        k: entry[ps:pe] for k, ps, pe, _ in boxes(entry, 86, len(entry)) if k not in (b"btrt", b"colr")
    }
    return (kind, width_height, *(k + v for k, v in sorted(children.items())))


def _concat_video(tracks: Sequence[Track]) -> tuple[Track, np.ndarray]:
    """One video track made of ``tracks`` back to back, and the scene each sample comes from.

    Scenes may differ in decoder delay (a scene of two frames has no B-frames, so no
    composition offsets and no edit): each scene's offsets are shifted to the largest
    delay, which the joined track's one edit then removes.
    """
    first = tracks[0]
    reference = _description(first.raw[b"stsd"])
    delay = max(t.media_time for t in tracks)
    shifted = []
    for t in tracks:
        name = t.source.name
        if t.timescale != first.timescale:
            raise Unsupported(f"{name}: another timescale")
        if _description(t.raw[b"stsd"]) != reference:
            raise Unsupported(f"{name}: another sample description")
        if not len(t.sizes) or b"vmhd" not in t.raw or b"sgpd" in t.raw or b"sbgp" in t.raw:
            raise Unsupported(f"{name}: an unusual video track")
        dts = np.cumsum(t.deltas) - t.deltas
        cts = t.cts if t.cts is not None else np.zeros(len(dts), dtype=np.int64)
        # Shown frames must be exactly the decoded ones, from the edit's start on: nothing
        # hidden by the edit, nothing overlapping the next scene.
        if not np.array_equal(np.sort(dts + cts), dts + t.media_time):
            raise Unsupported(f"{name}: its frames are not shown once each from its start")
        if abs(t.presented - t.duration / t.timescale) > 1 / t.timescale + 1e-3:
            raise Unsupported(f"{name}: the edit list trims the scene")
        shifted.append(cts + (delay - t.media_time))
    cts_all = np.concatenate(shifted)
    counts = np.array([len(t.sizes) for t in tracks])
    bases = np.cumsum(counts) - counts
    syncs = [
        (t.sync if t.sync is not None else np.arange(len(t.sizes))) + base
        for t, base in zip(tracks, bases, strict=True)
    ]
    joined = Track(
        source=first.source,
        handler="vide",
        timescale=first.timescale,
        media_time=delay,
        presented=sum(t.duration for t in tracks) / first.timescale,
        raw=dict(first.raw),
        sizes=np.concatenate([t.sizes for t in tracks]),
        offsets=np.concatenate([t.offsets for t in tracks]),
        deltas=np.concatenate([t.deltas for t in tracks]),
        cts=cts_all if cts_all.any() else None,
        sync=np.concatenate(syncs),
    )
    return joined, np.repeat(np.arange(len(tracks)), counts)


def _chunks(keys: np.ndarray) -> tuple[list[int], list[int]]:
    """(first sample, count) of each run of equal ``keys``."""
    starts = np.concatenate(([0], np.flatnonzero(np.diff(keys)) + 1))
    counts = np.diff(np.append(starts, len(keys)))
    return starts.tolist(), counts.tolist()


def _plan(
    video: Track, scene_of: np.ndarray, audio: Track | None
) -> tuple[list[tuple[_Layout, int]], list[_Layout]]:
    """Chunks in write order as (layout, chunk number): a second of video, then its audio."""
    dts = np.cumsum(video.deltas) - video.deltas
    scene_start = np.zeros(len(dts), dtype=np.int64)
    firsts = np.flatnonzero(np.diff(scene_of)) + 1
    for f in firsts:
        scene_start[f:] = dts[f]
    per_chunk = max(1, round(CHUNK_SECONDS * video.timescale))
    keys = scene_of * (1 << 32) + (dts - scene_start) // per_chunk
    v_first, v_count = _chunks(keys)
    v = _Layout(video, scene_of, v_first, v_count, [])
    order: list[tuple[_Layout, int]] = []
    layouts = [v]
    if audio is None or not len(audio.sizes):
        return [(v, i) for i in range(len(v_first))], layouts
    # Each audio sample goes right after the video chunk during which it starts.
    ends = np.array([dts[f + c - 1] + video.deltas[f + c - 1] for f, c in zip(v_first, v_count, strict=True)])
    v_end_s = (ends - video.media_time) / video.timescale
    a_dts = np.cumsum(audio.deltas) - audio.deltas
    a_time = (a_dts - audio.media_time) / audio.timescale
    target = np.minimum(np.searchsorted(v_end_s, a_time, side="right"), len(v_first) - 1)
    a_first, a_count = _chunks(target)
    a = _Layout(audio, np.full(len(audio.sizes), int(scene_of[-1]) + 1), a_first, a_count, [])
    layouts.append(a)
    after = dict(zip((int(target[f]) for f in a_first), range(len(a_first)), strict=True))
    for i in range(len(v_first)):
        order.append((v, i))
        if i in after:
            order.append((a, after[i]))
    return order, layouts


def _stbl(layout: _Layout, stsd: bytes) -> bytes:
    t = layout.track
    parts = [_box(b"stsd", stsd), _counted(b"stts", _runs(t.deltas))]
    if t.handler == "vide" and t.sync is not None and len(t.sync) < len(t.sizes):
        parts.append(_counted(b"stss", (t.sync + 1).reshape(-1, 1)))
    if t.cts is not None:
        signed = bool((t.cts < 0).any())
        rows = _runs(t.cts)
        if signed:
            rows = np.column_stack((rows[:, 0], rows[:, 1].astype(np.int32).view(np.uint32)))
        parts.append(_counted(b"ctts", rows, version=1 if signed else 0))
    counts = np.array(layout.chunk_count)
    runs = _runs(counts)
    first_chunk = np.cumsum(runs[:, 0]) - runs[:, 0] + 1
    stsc = np.column_stack((first_chunk, runs[:, 1], np.ones(len(runs), dtype=np.int64)))
    parts.append(_counted(b"stsc", stsc))
    parts.append(_full(b"stsz", 0, 0, struct.pack(">II", 0, len(t.sizes)), t.sizes.astype(_U32).tobytes()))
    offsets = np.array(layout.chunk_offset, dtype=np.int64).reshape(-1, 1)
    if len(offsets) and int(offsets.max()) >= 2**32:
        parts.append(_counted(b"co64", offsets, _U64))
    else:
        parts.append(_counted(b"stco", offsets))
    for kind in (b"sgpd", b"sbgp"):
        if kind in t.raw:
            parts.append(_box(kind, t.raw[kind]))
    return _box(b"stbl", *parts)


def _trak(layout: _Layout, track_id: int, movie_timescale: int, stsd: bytes) -> bytes:
    t = layout.track
    presented = round(t.presented * movie_timescale)
    elst = _full(b"elst", 0, 0, struct.pack(">IIiI", 1, presented, t.media_time, 0x10000))
    header = t.raw[b"vmhd"] if t.handler == "vide" else t.raw.get(b"smhd", struct.pack(">I4x", 0))
    media_header = _box(b"vmhd" if t.handler == "vide" else b"smhd", header)
    return _box(
        b"trak",
        _box(b"tkhd", _tkhd(t.raw[b"tkhd"], track_id, presented)),
        _box(b"edts", elst),
        _box(
            b"mdia",
            _box(b"mdhd", _with_duration(t.raw[b"mdhd"], t.duration, 16, 24)),
            _box(b"hdlr", t.raw[b"hdlr"]),
            _box(b"minf", media_header, t.raw[b"dinf"], _stbl(layout, stsd)),
        ),
    )


def _mvhd(timescale: int, duration: int, next_track: int) -> bytes:
    if duration >= 2**32:
        raise Unsupported("duration too long for a version 0 header")
    return _full(
        b"mvhd", 0, 0,
        struct.pack(">IIIIiH10x", 0, 0, timescale, duration, 0x10000, 0x100),
        _IDENTITY_MATRIX, bytes(24), struct.pack(">I", next_track),
    )  # fmt: skip


def _ftyp(signed_offsets: bool) -> bytes:
    brands = b"isomiso2avc1mp41" + (b"iso4" if signed_offsets else b"")  # iso4: ctts version 1
    return _box(b"ftyp", b"isom", struct.pack(">I", 0x200), brands)


def join(scenes: Sequence[Path], audio: Path | None, dst: Path) -> None:
    """Write ``dst``: the scenes' video back to back and ``audio``'s one track beside it.

    ``scenes`` are single-video-track mp4s with the same sample description (avcC);
    ``audio`` (an m4a with one audio track, already the video's length) is muxed as it
    is. Each input is opened once, and its index and samples are read through that one
    descriptor. ``dst`` is overwritten.

    Raises:
        Unsupported: the inputs are not joinable this way (``dst`` is not written).
        OSError: reading or writing failed.
    """
    files = [Path(p) for p in scenes] + ([Path(audio)] if audio is not None else [])
    fds: list[int] = []
    try:
        for path in files:
            fds.append(os.open(path, os.O_RDONLY))
        try:
            head, copies = _prepare(files, fds, with_audio=audio is not None)
        except (struct.error, ValueError, IndexError, OverflowError) as exc:
            raise Unsupported(f"cannot index the joined file: {exc}") from exc
        _write(dst, head, fds, copies)
    finally:
        for fd in fds:
            os.close(fd)
    expected = len(head) + sum(length for _, _, length in copies)
    if dst.stat().st_size != expected:
        raise OSError(errno.EIO, f"joined file is {dst.stat().st_size} bytes, expected {expected}")


def _prepare(
    files: Sequence[Path], fds: Sequence[int], *, with_audio: bool
) -> tuple[bytes, list[tuple[int, int, int]]]:
    """The joined file's head (ftyp, moov, mdat header) and the byte ranges to copy after it."""
    scene_count = len(files) - with_audio
    videos = []
    for path, fd in zip(files[:scene_count], fds, strict=False):
        found = [t for t in read_tracks(path, fd) if t.handler == "vide"]
        if len(found) != 1:
            raise Unsupported(f"{path.name} has {len(found)} video tracks")
        videos.append(found[0])
    if not videos:
        raise Unsupported("no scenes")
    video, scene_of = _concat_video(videos)
    sound = None
    if with_audio:
        found = [t for t in read_tracks(files[-1], fds[-1]) if t.handler == "soun"]
        if len(found) != 1:
            raise Unsupported(f"{files[-1].name} has {len(found)} audio tracks")
        sound = found[0]
        if abs(sound.presented - video.presented) <= 1e-3:  # a bed made for this video: same length
            sound.presented = video.presented
    order, layouts = _plan(video, scene_of, sound)

    stsd_video = _with_bitrates(video.raw[b"stsd"], video)
    movie_timescale = video.timescale  # exact for the video, and for audio of a whole number of frames
    ftyp = _ftyp(signed_offsets=video.cts is not None and bool((video.cts < 0).any()))

    def moov() -> bytes:
        traks = [_trak(layouts[0], 1, movie_timescale, stsd_video)]
        if sound is not None:
            traks.append(_trak(layouts[1], 2, movie_timescale, sound.raw[b"stsd"]))
        presented = max(round(lay.track.presented * movie_timescale) for lay in layouts)
        return _box(b"moov", _mvhd(movie_timescale, presented, len(layouts) + 1), *traks)

    data_bytes = sum(int(lay.track.sizes.sum()) for lay in layouts)
    mdat_head = 16 if data_bytes + 8 >= 2**32 else 8
    for lay in layouts:  # placeholder offsets give the index its final size (stco vs co64 aside)
        lay.chunk_offset = [0] * len(lay.chunk_first)
    head_size = len(ftyp) + len(moov()) + mdat_head
    for _ in range(2):  # a second pass only if offsets past 4 GiB turned stco into co64
        cursor = head_size
        copies: list[tuple[int, int, int]] = []  # (input index, offset, length)
        for lay, chunk in order:
            first, count = lay.chunk_first[chunk], lay.chunk_count[chunk]
            lay.chunk_offset[chunk] = cursor
            sizes = lay.track.sizes[first : first + count]
            offsets = lay.track.offsets[first : first + count]
            src = int(lay.sources[first])
            breaks = np.flatnonzero(offsets[1:] != offsets[:-1] + sizes[:-1]) + 1
            bounds = np.concatenate(([0], breaks, [count]))
            for a, b in itertools.pairwise(bounds):
                copies.append((src, int(offsets[a]), int(sizes[a:b].sum())))
            cursor += int(sizes.sum())
        index = moov()
        if len(ftyp) + len(index) + mdat_head == head_size:
            break
        head_size = len(ftyp) + len(index) + mdat_head
    else:  # pragma: no cover - the index cannot keep changing size
        raise Unsupported("the index did not settle")
    if mdat_head == 16:
        mdat = struct.pack(">I4sQ", 1, b"mdat", data_bytes + 16)
    else:
        mdat = struct.pack(">I4s", data_bytes + 8, b"mdat")
    return ftyp + index + mdat, copies


def _write(dst: Path, head: bytes, fds: Sequence[int], copies: Sequence[tuple[int, int, int]]) -> None:
    out = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(head)
        while view:
            view = view[os.write(out, view) :]
        for src, offset, length in copies:
            _copy_range(fds[src], out, offset, length)
    finally:
        os.close(out)


_KERNEL_COPY = hasattr(os, "copy_file_range")


def _copy_range(src: int, dst: int, offset: int, length: int) -> None:
    """Append ``length`` bytes of ``src`` from ``offset`` to ``dst`` (in the kernel where it can)."""
    global _KERNEL_COPY
    while length > 0 and _KERNEL_COPY:
        try:
            done = os.copy_file_range(src, dst, length, offset)
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EPERM):
                raise
            _KERNEL_COPY = False  # this system cannot: plain reads and writes from now on
            break
        if done == 0:  # some filesystems say 0 before the end: let plain reads decide
            break
        offset += done
        length -= done
    while length > 0:
        block = os.pread(src, min(length, 1 << 20), offset)
        if not block:
            raise OSError(errno.EIO, "source ended early")
        view = memoryview(block)
        while view:
            view = view[os.write(dst, view) :]
        offset += len(block)
        length -= len(block)
