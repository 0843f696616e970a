"""A moto S3 server on 127.0.0.1 (reached by boto3 over real HTTP via AWS_ENDPOINT_URL).

    with MotoS3Server() as s3:
        s3.create_bucket("media")
        env = {"S3_BUCKET_NAME": "media", "AWS_ENDPOINT_URL": s3.endpoint}

``offline_aws_env(monkeypatch)`` sets fake credentials and turns off config files and
instance metadata, so nothing can reach real AWS.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from moto.server import ThreadedMotoServer


def offline_aws_env(monkeypatch: pytest.MonkeyPatch, nowhere: Path) -> None:
    """Fake credentials; no profile, config file, endpoint override or instance metadata."""
    for var in (
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_S3",
        "AWS_DEFAULT_REGION",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(nowhere))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(nowhere))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


class MotoS3Server:
    """moto's threaded server on a free port of 127.0.0.1."""

    def __init__(self) -> None:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.endpoint = ""

    def start(self) -> MotoS3Server:
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> MotoS3Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget every bucket and object (and turn auth checks off again)."""
        httpx.post(f"{self.endpoint}/moto-api/reset", timeout=5).raise_for_status()
        self.require_auth(False)

    def require_auth(self, on: bool = True) -> None:
        """With auth on, moto rejects unknown access keys like S3 does (InvalidAccessKeyId)."""
        count = b"0" if on else b"100000000"
        httpx.post(f"{self.endpoint}/moto-api/reset-auth", content=count, timeout=5).raise_for_status()

    def client(self, region: str = "us-east-1") -> Any:
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name=region)

    def create_bucket(self, name: str, region: str = "us-east-1") -> None:
        kwargs: dict[str, Any] = {"Bucket": name}
        if region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        self.client(region).create_bucket(**kwargs)

    def keys(self, bucket: str) -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return sorted(obj["Key"] for page in pages for obj in page.get("Contents", []))
