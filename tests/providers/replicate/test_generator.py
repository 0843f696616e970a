"""ReplicateVideoGenerator: the real replicate client against a local fake predictions API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from editing.config import Settings, load_settings
from editing.errors import InvalidVideoError, ProviderError, ProviderTimeout
from editing.media import probe
from editing.providers import registry
from editing.providers.base import SceneRequest, VideoGenerator
from editing.providers.replicate.generator import ReplicateVideoGenerator, compose_prompt
from tests.fakes.replicate_server import FakeReplicate, PredictionScript, make_tiny_mp4

REQUEST = SceneRequest(
    prompt="Maison Lumière Nº5 on black marble, golden rim light, slow push-in",
    style_spec={"lighting_direction": "low-key side light", "color_palette": ["black", "gold"]},
    duration=4.0,
    role="showcase",
    perfume_name="Maison Lumière Nº5",
    seed=7,
)


@pytest.fixture(scope="module")
def tiny_mp4() -> bytes:
    return make_tiny_mp4()


@pytest.fixture
def fake(tiny_mp4: bytes) -> Iterator[FakeReplicate]:
    with FakeReplicate(video=tiny_mp4) as server:
        yield server


def make_gen(fake: FakeReplicate, **overrides: object) -> ReplicateVideoGenerator:
    values: dict[str, object] = {
        "replicate_api_token": fake.api_token,
        "replicate_base_url": fake.base_url,
        "trusted_media_hosts": fake.host,
        "replicate_timeout_s": 5.0,
    }
    values.update(overrides)
    return ReplicateVideoGenerator(Settings(**values), poll_interval_s=0.01)  # type: ignore[arg-type]


def test_success_creates_once_records_the_id_first_and_downloads(fake: FakeReplicate, tmp_path: Path) -> None:
    fake.queue(PredictionScript(polls_until_done=3))
    submitted: list[tuple[str, int]] = []
    progress: list[tuple[float | None, str]] = []
    gen = make_gen(fake, replicate_price_per_second=0.05)

    scene = gen.generate(
        REQUEST,
        tmp_path,
        on_progress=lambda f, m: progress.append((f, m)),
        on_submitted=lambda pid: submitted.append((pid, len(fake.polls()))),
    )

    [create] = fake.creates
    assert create.path == "/v1/models/bytedance/seedance-1-lite/predictions"
    assert create.headers["authorization"] == f"Bearer {fake.api_token}"
    body = create.json["input"]
    assert body["duration"] == 4 and body["aspect_ratio"] == "9:16"
    assert body["resolution"] == "720p" and body["seed"] == 7
    assert body["prompt"].startswith(REQUEST.prompt) and "low-key side light" in body["prompt"]
    assert submitted == [(scene.prediction_id, 0)]  # recorded before the first poll
    assert scene.provider == "replicate"
    assert scene.cost == pytest.approx(4 * 0.05)
    assert scene.path.parent == tmp_path and probe(scene.path).has_video
    fractions = [f for f, _ in progress if f is not None]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any("%" in m for _, m in progress)  # progress parsed from the model's logs
    assert sorted(p.name for p in tmp_path.iterdir()) == [scene.path.name]


def test_output_given_as_a_list(fake: FakeReplicate, tmp_path: Path) -> None:
    fake.queue(PredictionScript(output_as_list=True))
    assert make_gen(fake).generate(REQUEST, tmp_path).path.exists()


def test_a_500_on_a_poll_is_survived_without_a_second_prediction(fake: FakeReplicate, tmp_path: Path) -> None:
    fake.queue(PredictionScript(polls_until_done=2, poll_errors={1: 500, 3: 502}))
    scene = make_gen(fake).generate(REQUEST, tmp_path)
    assert len(fake.creates) == 1
    assert len(fake.polls(scene.prediction_id)) >= 4


def test_polling_that_keeps_failing_is_resumed_not_recreated(fake: FakeReplicate, tmp_path: Path) -> None:
    fake.queue(PredictionScript(polls_until_done=1, poll_errors={1: 500, 2: 500, 3: 500}))
    gen = ReplicateVideoGenerator(make_gen(fake).settings, poll_interval_s=0.01, max_poll_failures=2)
    submitted: list[str] = []
    with pytest.raises(ProviderError, match="resumes it"):
        gen.generate(REQUEST, tmp_path, on_submitted=submitted.append)
    [pid] = submitted

    scene = gen.generate(REQUEST, tmp_path, resume_prediction_id=pid)

    assert scene.prediction_id == pid
    assert len(fake.creates) == 1  # never a second paid prediction
    assert scene.cost == pytest.approx(gen.estimate_cost(4.0))


def test_download_failure_then_resume(fake: FakeReplicate, tmp_path: Path, tiny_mp4: bytes) -> None:
    fake.video = None  # the delivery host answers 404
    submitted: list[str] = []
    with pytest.raises(ProviderError, match="HTTP 404"):
        make_gen(fake).generate(REQUEST, tmp_path, on_submitted=submitted.append)
    assert list(tmp_path.iterdir()) == []  # the temp file is gone

    fake.video = tiny_mp4
    scene = make_gen(fake).generate(REQUEST, tmp_path, resume_prediction_id=submitted[0])
    assert scene.path.exists() and len(fake.creates) == 1


def test_a_slow_download_is_resumable_not_a_model_timeout(fake: FakeReplicate, tmp_path: Path) -> None:
    fake.file_delay = 3.0
    gen = ReplicateVideoGenerator(make_gen(fake).settings, poll_interval_s=0.01, download_timeout_s=0.3)
    submitted: list[str] = []
    with pytest.raises(ProviderError, match="can be resumed") as info:
        gen.generate(REQUEST, tmp_path, on_submitted=submitted.append)
    assert not isinstance(info.value, ProviderTimeout)  # the pipeline resumes ProviderErrors only
    assert fake.cancels == [] and list(tmp_path.iterdir()) == []

    fake.file_delay = 0.0
    assert gen.generate(REQUEST, tmp_path, resume_prediction_id=submitted[0]).path.exists()
    assert len(fake.creates) == 1


def test_a_prediction_that_fails(fake: FakeReplicate, tmp_path: Path) -> None:
    fake.queue(PredictionScript(outcome="failed", error="E001: NSFW content detected"))
    with pytest.raises(ProviderError, match="failed: E001: NSFW content detected"):
        make_gen(fake).generate(REQUEST, tmp_path)
    assert fake.requests_to("GET", "/files/") == []
    assert list(tmp_path.iterdir()) == []


def test_a_cancelled_prediction(fake: FakeReplicate, tmp_path: Path) -> None:
    fake.queue(PredictionScript(outcome="canceled"))
    with pytest.raises(ProviderError, match="cancelled"):
        make_gen(fake).generate(REQUEST, tmp_path)


def test_time_limit_cancels_the_prediction(fake: FakeReplicate, tmp_path: Path) -> None:
    fake.queue(PredictionScript(outcome="never"))
    submitted: list[str] = []
    with pytest.raises(ProviderTimeout, match=r"within 0.3s .* was cancelled"):
        make_gen(fake, replicate_timeout_s=0.3).generate(REQUEST, tmp_path, on_submitted=submitted.append)
    [cancel] = fake.cancels
    assert cancel.path == f"/v1/predictions/{submitted[0]}/cancel"
    assert fake.predictions[submitted[0]].status == "canceled"


def test_output_url_on_an_untrusted_host_is_never_fetched(fake: FakeReplicate, tmp_path: Path) -> None:
    with FakeReplicate(video=b"x") as elsewhere:
        fake.queue(PredictionScript(output_url=f"{elsewhere.url}/files/evil.mp4"))
        with pytest.raises(ProviderError, match=r"untrusted host 127\.0\.0\.1"):
            # trusted: only the fake API's own port, not the other server's
            make_gen(fake).generate(REQUEST, tmp_path)
        assert elsewhere.requests == []
    fake.queue(PredictionScript(output_url="https://evil.example.com/out.mp4"))
    with pytest.raises(ProviderError, match=r"untrusted host evil\.example\.com"):
        make_gen(fake).generate(REQUEST, tmp_path)


def test_output_that_is_not_a_video(fake: FakeReplicate, tmp_path: Path) -> None:
    fake.video = b"<html>not a video</html>"
    with pytest.raises(InvalidVideoError):
        make_gen(fake).generate(REQUEST, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_succeeded_without_output(fake: FakeReplicate, tmp_path: Path) -> None:
    fake.queue(PredictionScript(null_output=True))
    with pytest.raises(ProviderError, match="without a video URL"):
        make_gen(fake).generate(REQUEST, tmp_path)


def test_if_recording_the_id_fails_the_prediction_is_cancelled(fake: FakeReplicate, tmp_path: Path) -> None:
    fake.queue(PredictionScript(outcome="never"))

    def boom(pid: str) -> None:
        raise RuntimeError("database is down")

    with pytest.raises(RuntimeError, match="database is down"):
        make_gen(fake).generate(REQUEST, tmp_path, on_submitted=boom)
    assert len(fake.cancels) == 1 and fake.polls() == []


@pytest.mark.parametrize(
    ("status", "match"),
    [(401, "REPLICATE_API_TOKEN"), (402, "billing"), (422, "rejected the model input"), (500, "HTTP 500")],
)
def test_create_refused(fake: FakeReplicate, tmp_path: Path, status: int, match: str) -> None:
    fake.queue(PredictionScript(create_error=status))
    with pytest.raises(ProviderError, match=match):
        make_gen(fake).generate(REQUEST, tmp_path)
    assert len(fake.creates) == 1  # an ambiguous create is never repeated


def test_create_rate_limited_is_retried(fake: FakeReplicate, tmp_path: Path) -> None:
    fake.queue(PredictionScript(create_error=429), PredictionScript())
    make_gen(fake).generate(REQUEST, tmp_path)
    assert len(fake.creates) == 2 and len(fake.predictions) == 1


def test_wrong_token(fake: FakeReplicate, tmp_path: Path) -> None:
    with pytest.raises(ProviderError, match="REPLICATE_API_TOKEN"):
        make_gen(fake, replicate_api_token="r8_wrong").generate(REQUEST, tmp_path)
    assert fake.predictions == {}


def test_model_version_uses_the_versions_endpoint(fake: FakeReplicate, tmp_path: Path) -> None:
    make_gen(fake, replicate_model="bytedance/seedance-1-lite:abc123").generate(REQUEST, tmp_path)
    [create] = fake.creates
    assert create.path == "/v1/predictions" and create.json["version"] == "abc123"


def test_honours_replicate_env_vars(
    fake: FakeReplicate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPLICATE_API_TOKEN", fake.api_token or "")
    monkeypatch.setenv("REPLICATE_BASE_URL", fake.base_url)
    monkeypatch.setenv("REPLICATE_POLL_INTERVAL", "0.01")
    monkeypatch.setenv("TRUSTED_MEDIA_HOSTS", fake.host)
    gen = ReplicateVideoGenerator(load_settings())  # the one place the environment is read
    assert gen.poll_interval_s == 0.01
    assert gen.generate(REQUEST, tmp_path).path.exists()


def test_cost_and_duration() -> None:
    gen = ReplicateVideoGenerator(Settings(replicate_price_per_second=0.1))
    assert [gen.seconds(d) for d in (0.5, 2.0, 4.0, 4.2, 30)] == [2, 2, 4, 5, 12]
    assert gen.estimate_cost(4.0) == pytest.approx(0.4)
    other = ReplicateVideoGenerator(Settings(replicate_model="acme/t2v"))
    assert other.seconds(0.5) == 1 and other.seconds(30) == 30


def test_compose_prompt_adds_only_missing_style() -> None:
    p = compose_prompt(REQUEST)
    assert p.count("low-key side light") == 1 and "9:16" in p
    assert "palette" not in p  # black and gold are already in the prompt


def test_registry_and_protocol(fake: FakeReplicate) -> None:
    gen = registry.video_generator(Settings(replicate_api_token="r8_x"))
    assert isinstance(gen, ReplicateVideoGenerator) and isinstance(gen, VideoGenerator)


def test_check(fake: FakeReplicate, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "atelier-test" in make_gen(fake).check()
    with pytest.raises(ProviderError, match="REPLICATE_API_TOKEN"):
        make_gen(fake, replicate_api_token="r8_wrong").check()
    with pytest.raises(ProviderError, match="not found"):
        make_gen(fake, replicate_model="acme/nope").check()
    monkeypatch.delenv("REPLICATE_API_TOKEN", raising=False)
    with pytest.raises(ProviderError, match="not set"):
        ReplicateVideoGenerator(Settings()).check()
    with FakeReplicate() as gone:
        url = gone.base_url
    with pytest.raises(ProviderError, match="cannot reach"):
        make_gen(fake, replicate_base_url=url).check()
