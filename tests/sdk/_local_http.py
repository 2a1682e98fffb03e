"""Loopback peers the SDK tests need besides the local service.

``forward_proxy`` forwards absolute-URI requests (what a client sends to an HTTP proxy) and
records them. ``canned_server`` answers with fixed responses the service never produces, such as a
gateway's HTML 502 or a body that is not JSON; used as a proxy, it is a proxy that answers every
request and every CONNECT with its canned response (a 407, say). ``dead_port`` is a port nothing
listens on. ``unopenable_port`` is a listening port whose
connect attempts hang until they time out.
"""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

_HOP_BY_HOP = {"proxy-authorization", "proxy-connection", "connection", "keep-alive"}


@dataclass
class ProxiedRequest:
    method: str
    url: str
    proxy_authorization: str | None


@dataclass
class ProxyLog:
    requests: list[ProxiedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length else b""


def _proxy_handler(log: ProxyLog) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _forward(self) -> None:
            with log.lock:
                log.requests.append(
                    ProxiedRequest(self.command, self.path, self.headers.get("Proxy-Authorization"))
                )
            target = urlsplit(self.path)
            if target.hostname not in ("127.0.0.1", "::1", "localhost"):
                self.send_error(403, "this proxy only forwards to loopback")
                return
            body = _read_body(self)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
            try:
                path = target.path + (f"?{target.query}" if target.query else "")
                upstream.request(self.command, path, body=body or None, headers=headers)
                response = upstream.getresponse()
                payload = response.read()
                self.send_response(response.status, response.reason)
                for name, value in response.getheaders():
                    if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            finally:
                upstream.close()

        do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _forward

    return Handler


@dataclass
class Canned:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def _canned_handler(responses: list[Canned], hits: list[str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _answer(self) -> None:
            _read_body(self)
            hits.append(f"{self.command} {self.path}")
            canned = responses[min(len(hits), len(responses)) - 1]
            self.send_response(canned.status)
            self.send_header("Content-Type", canned.content_type)
            for name, value in canned.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(canned.body)))
            self.end_headers()
            self.wfile.write(canned.body)

        do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = do_CONNECT = _answer

    return Handler


@contextmanager
def _serving(server: ThreadingHTTPServer) -> Iterator[str]:
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextmanager
def forward_proxy() -> Iterator[tuple[str, ProxyLog]]:
    log = ProxyLog()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _proxy_handler(log))
    with _serving(server) as url:
        yield url, log


@contextmanager
def canned_server(*responses: Canned) -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _canned_handler(list(responses), hits))
    with _serving(server) as url:
        yield url, hits


def dead_port() -> int:
    """A loopback port nothing listens on: picked free, then closed again."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@contextmanager
def unopenable_port() -> Iterator[str]:
    """A base URL whose connections time out while connecting: the port listens, but its accept
    queue is full (of connections never accepted), so the kernel drops every further SYN."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    held: list[socket.socket] = []
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        for _ in range(16):
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.settimeout(0.2)
            try:
                filler.connect(("127.0.0.1", port))
            except TimeoutError:
                filler.close()
                break
            held.append(filler)
        else:
            raise RuntimeError("the accept queue never filled up")
        yield f"http://127.0.0.1:{port}"
    finally:
        for filler in held:
            filler.close()
        listener.close()
