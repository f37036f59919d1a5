"""Constants and helpers of the discovery tests."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

FAKE_TOKEN = "eyFAKE-netlogs-discovery-token-51c2"


def _storage_token() -> str:
    """A JWT-shaped token for the storage scope: Azurite (--oauth basic) checks its audience,
    issuer and lifetime, not its signature."""

    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    claims = {
        "aud": "https://storage.azure.com",
        "iss": "https://sts.windows.net/netlogs-test/",
        "iat": 1700000000,
        "nbf": 1700000000,
        "exp": 4070908800,
        "oid": "00000000-0000-0000-0000-000000000001",
    }
    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


STORAGE_TOKEN = _storage_token()
AZ_SCRIPT = f"""#!/bin/sh
case "$*" in
  *storage.azure.com*) token="{STORAGE_TOKEN}" ;;
  *) token="{FAKE_TOKEN}" ;;
esac
printf '{{"accessToken": "%s", "expiresOn": "2099-01-01 00:00:00.000000", \
"expires_on": 4070908800, "tokenType": "Bearer"}}\n' "$token"
"""
NO_LOGIN_SCRIPT = """#!/bin/sh
echo "ERROR: Please run 'az login' to setup account." >&2
exit 1
"""


def write_az(directory: Path, script: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    az = directory / "az"
    az.write_text(script)
    az.chmod(az.stat().st_mode | stat.S_IEXEC)


REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_data"
SAMPLE_TOPOLOGY = SAMPLE / "topology.yaml"
WINDOW = ["--start", "2026-11-20T10:00:00Z", "--end", "2026-11-20T12:00:00Z"]
NOW = "2026-11-20T12:00:00Z"

