"""S3 storage (boto3): write-once objects, multipart for large files, presigned playback URLs.

Bucket S3_BUCKET_NAME, region AWS_REGION; credentials come from boto3's standard
chain (env, profile, SSO, instance role) and AWS_ENDPOINT_URL points it at MinIO or
any S3-compatible store. Every PutObject and CompleteMultipartUpload carries
``If-None-Match: *`` so a stored key is never overwritten, even by a concurrent
writer; a failed multipart upload is aborted, so no half-written object is left.
The bucket stays private: the browser plays videos through presigned GET URLs.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from editing.config import Settings
from editing.errors import ConfigError, StorageError
from editing.storage.base import Listed

if TYPE_CHECKING:
    from botocore.client import BaseClient

log = logging.getLogger(__name__)

MB = 1024 * 1024
_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
# bucket.s3.amazonaws.com, bucket.s3.us-east-1.amazonaws.com, bucket.s3-us-west-2.amazonaws.com,
# bucket.s3.dualstack.eu-west-1.amazonaws.com (and .amazonaws.com.cn)
_VIRTUAL_RE = re.compile(
    r"^(?P<bucket>.+)\.s3(?:[.-](?:dualstack\.)?(?P<region>[a-z0-9-]+))?\.amazonaws\.com(?:\.cn)?$"
)
_PATH_STYLE_RE = re.compile(r"^s3(?:[.-](?:dualstack\.)?(?P<region>[a-z0-9-]+))?\.amazonaws\.com(?:\.cn)?$")
_CREDENTIAL_CODES = {
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "InvalidToken",
    "TokenRefreshRequired",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
}


class S3UrlError(StorageError, ValueError):
    """A URL that is not an S3 object URL (a StorageError, and a ValueError like the seed's)."""


def parse_s3_url(url: str, *, endpoint_url: str | None = None) -> tuple[str, str]:
    """Split an S3 object URL into (bucket, key): the seed's ``_parse_s3_url``, done strictly.

    Accepts ``s3://bucket/key``, https virtual-hosted (``https://bucket.s3.region.amazonaws.com/key``)
    and https path-style (``https://s3.region.amazonaws.com/bucket/key``) URLs, and path-style URLs
    under ``endpoint_url`` (MinIO and other S3-compatible stores, http allowed there). The key is
    percent-decoded; a query string (a presigned URL) is ignored.

    Raises:
        S3UrlError: anything else: another scheme or host, no key, a bad bucket name, ``..`` in the key.
    """
    if not isinstance(url, str) or not url.strip():
        raise S3UrlError("not an S3 URL: empty")
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    shown = url if len(url) <= 120 else url[:117] + "..."
    if parts.username or parts.password:
        raise S3UrlError(f"not an S3 URL (credentials in it): {parts.hostname}")
    if scheme == "s3":
        bucket, key = parts.netloc, parts.path.lstrip("/")
    elif endpoint_url and _same_origin(url, endpoint_url):
        base_path = urlsplit(endpoint_url).path.rstrip("/")
        rest = parts.path[len(base_path) :] if parts.path.startswith(base_path) else parts.path
        bucket, _, key = rest.lstrip("/").partition("/")
    elif scheme != "https":
        raise S3UrlError(f"not an S3 URL (only s3:// and https:// are accepted): {shown}")
    elif m := _VIRTUAL_RE.match(host):
        bucket, key = m.group("bucket"), parts.path.lstrip("/")
    elif _PATH_STYLE_RE.match(host):
        bucket, _, key = parts.path.lstrip("/").partition("/")
    else:
        raise S3UrlError(f"not an S3 URL (host {host or '?'} is not an S3 endpoint): {shown}")
    key = unquote(key)
    if not _BUCKET_RE.match(bucket) or ".." in bucket:
        raise S3UrlError(f"not an S3 URL (bad bucket name {bucket!r}): {shown}")
    if not key or key.endswith("/"):
        raise S3UrlError(f"not an S3 object URL (no key): {shown}")
    if ".." in PurePosixPath(key).parts:
        raise S3UrlError(f"not an S3 URL ('..' in the key): {shown}")
    return bucket, key


def _same_origin(url: str, endpoint_url: str) -> bool:
    a, b = urlsplit(url), urlsplit(endpoint_url)
    default = {"http": 80, "https": 443}
    return (
        a.scheme.lower() == b.scheme.lower()
        and (a.hostname or "").lower() == (b.hostname or "").lower()
        and (a.port or default.get(a.scheme.lower())) == (b.port or default.get(b.scheme.lower()))
    )


def _check_key(key: str) -> str:
    pure = PurePosixPath(key)
    if not key.strip() or pure.is_absolute() or ".." in pure.parts or key.endswith("/"):
        raise StorageError(f"invalid storage key {key!r}")
    return key


def _write_once(params: dict[str, Any], **_: Any) -> None:
    """botocore hook: every object write in this store is conditional on the key being new."""
    params.setdefault("IfNoneMatch", "*")


class S3Storage:
    """Storage in one S3 bucket (or an S3-compatible store via AWS_ENDPOINT_URL)."""

    name = "s3"

    def __init__(
        self,
        settings: Settings,
        *,
        multipart_threshold: int = 64 * MB,
        multipart_chunksize: int = 16 * MB,
        max_concurrency: int = 4,
    ) -> None:
        """Args:
        settings: bucket, region and endpoint.
        multipart_threshold: files at least this big are uploaded in parts (S3's minimum part is 5 MiB).
        multipart_chunksize: size of each part.
        max_concurrency: parallel part uploads.

        Raises:
            ConfigError: S3_BUCKET_NAME is not set or not a valid bucket name.
        """
        if not settings.s3_bucket_name:
            raise ConfigError("S3_BUCKET_NAME is not set; S3 storage needs a bucket")
        if not _BUCKET_RE.match(settings.s3_bucket_name):
            raise ConfigError(f"S3_BUCKET_NAME: {settings.s3_bucket_name!r} is not a valid bucket name")
        self.bucket = settings.s3_bucket_name
        self.region = settings.aws_region
        self.endpoint_url = settings.aws_endpoint_url
        self._threshold = multipart_threshold
        self._chunksize = multipart_chunksize
        self._concurrency = max_concurrency
        self._client: BaseClient | None = None

    # Clients ----------------------------------------------------------------
    def _make_client(self, *, connect_timeout: float, read_timeout: float, attempts: int) -> BaseClient:
        import boto3
        from botocore.config import Config

        config = Config(
            region_name=self.region,
            signature_version="s3v4",
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries={"mode": "standard", "total_max_attempts": attempts},
        )
        # endpoint_url None lets boto3 apply AWS_ENDPOINT_URL(_S3) and the config file itself.
        client = boto3.session.Session().client("s3", endpoint_url=self.endpoint_url, config=config)
        client.meta.events.register("before-parameter-build.s3.PutObject", _write_once)
        client.meta.events.register("before-parameter-build.s3.CompleteMultipartUpload", _write_once)
        return client

    @property
    def client(self) -> BaseClient:
        if self._client is None:
            self._client = self._make_client(connect_timeout=5, read_timeout=60, attempts=4)
        return self._client

    def _transfer_config(self) -> Any:
        from boto3.s3.transfer import TransferConfig

        return TransferConfig(
            multipart_threshold=self._threshold,
            multipart_chunksize=self._chunksize,
            max_concurrency=self._concurrency,
        )

    # Storage ----------------------------------------------------------------
    def put_file(self, key: str, src: Path, content_type: str = "video/mp4") -> None:
        """Upload ``src`` to a new key (multipart when large).

        Raises:
            StorageError: the key exists, the source is unreadable, or S3 refused / was unreachable.
        """
        _check_key(key)
        if not Path(src).is_file():
            raise StorageError(f"cannot store {key}: {src} is not a file")
        if self.exists(key):
            raise StorageError(f"refusing to overwrite stored file {key}")
        from boto3.exceptions import S3UploadFailedError

        try:
            self.client.upload_file(
                str(src),
                self.bucket,
                key,
                ExtraArgs={"ContentType": content_type},
                Config=self._transfer_config(),
            )
        except S3UploadFailedError as exc:
            cause = exc.__cause__ or exc.__context__
            if cause is not None and _code(cause) in (
                "PreconditionFailed",
                "412",
                "ConditionalRequestConflict",
            ):
                raise StorageError(f"refusing to overwrite stored file {key}") from None
            raise self._error(cause or exc, f"could not store {key}") from exc
        except Exception as exc:
            raise self._error(exc, f"could not store {key}") from exc
        log.info("stored s3://%s/%s (%d bytes)", self.bucket, key, Path(src).stat().st_size)

    def get_file(self, key: str, dst: Path) -> Path:
        """Download the object to ``dst``.

        Raises:
            StorageError: the key is missing, or S3 refused / was unreachable.
        """
        _check_key(key)
        try:
            self.client.download_file(self.bucket, key, str(dst), Config=self._transfer_config())
        except Exception as exc:
            if _code(exc) in ("404", "NoSuchKey", "NotFound"):
                raise StorageError(f"stored file {key} is missing from s3://{self.bucket}") from None
            raise self._error(exc, f"could not read {key}") from exc
        return dst

    def exists(self, key: str) -> bool:
        _check_key(key)
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except Exception as exc:
            if _code(exc) in ("404", "NoSuchKey", "NotFound"):
                return False
            raise self._error(exc, f"could not look up {key}") from exc
        return True

    def url(self, key: str, expires_s: int = 3600) -> str:
        """A presigned GET URL (the bucket itself stays private)."""
        _check_key(key)
        try:
            return str(
                self.client.generate_presigned_url(
                    "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=int(expires_s)
                )
            )
        except Exception as exc:
            raise self._error(exc, f"could not sign a URL for {key}") from exc

    def delete(self, key: str) -> None:
        _check_key(key)
        try:
            self.client.delete_object(Bucket=self.bucket, Key=key)
        except Exception as exc:
            raise self._error(exc, f"could not delete {key}") from exc

    def list(self, prefix: str = "") -> Iterator[Listed]:
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
            for page in pages:
                for obj in page.get("Contents", []):
                    yield Listed(obj["Key"], int(obj["Size"]), obj["LastModified"])
        except Exception as exc:
            raise self._error(exc, f"could not list s3://{self.bucket}/{prefix}") from exc

    def key_from_url(self, url: str) -> str:
        """The key of an S3 URL of this bucket.

        Raises:
            S3UrlError: not an S3 URL, or one of another bucket.
        """
        bucket, key = parse_s3_url(url, endpoint_url=self.endpoint_url)
        if bucket != self.bucket:
            raise S3UrlError(f"{url} is in bucket {bucket}, not {self.bucket}")
        return key

    def check(self) -> str:
        """HEAD the bucket with a short timeout and few retries.

        Raises:
            StorageError: no credentials, wrong credentials, missing bucket, wrong region, unreachable.
        """
        quick = self._make_client(connect_timeout=3, read_timeout=5, attempts=2)
        try:
            quick.head_bucket(Bucket=self.bucket)
        except Exception as exc:
            raise self._error(exc, f"S3 bucket {self.bucket} is not usable", client=quick) from None
        return f"S3 bucket {self.bucket} in {self.region} at {quick.meta.endpoint_url}"

    # Errors -----------------------------------------------------------------
    def _error(self, exc: BaseException, what: str, client: Any = None) -> StorageError:
        """Turn a boto3/botocore failure into a StorageError whose message says what to fix."""
        from botocore.exceptions import (
            ClientError,
            ConnectionClosedError,
            ConnectTimeoutError,
            EndpointConnectionError,
            NoCredentialsError,
            PartialCredentialsError,
            ReadTimeoutError,
        )

        endpoint = self.endpoint_url or getattr(
            getattr(client or self._client, "meta", None), "endpoint_url", "S3"
        )
        if isinstance(exc, StorageError):
            return exc
        if isinstance(exc, NoCredentialsError | PartialCredentialsError):
            return StorageError(
                f"{what}: no AWS credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                "AWS_PROFILE, or use an instance role)"
            )
        if isinstance(exc, EndpointConnectionError | ConnectTimeoutError | ConnectionClosedError):
            return StorageError(f"{what}: cannot reach S3 at {endpoint} ({type(exc).__name__})")
        if isinstance(exc, ReadTimeoutError):
            return StorageError(f"{what}: S3 at {endpoint} did not answer in time")
        if isinstance(exc, ClientError):
            code = _code(exc)
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in ("NoSuchBucket",) or (code in ("404", "NotFound") and "bucket" in what.lower()):
                return StorageError(f"{what}: bucket {self.bucket} does not exist at {endpoint}")
            if code in _CREDENTIAL_CODES:
                return StorageError(f"{what}: S3 rejected the AWS credentials ({code})")
            if code in ("403", "AccessDenied", "Forbidden") or status == 403:
                return StorageError(
                    f"{what}: access denied to bucket {self.bucket} (wrong credentials or missing permission)"
                )
            if code in (
                "301",
                "PermanentRedirect",
                "AuthorizationHeaderMalformed",
                "IllegalLocationConstraintException",
            ):
                region = (
                    exc.response.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("x-amz-bucket-region")
                )
                hint = f"; it is in {region}" if region else ""
                return StorageError(
                    f"{what}: bucket {self.bucket} is not in {self.region}{hint} (set AWS_REGION)"
                )
            message = exc.response.get("Error", {}).get("Message") or code
            return StorageError(f"{what}: S3 error {code}: {message}")
        return StorageError(f"{what}: {type(exc).__name__}: {exc}")


def _code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""
