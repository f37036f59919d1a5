"""Fixtures: the HTTPS fake query API, a supplied token credential, and an evidence query."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from netlogs.model import EvidenceQuery, TimeWindow
from netlogs.sources.log_analytics import LogAnalyticsSource, RetrySettings
from tests.sources.log_analytics.fake_query_api import FakeQueryApi, Responder
from tests.sources.log_analytics.la_support import (
    WINDOW_START,
    WORKSPACE,
    StaticTokenCredential,
    network_rule_template,
)


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
