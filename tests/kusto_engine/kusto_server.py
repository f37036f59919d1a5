"""``duckdb-kql serve`` started on a free loopback port (stopped after), and a small proxy in
front of it that turns one query's answer into a partial result the way Kusto reports one: the
rows, plus an error row in ``QueryCompletionInformation`` (a limit was hit)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

TRUNCATED = "E_QUERY_RESULT_SET_TOO_LARGE: result set exceeded the limit of 500000 records"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def duckdb_kql_server(database: Path) -> Iterator[str]:
    """``http://127.0.0.1:PORT`` of ``duckdb-kql serve DATABASE`` until the block ends."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "duckdb_kql", "serve", str(database), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stderr is not None:
            process.stderr.close()


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"duckdb-kql serve exited: {process.stderr.read()!r}")  # type: ignore[union-attr]
        try:
            with socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("duckdb-kql serve did not start")


def _partial(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for frame in frames:
        if frame.get("TableKind") == "QueryCompletionInformation":
            row = list(frame["Rows"][0])
            row[5], row[6], row[7], row[8] = 2, "Error", -2133196797, TRUNCATED
            row[11] = json.dumps({"Count": 1, "Text": TRUNCATED})
            frame["Rows"].append(row)
    return frames


def _forward(upstream: str, path: str, body: bytes, content_type: str) -> tuple[int, bytes]:
    request = urllib.request.Request(
        upstream + path, data=body, headers={"Content-Type": content_type}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=300) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@contextmanager
def _proxy(upstream: str, answer: Any) -> Iterator[str]:
    """``http://127.0.0.1:PORT`` of a proxy to ``upstream`` that answers each POST with
    ``answer(path, body, forward) -> (status, payload)``."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, fmt: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            kind = self.headers.get("Content-Type", "application/json")
            status, payload = answer(
                self.path, body, lambda: _forward(upstream, self.path, body, kind)
            )
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def replaying_proxy(upstream: str) -> Iterator[str]:
    """A proxy to ``upstream`` that answers a request it was sent before (same path, same
    body: same database and query) with the upstream's answer to it. The served database is
    never written, so the server would answer the same again; asking it once saves its 10-20 s
    of parsing, translating and running each repeated facts query."""
    lock = threading.Lock()
    seen: dict[tuple[str, bytes], tuple[int, bytes]] = {}

    def answer(path: str, body: bytes, forward: Any) -> tuple[int, bytes]:
        with lock:
            if (path, body) not in seen:
                seen[path, body] = forward()
            return seen[path, body]

    with _proxy(upstream, answer) as url:
        yield url


@contextmanager
def partial_proxy(upstream: str, marker: str, times: int | None = None) -> Iterator[str]:
    """A proxy to ``upstream`` that marks the answer of queries containing ``marker``
    partial (only the first ``times`` such answers when given)."""
    marked = [0]

    def answer(path: str, body: bytes, forward: Any) -> tuple[int, bytes]:
        status, payload = forward()
        hit = status == 200 and marker in json.loads(body).get("csl", "")
        if hit and (times is None or marked[0] < times):
            marked[0] += 1
            payload = json.dumps(_partial(json.loads(payload))).encode()
        return status, payload

    with _proxy(upstream, answer) as url:
        yield url
