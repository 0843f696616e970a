"""Fetch a generated video from a provider's delivery URL, safely.

Only https URLs on Replicate's delivery hosts (``replicate.delivery`` and its
subdomains) or on a host listed in TRUSTED_MEDIA_HOSTS are fetched; plain http is
accepted only for listed hosts (local proxies, test servers). Redirects are
followed by hand so every hop passes the same check. The body streams into a temp
file under a size cap and an overall time limit; on any failure the temp file is
removed, and a finished download must decode as a video before it is returned.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import IO
from urllib.parse import urljoin, urlsplit

import httpx

from editing import media
from editing.config import Settings
from editing.errors import InvalidVideoError, ProviderError, ProviderTimeout

log = logging.getLogger(__name__)

#: Hosts Replicate serves prediction outputs from (the host itself and any subdomain).
REPLICATE_DELIVERY_DOMAINS: tuple[str, ...] = ("replicate.delivery",)
DEFAULT_TIMEOUT_S = 180.0
MAX_REDIRECTS = 5


def _host_port(url: str) -> tuple[str, str, int | None]:
    """(scheme, lowercased host without trailing dot, explicit port or None)."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise ProviderError(f"refusing to download from a malformed URL: {url[:200]}") from None
    host = (parts.hostname or "").rstrip(".").lower()
    return parts.scheme.lower(), host, port


def _listed(host: str, port: int | None, trusted_hosts: Iterable[str]) -> bool:
    for entry in trusted_hosts:
        entry = entry.strip().lower().rstrip(".")
        if not entry:
            continue
        if entry.startswith("["):  # [::1]:8080
            bracket_host, _, rest = entry[1:].partition("]")
            entry_host, entry_port = bracket_host, rest.lstrip(":") or None
        elif entry.count(":") == 1:
            entry_host, entry_port = entry.split(":")
        else:
            entry_host, entry_port = entry, None
        if entry_host == host and (entry_port is None or entry_port == str(port)):
            return True
    return False


def check_media_url(url: str, trusted_hosts: Iterable[str] = ()) -> None:
    """Refuse a URL that is not on Replicate's delivery hosts or on a trusted host.

    Raises:
        ProviderError: the scheme, host or form of the URL is not allowed.
    """
    parts = urlsplit(url)
    scheme, host, port = _host_port(url)
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise ProviderError(f"refusing to download from a URL with credentials in it: {host or url[:80]}")
    if not host:
        raise ProviderError(f"refusing to download from a URL without a host: {url[:200]}")
    listed = _listed(host, port, trusted_hosts)
    delivery = any(host == d or host.endswith("." + d) for d in REPLICATE_DELIVERY_DOMAINS)
    if scheme == "https" and (delivery or listed):
        return
    if scheme == "http" and listed:
        return
    if scheme not in ("http", "https"):
        raise ProviderError(f"refusing to download a {scheme or 'scheme-less'} URL; only https is allowed")
    if scheme == "http" and delivery:
        raise ProviderError(f"refusing to download over plain http from {host}; only https is allowed")
    raise ProviderError(
        f"refusing to download from untrusted host {host}: outputs must come from replicate.delivery "
        "or a host listed in TRUSTED_MEDIA_HOSTS"
    )


def download_video(
    url: str,
    dest_dir: Path,
    settings: Settings,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_bytes: int | None = None,
    validate: bool = True,
) -> Path:
    """Download ``url`` into a new file in ``dest_dir`` and check that it is a video.

    Args:
        url: the provider's output URL.
        dest_dir: where the file goes (the caller owns and removes the returned file).
        settings: supplies TRUSTED_MEDIA_HOSTS and ATELIER_DOWNLOAD_MAX_MB.
        timeout_s: limit for the whole download, redirects included.
        max_bytes: overrides the size cap from settings.
        validate: decode the file with ffmpeg before returning it.

    Raises:
        ProviderError: untrusted URL, HTTP error, too large, or a broken connection.
        ProviderTimeout: the download took longer than ``timeout_s``.
        InvalidVideoError: what arrived is not a decodable video.
    """
    cap = max_bytes if max_bytes is not None else settings.download_max_mb * 1024 * 1024
    trusted = settings.trusted_media_hosts
    dest_dir.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout_s
    fd, tmp_name = tempfile.mkstemp(prefix=".download-", suffix=".part", dir=dest_dir)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            _fetch(url, out, trusted=trusted, cap=cap, deadline=deadline, timeout_s=timeout_s)
        if validate:
            try:
                media.validate_video(tmp)
            except InvalidVideoError as exc:
                reason = str(exc).replace(tmp.name, "the file")
                raise InvalidVideoError(
                    f"the video downloaded from {urlsplit(url).hostname} is unusable: {reason}"
                ) from None
        final = dest_dir / f"download-{uuid.uuid4().hex[:12]}.mp4"
        tmp.replace(final)
        return final
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _remaining(deadline: float, timeout_s: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise ProviderTimeout(f"downloading the generated video took longer than {timeout_s:.0f}s")
    return left


def _fetch(
    url: str, out: IO[bytes], *, trusted: tuple[str, ...], cap: int, deadline: float, timeout_s: float
) -> None:
    current = url
    with httpx.Client(follow_redirects=False) as client:
        for _hop in range(MAX_REDIRECTS + 1):
            check_media_url(current, trusted)
            left = _remaining(deadline, timeout_s)
            timeout = httpx.Timeout(min(30.0, left), connect=min(10.0, left))
            host = urlsplit(current).hostname
            try:
                with client.stream("GET", current, timeout=timeout) as resp:
                    if resp.is_redirect:
                        location = resp.headers.get("location")
                        if not location:
                            raise ProviderError(f"download from {host} redirected without a Location")
                        current = urljoin(current, location)
                        continue
                    if resp.status_code != 200:
                        raise ProviderError(f"download from {host} failed: HTTP {resp.status_code}")
                    declared = resp.headers.get("content-length")
                    if declared and declared.isdigit() and int(declared) > cap:
                        raise ProviderError(
                            f"the generated video is {int(declared) / 2**20:.1f} MB, over the "
                            f"{cap / 2**20:.0f} MB limit (ATELIER_DOWNLOAD_MAX_MB)"
                        )
                    received = 0
                    for chunk in resp.iter_bytes():  # as it arrives, so the deadline is checked often
                        received += len(chunk)
                        if received > cap:
                            raise ProviderError(
                                f"the generated video is over the {cap / 2**20:.0f} MB limit "
                                "(ATELIER_DOWNLOAD_MAX_MB)"
                            )
                        out.write(chunk)
                        _remaining(deadline, timeout_s)
                    if received == 0:
                        raise ProviderError(f"download from {host} returned an empty body")
                    log.info("downloaded %d bytes from %s", received, host)
                    return
            except httpx.TimeoutException as exc:
                raise ProviderTimeout(f"download from {host} timed out ({type(exc).__name__})") from exc
            except httpx.HTTPError as exc:
                raise ProviderError(f"download from {host} failed: {exc}") from exc
        raise ProviderError(
            f"download from {urlsplit(url).hostname} redirected more than {MAX_REDIRECTS} times"
        )
