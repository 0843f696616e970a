"""editing.download: trusted hosts only, size cap, time limit, temp file removed, video validated."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from editing.config import Settings
from editing.errors import InvalidVideoError, ProviderError, ProviderTimeout
from editing.media import probe
from editing.providers.replicate.download import check_media_url, download_video
from tests.fakes._http import FakeHTTPServer, Recorded, Response
from tests.fakes.replicate_server import make_tiny_mp4


class FileServer(FakeHTTPServer):
    """Serves ``files[path]`` responses; anything else is a 404."""

    def __init__(self) -> None:
        super().__init__()
        self.files: dict[str, Response] = {}

    def route(self, req: Recorded) -> Response:
        return self.files.get(req.path, Response(404, body=b"not found", content_type="text/plain"))


@pytest.fixture(scope="module")
def mp4() -> bytes:
    return make_tiny_mp4()


@pytest.fixture
def server() -> Iterator[FileServer]:
    with FileServer() as s:
        yield s


def settings_for(*hosts: str, max_mb: int = 200) -> Settings:
    return Settings(trusted_media_hosts=",".join(hosts), download_max_mb=max_mb)


def video(body: bytes, **kw: object) -> Response:
    return Response(200, body=body, content_type="video/mp4", **kw)  # type: ignore[arg-type]


# The URL gate ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "trusted"),
    [
        ("https://replicate.delivery/pbxt/abc/output.mp4", ()),
        ("https://pbxt.replicate.delivery/abc/output.mp4", ()),
        ("https://REPLICATE.DELIVERY./x.mp4", ()),
        ("https://cdn.example.com/x.mp4", ("cdn.example.com",)),
        ("http://127.0.0.1:8123/x.mp4", ("127.0.0.1:8123",)),
        ("http://media.proxy/x.mp4", ("media.proxy",)),  # listed without a port: any port
        ("http://[::1]:9000/x.mp4", ("[::1]:9000",)),
    ],
)
def test_allowed_urls(url: str, trusted: tuple[str, ...]) -> None:
    check_media_url(url, trusted)


@pytest.mark.parametrize(
    ("url", "trusted", "why"),
    [
        ("http://replicate.delivery/x.mp4", (), "plain http"),
        ("https://evilreplicate.delivery/x.mp4", (), "untrusted host"),
        ("https://replicate.delivery.evil.com/x.mp4", (), "untrusted host"),
        ("https://replicate.delivery@evil.com/x.mp4", (), "credentials"),
        ("https://user:pw@replicate.delivery/x.mp4", (), "credentials"),
        ("https://api.replicate.com/x.mp4", (), "untrusted host"),
        ("https://169.254.169.254/latest/meta-data", (), "untrusted host"),
        ("http://127.0.0.1:8124/x.mp4", ("127.0.0.1:8123",), "untrusted host"),  # wrong port
        ("ftp://replicate.delivery/x.mp4", (), "only https"),
        ("file:///etc/passwd", (), "only https|without a host"),
        ("data:video/mp4;base64,AAAA", (), "only https|without a host"),
        ("https:///x.mp4", (), "without a host"),
        ("https://replicate.delivery:99999/x.mp4", (), "malformed"),
    ],
)
def test_refused_urls(url: str, trusted: tuple[str, ...], why: str) -> None:
    with pytest.raises(ProviderError, match=why):
        check_media_url(url, trusted)


# Downloads ------------------------------------------------------------------------------------
def test_download_and_validate(server: FileServer, tmp_path: Path, mp4: bytes) -> None:
    server.files["/out.mp4"] = video(mp4)
    path = download_video(f"{server.url}/out.mp4", tmp_path, settings_for(server.host))
    assert path.parent == tmp_path and path.read_bytes() == mp4 and probe(path).has_video
    assert list(tmp_path.iterdir()) == [path]


def test_untrusted_host_is_never_contacted(server: FileServer, tmp_path: Path, mp4: bytes) -> None:
    server.files["/out.mp4"] = video(mp4)
    with pytest.raises(ProviderError, match="untrusted host"):
        download_video(f"{server.url}/out.mp4", tmp_path, settings_for())
    assert server.requests == [] and list(tmp_path.iterdir()) == []


def test_redirects_are_checked_hop_by_hop(tmp_path: Path, mp4: bytes) -> None:
    with FileServer() as trusted, FileServer() as other:
        other.files["/evil.mp4"] = video(mp4)
        trusted.files["/good.mp4"] = video(mp4)
        trusted.files["/to-good"] = Response(302, body=b"", headers={"Location": "/good.mp4"})
        trusted.files["/to-evil"] = Response(302, body=b"", headers={"Location": f"{other.url}/evil.mp4"})
        settings = settings_for(trusted.host)

        assert download_video(f"{trusted.url}/to-good", tmp_path, settings).exists()
        with pytest.raises(ProviderError, match="untrusted host"):
            download_video(f"{trusted.url}/to-evil", tmp_path, settings)
        assert other.requests == []
        trusted.files["/loop"] = Response(302, body=b"", headers={"Location": "/loop"})
        with pytest.raises(ProviderError, match="redirected more than"):
            download_video(f"{trusted.url}/loop", tmp_path, settings)
    assert len(list(tmp_path.iterdir())) == 1


def test_declared_size_over_the_cap(server: FileServer, tmp_path: Path) -> None:
    server.files["/big.mp4"] = video(b"\0" * (2 * 1024 * 1024 + 1))
    with pytest.raises(ProviderError, match="over the 2 MB limit"):
        download_video(f"{server.url}/big.mp4", tmp_path, settings_for(server.host, max_mb=2))
    assert list(tmp_path.iterdir()) == []


def test_streamed_size_over_the_cap(server: FileServer, tmp_path: Path) -> None:
    server.files["/big.mp4"] = video(b"\0" * 300_000, chunked=True, chunk_size=50_000)
    with pytest.raises(ProviderError, match="over the 0 MB limit"):
        download_video(f"{server.url}/big.mp4", tmp_path, settings_for(server.host), max_bytes=100_000)
    assert list(tmp_path.iterdir()) == []


def test_chunked_download_within_the_cap(server: FileServer, tmp_path: Path, mp4: bytes) -> None:
    server.files["/out.mp4"] = video(mp4, chunked=True, chunk_size=500)
    assert download_video(f"{server.url}/out.mp4", tmp_path, settings_for(server.host)).exists()


def test_slow_server_hits_the_time_limit(server: FileServer, tmp_path: Path, mp4: bytes) -> None:
    server.files["/late.mp4"] = video(mp4, delay=5.0)
    started = time.monotonic()
    with pytest.raises(ProviderTimeout):
        download_video(f"{server.url}/late.mp4", tmp_path, settings_for(server.host), timeout_s=0.4)
    assert time.monotonic() - started < 3
    assert list(tmp_path.iterdir()) == []


def test_trickling_server_hits_the_overall_time_limit(server: FileServer, tmp_path: Path, mp4: bytes) -> None:
    server.files["/trickle.mp4"] = video(mp4 * 4, chunked=True, chunk_size=200, chunk_delay=0.1)
    started = time.monotonic()
    with pytest.raises(ProviderTimeout, match="longer than 1s"):
        download_video(f"{server.url}/trickle.mp4", tmp_path, settings_for(server.host), timeout_s=0.6)
    assert time.monotonic() - started < 3
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("response", "error", "match"),
    [
        (Response(404, body=b"gone", content_type="text/plain"), ProviderError, "HTTP 404"),
        (Response(500, body=b"oops", content_type="text/plain"), ProviderError, "HTTP 500"),
        (video(b""), ProviderError, "empty body"),
        (
            video(b"<html>definitely not a video</html>"),
            InvalidVideoError,
            "downloaded from 127.0.0.1 is unusable",
        ),
    ],
    ids=["404", "500", "empty", "not-a-video"],
)
def test_failures_leave_no_file(
    server: FileServer, tmp_path: Path, response: Response, error: type[Exception], match: str
) -> None:
    server.files["/x.mp4"] = response
    with pytest.raises(error, match=match):
        download_video(f"{server.url}/x.mp4", tmp_path, settings_for(server.host))
    assert list(tmp_path.iterdir()) == []


def test_connection_refused(tmp_path: Path) -> None:
    with FileServer() as gone:
        url, host = f"{gone.url}/x.mp4", gone.host
    with pytest.raises(ProviderError, match="failed"):
        download_video(url, tmp_path, settings_for(host))
    assert list(tmp_path.iterdir()) == []
