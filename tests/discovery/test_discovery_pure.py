"""The pure discovery functions, with no network: vault references, candidates, the log plan's
templates, the probe filter, the design rule and the cloud endpoints."""

from __future__ import annotations

from typing import Any

import pytest

from netlogs.azure.clouds import resolve_cloud
from netlogs.discovery.design import choose_firewall, client_subnets
from netlogs.discovery.logplan import candidate_templates, log_plan, templates_with_rows
from netlogs.discovery.vault import parse_vault_ref, pick_vault, vault_query
from netlogs.errors import ConfigError
from netlogs.topology.loader import load_topology
from tests.discovery.discovery_support import SAMPLE_TOPOLOGY
from tests.fake_azure import sample_estate


def test_vault_references() -> None:
    assert parse_vault_ref("kv-a").name == "kv-a"
    assert parse_vault_ref("https://KV-A.vault.azure.net/").name == "kv-a"
    assert parse_vault_ref("kv-b.vault.usgovcloudapi.net").name == "kv-b"
    ref = parse_vault_ref(sample_estate.VAULT_ID)
    assert ref.resource_id == sample_estate.VAULT_ID and not ref.name
    with pytest.raises(ConfigError, match="not a Key Vault resource id"):
        parse_vault_ref(f"/subscriptions/{sample_estate.SUB}/resourceGroups/rg")


def test_vault_query_quotes_what_the_user_typed() -> None:
    query = vault_query(parse_vault_ref("kv' | project secret"))
    assert "name =~ 'kv\\' | project secret'" in query or '"kv\' | project secret"' in query
    assert query.startswith("Resources | where type =~ 'microsoft.keyvault/vaults'")


def test_ambiguous_vault_lists_the_candidates_and_missing_names_the_scope() -> None:
    rows = [
        {"id": "/subscriptions/a/x/kv-a", "type": "Microsoft.KeyVault/vaults"},
        {"id": "/subscriptions/b/x/kv-a", "type": "microsoft.keyvault/vaults"},
    ]
    ref = parse_vault_ref("kv-a")
    with pytest.raises(ConfigError) as caught:
        pick_vault(rows, ref, "every subscription")
    assert "2 Key Vaults match" in str(caught.value)
    assert "/subscriptions/a/x/kv-a; /subscriptions/b/x/kv-a" in str(caught.value)
    with pytest.raises(ConfigError, match="no Key Vault with name 'kv-a' in subscription"):
        pick_vault([], ref, "subscription(s) s1")


def _plan(settings: dict[str, list[dict[str, Any]]], flow_logs: list[dict[str, Any]] = ()):
    rows = sample_estate.resources()
    vault = next(r for r in rows if r["id"] == sample_estate.VAULT_ID)
    firewall = next(r for r in rows if r["id"] == sample_estate.FIREWALL_ID)
    workspaces = [r for r in rows if r["type"] == "microsoft.operationalinsights/workspaces"]
    return log_plan(vault, [firewall], settings, workspaces, list(flow_logs))


def _setting(owner: str, mode: str | None, *categories: str) -> dict[str, Any]:
    logs = [{"category": c, "enabled": True} for c in categories]
    return {
        "name": "s",
        "properties": {
            "workspaceId": sample_estate.WS_SECURITY_ID,
            "logAnalyticsDestinationType": mode,
            "logs": logs,
        },
    }


def test_azure_diagnostics_mode_asks_only_azure_diagnostics() -> None:
    plan = _plan(
        {
            sample_estate.VAULT_ID.lower(): [_setting("kv", None, "AuditEvent")],
            sample_estate.FIREWALL_ID.lower(): [
                _setting(
                    "fw", "AzureDiagnostics", "AzureFirewallNetworkRule", "AZFWApplicationRule"
                )
            ],
        }
    )
    assert candidate_templates(plan, sample_estate.WS_SECURITY) == (
        "keyvault_requests_azurediagnostics",
        "firewall_legacy_messages",
        "firewall_structured_azurediagnostics",
    )
    assert plan.workspace_guids() == (sample_estate.WS_SECURITY,)


def test_category_groups_and_traffic_analytics() -> None:
    flow = {
        "id": "/x/flowLogs/fl",
        "name": "fl",
        "properties": {
            "targetResourceId": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/"
            "networkSecurityGroups/nsg-1",
            "enabled": True,
            "storageId": "/st",
            "flowAnalyticsConfiguration": {
                "networkWatcherFlowAnalyticsConfiguration": {
                    "enabled": True,
                    "workspaceId": sample_estate.WS_PLATFORM,
                    "trafficAnalyticsInterval": 10,
                }
            },
        },
    }
    group = {
        "name": "g",
        "properties": {
            "workspaceId": sample_estate.WS_PLATFORM_ID,
            "logAnalyticsDestinationType": "Dedicated",
            "logs": [{"categoryGroup": "allLogs", "enabled": True}],
        },
    }
    plan = _plan({sample_estate.FIREWALL_ID.lower(): [group]}, [flow])
    found = candidate_templates(plan, sample_estate.WS_PLATFORM)
    assert "firewall_network_rules" in found and "firewall_dns_queries" in found
    assert found[-1] == "flows_azurenetworkanalytics"  # an NSG flow log's Traffic Analytics table
    assert plan.flow_logs[0].interval_min == 10


def test_only_templates_whose_tables_had_rows_are_kept() -> None:
    candidates = (
        "keyvault_requests_azkvauditlogs",
        "keyvault_requests_azurediagnostics",
        "firewall_network_rules",
        "firewall_nat_rules",
    )
    probed = ["AZKVAuditLogs", "AZFWNetworkRule", "AzureDiagnostics/AzureFirewallNetworkRule"]
    assert templates_with_rows(candidates, probed) == (
        "keyvault_requests_azkvauditlogs",
        "firewall_network_rules",
    )


def test_design_rule_from_the_sample_routes() -> None:
    topology = load_topology(SAMPLE_TOPOLOGY)
    assert client_subnets(topology, "kv-contoso-prod") == ["vnet-spoke-kv/snet-app"]
    rule = choose_firewall(topology, "kv-contoso-prod", None)
    assert rule.firewall == "fw-hub" and rule.assumed
    assert choose_firewall(topology, "kv-contoso-prod", "NONE").firewall is None
    assert choose_firewall(topology, "kv-contoso-prod", "fw-x").firewall == "fw-x"


@pytest.mark.parametrize(
    ("name", "arm", "scope", "logs"),
    [
        (
            "AzureCloud",
            "https://management.azure.com",
            "https://management.azure.com/.default",
            "https://api.loganalytics.io",
        ),
        (
            "azureusgovernment",
            "https://management.usgovcloudapi.net",
            "https://management.core.usgovcloudapi.net/.default",
            "https://api.loganalytics.us",
        ),
        (
            "AzureChinaCloud",
            "https://management.chinacloudapi.cn",
            "https://management.chinacloudapi.cn/.default",
            "https://api.loganalytics.azure.cn",
        ),
    ],
)
def test_clouds(name: str, arm: str, scope: str, logs: str) -> None:
    cloud = resolve_cloud(name, {})
    assert (cloud.arm_endpoint, cloud.arm_scope, cloud.logs_endpoint) == (arm, scope, logs)


def test_endpoint_overrides_keep_the_cloud_scope() -> None:
    env = {
        "NETLOGS_ARM_ENDPOINT": "https://arm.proxy.example/",
        "NETLOGS_LOGS_ENDPOINT": "https://logs.proxy.example/v1",
    }
    cloud = resolve_cloud("AzureUSGovernment", env)
    assert cloud.arm_endpoint == "https://arm.proxy.example"
    assert cloud.arm_scope == "https://management.core.usgovcloudapi.net/.default"
    assert cloud.logs_endpoint == "https://logs.proxy.example"
    with pytest.raises(ConfigError, match="unknown cloud"):
        resolve_cloud("AzureGermanCloud", {})
    with pytest.raises(ConfigError, match="must be an https:// URL"):
        resolve_cloud(None, {"NETLOGS_ARM_ENDPOINT": "http://plain"})


def test_blob_hours_are_read_from_either_flow_log_path_shape() -> None:
    from datetime import datetime, timezone

    from netlogs.azure.blobs import blob_hour

    long_form = (
        "flowLogResourceID=/SUBSCRIPTIONS/S/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/"
        "MICROSOFT.NETWORK/NETWORKWATCHERS/NW/FLOWLOGS/FL/y=2026/m=11/d=20/h=10/m=00/"
        "macAddress=000D3A4B5C01/PT1H.json"
    )
    compact = (
        "flowLogResourceID=/S_NETWORKWATCHERRG/NW_FL-RG-FLOWLOGS/y=2026/m=01/d=02/h=23/PT1H.json"
    )
    assert blob_hour(long_form) == datetime(2026, 11, 20, 10, tzinfo=timezone.utc)
    assert blob_hour(compact) == datetime(2026, 1, 2, 23, tzinfo=timezone.utc)
    assert blob_hour("flowLogResourceID=/S/readme.txt") is None


def test_one_cache_file_per_cloud_vault_and_scope(tmp_path, monkeypatch) -> None:
    from netlogs.pipeline.discovery_cache import cache_file

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = cache_file("AzureCloud", "kv-a", ("s1",))
    assert path.parent == tmp_path / "netlogs"
    assert path != cache_file("AzureCloud", "kv-a", ())  # another scope, another file
    assert path != cache_file("AzureUSGovernment", "kv-a", ("s1",))
    assert path == cache_file("AzureCloud", " KV-A", ("S1",))
