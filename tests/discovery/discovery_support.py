"""Constants and helpers of the discovery tests (a uniquely named module, so no other test
area's ``conftest`` can shadow it on ``sys.path``)."""

from __future__ import annotations

import stat
from pathlib import Path

FAKE_TOKEN = "eyFAKE-netlogs-discovery-token-51c2"
AZ_SCRIPT = f"""#!/bin/sh
echo '{{"accessToken": "{FAKE_TOKEN}", "expiresOn": "2099-01-01 00:00:00.000000",
 "expires_on": 4070908800, "tokenType": "Bearer", "subscription": "s", "tenant": "t"}}'
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
