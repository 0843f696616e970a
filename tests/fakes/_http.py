"""A tiny threaded JSON HTTP server base for the fakes (stdlib http.server only)."""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger(__name__)


@dataclass
class Recorded:
    """One request as the fake saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    json: Any = None
    query: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Response:
    """What a route returns: status, JSON (or raw bytes), headers, and an optional delay."""

    status: int = 200
    json: Any = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    content_type: str = "application/json"
    chunked: bool = False  # stream the body with Transfer-Encoding: chunked (no Content-Length)
    chunk_size: int = 64 * 1024
    chunk_delay: float = 0.0  # pause before each chunk (a slow trickle)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # never wait for a handler that is sleeping on purpose
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that drops a keep-alive connection (or gives up on a slow reply) is normal here.
        log.debug("fake server: connection from %s ended abruptly", client_address, exc_info=True)


class FakeHTTPServer:
    """Base class: subclasses implement ``route(req) -> Response``."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.lock = threading.RLock()
        self._stop = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # Lifecycle --------------------------------------------------------------
    def start(self) -> FakeHTTPServer:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt: str, *args: Any) -> None:
                log.debug("%s %s", type(fake).__name__, fmt % args)

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                try:
                    parsed = json.loads(body) if body else None
                except ValueError:
                    parsed = None
                req = Recorded(
                    method=self.command,
                    path=parts.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                    json=parsed,
                    query=parts.query,
                )
                with fake.lock:
                    fake.requests.append(req)
                try:
                    resp = fake.route(req)
                except Exception as exc:  # a bug in a fake should be loud, not a hang
                    log.exception("fake server route failed")
                    resp = Response(500, {"error": {"message": f"fake server bug: {exc}"}})
                if resp.delay and fake._stop.wait(resp.delay):
                    return
                payload = resp.body if resp.body is not None else json.dumps(resp.json).encode()
                try:
                    self.send_response(resp.status)
                    self.send_header("Content-Type", resp.content_type)
                    if resp.chunked:
                        self.send_header("Transfer-Encoding", "chunked")
                    else:
                        self.send_header("Content-Length", str(len(payload)))
                    for k, v in resp.headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    if self.command == "HEAD":
                        return
                    if not resp.chunked:
                        self.wfile.write(payload)
                        return
                    for i in range(0, len(payload), resp.chunk_size):
                        if resp.chunk_delay and fake._stop.wait(resp.chunk_delay):
                            return
                        piece = payload[i : i + resp.chunk_size]
                        self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                        self.wfile.flush()
                    self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                    pass

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

        self._httpd = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # Addresses --------------------------------------------------------------
    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return int(self._httpd.server_address[1])

    @property
    def host(self) -> str:
        """host:port, as TRUSTED_MEDIA_HOSTS wants it."""
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def route(self, req: Recorded) -> Response:  # pragma: no cover - abstract
        raise NotImplementedError

    def requests_to(self, method: str, path_prefix: str = "") -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]
