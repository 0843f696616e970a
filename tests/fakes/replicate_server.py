"""A fake Replicate predictions API plus a delivery host for the output files.

Routes (the official client's): POST /v1/models/{owner}/{name}/predictions,
POST /v1/predictions (by version), GET /v1/predictions/{id},
POST /v1/predictions/{id}/cancel, GET /v1/account, GET /v1/models/{owner}/{name};
and GET /files/{name} serving ``video`` (the output URL points there unless a
PredictionScript says otherwise, so set TRUSTED_MEDIA_HOSTS to ``fake.host``).

Each created prediction follows the next queued PredictionScript (or the default):
``polls_until_done`` GETs answer "processing" with a tqdm-style progress line in the
logs, then the outcome. ``poll_errors`` maps a GET's 1-based number to an HTTP
status answered instead (the state does not advance on those).
"""

from __future__ import annotations

import itertools
import subprocess
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from tests.fakes._http import FakeHTTPServer, Recorded, Response

_ids = itertools.count(1)


def make_tiny_mp4(seconds: float = 1.0, size: tuple[int, int] = (72, 128), fps: int = 12) -> bytes:
    """Bytes of a tiny real H.264 mp4 (9:16 by default), made with the bundled ffmpeg."""
    from editing.media import ffmpeg_exe

    with tempfile.TemporaryDirectory() as tmp:
        dst = Path(tmp) / "tiny.mp4"
        subprocess.run(
            [ffmpeg_exe(), "-y", "-v", "error", "-f", "lavfi",
             "-i", f"color=c=0xC9A227:s={size[0]}x{size[1]}:d={seconds}:r={fps}",
             "-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(dst)],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        return dst.read_bytes()


@dataclass
class PredictionScript:
    """How one prediction behaves."""

    polls_until_done: int = 2
    outcome: Literal["succeeded", "failed", "canceled", "never"] = "succeeded"
    error: str = "E005: The model produced an error: CUDA out of memory"
    output_url: str | None = None  # default: this fake's /files/{id}.mp4
    output_as_list: bool = False
    null_output: bool = False  # succeed with "output": null
    poll_errors: dict[int, int] = field(default_factory=dict)
    create_error: int | None = None  # answer the create POST with this status (nothing is created)
    seconds: float | None = None  # when set, done this long after creation (polls do not matter)


@dataclass
class _Prediction:
    id: str
    model: str
    version: str
    input: dict[str, Any]
    script: PredictionScript
    created_at: str
    status: str = "starting"
    polls: int = 0
    logs: str = ""
    output: Any = None
    error: str | None = None
    completed_at: str | None = None
    started: float = field(default_factory=time.monotonic)


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _progress_line(done: int, total: int) -> str:
    pct = int(100 * done / total)
    bar = "█" * (pct // 10) + " " * (10 - pct // 10)
    return f"{pct:3d}%|{bar}| {done}/{total} [00:0{done}<00:0{total - done},  1.00it/s]"


class FakeReplicate(FakeHTTPServer):
    """Replicate-compatible API on 127.0.0.1; set REPLICATE_BASE_URL to ``base_url``."""

    def __init__(
        self,
        *,
        api_token: str | None = "r8_test_atelier",
        video: bytes | None = None,
        models: tuple[str, ...] = ("bytedance/seedance-1-lite",),
        file_delay: float = 0.0,
        file_failures: int = 0,
        default_script: PredictionScript | None = None,
    ) -> None:
        super().__init__()
        self.api_token = api_token
        self.video = video
        self.models = models
        self.file_delay = file_delay
        self.file_failures = file_failures  # the first N file GETs answer 503
        self.script: deque[PredictionScript] = deque()
        self.default_script = default_script or PredictionScript()
        self.predictions: dict[str, _Prediction] = {}

    @property
    def base_url(self) -> str:
        return self.url

    def queue(self, *scripts: PredictionScript) -> FakeReplicate:
        with self.lock:
            self.script.extend(scripts)
        return self

    @property
    def creates(self) -> list[Recorded]:
        """Every create POST (answered or refused)."""
        return [r for r in self.requests_to("POST", "/v1/") if r.path.endswith("/predictions")]

    @property
    def cancels(self) -> list[Recorded]:
        return [r for r in self.requests_to("POST", "/v1/predictions/") if r.path.endswith("/cancel")]

    def polls(self, prediction_id: str | None = None) -> list[Recorded]:
        prefix = f"/v1/predictions/{prediction_id}" if prediction_id else "/v1/predictions/"
        return self.requests_to("GET", prefix)

    # Routing ----------------------------------------------------------------
    def route(self, req: Recorded) -> Response:
        p = req.path
        if p.startswith("/files/"):
            return self._file(p)
        if self.api_token is not None and req.headers.get("authorization") != f"Bearer {self.api_token}":
            return _problem(401, "Unauthenticated", "You did not pass a valid authentication token")
        parts = p.strip("/").split("/")
        if req.method == "POST" and p == "/v1/predictions":
            body = req.json or {}
            return self._create(f"version:{body.get('version')}", str(body.get("version")), body)
        if (
            req.method == "POST"
            and len(parts) == 5
            and parts[:2] == ["v1", "models"]
            and parts[4] == "predictions"
        ):
            model = f"{parts[2]}/{parts[3]}"
            if model not in self.models:
                return _problem(404, "Not found", f"Model {model} not found")
            return self._create(model, "hidden", req.json or {})
        if len(parts) == 3 and parts[:2] == ["v1", "predictions"] and req.method == "GET":
            return self._poll(parts[2])
        if len(parts) == 4 and parts[:2] == ["v1", "predictions"] and parts[3] == "cancel":
            return self._cancel(parts[2])
        if req.method == "GET" and p == "/v1/account":
            return Response(200, {"type": "user", "username": "atelier-test", "name": "Atelier Test",
                                  "github_url": None})  # fmt: skip
        if req.method == "GET" and len(parts) == 4 and parts[:2] == ["v1", "models"]:
            model = f"{parts[2]}/{parts[3]}"
            if model not in self.models:
                return _problem(404, "Not found", f"Model {model} not found")
            return Response(200, _model_json(parts[2], parts[3]))
        return _problem(404, "Not found", f"no route for {req.method} {p}")

    def _create(self, model: str, version: str, body: dict[str, Any]) -> Response:
        with self.lock:
            script = self.script.popleft() if self.script else self.default_script
            if script.create_error:
                return _problem(script.create_error, "Create refused", f"HTTP {script.create_error}")
            pid = f"fake{next(_ids):04d}q{len(self.predictions)}"
            pred = _Prediction(pid, model, version, dict(body.get("input") or {}), script, _now())
            self.predictions[pid] = pred
            return Response(201, self._json(pred))

    def _poll(self, pid: str) -> Response:
        with self.lock:
            pred = self.predictions.get(pid)
            if pred is None:
                return _problem(404, "Not found", "The requested resource could not be found.")
            pred.polls += 1
            status = pred.script.poll_errors.get(pred.polls)
            if status:
                return _problem(status, "Internal Server Error", "An unexpected error occurred")
            if pred.status in ("starting", "processing"):
                self._advance(pred)
            return Response(200, self._json(pred))

    def _advance(self, pred: _Prediction) -> None:
        s = pred.script
        done = pred.polls - len([n for n in s.poll_errors if n <= pred.polls])
        total = max(s.polls_until_done, 1)
        if s.seconds is not None:  # a model that takes a given time, however often it is polled
            total = 10
            done = min(total, int(total * (time.monotonic() - pred.started) / s.seconds))
            waiting = done < total
        else:
            waiting = done < s.polls_until_done
        if s.outcome == "never" or waiting:
            pred.status = "processing"
            pred.logs = "Using seed: 1\n" + _progress_line(min(done, total), total)
            return
        pred.completed_at = _now()
        pred.status = s.outcome
        if s.outcome == "succeeded":
            url = s.output_url or f"{self.url}/files/{pred.id}.mp4"
            pred.output = None if s.null_output else [url] if s.output_as_list else url
            pred.logs += "\n100%|██████████| done"
        elif s.outcome == "failed":
            pred.error = s.error

    def _cancel(self, pid: str) -> Response:
        with self.lock:
            pred = self.predictions.get(pid)
            if pred is None:
                return _problem(404, "Not found", "The requested resource could not be found.")
            if pred.status in ("starting", "processing"):
                pred.status = "canceled"
                pred.completed_at = _now()
            return Response(200, self._json(pred))

    def _file(self, path: str) -> Response:
        with self.lock:
            if self.file_failures > 0:
                self.file_failures -= 1
                return Response(503, body=b"upstream unavailable", content_type="text/plain")
        if self.video is None:
            return Response(404, body=b"no video configured", content_type="text/plain")
        return Response(200, body=self.video, content_type="video/mp4", delay=self.file_delay)

    def _json(self, pred: _Prediction) -> dict[str, Any]:
        base = f"{self.url}/v1/predictions/{pred.id}"
        return {
            "id": pred.id,
            "model": pred.model,
            "version": pred.version,
            "input": pred.input,
            "logs": pred.logs,
            "output": pred.output,
            "data_removed": False,
            "error": pred.error,
            "status": pred.status,
            "source": "api",
            "created_at": pred.created_at,
            "started_at": pred.created_at if pred.status != "starting" else None,
            "completed_at": pred.completed_at,
            "metrics": {"predict_time": 1.5} if pred.completed_at else {},
            "urls": {"get": base, "cancel": f"{base}/cancel", "web": f"https://replicate.com/p/{pred.id}"},
        }


def _problem(status: int, title: str, detail: str) -> Response:
    return Response(status, {"title": title, "detail": detail, "status": status},
                    content_type="application/problem+json")  # fmt: skip


def _model_json(owner: str, name: str) -> dict[str, Any]:
    return {
        "url": f"https://replicate.com/{owner}/{name}",
        "owner": owner,
        "name": name,
        "description": "A fake text-to-video model",
        "visibility": "public",
        "github_url": None,
        "paper_url": None,
        "license_url": None,
        "run_count": 42,
        "cover_image_url": None,
        "default_example": None,
        "latest_version": None,
    }
