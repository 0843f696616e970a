"""Everything Atelier does to video and audio files, on the ffmpeg of the imageio-ffmpeg wheel.

One door for the rest of the package: probe a file, bring a scene to the campaign's
canonical format, render the final (scenes joined by copying their bytes + the music
bed), and take pictures out of videos. Inside:

* ``format``    the canonical format (:class:`VideoFormat`) and its H.264 level
* ``ffmpeg``    the binaries, ``run``, and every command line (pure builders)
* ``probe``     ffprobe's description, and refusing what is not a video
* ``mp4``       the one mp4 box reader (lenient summary, strict sample tables)
* ``canonical`` recognizing and writing canonical scenes
* ``mp4join``   the byte join of canonical scenes and an AAC track
* ``render``    the final video and the cached audio bed
* ``frames``    poster frames and decoded frames
"""

from editing.media.canonical import (
    FrameWriter,
    canonical_mismatch,
    normalize_scene,
    open_frame_writer,
    scale_crop_filter,
)
from editing.media.ffmpeg import AUDIO_BITRATE, AUDIO_RATE, canonical_video_args, ffmpeg_exe, ffprobe_exe
from editing.media.format import TICKS_PER_FRAME, VideoFormat, h264_level
from editing.media.frames import extract_thumbnail, read_frames
from editing.media.mp4 import Mp4Video, read_mp4_video
from editing.media.probe import ProbeResult, probe, validate_audio, validate_video
from editing.media.render import FADE_OUT_S, audio_track, render_final, wav_audio

__all__ = [
    "AUDIO_BITRATE",
    "AUDIO_RATE",
    "FADE_OUT_S",
    "TICKS_PER_FRAME",
    "FrameWriter",
    "Mp4Video",
    "ProbeResult",
    "VideoFormat",
    "audio_track",
    "canonical_mismatch",
    "canonical_video_args",
    "extract_thumbnail",
    "ffmpeg_exe",
    "ffprobe_exe",
    "h264_level",
    "normalize_scene",
    "open_frame_writer",
    "probe",
    "read_frames",
    "read_mp4_video",
    "render_final",
    "scale_crop_filter",
    "validate_audio",
    "validate_video",
    "wav_audio",
]
