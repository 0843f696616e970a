"""S3Storage with moto: in-process (mock_aws) and a moto server reached over HTTP (AWS_ENDPOINT_URL)."""

from __future__ import annotations

import hashlib
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest
from moto import mock_aws

from editing.config import Settings, load_settings
from editing.errors import ConfigError, StorageError
from editing.storage import registry
from editing.storage.base import Storage
from editing.storage.keys import get_scene_s3_url, scene_key
from editing.storage.s3 import MB, S3Storage, S3UrlError, parse_s3_url
from tests.fakes.s3_server import MotoS3Server, offline_aws_env

BUCKET = "atelier-test-media"
KEY = scene_key("b1", "p1", "c1", 0, 2, version="v2")


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Fake credentials, no config files, no instance metadata: nothing can reach real AWS."""
    offline_aws_env(monkeypatch, tmp_path_factory.getbasetemp() / "no-aws-config")


@pytest.fixture(scope="module")
def moto_server() -> Iterator[MotoS3Server]:
    with MotoS3Server() as server:
        yield server


@pytest.fixture
def moto_endpoint(moto_server: MotoS3Server) -> str:
    moto_server.reset()
    return moto_server.endpoint


@pytest.fixture(params=["in-process", "server"])
def store(request: pytest.FixtureRequest) -> Iterator[S3Storage]:
    """An S3Storage on a fresh bucket, in both moto modes."""
    if request.param == "in-process":
        with mock_aws():
            boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
            yield S3Storage(
                Settings(s3_bucket_name=BUCKET), multipart_threshold=5 * MB, multipart_chunksize=5 * MB
            )
    else:
        endpoint = request.getfixturevalue("moto_endpoint")
        settings = Settings(s3_bucket_name=BUCKET, aws_endpoint_url=endpoint)
        storage = S3Storage(settings, multipart_threshold=5 * MB, multipart_chunksize=5 * MB)
        storage.client.create_bucket(Bucket=BUCKET)
        yield storage


def _file(tmp_path: Path, size: int, name: str = "src.mp4") -> Path:
    p = tmp_path / name
    p.write_bytes(os.urandom(size))
    return p


def _md5(p: Path) -> str:
    return hashlib.md5(p.read_bytes()).hexdigest()


def test_round_trip(store: S3Storage, tmp_path: Path) -> None:
    src = _file(tmp_path, 4096)
    assert not store.exists(KEY)
    store.put_file(KEY, src)
    assert store.exists(KEY)
    head = store.client.head_object(Bucket=BUCKET, Key=KEY)
    assert head["ContentType"] == "video/mp4" and head["ContentLength"] == 4096
    out = store.get_file(KEY, tmp_path / "out.mp4")
    assert _md5(out) == _md5(src)
    store.delete(KEY)
    assert not store.exists(KEY)
    assert isinstance(store, Storage)


def test_keys_are_write_once(store: S3Storage, tmp_path: Path) -> None:
    first, second = _file(tmp_path, 100, "a.mp4"), _file(tmp_path, 200, "b.mp4")
    store.put_file(KEY, first)
    with pytest.raises(StorageError, match="refusing to overwrite"):
        store.put_file(KEY, second)
    assert _md5(store.get_file(KEY, tmp_path / "out.mp4")) == _md5(first)


@pytest.mark.parametrize("size", [1000, 11 * MB], ids=["single-put", "multipart"])
def test_write_once_holds_even_when_a_racing_writer_won(
    store: S3Storage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    winner = _file(tmp_path, 10, "winner.mp4")
    store.put_file(KEY, winner)
    monkeypatch.setattr(store, "exists", lambda key: False)  # the HEAD check raced and lost
    with pytest.raises(StorageError, match="refusing to overwrite"):
        store.put_file(KEY, _file(tmp_path, size, "loser.mp4"))
    assert _md5(store.get_file(KEY, tmp_path / "out.mp4")) == _md5(winner)
    uploads = store.client.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])
    assert uploads == []  # a refused multipart upload is aborted, not left half-written


def test_large_files_go_up_in_parts(store: S3Storage, tmp_path: Path) -> None:
    src = _file(tmp_path, 11 * MB)
    store.put_file(KEY, src)
    etag = store.client.head_object(Bucket=BUCKET, Key=KEY)["ETag"].strip('"')
    assert etag.endswith("-3")  # 5 + 5 + 1 MiB parts
    assert _md5(store.get_file(KEY, tmp_path / "out.mp4")) == _md5(src)


def test_missing_key(store: S3Storage, tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="missing"):
        store.get_file("brands/x/nothing.mp4", tmp_path / "out.mp4")


@pytest.mark.parametrize("bad", ["", "/abs.mp4", "a/../b.mp4", "dir/"])
def test_invalid_keys(store: S3Storage, tmp_path: Path, bad: str) -> None:
    with pytest.raises(StorageError, match="invalid storage key"):
        store.put_file(bad, _file(tmp_path, 1))


def test_presigned_url(store: S3Storage, tmp_path: Path) -> None:
    src = _file(tmp_path, 2048)
    store.put_file(KEY, src)
    url = store.url(KEY, expires_s=600)
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["600"] and "X-Amz-Signature" in query
    assert urlsplit(url).path.endswith(KEY)
    if store.endpoint_url:  # the moto server answers the signed URL like S3 would
        resp = httpx.get(url, timeout=5)
        assert resp.status_code == 200 and hashlib.md5(resp.content).hexdigest() == _md5(src)


def test_check_ok(store: S3Storage) -> None:
    assert BUCKET in store.check()


def test_missing_bucket_is_a_clear_error(store: S3Storage, tmp_path: Path) -> None:
    other = S3Storage(Settings(s3_bucket_name="no-such-bucket", aws_endpoint_url=store.endpoint_url))
    with pytest.raises(StorageError, match="bucket no-such-bucket does not exist"):
        other.check()
    with pytest.raises(StorageError, match="does not exist"):
        other.put_file(KEY, _file(tmp_path, 10))


def test_unreachable_endpoint_fails_fast(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    storage = S3Storage(Settings(s3_bucket_name=BUCKET, aws_endpoint_url=url))
    started = time.monotonic()
    with pytest.raises(StorageError, match=r"cannot reach S3 at http://127\.0\.0\.1"):
        storage.check()
    with pytest.raises(StorageError, match="cannot reach S3"):
        storage.put_file(KEY, _file(tmp_path, 10))
    assert time.monotonic() - started < 20


def test_no_credentials(monkeypatch: pytest.MonkeyPatch, moto_endpoint: str) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    storage = S3Storage(Settings(s3_bucket_name=BUCKET, aws_endpoint_url=moto_endpoint))
    with pytest.raises(StorageError, match="no AWS credentials"):
        storage.check()


def test_wrong_credentials_over_http(moto_server: MotoS3Server, monkeypatch: pytest.MonkeyPatch) -> None:
    moto_server.reset()
    moto_server.create_bucket(BUCKET)
    moto_server.require_auth()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAWRONGWRONGWRONG1")
    try:
        with pytest.raises(StorageError, match="credentials"):
            S3Storage(Settings(s3_bucket_name=BUCKET, aws_endpoint_url=moto_server.endpoint)).check()
    finally:
        moto_server.require_auth(False)


def test_wrong_credentials_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.core import set_initial_no_auth_action_count

    @set_initial_no_auth_action_count(0)
    def run() -> None:
        with mock_aws():
            storage = S3Storage(Settings(s3_bucket_name=BUCKET))
            with pytest.raises(StorageError, match="credentials"):
                storage.check()

    run()


def test_aws_endpoint_url_env_is_honoured(
    moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("S3_BUCKET_NAME", BUCKET)
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    settings = load_settings()
    storage = registry.storage(settings)
    assert isinstance(storage, S3Storage)
    storage.client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
    storage.put_file(KEY, _file(tmp_path, 10))
    assert storage.client.meta.region_name == "eu-west-3"
    assert storage.url(KEY).startswith(moto_endpoint)
    # boto3 alone (endpoint not passed explicitly) reads AWS_ENDPOINT_URL too.
    plain = S3Storage(Settings(s3_bucket_name=BUCKET, aws_region="eu-west-3"))
    assert plain.exists(KEY)


def test_config_errors() -> None:
    with pytest.raises(ConfigError, match="S3_BUCKET_NAME"):
        S3Storage(Settings())
    with pytest.raises(ConfigError, match="not a valid bucket name"):
        S3Storage(Settings(s3_bucket_name="Bad_Bucket"))


# parse_s3_url -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("s3://my-bucket/brands/b/scene_1_bg.mp4", ("my-bucket", "brands/b/scene_1_bg.mp4")),
        ("https://my-bucket.s3.us-east-1.amazonaws.com/a/b.mp4", ("my-bucket", "a/b.mp4")),
        ("https://my-bucket.s3.amazonaws.com/a/b.mp4", ("my-bucket", "a/b.mp4")),
        ("https://my-bucket.s3-us-west-2.amazonaws.com/a/b.mp4", ("my-bucket", "a/b.mp4")),
        ("https://my.dotted.bucket.s3.eu-west-1.amazonaws.com/k.mp4", ("my.dotted.bucket", "k.mp4")),
        ("https://b-1.s3.dualstack.eu-west-1.amazonaws.com/k.mp4", ("b-1", "k.mp4")),
        ("https://s3.eu-west-1.amazonaws.com/my-bucket/a/b.mp4", ("my-bucket", "a/b.mp4")),
        ("https://s3.amazonaws.com/my-bucket/a%20b.mp4", ("my-bucket", "a b.mp4")),
        ("https://my-bucket.s3.us-east-1.amazonaws.com/a.mp4?X-Amz-Signature=abc", ("my-bucket", "a.mp4")),
        ("https://bkt.s3.cn-north-1.amazonaws.com.cn/a.mp4", ("bkt", "a.mp4")),
    ],
)
def test_parse_s3_url_accepts(url: str, expected: tuple[str, str]) -> None:
    assert parse_s3_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "",
        "my-bucket/key.mp4",
        "http://my-bucket.s3.amazonaws.com/key.mp4",  # not https
        "https://evil.com/my-bucket/key.mp4",
        "https://my-bucket.s3.amazonaws.com.evil.com/key.mp4",
        "https://amazonaws.com/key.mp4",
        "https://my-bucket.s3.amazonaws.com/",  # no key
        "s3://my-bucket",
        "s3://Bad_Bucket/key.mp4",
        "s3://my-bucket/a/../../etc/passwd",
        "ftp://my-bucket/key.mp4",
        "https://user:pw@my-bucket.s3.amazonaws.com/key.mp4",
        "/local/path/scene.mp4",
    ],
)
def test_parse_s3_url_rejects(url: str) -> None:
    with pytest.raises(S3UrlError, match="S3"):
        parse_s3_url(url)
    with pytest.raises(ValueError):  # the seed's callers catch ValueError
        parse_s3_url(url)


def test_parse_s3_url_with_a_custom_endpoint() -> None:
    ep = "http://127.0.0.1:9000"
    assert parse_s3_url("http://127.0.0.1:9000/media/a/b.mp4", endpoint_url=ep) == ("media", "a/b.mp4")
    assert parse_s3_url("https://minio.example/s3/media/k.mp4", endpoint_url="https://minio.example/s3") == (
        "media",
        "k.mp4",
    )
    with pytest.raises(S3UrlError):
        parse_s3_url("http://127.0.0.1:9001/media/a.mp4", endpoint_url=ep)


def test_seed_urls_round_trip() -> None:
    url = get_scene_s3_url("b1", "p1", "c1", 0, 2, bucket=BUCKET, region="us-east-1", version="v2")
    assert parse_s3_url(url) == (BUCKET, KEY)
    storage = S3Storage(Settings(s3_bucket_name=BUCKET))
    assert storage.key_from_url(url) == KEY
    with pytest.raises(S3UrlError, match="not atelier-test-media"):
        storage.key_from_url("s3://other-bucket/x.mp4")
