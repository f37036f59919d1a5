"""Shared constants and helpers of the Log Analytics tests (a uniquely named module, so other
test areas' helpers can never shadow it)."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

from netlogs import kql

WORKSPACE = "11111111-2222-3333-4444-555555555555"
WORKSPACE_2 = "66666666-7777-8888-9999-000000000000"
WINDOW_START = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)


class StaticTokenCredential:
    """A TokenCredential that hands out a fixed token (supplied, not a mock of our code)."""

    TOKEN = "test-token-not-a-secret"

    def __init__(self) -> None:
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        self.scopes.append(scopes)
        return AccessToken(self.TOKEN, int(time.time()) + 3600)


def network_rule_template() -> str:
    """The evidence template that reads AZFWNetworkRule (whatever C named it)."""
    return next(
        t.name
        for t in kql.list_templates()
        if t.family == "firewall" and "AZFWNetworkRule" in t.tables
    )


def probe_template() -> str:
    return next(t.name for t in kql.list_templates() if t.family == "probe")


