"""Constants and helpers of the live-trace tests."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_data"
WORKSPACE = "9b1d5c3e-7a2f-4e6b-8c0d-1f2e3a4b5c6d"
FAKE_TOKEN = "eyFAKE-netlogs-live-token-7f3a9c"  # recognisable: grep every output for it
WINDOW = ["--start", "2026-11-20T10:00:00Z", "--end", "2026-11-20T12:00:00Z"]
NOW = "2026-11-20T12:00:00Z"
AZ_SCRIPT = f"""#!/bin/sh
echo '{{"accessToken": "{FAKE_TOKEN}", "expiresOn": "2099-01-01 00:00:00.000000",
 "expires_on": 4070908800, "tokenType": "Bearer", "subscription": "s", "tenant": "t"}}'
"""


def trace_args(*source: str, extra: tuple[str, ...] = ()) -> list[str]:
    return [
        "trace",
        "--vault",
        "kv-contoso-prod",
        "--topology",
        str(SAMPLE / "topology.yaml"),
        *source,
        *WINDOW,
        "--now",
        NOW,
        "--format",
        "json",
        *extra,
    ]
