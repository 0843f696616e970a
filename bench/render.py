"""Re-render after a one-scene edit: Atelier vs moviepy vs the bare-ffmpeg floor.

    python bench/render.py [--scenes 5] [--seconds 4] [--repeat 7] [--skip-moviepy]

Builds an ad of N canonical 720x1280 scenes with moving, textured content (lavfi
testsrc2 / life / cellauto / mandelbrot plus grain), renders it once (the state
before the edit), then replaces the middle scene and re-renders, timing:

- ``atelier_s``: the edit as the pipeline runs it: ``normalize_scene`` on the new
  scene (here written by our own encoder, as the offline generator does, so the
  verified copy path) + ``render_final`` of all scenes with the music bed (a byte
  copy under a new index, editing/mp4join.py);
- ``floor_s``: the issue's floor for the same output: copying the new scene into
  place + one bare ffmpeg concat-demuxer stream copy muxing the AAC bed (with the
  same demuxer options and index reservation Atelier's ffmpeg fallback uses);
- ``copy_bytes_s``: copying the final file once (copy_file_range), the least any
  writer of a whole file pays, timed in turn with the two above; ``final_mb`` is its size;
- ``moviepy_s``: moviepy's concatenate_videoclips + write_videofile of the same
  scenes and bed (the usual approach: decode and re-encode everything);
- ``foreign_*``: the same edit when the new scene is a model's mp4 (re-encoded);
- ``retime_*``: an edit that changes the scene's length, so the bed is re-encoded;
- ``peak_rss_mb``: peak memory of a foreign-scene edit (Python + its largest ffmpeg).

Prints one JSON line. Times are medians of ``--repeat`` runs (moviepy: one run).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from editing import media
from editing.media import VideoFormat

FMT = VideoFormat()  # 720x1280 @ 24 fps, the campaign format

GRAIN = "noise=alls=3:allf=t"
SOURCES = (
    "testsrc2=s={w}x{h}:r={fps},hue=H=t*0.6+{i},{grain}",
    "life=s={w}x{h}:r={fps}:mold=10:ratio=0.3:seed={i}:life_color=gold:death_color=0x202030,gblur=sigma=3,{grain}",
    "cellauto=s={w}x{h}:r={fps}:rule={rule}:seed={i},gblur=sigma=2,colorchannelmixer=rr=0.9:gg=0.7:bb=0.4,"
    "noise=alls=6:allf=t",
    "mandelbrot=s={w}x{h}:r={fps}:start_scale={scale}:end_scale=0.05",
)
#: Picture of the edited scene (testsrc2 + grain), the same whatever the number of scenes.
NEW_SCENE = 12


def ffmpeg(*args: str) -> None:
    subprocess.run([media.ffmpeg_exe(), "-y", "-v", "fatal", *args], check=True, capture_output=True)


def source(i: int, fmt: VideoFormat) -> str:
    pattern = SOURCES[i % len(SOURCES)]
    return pattern.format(w=fmt.width, h=fmt.height, fps=fmt.fps, i=i, grain=GRAIN, rule=(30, 90, 110)[i % 3],
                          scale=0.6 - 0.05 * (i % 5))  # fmt: skip


def canonical_scene(path: Path, i: int, seconds: float, fmt: VideoFormat) -> Path:
    """A scene as the offline generator writes it: straight into the canonical format."""
    frames = round(seconds * fmt.fps)
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        source(i, fmt),
        "-frames:v",
        str(frames),
        *media.canonical_video_args(fmt),
        str(path),
    )
    return path


def model_scene(path: Path, i: int, fmt: VideoFormat) -> Path:
    """A text-to-video model's output: 5 s mp4 of another encoder, with an audio track."""
    ffmpeg("-f", "lavfi", "-i", source(i, fmt), "-f", "lavfi", "-i", "sine=f=440:d=5", "-t", "5",
           "-c:v", "libx264", "-preset", "medium", "-crf", "18", "-pix_fmt", "yuv420p", "-c:a", "aac",
           str(path))  # fmt: skip
    return path


def music_bed(path: Path) -> Path:
    """An 8 s stereo bed at 44.1 kHz (a chord and soft noise): shorter than the ad, so it loops."""
    chord = "0.2*sin(2*PI*220*t)+0.15*sin(2*PI*277.2*t)+0.12*sin(2*PI*329.6*t)"
    ffmpeg("-f", "lavfi", "-i", f"aevalsrc={chord}|{chord}:s=44100:d=8",
           "-f", "lavfi", "-i", "anoisesrc=c=pink:a=0.02:d=8:r=44100",
           "-filter_complex", "[0][1]amix=inputs=2:normalize=0", "-c:a", "pcm_s16le", str(path))  # fmt: skip
    return path


def timed(fn: Callable[[], object]) -> float:
    """Seconds ``fn`` takes; a directory it returns is removed afterwards, outside the timing.

    Removing each run's output keeps tens of MB of dirty pages per run from piling up: the
    kernel's writeback of them would slow the later runs' writes.
    """
    start = time.perf_counter()
    out = fn()
    elapsed = time.perf_counter() - start
    if isinstance(out, Path):
        shutil.rmtree(out)
    return elapsed


def median_of(repeat: int, *fns: Callable[[], object]) -> list[float]:
    """Run the functions in turn ``repeat`` times (after one warm-up round); median time of each."""
    for fn in fns:
        timed(fn)
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for k, fn in enumerate(fns):
            times[k].append(timed(fn))
    return [statistics.median(t) for t in times]


def copy_bytes(src: Path, dst: Path) -> None:
    """Copy a file inside the kernel (copy_file_range), the cheapest way to write its bytes."""
    with src.open("rb") as a, dst.open("wb") as b:
        size, done = src.stat().st_size, 0
        while done < size:
            done += os.copy_file_range(a.fileno(), b.fileno(), size - done, done)


def floor_listing(scenes: list[Path], work: Path) -> Path:
    """The concat script, with the same per-file option Atelier uses (no decoder per scene)."""
    listing = work / "floor.txt"
    listing.write_text(
        "ffconcat version 1.0\n" + "".join(f"file '{p}'\noption codec_whitelist none\n" for p in scenes)
    )
    return listing


def floor_render(scenes: list[Path], audio_m4a: Path, dst: Path, work: Path) -> None:
    """The bare concat: one ffmpeg, concat demuxer stream copy + the AAC bed, +faststart."""
    listing = floor_listing(scenes, work)
    ffmpeg("-f", "concat", "-auto_convert", "0", "-safe", "0", "-i", str(listing), "-i", str(audio_m4a),
           "-map", "0:v", "-map", "1:a", "-c", "copy", "-moov_size", "200000", str(dst))  # fmt: skip


def floor_render_with_audio_encode(
    scenes: list[Path], bed: Path, dst: Path, work: Path, samples: int
) -> None:
    listing = floor_listing(scenes, work)
    fade = media.AUDIO_RATE
    ffmpeg("-f", "concat", "-auto_convert", "0", "-safe", "0", "-i", str(listing),
           "-stream_loop", "-1", "-i", str(bed), "-map", "0:v", "-map", "1:a", "-c:v", "copy",
           "-af", f"aresample=48000,atrim=end_sample={samples},afade=t=out:ss={samples - fade}:ns={fade}",
           "-c:a", "aac", "-b:a", media.AUDIO_BITRATE, "-ac", "2",
           "-moov_size", "200000", str(dst))  # fmt: skip


def moviepy_render(scenes: list[Path], bed: Path, dst: Path, fmt: VideoFormat) -> None:
    from moviepy import AudioFileClip, VideoFileClip, afx, concatenate_videoclips

    clips = [VideoFileClip(str(p), audio=False) for p in scenes]
    video = concatenate_videoclips(clips)
    audio = AudioFileClip(str(bed)).with_effects(
        [afx.AudioLoop(duration=video.duration), afx.AudioFadeOut(1.0)]
    )
    video.with_audio(audio).write_videofile(
        str(dst), fps=fmt.fps, codec="libx264", audio_codec="aac", logger=None
    )
    for clip in (*clips, video, audio):
        clip.close()


def memory_child(spec: str) -> None:
    """Run one foreign-scene edit in this fresh process and report its peak memory (kB)."""
    args = json.loads(spec)
    work = Path(args["work"])
    media.normalize_scene(Path(args["new"]), work / "mem_scene.mp4", FMT, args["seconds"])
    scenes = [Path(p) for p in args["scenes"]]
    scenes[len(scenes) // 2] = work / "mem_scene.mp4"
    media.render_final(scenes, Path(args["bed"]), work / "mem_final.mp4", work, cache_dir=Path(args["cache"]))
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    sys.stdout.write(json.dumps({"self_kb": own, "children_kb": children}) + "\n")


class Edits:
    """The edits timed against each other, on one set of scenes and one music bed in ``root``."""

    def __init__(self, root: Path, n: int, seconds: float, fmt: VideoFormat) -> None:
        self.root, self.n, self.seconds, self.fmt = root, n, seconds, fmt
        self.cache = root / "cache"
        self.scenes = [canonical_scene(root / f"scene{i}.mp4", i, seconds, fmt) for i in range(n)]
        self.bed = music_bed(root / "bed.wav")
        self.edit_at = n // 2
        # The new scene's picture must not depend on --scenes, or 5 and 10 scenes are not comparable.
        self.new_canonical = canonical_scene(root / "new_generated.mp4", NEW_SCENE, seconds, fmt)
        self.new_longer = canonical_scene(root / "new_longer.mp4", NEW_SCENE, seconds + 1, fmt)
        self.new_foreign = model_scene(root / "new_model.mp4", NEW_SCENE, fmt)
        # The ad as it was before the edit: this render encodes the bed for this length.
        media.render_final(self.scenes, self.bed, root / "before.mp4", root, cache_dir=self.cache)
        self.frames = n * round(seconds * fmt.fps)
        self.samples = self.frames * media.AUDIO_RATE // fmt.fps
        self.bed_m4a = media.audio_track(self.bed, self.samples, self.cache)
        self.counter = iter(range(10**6))

    def _work(self, kind: str) -> Path:
        work = self.root / f"{kind}{next(self.counter)}"
        work.mkdir()
        return work

    def _with(self, scene: Path) -> list[Path]:
        return [*self.scenes[: self.edit_at], scene, *self.scenes[self.edit_at + 1 :]]

    def atelier(self, new: Path, length: float) -> Callable[[], Path]:
        """Atelier's edit: normalize the new scene, render the final."""

        def edit() -> Path:
            work = self._work("edit")
            scene = work / "scene.mp4"
            media.normalize_scene(new, scene, self.fmt, length)
            media.render_final(self._with(scene), self.bed, work / "final.mp4", work, cache_dir=self.cache)
            return work

        return edit

    def floor(self, encode: bool) -> Callable[[], Path]:
        """The least any implementation can do: copy (or encode once) the scene, concat with ffmpeg."""

        def edit() -> Path:
            work = self._work("floor")
            scene = work / "scene.mp4"
            if encode:
                # the same picture work as Atelier's: frame rate, scale, BT.709 conversion
                fmt = self.fmt
                vf = f"fps={fmt.fps},scale={fmt.width}:{fmt.height}:flags=bicubic:out_color_matrix=bt709"
                vf += ":out_range=tv,setsar=1,format=yuv420p"
                n_frames = str(round(self.seconds * fmt.fps))
                args = ["-i", str(self.new_foreign), "-map", "0:v:0", "-vf", vf, "-frames:v", n_frames]
                ffmpeg(*args, *media.canonical_video_args(fmt), "-an", str(scene))
            else:
                shutil.copyfile(self.new_canonical, scene)
            floor_render(self._with(scene), self.bed_m4a, work / "final.mp4", work)
            return work

        return edit

    def retime_atelier(self) -> Path:
        for stale in self.cache.glob("bed-*.m4a"):
            if stale != self.bed_m4a:
                stale.unlink()
        return self.atelier(self.new_longer, self.seconds + 1)()

    def retime_floor(self) -> Path:
        work = self._work("floor")
        scene = work / "scene.mp4"
        shutil.copyfile(self.new_longer, scene)
        longer = self.samples + media.AUDIO_RATE
        floor_render_with_audio_encode(self._with(scene), self.bed, work / "final.mp4", work, longer)
        return work

    def checked_edit(self) -> tuple[Path, list[Path]]:
        """One edit to check the output (and to feed moviepy the very same scenes)."""
        check_dir = self._work("check")
        media.normalize_scene(self.new_canonical, check_dir / "scene.mp4", self.fmt, self.seconds)
        edited = self._with(check_dir / "scene.mp4")
        media.render_final(edited, self.bed, check_dir / "final.mp4", check_dir, cache_dir=self.cache)
        return check_dir / "final.mp4", edited

    def peak_rss_mb(self) -> float:
        """Peak memory of one foreign-scene edit in a fresh process."""
        spec = {"work": str(self.root), "new": str(self.new_foreign), "seconds": self.seconds}
        spec |= {"bed": str(self.bed), "cache": str(self.cache), "scenes": [str(p) for p in self.scenes]}
        cmd = [sys.executable, __file__, "--memory-child", json.dumps(spec)]
        mem = subprocess.run(cmd, check=True, capture_output=True, text=True)
        rss = json.loads(mem.stdout.strip().splitlines()[-1])
        return round((rss["self_kb"] + rss["children_kb"]) / 1024, 1)


def _ratio(a: float | None, b: float) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def run(n: int, seconds: float, repeat: int, skip_moviepy: bool) -> dict[str, object]:
    fmt = FMT
    load = os.getloadavg()[0]  # other work on the machine skews every figure: say how busy it was
    with tempfile.TemporaryDirectory(prefix="atelier-bench-") as tmp:
        e = Edits(Path(tmp), n, seconds, fmt)
        last, edited = e.checked_edit()
        check = media.probe(last, count_frames=True)

        def copy_final() -> Path:
            work = e._work("copy")
            copy_bytes(last, work / "final.mp4")
            return work

        atelier_s, floor_s, copy_bytes_s = median_of(
            repeat, e.atelier(e.new_canonical, seconds), e.floor(encode=False), copy_final
        )
        half = max(3, repeat // 2)
        foreign_s, foreign_floor_s = median_of(half, e.atelier(e.new_foreign, seconds), e.floor(encode=True))
        retime_s, retime_floor_s = median_of(half, e.retime_atelier, e.retime_floor)
        final_mb = last.stat().st_size / 1e6
        thumbs_s = median_of(repeat, lambda: (
            media.extract_thumbnail(e.new_canonical, e.root / "t_scene.jpg"),
            media.extract_thumbnail(last, e.root / "t_final.jpg"),
        ))[0]  # fmt: skip
        peak_rss_mb = e.peak_rss_mb()
        moviepy_s = None
        if not skip_moviepy:
            moviepy_s = timed(lambda: moviepy_render(edited, e.bed, e.root / "moviepy.mp4", fmt))
    return {
        "scenes": n,
        "seconds": n * seconds,
        "size": f"{fmt.width}x{fmt.height}@{fmt.fps}",
        "moviepy_s": round(moviepy_s, 3) if moviepy_s is not None else None,
        "atelier_s": round(atelier_s, 4),
        "floor_s": round(floor_s, 3),
        "speedup_vs_moviepy": _ratio(moviepy_s, atelier_s),
        "ratio_to_floor": _ratio(atelier_s, floor_s),
        "copy_bytes_s": round(copy_bytes_s, 4),
        "final_mb": round(final_mb, 1),
        "thumbnails_s": round(thumbs_s, 3),
        "foreign_atelier_s": round(foreign_s, 3),
        "foreign_floor_s": round(foreign_floor_s, 3),
        "foreign_speedup_vs_moviepy": _ratio(moviepy_s, foreign_s),
        "foreign_ratio_to_floor": _ratio(foreign_s, foreign_floor_s),
        "retime_atelier_s": round(retime_s, 3),
        "retime_floor_s": round(retime_floor_s, 3),
        "retime_ratio_to_floor": _ratio(retime_s, retime_floor_s),
        "frames_exact": check.nb_frames == e.frames,
        "av_diff_ms": round(abs(check.audio_duration - check.video_duration) * 1000, 1),
        "peak_rss_mb": peak_rss_mb,
        "repeat": repeat,
        "load_avg_1m": round(load, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=4.0, help="length of each scene")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--skip-moviepy", action="store_true")
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.memory_child:
        memory_child(args.memory_child)
        return
    print(json.dumps(run(args.scenes, args.seconds, args.repeat, args.skip_moviepy)))


if __name__ == "__main__":
    main()
