"""A local HTTPS fake of the Log Analytics query API (``POST /v1/workspaces/{id}/query``).

The real ``azure.monitor.query.LogsQueryClient`` talks to it over TLS: ``tests.local_tls`` makes a
throw-away CA and a certificate for 127.0.0.1, and tests pass the CA file as
``connection_verify``. Each test supplies a ``responder`` that turns a recorded request into a
reply (status, JSON body, headers, optional delay), so scripted sequences such as "429 then 200"
are plain Python.

Faults a real network produces are injected per reply (``Reply.fault``): ``trickle`` sends the
body a few bytes at a time, ``reset`` closes the connection halfway through the body, ``silent``
accepts the request and never answers (for ``delay`` seconds).
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from tests.local_tls import HttpsServer, LocalCa


@dataclass(frozen=True)
class FakeRequest:
    """What the client sent: path, headers (lower-case names) and the parsed JSON body."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    received: float  # time.monotonic()

    @property
    def workspace(self) -> str:
        return self.path.split("/workspaces/", 1)[1].split("/", 1)[0]

    @property
    def query(self) -> str:
        return str(self.body.get("query", ""))

    @property
    def timespan(self) -> str:
        return str(self.body.get("timespan", ""))


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict -> JSON; bytes -> sent as is; None -> empty
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (timeouts)
    fault: str | None = None  # None, "trickle", "reset" or "silent" (see the module docstring)
    trickle_every: float = 0.2  # seconds between the pieces of a trickled body


Responder = Callable[[FakeRequest], Reply]


class FakeQueryApi:
    """Context manager running the HTTPS fake in a thread; ``.endpoint`` and ``.ca_file``."""

    def __init__(self, responder: Responder, workdir: Path) -> None:
        self.responder = responder
        self.requests: list[FakeRequest] = []
        self.answered: list[float] = []  # time.monotonic() of each answer sent (or abandoned)
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()  # connections a handler still holds
        self._closing = threading.Event()  # ends the waits of delayed and silent replies
        tls = LocalCa(workdir)
        self.ca_file = tls.ca_file
        self._server = HttpsServer(self._handler_class(), tls)

    @property
    def endpoint(self) -> str:
        return f"{self._server.base_url}/v1"

    def __enter__(self) -> FakeQueryApi:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing.set()
        self._server.stop()
        self._drop_open_connections()

    def _drop_open_connections(self) -> None:
        """A client still waiting on a silent or trickling answer (a run that gave up on it, or
        was interrupted) sees the server go away now, as it would a real one, instead of
        blocking its worker thread (and the interpreter's exit) until its read timeout."""
        with self._lock:
            connections, self._open = list(self._open), set()
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by its handler
                connection.shutdown(socket.SHUT_RDWR)

    def _record(self, request: FakeRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
        return self.responder(request)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                with api._lock:
                    api._open.add(self.connection)

            def finish(self) -> None:
                with api._lock:
                    api._open.discard(self.connection)
                super().finish()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length) if length else b""
                request = FakeRequest(
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=json.loads(raw) if raw else {},
                    received=time.monotonic(),
                )
                reply = api._record(request)
                if reply.delay or reply.fault == "silent":
                    api._closing.wait(reply.delay or 30.0)  # a stopping fake stops waiting
                if reply.fault == "silent":
                    self.close_connection = True  # as an idle load balancer would
                    with contextlib.suppress(OSError):
                        self.connection.shutdown(socket.SHUT_RDWR)
                elif not api._closing.is_set():
                    self._send(reply)
                with api._lock:
                    api.answered.append(time.monotonic())

            def _send(self, reply: Reply) -> None:
                if isinstance(reply.body, bytes):
                    payload = reply.body
                elif reply.body is None:
                    payload = b""
                else:
                    payload = json.dumps(reply.body).encode()
                if reply.status == 204:
                    payload = b""
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    if payload:
                        self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    if reply.fault == "reset":
                        self.wfile.write(payload[: len(payload) // 2])
                        self.wfile.flush()
                        self.close_connection = True
                        self.connection.shutdown(socket.SHUT_RDWR)
                    elif reply.fault == "trickle":
                        for start in range(0, len(payload), 8):
                            self.wfile.write(payload[start : start + 8])
                            self.wfile.flush()
                            time.sleep(reply.trickle_every)
                    elif payload:
                        self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
                    pass  # the client gave up (timeout tests)

            def log_message(self, format: str, *args: object) -> None:
                return  # keep test output clean

        return Handler
