"""Fixtures: the HTTPS fake query API, a supplied token credential, and an evidence query."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fake_query_api import FakeQueryApi, Responder

from netlogs import kql
from netlogs.model import EvidenceQuery, TimeWindow
from netlogs.sources.log_analytics import LogAnalyticsSource, RetrySettings

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


@pytest.fixture
def evidence_query() -> Callable[..., EvidenceQuery]:
    def build(hours: float = 1.0) -> EvidenceQuery:
        return EvidenceQuery(
            vault_name="kv-contoso-prod",
            vault_fqdn="kv-contoso-prod.vault.azure.net",
            private_endpoint_ips=("10.1.2.4",),
            firewall_names=("fw-hub",),
            window=TimeWindow(WINDOW_START, WINDOW_START + timedelta(hours=hours)),
        )

    return build


@pytest.fixture
def fake_api(tmp_path: Path) -> Iterator[Callable[[Responder], FakeQueryApi]]:
    started: list[FakeQueryApi] = []

    def start(responder: Responder) -> FakeQueryApi:
        api = FakeQueryApi(responder, tmp_path).__enter__()
        started.append(api)
        return api

    yield start
    for api in started:
        api.__exit__(None, None, None)


@pytest.fixture
def make_source() -> Callable[..., LogAnalyticsSource]:
    def build(
        api: FakeQueryApi, *, templates: list[str] | None = None, **options: Any
    ) -> LogAnalyticsSource:
        options.setdefault("retry", RetrySettings(total=2, backoff_factor=0.05, read_timeout=10.0))
        return LogAnalyticsSource(
            options.pop("workspaces", [WORKSPACE]),
            credential=options.pop("credential", StaticTokenCredential()),
            endpoint=api.endpoint,
            connection_verify=str(api.ca_file),
            templates=templates if templates is not None else [network_rule_template()],
            **options,
        )

    return build
