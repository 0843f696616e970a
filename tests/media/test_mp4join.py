"""The byte-level join (editing/media/mp4join.py) against ffmpeg's own concat, on files made by ffmpeg."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from editing import media
from editing.media import mp4, mp4join, render
from tests.media.test_media import FMT, canonical_scene, ff, ffprobe, top_level_boxes, video_packets


def framemd5(path: Path, *args: str) -> list[str]:
    """Per-packet or per-frame md5 lines (timestamps, sizes, hashes), as ffmpeg's framemd5 writes them."""
    out = subprocess.run(
        [media.ffmpeg_exe(), "-v", "error", "-i", str(path), *args, "-f", "framemd5", "-"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return [line for line in out.splitlines() if not line.startswith("#")]


@pytest.fixture
def bed(tmp_path: Path) -> Path:
    path = tmp_path / "bed.wav"
    ff("-f", "lavfi", "-i", "sine=f=330:d=0.7:sample_rate=44100", "-ac", "2", str(path))
    return path


@pytest.fixture
def scenes(tmp_path: Path) -> list[Path]:
    lengths = {"red": 24, "lime": 13, "blue": 40, "yellow": 48}  # odd lengths: chunks do not line up
    return [canonical_scene(tmp_path / f"{c}.mp4", c, n) for c, n in lengths.items()]


def test_byte_join_gives_the_very_stream_ffmpeg_concat_gives(
    tmp_path: Path, scenes: list[Path], bed: Path
) -> None:
    frames = 24 + 13 + 40 + 48
    m4a = media.audio_track(bed, frames * 2000, tmp_path / "cache")
    ours, theirs = tmp_path / "ours.mp4", tmp_path / "theirs.mp4"
    mp4join.join(scenes, m4a, ours)
    (tmp_path / "w").mkdir()
    render._join_with_ffmpeg(scenes, m4a, theirs, tmp_path / "w", frames, frames * 2000)

    # Same packets (bytes, timestamps, keyframe flags) and the same decoded pictures and sound.
    assert framemd5(ours, "-map", "0", "-c", "copy") == framemd5(theirs, "-map", "0", "-c", "copy")
    assert framemd5(ours, "-map", "0:v") == framemd5(theirs, "-map", "0:v")
    assert framemd5(ours, "-map", "0:a") == framemd5(theirs, "-map", "0:a")
    a, b = ffprobe(ours), ffprobe(theirs)
    for key in ("duration", "nb_frames", "start_time", "profile", "level", "pix_fmt", "r_frame_rate"):
        assert [s.get(key) for s in a["streams"]] == [s.get(key) for s in b["streams"]], key
    assert a["format"]["duration"] == b["format"]["duration"]
    # Decoding the whole file is clean, and the index is at the front.
    subprocess.run(
        [media.ffmpeg_exe(), "-v", "error", "-xerror", "-i", str(ours), "-f", "null", "-"], check=True
    )
    assert top_level_boxes(ours) == [b"ftyp", b"moov", b"mdat"]
    keys = [p for p in video_packets(ours) if "K" in p["flags"]]
    assert [int(p["pts"]) // 512 for p in keys] == [0, 24, 37, 77], "each scene starts on a keyframe"


def _chunk_offsets(path: Path) -> dict[str, list[int]]:
    """Chunk offsets of each track, by handler, read straight from the boxes."""
    data = path.read_bytes()
    found: dict[str, list[int]] = {}
    for kind, start, end, _ in mp4.boxes(data, 0, len(data)):
        if kind != b"moov":
            continue
        for tkind, ts, te, _ in mp4.boxes(data, start, end):
            if tkind != b"trak":
                continue
            handler, offsets, stack = "", [], [(ts, te)]
            while stack:
                s, e = stack.pop()
                for k, ps, pe, _ in mp4.boxes(data, s, e):
                    if k in (b"mdia", b"minf", b"stbl"):
                        stack.append((ps, pe))
                    elif k == b"hdlr":
                        handler = data[ps + 8 : ps + 12].decode()
                    elif k == b"stco":
                        (n,) = struct.unpack_from(">I", data, ps + 4)
                        offsets = list(struct.unpack_from(f">{n}I", data, ps + 8))
            found[handler] = offsets
    return found


def test_audio_is_interleaved_about_once_a_second(tmp_path: Path, scenes: list[Path], bed: Path) -> None:
    m4a = media.audio_track(bed, 125 * 2000, tmp_path / "cache")
    out = tmp_path / "final.mp4"
    mp4join.join(scenes, m4a, out)
    chunks = _chunk_offsets(out)
    video, audio = chunks["vide"], chunks["soun"]
    # 24 + 13 + 40 + 48 frames at 24 fps, cut at scene starts and every second within a scene
    assert len(video) == 1 + 1 + 2 + 2
    order = sorted([(o, "v") for o in video] + [(o, "a") for o in audio])
    assert "".join(kind for _, kind in order) == "va" * len(video), "each second of video, then its sound"


def test_what_the_byte_join_cannot_take_is_refused(tmp_path: Path, scenes: list[Path], bed: Path) -> None:
    source = ("-f", "lavfi", "-i", f"testsrc2=s={FMT.width}x{FMT.height}:r=24", "-frames:v", "24")
    no_b_frames = tmp_path / "ultrafast.mp4"
    ff(*source, "-c:v", "libx264", "-preset", "ultrafast", str(no_b_frames))
    main_profile = tmp_path / "main.mp4"
    args = media.canonical_video_args(FMT)
    args[args.index("high")] = "main"
    ff(*source, *args, str(main_profile))
    other_clock = tmp_path / "90k.mp4"
    ff("-i", str(scenes[1]), "-c", "copy", "-video_track_timescale", "90000", str(other_clock))
    fragmented = tmp_path / "fragmented.mp4"
    ff("-i", str(scenes[0]), "-c", "copy", "-movflags", "frag_keyframe+empty_moov", str(fragmented))
    two_tracks = tmp_path / "two.mp4"
    ff("-i", str(scenes[0]), "-i", str(scenes[1]), "-map", "0", "-map", "1", "-c", "copy", str(two_tracks))
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(scenes[2].read_bytes()[:-500])
    cases = {
        "another sample description": [scenes[0], main_profile],
        "ultrafast.mp4: another sample description": [scenes[0], no_b_frames],
        "another timescale": [scenes[0], other_clock],
        "fragmented": [scenes[0], fragmented],
        "2 video tracks": [two_tracks],
        "not a complete": [scenes[0], truncated],
    }
    for why, inputs in cases.items():
        with pytest.raises(mp4join.Unsupported, match=why):
            mp4join.join(inputs, None, tmp_path / "out.mp4")
    with pytest.raises(mp4join.Unsupported, match="0 audio tracks"):
        mp4join.join(scenes, scenes[0], tmp_path / "out.mp4")


def test_offsets_past_4_gib_use_64_bit_chunk_offsets(tmp_path: Path, scenes: list[Path]) -> None:
    track = mp4.read_tracks(scenes[0])[0]
    layout = mp4join._Layout(
        track, np.zeros(len(track.sizes), dtype=np.int64), [0], [len(track.sizes)], [2**32 + 7]
    )
    stbl = mp4join._stbl(layout, track.raw[b"stsd"])
    at = stbl.find(b"co64")
    assert at > 0 and b"stco" not in stbl
    assert struct.unpack_from(">IQ", stbl, at + 8) == (1, 2**32 + 7)


def test_a_write_error_during_the_join_is_one_clear_line_and_leaves_nothing(
    tmp_path: Path, scenes: list[Path]
) -> None:
    # A file-size limit makes the copy fail half-way, as a full disk would.
    out = tmp_path / "out"
    out.mkdir()
    child = f"""
import resource, signal, sys
from pathlib import Path
from editing import media
from editing.errors import RenderError
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000))
try:
    out = Path({str(out)!r})
    media.render_final({[str(p) for p in scenes]!r}, None, out / "final.mp4", out)
except RenderError as exc:
    print(exc)
    sys.exit(3)
"""
    total = sum(p.stat().st_size for p in scenes)
    assert total > 20000
    proc = subprocess.run(
        [sys.executable, "-c", child], capture_output=True, text=True, cwd=Path(__file__).parents[2]
    )
    assert proc.returncode == 3, proc.stderr
    assert proc.stdout.strip().startswith("writing the final video failed: File too large")
    assert len(proc.stdout.strip().splitlines()) == 1
    assert list(out.iterdir()) == [], "no final and no temporary file left behind"


def test_scenes_that_differ_only_in_the_harmless_parts_join_by_copy(
    tmp_path: Path, scenes: list[Path]
) -> None:
    # A canonical scene that arrived with a sound track is remuxed by normalize_scene (its
    # sample description then has another encoder name and a colr box), and a 2-frame scene
    # has no B-frames (no composition offsets, no edit): both still join byte for byte.
    with_sound = tmp_path / "with_sound.mp4"
    ff("-i", str(scenes[1]), "-f", "lavfi", "-i", "sine=d=1", "-map", "0:v", "-map", "1:a", "-c:v", "copy",
       "-c:a", "aac", "-shortest", str(with_sound))  # fmt: skip
    remuxed = tmp_path / "remuxed.mp4"
    media.normalize_scene(with_sound, remuxed, FMT)
    two_frames = canonical_scene(tmp_path / "two.mp4", "white", 2)
    inputs = [scenes[0], remuxed, two_frames, scenes[2]]
    out = tmp_path / "joined.mp4"
    mp4join.join(inputs, None, out)

    expected = [line.split(",")[-1] for p in inputs for line in framemd5(p, "-map", "0:v")]
    assert [line.split(",")[-1] for line in framemd5(out, "-map", "0:v")] == expected, (
        "every picture, in order"
    )
    frames = 24 + 13 + 2 + 40
    assert sorted(int(p["pts"]) for p in video_packets(out)) == [512 * i for i in range(frames)]
    first_shown = ffprobe(out, "-show_entries", "stream=start_time")["streams"][0]["start_time"]
    assert float(first_shown) == 0.0


def test_the_bitrate_box_describes_the_joined_stream(tmp_path: Path, scenes: list[Path]) -> None:
    out = tmp_path / "joined.mp4"
    mp4join.join(scenes, None, out)
    data = out.read_bytes()
    at = data.find(b"btrt")
    _, peak, average = struct.unpack_from(">III", data, at + 4)
    sizes = [
        int(p["size"])
        for p in ffprobe(out, "-show_entries", "packet=size", "-select_streams", "v")["packets"]
    ]
    seconds = len(sizes) / 24
    assert average == sum(sizes) * 8 // seconds
    assert peak == max(sum(sizes[i : i + 24]) for i in range(len(sizes))) * 8, "the busiest second"
