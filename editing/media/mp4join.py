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
:class:`Unsupported`; the caller then joins with ffmpeg instead. The inputs are read
with the one box reader, :mod:`editing.media.mp4`.
"""

from __future__ import annotations

import errno
import hashlib
import itertools
import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from editing.media.mp4 import U32, U64, Track, Unsupported, boxes, read_tracks

__all__ = ["CHUNK_SECONDS", "ChangedInput", "Expected", "Unsupported", "join"]

#: Video is cut into chunks of about this many seconds, each followed by its audio.
CHUNK_SECONDS = 1.0

_IDENTITY_MATRIX = struct.pack(">9i", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)


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


def _counted(kind: bytes, rows: np.ndarray, dtype: np.dtype = U32, version: int = 0) -> bytes:
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
    parts.append(_full(b"stsz", 0, 0, struct.pack(">II", 0, len(t.sizes)), t.sizes.astype(U32).tobytes()))
    offsets = np.array(layout.chunk_offset, dtype=np.int64).reshape(-1, 1)
    if len(offsets) and int(offsets.max()) >= 2**32:
        parts.append(_counted(b"co64", offsets, U64))
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
    times = struct.pack(">IIIIiH10x", 0, 0, timescale, duration, 0x10000, 0x100)
    return _full(b"mvhd", 0, 0, times, _IDENTITY_MATRIX, bytes(24), struct.pack(">I", next_track))


def _ftyp(signed_offsets: bool) -> bytes:
    brands = b"isomiso2avc1mp41" + (b"iso4" if signed_offsets else b"")  # iso4: ctts version 1
    return _box(b"ftyp", b"isom", struct.pack(">I", 0x200), brands)


@dataclass(frozen=True)
class Expected:
    """A scene's recorded SHA-256, checked while its bytes are copied; ``label`` names it in errors."""

    label: str
    sha256: str


class ChangedInput(Exception):
    """A scene's bytes are not the ones recorded when it was stored."""

    def __init__(self, label: str) -> None:
        super().__init__(f"{label} changed since it was stored (its SHA-256 no longer matches the record)")
        self.label = label


def join(
    scenes: Sequence[Path], audio: Path | None, dst: Path, *, expected: Sequence[Expected | None] = ()
) -> None:
    """Write ``dst``: the scenes' video back to back and ``audio``'s one track beside it.

    ``scenes`` are single-video-track mp4s with the same sample description (avcC);
    ``audio`` (an m4a with one audio track, already the video's length) is muxed as it
    is. Each input is opened once, and its index and samples are read through that one
    descriptor. ``dst`` is overwritten. A scene with an ``expected`` SHA-256 is hashed as
    it is copied (in user space, the same single pass) and checked at the end.

    Raises:
        Unsupported: the inputs are not joinable this way (``dst`` is not written).
        ChangedInput: a scene's bytes do not match its expected SHA-256.
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
        readers = [_Reader(fd, expected[i] if i < len(expected) else None) for i, fd in enumerate(fds)]
        _write(dst, head, readers, copies)
        for reader in readers:
            reader.finish()
    finally:
        for fd in fds:
            os.close(fd)
    size = len(head) + sum(length for _, _, length in copies)
    if dst.stat().st_size != size:
        raise OSError(errno.EIO, f"joined file is {dst.stat().st_size} bytes, expected {size}")


def _read_inputs(
    files: Sequence[Path], fds: Sequence[int], *, with_audio: bool
) -> tuple[Track, np.ndarray, Track | None]:
    """The scenes' video joined into one track, the scene of each sample, and the audio track."""
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
    if not with_audio:
        return video, scene_of, None
    found = [t for t in read_tracks(files[-1], fds[-1]) if t.handler == "soun"]
    if len(found) != 1:
        raise Unsupported(f"{files[-1].name} has {len(found)} audio tracks")
    sound = found[0]
    if abs(sound.presented - video.presented) <= 1e-3:  # a bed made for this video: same length
        sound.presented = video.presented
    return video, scene_of, sound


def _place_chunks(order: Sequence[tuple[_Layout, int]], start: int) -> list[tuple[int, int, int]]:
    """Give each chunk its output offset from ``start`` on; returns the (input, offset, length) copies."""
    cursor = start
    copies: list[tuple[int, int, int]] = []
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
    return copies


def _prepare(
    files: Sequence[Path], fds: Sequence[int], *, with_audio: bool
) -> tuple[bytes, list[tuple[int, int, int]]]:
    """The joined file's head (ftyp, moov, mdat header) and the byte ranges to copy after it."""
    video, scene_of, sound = _read_inputs(files, fds, with_audio=with_audio)
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
        copies = _place_chunks(order, head_size)
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


class _Reader:
    """One input: copied in the kernel, or, when its SHA-256 is expected, read, hashed and written.

    Copies of one input come in ascending offsets (a scene's samples in order), so the whole
    file is hashed in one sequential pass: the gaps between copied ranges (ftyp, moov, box
    headers) are read and hashed too, and the rest of the file at :meth:`finish`.
    """

    def __init__(self, fd: int, expected: Expected | None) -> None:
        self.fd, self.expected, self.pos = fd, expected, 0
        self.hash = hashlib.sha256() if expected is not None else None
        self.in_order = True

    def copy(self, out: int, offset: int, length: int) -> None:
        if self.hash is None:
            _copy_range(self.fd, out, offset, length)
            return
        if offset < self.pos:
            self.in_order = False
        elif offset > self.pos:
            self._hash_to(offset)
        end = offset + length
        while offset < end:
            block = os.pread(self.fd, min(end - offset, 1 << 20), offset)
            if not block:
                raise OSError(errno.EIO, "source ended early")
            self.hash.update(block)
            view = memoryview(block)
            while view:
                view = view[os.write(out, view) :]
            offset += len(block)
        self.pos = max(self.pos, end)

    def _hash_to(self, offset: int) -> None:
        assert self.hash is not None
        while self.pos < offset:
            block = os.pread(self.fd, min(offset - self.pos, 1 << 20), self.pos)
            if not block:
                break
            self.hash.update(block)
            self.pos += len(block)

    def finish(self) -> None:
        """Hash the rest and compare (a second pass only for an input copied out of order).

        Raises:
            ChangedInput: the bytes are not the expected ones.
        """
        if self.hash is None or self.expected is None:
            return
        if not self.in_order:
            self.hash, self.pos = hashlib.sha256(), 0
        self._hash_to(os.fstat(self.fd).st_size)
        if self.hash.hexdigest() != self.expected.sha256:
            raise ChangedInput(self.expected.label)


def _write(
    dst: Path, head: bytes, readers: Sequence[_Reader], copies: Sequence[tuple[int, int, int]]
) -> None:
    out = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(head)
        while view:
            view = view[os.write(out, view) :]
        for src, offset, length in copies:
            readers[src].copy(out, offset, length)
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
