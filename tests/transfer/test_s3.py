"""Importing from an S3 prefix (a moto server over HTTP, read with the configured credentials and
endpoint), into local storage and into an S3 bucket; an export copied to a bucket as it is imports
from there; a prefix or bucket that does not exist is refused with nothing stored."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from editing import versions
from editing.context import Atelier
from editing.errors import CampaignImportError, StorageError
from editing.transfer import export_campaign, import_campaign
from tests.fakes.s3_server import MotoS3Server, offline_aws_env
from tests.seed_campaigns import Clips, Snapshot, lay_out, seed_doc

SEEDS = "seed-campaigns"
MEDIA = "atelier-media"
PREFIX = "brands/b-123/perfumes/p-456/campaigns/c-789/"


@pytest.fixture(scope="module")
def s3_server() -> Iterator[MotoS3Server]:
    with MotoS3Server() as server:
        yield server


@pytest.fixture
def s3(s3_server: MotoS3Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> MotoS3Server:
    offline_aws_env(monkeypatch, tmp_path / "no-aws-config")
    s3_server.reset()
    s3_server.create_bucket(SEEDS)
    return s3_server


def upload(s3: MotoS3Server, folder: Path, prefix: str = "") -> None:
    client = s3.client()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            client.upload_file(str(path), SEEDS, prefix + path.relative_to(folder).as_posix())


@pytest.fixture
def on_s3(make_settings: Any, s3: MotoS3Server) -> Callable[..., Atelier]:
    opened: list[Atelier] = []

    def open_(**env: str) -> Atelier:
        ctx = Atelier.open(make_settings(AWS_ENDPOINT_URL=s3.endpoint, **env))
        opened.append(ctx)
        return ctx

    yield open_  # type: ignore[misc]
    for ctx in opened:
        ctx.close()


def test_import_from_an_s3_prefix_into_local_storage(
    on_s3: Callable[..., Atelier], s3: MotoS3Server, tmp_path: Path, clips: Clips
) -> None:
    folder = lay_out(
        tmp_path / "c", seed_doc([1.0, 1.0]), [clips.portrait, clips.canonical], audio=clips.music
    )
    upload(s3, folder, PREFIX)
    s3.client().put_object(
        Bucket=SEEDS, Key=PREFIX + "variations/variation_1/draft/scene_1_bg.mp4", Body=b"other"
    )
    ctx = on_s3()
    for url in (f"s3://{SEEDS}/{PREFIX}", f"s3://{SEEDS}/{PREFIX.rstrip('/')}"):
        result = import_campaign(ctx, url)
        assert (result.scenes, result.duration, result.kept_final) == (2, 2.0, False)
        assert Path(result.final_video_url).is_file()


def test_an_export_copied_to_a_bucket_imports_from_there_into_s3_storage(
    on_s3: Callable[..., Atelier], s3: MotoS3Server, tmp_path: Path, demo: str, ctx: Atelier
) -> None:
    exported = export_campaign(ctx, demo, tmp_path / "out")
    upload(s3, tmp_path / "out")  # as it is: its folders are the seed's keys
    s3.create_bucket(MEDIA)
    on_bucket = on_s3(S3_BUCKET_NAME=MEDIA)
    folder = exported.files[-1].name.rsplit("/", 1)[0]
    result = import_campaign(on_bucket, f"s3://{SEEDS}/{folder}/", brand="Copied House")
    keys = s3.keys(MEDIA)
    assert any(
        k.endswith(f"/campaigns/{result.campaign_id}/variations/variation_0/final_video.mp4") for k in keys
    )
    assert len([k for k in keys if f"/campaigns/{result.campaign_id}/" in k]) == 3 * 2 + 2 + 2 + 1
    finals = versions.list_final_versions(on_bucket, result.campaign_id)
    assert [f.current for f in finals] == [False, True] and finals[0].video_url.startswith(s3.endpoint)
    # the round trip through a bucket: every scene and the music, SHA-256 for SHA-256
    sent = {f.name.rsplit("/", 1)[1]: f.sha256 for f in exported.files if not f.name.endswith(".json")}
    came = {k.rsplit("/", 1)[1]: sha256_of(s3, k) for k in keys if k.endswith((".mp4", ".wav"))}
    assert {name: came[name] for name in sent} == sent


def sha256_of(s3: MotoS3Server, key: str) -> str:
    return hashlib.sha256(s3.client().get_object(Bucket=MEDIA, Key=key)["Body"].read()).hexdigest()


@pytest.mark.parametrize(
    ("url", "error", "message"),
    [
        (
            f"s3://{SEEDS}/brands/nobody/campaigns/none/",
            CampaignImportError,
            "holds no files: there is no such prefix",
        ),
        (f"s3://{SEEDS}/", CampaignImportError, "is not a campaign's S3 prefix"),
        ("s3://Not_A_Bucket/x/", CampaignImportError, "is not a campaign's S3 prefix"),
        (f"s3://{SEEDS}/a/../b/", CampaignImportError, "is not a campaign's S3 prefix"),
        ("s3://no-such-bucket-here/brands/x/", StorageError, "bucket no-such-bucket-here does not exist"),
    ],
)
def test_refused_prefixes_store_nothing(
    on_s3: Callable[..., Atelier],
    s3: MotoS3Server,
    url: str,
    error: type,
    message: str,
    everything: Callable[[], Snapshot],
) -> None:
    s3.create_bucket(MEDIA)
    ctx = on_s3(S3_BUCKET_NAME=MEDIA)
    before = everything(), s3.keys(MEDIA)
    with pytest.raises(error, match=message) as refused:
        import_campaign(ctx, url)
    assert "\n" not in str(refused.value)
    assert (everything(), s3.keys(MEDIA)) == before


def test_a_bad_scene_on_s3_stores_nothing_in_the_bucket(
    on_s3: Callable[..., Atelier], s3: MotoS3Server, tmp_path: Path, clips: Clips
) -> None:
    folder = lay_out(tmp_path / "c", seed_doc([1.0, 1.0]), [clips.canonical, clips.text], audio=clips.music)
    upload(s3, folder, PREFIX)
    s3.create_bucket(MEDIA)
    ctx = on_s3(S3_BUCKET_NAME=MEDIA)
    with pytest.raises(CampaignImportError, match=r"scene 2 \(variations/variation_0/draft/scene_2_bg.mp4\)"):
        import_campaign(ctx, f"s3://{SEEDS}/{PREFIX}")
    assert s3.keys(MEDIA) == []
