"""TLS for the local fakes: one throw-away CA, and HTTPS servers on 127.0.0.1 that it signs.

The real Azure SDK clients and the Azurite emulator only talk TLS to the fakes; each test run
makes its own CA (``trustme``), clients get its file (``ca_file``, e.g. ``--ca-bundle``), and a
server gets a certificate for ``127.0.0.1``/``localhost`` signed by it.
"""

from __future__ import annotations

import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import trustme


class LocalCa:
    """A throw-away CA whose certificate is written to ``ca_file`` for the clients."""

    def __init__(self, workdir: Path, name: str = "fake-ca.pem", ca: trustme.CA | None = None):
        self.ca = ca or trustme.CA()
        self.ca_file = workdir / name
        self.ca.cert_pem.write_to_path(str(self.ca_file))

    def server_context(self) -> ssl.SSLContext:
        """A server-side context presenting a certificate for 127.0.0.1 and localhost."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        return context

    def write_server_cert(self, cert_file: Path, key_file: Path) -> None:
        """The same certificate as PEM files, for a server in another process (Azurite)."""
        cert = self.ca.issue_cert("127.0.0.1", "localhost")
        cert.cert_chain_pems[0].write_to_path(str(cert_file))
        cert.private_key_pem.write_to_path(str(key_file))


class HttpsServer:
    """``handler`` served over TLS on a free port of 127.0.0.1 from a daemon thread, between
    ``start()`` and ``stop()``."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], ca: LocalCa) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._server.socket = ca.server_context().wrap_socket(
            self._server.socket, server_side=True
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
