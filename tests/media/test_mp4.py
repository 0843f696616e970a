"""The one mp4 box reader: its lenient summary and its strict expansion read the same boxes alike."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np
import pytest

from editing.media import mp4
from tests.media.test_media import FMT, canonical_scene, ff


def test_summary_and_tables_agree(tmp_path: Path) -> None:
    scene = canonical_scene(tmp_path / "s.mp4", frames=30)
    summary = mp4.read_mp4_video(scene)
    [track] = mp4.read_tracks(scene)
    assert summary is not None and summary.complete and summary.faststart and summary.first_is_sync
    assert summary.frames == len(track.sizes) == 30
    assert summary.timescale == track.timescale == FMT.timescale
    assert summary.sample_bytes == int(track.sizes.sum())
    assert summary.sample_delta == 512 and np.all(track.deltas == 512)
    assert (summary.width, summary.height) == (FMT.width, FMT.height) and summary.tracks == ("vide",)
    assert summary.avcc and track.raw[b"stsd"].find(summary.avcc) > 0
    assert track.sync is not None and track.sync[0] == 0


def test_top_level_walks_without_reading_mdat(tmp_path: Path) -> None:
    scene = canonical_scene(tmp_path / "s.mp4")

    fd = os.open(scene, os.O_RDONLY)
    try:
        kinds = [k for k, _, _ in mp4.top_level(fd)]
    finally:
        os.close(fd)
    assert kinds[0] == b"ftyp" and kinds.index(b"moov") < kinds.index(b"mdat")


def test_truncated_file_is_summarized_as_incomplete_and_refused_strictly(tmp_path: Path) -> None:
    scene = canonical_scene(tmp_path / "s.mp4", frames=30)
    cut = tmp_path / "cut.mp4"
    data = scene.read_bytes()
    cut.write_bytes(data[: len(data) - 2000])
    summary = mp4.read_mp4_video(cut)
    assert summary is not None and not summary.complete
    with pytest.raises(mp4.Unsupported, match="not a complete plain mp4"):
        mp4.read_tracks(cut)


def test_not_an_mp4(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"<html>502</html>" * 10)
    assert mp4.read_mp4_video(junk) is None
    with pytest.raises(mp4.Unsupported):
        mp4.read_tracks(junk)
    assert mp4.read_mp4_video(tmp_path / "missing.mp4") is None


def test_edit_lists_are_read_the_same_way(tmp_path: Path) -> None:
    """An mp4 with an audio track and B-frames: the summary's start and the strict media time agree."""
    src = tmp_path / "av.mp4"
    inputs = ["-f", "lavfi", "-i", "testsrc2=s=144x256:r=24:d=1", "-f", "lavfi", "-i", "sine=d=1"]
    ff(*inputs, "-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-c:a", "aac", "-shortest", str(src))
    summary = mp4.read_mp4_video(src)
    tracks = mp4.read_tracks(src)
    assert summary is not None and summary.tracks == tuple(t.handler for t in tracks) == ("vide", "soun")
    video = tracks[0]
    first_offset = int(video.cts[0]) if video.cts is not None else 0
    assert summary.starts_at_zero == (video.media_time == first_offset)


def test_boxes_stop_at_a_malformed_size() -> None:
    data = struct.pack(">I4s", 16, b"free") + bytes(8) + struct.pack(">I4s", 4, b"junk")
    assert [k for k, *_ in mp4.boxes(data, 0, len(data))] == [b"free"]
