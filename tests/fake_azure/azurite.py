"""Azurite, Microsoft's storage emulator (npm ``azurite``, installed by scripts/test.sh into
tests/azurite), serving the sample scenario's flow-log blobs over HTTPS with OAuth.

``--oauth basic`` makes Azurite accept bearer tokens after checking their shape, audience,
issuer and lifetime (not their signature), over HTTPS only; the stub ``az`` hands out such a
token for the storage scope. Blobs are uploaded with the emulator's well-known account key.
"""

from __future__ import annotations

import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.local_tls import LocalCa

HERE = Path(__file__).resolve().parent
AZURITE = HERE.parent / "azurite" / "node_modules" / ".bin" / "azurite-blob"
ACCOUNT = "devstoreaccount1"
# the emulator's documented development key (public, not a secret)
ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)


@dataclass
class Azurite:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def account_url(self) -> str:
        return f"https://127.0.0.1:{self.port}/{ACCOUNT}/"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            # reaped, or its Popen warns "still running" when collected (an error under pytest)
            self.process.wait(timeout=10)


def start_azurite(workdir: Path, ca: LocalCa) -> Azurite:
    """Start the blob emulator on a free port with a certificate from ``ca``."""
    if not AZURITE.exists():
        raise RuntimeError(f"{AZURITE} is missing: run `npm ci` in tests/azurite")
    cert_file, key_file = workdir / "azurite-cert.pem", workdir / "azurite-key.pem"
    ca.write_server_cert(cert_file, key_file)
    port = _free_port()
    command = [
        str(AZURITE),
        "--blobHost",
        "127.0.0.1",
        "--blobPort",
        str(port),
        "--oauth",
        "basic",
        "--cert",
        str(cert_file),
        "--key",
        str(key_file),
        "--location",
        str(workdir / "data"),
        "--silent",
        "--skipApiVersionCheck",
    ]
    log = workdir / "azurite.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    azurite = Azurite(process, port)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"azurite exited: {log.read_text(errors='replace')[:500]}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return azurite
        time.sleep(0.2)
    azurite.stop()
    raise RuntimeError("azurite did not start within 30 s")


def upload_tree(azurite: Azurite, root: Path, ca_file: Path) -> int:
    """Every file under ``root/<container>/`` as a blob of that container; how many."""
    from azure.storage.blob import BlobServiceClient

    service = BlobServiceClient(
        azurite.account_url,
        credential={"account_name": ACCOUNT, "account_key": ACCOUNT_KEY},
        connection_verify=str(ca_file),
    )
    count = 0
    for container_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        container = service.get_container_client(container_dir.name)
        if not container.exists():
            container.create_container()
        for path in sorted(p for p in container_dir.rglob("*") if p.is_file()):
            name = path.relative_to(container_dir).as_posix()
            container.upload_blob(name, path.read_bytes(), overwrite=True)
            count += 1
    service.close()
    return count


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
