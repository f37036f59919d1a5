"""How many queries a live trace sends for a 2 h and a 7 d window (sample-sized workspace).

``LogAnalyticsSource.collect`` runs every KQL template against the local HTTPS fake that serves
the sample scenario as a workspace (``tests/trace_live/trace_live_scenario.py``); the fake counts
the requests it received, per table. Tables the scenario has no rows for exist but are empty, so
the count does not depend on how a version treats absent tables.

    .venv/bin/python benchmarks/la_query_count.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run as a script: the fakes live in tests/

WORKSPACE = "9b1d5c3e-7a2f-4e6b-8c0d-1f2e3a4b5c6d"
END = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
ALL_TABLES = frozenset(
    {
        "AzureDiagnostics",
        "AZKVAuditLogs",
        "AZFWNetworkRule",
        "AZFWApplicationRule",
        "AZFWNatRule",
        "AZFWFlowTrace",
        "AZFWDnsQuery",
        "NTANetAnalytics",
        "AzureNetworkAnalytics_CL",
    }
)


class _Credential:
    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        return AccessToken("bench-token", int(time.time()) + 3600)


def _count(window: timedelta) -> tuple[int, Counter[str]]:
    from netlogs import kql
    from netlogs.model import DEFAULT_FIREWALL_LEAD, EvidenceQuery, TimeWindow
    from netlogs.sources.log_analytics import LogAnalyticsSource
    from tests.sources.log_analytics.fake_query_api import FakeQueryApi
    from tests.trace_live.trace_live_scenario import ScenarioWorkspace, load_scenario, template_of

    sample = load_scenario(HERE.parent / "sample_data" / "logs")
    workspace = ScenarioWorkspace(sample.tables, empty_tables=ALL_TABLES - set(sample.tables))
    table_of = {t.name: t.tables[0] for t in kql.list_templates()}
    query = EvidenceQuery(
        vault_name="kv-contoso-prod",
        vault_fqdn="kv-contoso-prod.vault.azure.net",
        private_endpoint_ips=("10.1.2.4",),
        firewall_names=("fw-hub",),
        window=TimeWindow(END - window, END),
        firewall_lead=DEFAULT_FIREWALL_LEAD,
    )
    with tempfile.TemporaryDirectory() as scratch, FakeQueryApi(workspace, Path(scratch)) as api:
        source = LogAnalyticsSource(
            [WORKSPACE],
            credential=_Credential(),
            endpoint=api.endpoint,
            connection_verify=str(api.ca_file),
        )
        source.collect(query)
        tables = Counter(
            "probe" if template_of(r) == "coverage_probe" else table_of[template_of(r)]
            for r in api.requests
        )
    return len(api.requests), tables


def main() -> None:
    for label, window in (("2 h", timedelta(hours=2)), ("7 d", timedelta(days=7))):
        started = time.perf_counter()
        total, tables = _count(window)
        seconds = time.perf_counter() - started
        busiest = max(tables.items(), key=lambda kv: kv[1])
        print(
            f"{label}: {total} queries; most per table: {busiest[0]} {busiest[1]}; "
            f"{seconds:.1f} s against the local fake"
        )


if __name__ == "__main__":
    main()
