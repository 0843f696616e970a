"""The seed's VideoGenerator on the official Replicate client: one paid prediction per edit.

The prediction is created once; its id goes to ``on_submitted`` before any waiting,
so the pipeline can record it, and ``resume_prediction_id`` waits on a recorded
prediction instead of paying for a second one. Polling reports progress, survives
transient errors (429, 5xx, network) with backoff, and cancels the prediction when
ATELIER_REPLICATE_TIMEOUT runs out. The output is fetched by editing.download
(trusted hosts only, size cap, time limit, validated as a video).
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from editing.config import Settings
from editing.errors import AtelierError, ConfigError, ProviderError, ProviderTimeout
from editing.media.packshot import data_uri
from editing.providers.base import GeneratedScene, SceneRequest, StepProgress
from editing.providers.replicate.download import DEFAULT_TIMEOUT_S, download_video

if TYPE_CHECKING:
    from replicate.client import Client
    from replicate.prediction import Prediction

log = logging.getLogger(__name__)

TERMINAL = ("succeeded", "failed", "canceled")
_TRANSIENT_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}
_MAX_PROMPT_CHARS = 2000


def _status_of(exc: BaseException) -> int | None:
    return getattr(exc, "status", None)


def _is_transient(exc: BaseException) -> bool:
    from replicate.exceptions import ReplicateError

    if isinstance(exc, ReplicateError):
        return _status_of(exc) in _TRANSIENT_STATUS
    # Network trouble, or a garbled body (JSON / schema errors are ValueErrors).
    return isinstance(exc, httpx.TransportError | ValueError)


def _describe(exc: BaseException) -> str:
    from replicate.exceptions import ReplicateError

    if isinstance(exc, ReplicateError):
        detail = " ".join(str(exc.detail or exc.title or "").split())[:300]
        return f"HTTP {exc.status}" + (f": {detail}" if detail else "")
    return f"{type(exc).__name__}: {exc}"[:300]


#: Models (by owner/name prefix) that take a first-frame image, and their input field. Seedance's
#: ``image`` is a URI or a data URI; with it, the video follows the image's framing.
IMAGE_INPUTS = {"bytedance/seedance": "image"}


class ReplicateVideoGenerator:
    """VideoGenerator backed by a Replicate text-to-video model (default bytedance/seedance-1-lite)."""

    name = "replicate"
    can_resume = True

    def __init__(
        self,
        settings: Settings,
        *,
        poll_interval_s: float | None = None,
        max_poll_failures: int = 6,
        download_timeout_s: float = DEFAULT_TIMEOUT_S,
        client: Client | None = None,
    ) -> None:
        """Args:
        settings: token, base URL, model, resolution, price, time limit.
        poll_interval_s: seconds between polls (default: REPLICATE_POLL_INTERVAL setting).
        max_poll_failures: consecutive failed polls before giving up (the prediction stays resumable).
        download_timeout_s: limit for fetching the output.
        client: a ready replicate.Client (tests); built lazily from settings when None.
        """
        self.settings = settings
        self.model = settings.replicate_model
        self.poll_interval_s = poll_interval_s or settings.replicate_poll_interval_s
        self.max_poll_failures = max_poll_failures
        self.download_timeout_s = download_timeout_s
        self._client = client

    # The client -------------------------------------------------------------
    @property
    def client(self) -> Client:
        if self._client is None:
            from replicate.client import Client

            token = self.settings.replicate_api_token
            if not token:
                raise ConfigError("REPLICATE_API_TOKEN is not set; the replicate video generator needs it")
            self._client = Client(
                api_token=token,
                base_url=self.settings.replicate_base_url,
                timeout=httpx.Timeout(30.0, connect=10.0),
            )
        return self._client

    @property
    def base_url(self) -> str:
        return self.settings.replicate_base_url or "https://api.replicate.com"

    # Cost and inputs ---------------------------------------------------------
    def seconds(self, duration: float) -> int:
        """Whole seconds requested from the model (and billed) for a scene of ``duration``."""
        secs = max(1, math.ceil(duration - 1e-6))
        if "seedance" in self.model:
            secs = min(max(secs, 2), 12)  # the Seedance models accept 2..12 s
        return secs

    def estimate_cost(self, duration: float) -> float:
        return self.seconds(duration) * self.settings.replicate_price_per_second

    @property
    def image_input(self) -> str | None:
        """The model's input field for a first-frame image (image-to-video), or None if it takes none."""
        owner_name = self.model.partition(":")[0]
        return next((field for prefix, field in IMAGE_INPUTS.items() if owner_name.startswith(prefix)), None)

    def build_input(self, request: SceneRequest) -> dict[str, Any]:
        """The model input: prompt (with the campaign style), duration, 9:16, resolution, seed.

        With the campaign's product image and a model that takes one, the image too (as a data URI,
        at most 1024 px a side): the scene starts from the packshot, so the bottle stays that bottle.
        """
        payload: dict[str, Any] = {
            "prompt": compose_prompt(request),
            "duration": self.seconds(request.duration),
            "aspect_ratio": "9:16",
            "resolution": self.settings.replicate_resolution,
            "seed": int(request.seed),
        }
        field = self.image_input
        if request.product_image is not None and field is not None:
            payload[field] = data_uri(request.product_image)
        return payload

    # VideoGenerator ---------------------------------------------------------
    def generate(
        self,
        request: SceneRequest,
        workdir: Path,
        *,
        on_progress: StepProgress | None = None,
        on_submitted: Callable[[str], None] | None = None,
        resume_prediction_id: str | None = None,
    ) -> GeneratedScene:
        """Create (or resume) the prediction, wait for it, and download its video into ``workdir``.

        Raises:
            ConfigError: no REPLICATE_API_TOKEN.
            ProviderError: creation refused, the prediction failed or was cancelled, polling kept
                failing, or the output URL / download was refused.
            ProviderTimeout: ATELIER_REPLICATE_TIMEOUT passed (the prediction is cancelled).
            InvalidVideoError: the output is not a decodable video.
        """
        progress = on_progress or (lambda _f, _m: None)
        if resume_prediction_id:
            pid = resume_prediction_id
            log.info("replicate: resuming prediction %s", pid)
            progress(None, f"resuming prediction {pid}")
        else:
            pid = self._create(request)
            progress(0.0, f"prediction {pid} submitted")
            if on_submitted is not None:
                try:
                    on_submitted(pid)
                except BaseException:
                    # We could not record it: do not leave an untracked paid job running.
                    self._cancel(pid)
                    raise
        prediction = self._wait(pid, progress)
        cost = self.estimate_cost(request.duration)  # billed once the prediction succeeded
        progress(None, "downloading the generated scene")
        try:
            url = self._output_url(prediction)
            path = download_video(url, workdir, self.settings, timeout_s=self.download_timeout_s)
        except ProviderTimeout as exc:
            # Not the model's time limit: the prediction is done and a resume downloads it again.
            raise ProviderError(f"{exc} (prediction {pid} can be resumed)", cost=cost) from exc
        except AtelierError as exc:
            exc.cost = cost
            raise
        progress(1.0, "scene video downloaded")
        log.info("replicate: prediction %s done, %s, $%.3f", pid, path.name, cost)
        return GeneratedScene(path=path, cost=cost, provider=self.name, prediction_id=pid)

    def _create(self, request: SceneRequest) -> str:
        """POST the prediction once. Retried only when nothing can have been created (429, refused)."""
        from replicate.exceptions import ReplicateError

        payload = self.build_input(request)
        owner_name, _, version = self.model.partition(":")
        for attempt in range(1, 4):
            try:
                if version:
                    pred = self.client.predictions.create(version=version, input=payload)
                else:
                    pred = self.client.models.predictions.create(model=owner_name, input=payload)
                log.info(
                    "replicate: created prediction %s on %s (%ss)", pred.id, self.model, payload["duration"]
                )
                return str(pred.id)
            except ReplicateError as exc:
                status = _status_of(exc)
                if status == 429 and attempt < 3:
                    self._sleep_backoff(attempt)
                    continue
                raise ProviderError(self._create_message(status, _describe(exc))) from None
            except httpx.ConnectError as exc:  # the request never reached the server
                if attempt < 3:
                    self._sleep_backoff(attempt)
                    continue
                raise ProviderError(f"cannot reach Replicate at {self.base_url}: {exc}") from None
            except httpx.TimeoutException:
                raise ProviderError(
                    "Replicate did not confirm the new prediction in time; it may still have been created "
                    "(check the Replicate dashboard before retrying)"
                ) from None
            except httpx.TransportError as exc:
                raise ProviderError(f"creating the prediction on Replicate failed: {exc}") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _create_message(self, status: int | None, detail: str) -> str:
        if status == 401:
            return "Replicate rejected the API token (HTTP 401); check REPLICATE_API_TOKEN"
        if status == 402:
            return f"Replicate refused the prediction: billing or credit required ({detail})"
        if status == 404:
            return f"Replicate model {self.model} was not found (ATELIER_REPLICATE_MODEL)"
        if status == 422:
            return f"Replicate rejected the model input for {self.model}: {detail}"
        return f"Replicate could not create the prediction: {detail}"

    def _wait(self, pid: str, progress: StepProgress) -> Prediction:
        from replicate.exceptions import ReplicateError

        limit = self.settings.replicate_timeout_s
        deadline = time.monotonic() + limit
        failures = 0
        last_status = ""
        while True:
            try:
                pred = self.client.predictions.get(pid)
                failures = 0
            except Exception as exc:
                if isinstance(exc, ReplicateError) and _status_of(exc) == 404:
                    raise ProviderError(f"Replicate has no prediction {pid} (HTTP 404)") from None
                if isinstance(exc, ReplicateError) and _status_of(exc) == 401:
                    raise ProviderError(
                        "Replicate rejected the API token (HTTP 401); check REPLICATE_API_TOKEN"
                    ) from None
                if not _is_transient(exc):
                    raise ProviderError(f"polling prediction {pid} failed: {_describe(exc)}") from exc
                failures += 1
                log.warning("replicate: poll %s failed (%d in a row): %s", pid, failures, _describe(exc))
                if failures > self.max_poll_failures:
                    raise ProviderError(
                        f"lost contact with Replicate while waiting for prediction {pid} "
                        f"({_describe(exc)}); retrying the edit resumes it"
                    ) from None
                progress(None, f"Replicate did not answer ({_describe(exc)}); retrying")
                self._pause(self._backoff(failures), deadline, pid, limit)
                continue
            if pred.status in TERMINAL:
                return self._finish(pred)
            p = pred.progress
            fraction = p.percentage if p is not None else None
            message = "waiting in Replicate's queue" if pred.status == "starting" else "generating the scene"
            if fraction is not None:
                message += f" ({fraction:.0%})"
            if pred.status != last_status:
                log.info("replicate: prediction %s is %s", pid, pred.status)
                last_status = pred.status
            progress(fraction, message)
            self._pause(self.poll_interval_s, deadline, pid, limit)

    def _pause(self, seconds: float, deadline: float, pid: str, limit: float) -> None:
        left = deadline - time.monotonic()
        if left <= 0:
            log.warning("replicate: prediction %s passed the %.0fs limit; cancelling", pid, limit)
            self._cancel(pid)
            raise ProviderTimeout(
                f"the video model did not finish within {limit:g}s (ATELIER_REPLICATE_TIMEOUT); "
                f"prediction {pid} was cancelled"
            )
        time.sleep(min(seconds, left))

    def _finish(self, pred: Prediction) -> Prediction:
        if pred.status == "succeeded":
            return pred
        if pred.status == "failed":
            err = " ".join(str(pred.error or "no error message").split())[:400]
            raise ProviderError(f"Replicate prediction {pred.id} failed: {err}")
        raise ProviderError(f"Replicate prediction {pred.id} was cancelled")

    def _output_url(self, pred: Prediction) -> str:
        out = pred.output
        if isinstance(out, list):
            out = next((o for o in out if isinstance(o, str)), None)
        if not isinstance(out, str) or not out:
            raise ProviderError(f"Replicate prediction {pred.id} succeeded without a video URL")
        return out

    def _cancel(self, pid: str) -> None:
        try:
            self.client.predictions.cancel(pid)
            log.info("replicate: cancelled prediction %s", pid)
        except Exception as exc:  # best effort: the caller is already failing
            log.warning("replicate: could not cancel prediction %s: %s", pid, _describe(exc))

    def _backoff(self, attempt: int) -> float:
        base = min(self.poll_interval_s * 2 ** (attempt - 1), 30.0)
        return float(base * (0.75 + 0.25 * random.random()))

    def _sleep_backoff(self, attempt: int) -> None:
        time.sleep(self._backoff(attempt))

    def check(self) -> str:
        """Verify the token and the model (short timeout).

        Raises:
            ProviderError: no token, token rejected, model unknown, or Replicate unreachable.
        """
        from replicate.client import Client
        from replicate.exceptions import ReplicateError

        try:
            token = self.settings.replicate_api_token
            if not token:
                raise ConfigError("REPLICATE_API_TOKEN is not set")
            quick = Client(
                api_token=token,
                base_url=self.settings.replicate_base_url,
                timeout=httpx.Timeout(5.0, connect=3.0),
            )
            account = quick.accounts.current()
            quick.models.get(self.model.partition(":")[0])
        except ConfigError as exc:
            raise ProviderError(str(exc)) from None
        except ReplicateError as exc:
            if exc.status == 401:
                raise ProviderError(
                    "Replicate rejected the API token (HTTP 401); check REPLICATE_API_TOKEN"
                ) from None
            if exc.status == 404:
                raise ProviderError(
                    f"Replicate model {self.model} was not found (ATELIER_REPLICATE_MODEL)"
                ) from None
            raise ProviderError(f"Replicate answered {_describe(exc)}") from None
        except (httpx.HTTPError, ValueError) as exc:
            raise ProviderError(f"cannot reach Replicate at {self.base_url}: {_describe(exc)}") from None
        return f"Replicate {self.model} as {account.username} at {self.base_url}"


def compose_prompt(request: SceneRequest) -> str:
    """The scene prompt plus the campaign style cues it does not already mention, and the format."""
    style = request.style_spec or {}
    cues = []
    for label, key in (
        ("lighting", "lighting_direction"),
        ("camera", "camera_style"),
        ("mood", "mood_atmosphere"),
    ):
        value = style.get(key)
        if isinstance(value, str) and value.strip() and value.lower() not in request.prompt.lower():
            cues.append(f"{label}: {value.strip()}")
    palette = [c for c in style.get("color_palette", []) or [] if isinstance(c, str)]
    if palette and not all(c.lower() in request.prompt.lower() for c in palette):
        cues.append("palette: " + ", ".join(palette))
    prompt = " ".join(request.prompt.split())
    if cues:
        prompt = f"{prompt.rstrip('.')}. Style — {'; '.join(cues)}."
    if "9:16" not in prompt:
        prompt += " Vertical 9:16 luxury perfume commercial."
    return prompt[:_MAX_PROMPT_CHARS]
