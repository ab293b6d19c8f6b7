"""A small HTTP proxy on loopback that injects faults by script in front of an emulator.

    with FaultProxy(upstream_url, [Fault.status(503, times=2)], methods={"PUT"}) as proxy:
        settings = replace(settings, endpoint_url=proxy.url)
        ...  # the first two PUTs get a 503, then everything passes through
        assert proxy.injected == 2

Faults are consumed in order by the requests they match (method filter); once the script is
used up, requests pass through to the upstream server unchanged (Host header included, so
request signatures stay valid). `times=None` repeats a fault forever.
"""

from __future__ import annotations

import http.client
import re
import socket
import struct
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "expect",  # this proxy already answered 100-continue and sends the body at once
}


@dataclass
class Fault:
    kind: str  # "status" (answer with `status`) or "reset" (TCP reset, no answer)
    status: int = 503
    retry_after: float | None = None
    times: int | None = 1  # None: forever

    @classmethod
    def status_code(
        cls, status: int, *, times: int | None = 1, retry_after: float | None = None
    ) -> Fault:
        return cls("status", status, retry_after, times)

    @classmethod
    def reset(cls, *, times: int | None = 1) -> Fault:
        return cls("reset", times=times)


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    fault: str  # "pass", "reset" or the status code injected


class FaultProxy:
    def __init__(
        self,
        upstream: str,
        script: Iterable[Fault] = (),
        *,
        methods: Iterable[str] | None = None,
        path: str | None = None,
    ) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.upstream_path = parts.path.rstrip("/")
        self._script = [Fault(f.kind, f.status, f.retry_after, f.times) for f in script]
        self._methods = {m.upper() for m in methods} if methods else None
        # A regex searched in the request path: only those requests meet the script.
        self._path = re.compile(path) if path else None
        self._lock = threading.Lock()
        self.seen: list[Seen] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The proxy's base URL, with the upstream's path (e.g. Azurite's /devstoreaccount1)."""
        return f"http://127.0.0.1:{self._server.server_address[1]}{self.upstream_path}"

    @property
    def injected(self) -> int:
        return sum(1 for s in self.seen if s.fault != "pass")

    def count(self, method: str | None = None, fault: str | None = None) -> int:
        return sum(
            1
            for s in self.seen
            if (method is None or s.method == method) and (fault is None or s.fault == fault)
        )

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _next_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            if self._methods is not None and method not in self._methods:
                return None
            if self._path is not None and not self._path.search(path):
                return None
            while self._script:
                fault = self._script[0]
                if fault.times is not None and fault.times <= 0:
                    self._script.pop(0)
                    continue
                if fault.times is not None:
                    fault.times -= 1
                return fault
            return None

    def _record(self, seen: Seen) -> None:
        with self._lock:
            self.seen.append(seen)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the SDKs expect

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    chunks = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return b"".join(chunks)
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _handle(self) -> None:
                body = self._body()
                fault = proxy._next_fault(self.command, self.path)
                if fault is None:
                    proxy._record(Seen(self.command, self.path, "pass"))
                    self._forward(body)
                elif fault.kind == "reset":
                    proxy._record(Seen(self.command, self.path, "reset"))
                    self._reset()
                else:
                    proxy._record(Seen(self.command, self.path, str(fault.status)))
                    self._answer(fault)

            def _answer(self, fault: Fault) -> None:
                payload = (
                    b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>"
                    + (b"SlowDown" if fault.status in (429, 503) else b"InternalError")
                    + b"</Code><Message>injected by the fault proxy</Message></Error>"
                )
                self.send_response(fault.status)
                self.send_header("Content-Type", "application/xml")
                if fault.retry_after is not None:
                    self.send_header("Retry-After", f"{fault.retry_after:g}")
                self.send_header(
                    "Content-Length", str(0 if self.command == "HEAD" else len(payload))
                )
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            def _reset(self) -> None:
                # SO_LINGER 0: close() sends a TCP RST instead of a clean FIN.
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.close_connection = True
                self.connection.close()

            def _forward(self, body: bytes) -> None:
                conn = http.client.HTTPConnection(
                    proxy.upstream_host, proxy.upstream_port, timeout=120
                )
                try:
                    conn.putrequest(
                        self.command, self.path, skip_host=True, skip_accept_encoding=True
                    )
                    for key, value in self.headers.items():
                        if key.lower() not in _HOP_BY_HOP and key.lower() != "content-length":
                            conn.putheader(key, value)
                    if body or self.command in ("PUT", "POST"):
                        conn.putheader("Content-Length", str(len(body)))
                    conn.endheaders(body)
                    resp = conn.getresponse()
                    payload = resp.read()
                    self.send_response_only(resp.status, resp.reason)
                    for key, value in resp.getheaders():
                        lower = key.lower()
                        if lower in _HOP_BY_HOP or lower == "content-length":
                            continue
                        self.send_header(key, value)
                    if self.command == "HEAD":
                        length = resp.getheader("Content-Length") or "0"
                    else:
                        length = str(len(payload))
                    self.send_header("Content-Length", length)
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(payload)
                finally:
                    conn.close()

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = _handle

        return Handler
