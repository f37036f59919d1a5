"""Doctor's coverage, pure: from a topology and a log plan to per-hop states and the exact az
commands that close each gap."""

from __future__ import annotations

from typing import Any

from netlogs.discovery.coverage import coverage
from netlogs.discovery.logplan import LogPlan, Problem, log_plan
from netlogs.topology.loader import load_topology
from tests.discovery.discovery_support import SAMPLE_TOPOLOGY
from tests.fake_azure import sample_estate


def plan_with(settings: dict[str, list[dict[str, Any]]], problems: list[Problem] = ()) -> LogPlan:
    rows = sample_estate.resources()
    by_type = lambda t: [r for r in rows if r["type"] == t]  # noqa: E731
    vault = next(r for r in rows if r["id"] == sample_estate.VAULT_ID)
    return log_plan(
        vault,
        by_type("microsoft.network/azurefirewalls"),
        settings,
        by_type("microsoft.operationalinsights/workspaces"),
        by_type("microsoft.network/networkwatchers/flowlogs"),
        problems=list(problems),
        vnets=by_type("microsoft.network/virtualnetworks"),
    )


def test_a_vault_archiving_to_storage_only_gets_the_diagnostic_settings_command() -> None:
    storage_only = {
        "name": "archive",
        "properties": {
            "storageAccountId": sample_estate.STORAGE_ID,
            "logs": [{"category": "AuditEvent", "enabled": True}],
        },
    }
    firewall = sample_estate.diagnostic_settings()[sample_estate.FIREWALL_ID.lower()]
    plan = plan_with(
        {
            sample_estate.VAULT_ID.lower(): [storage_only],
            sample_estate.FIREWALL_ID.lower(): firewall,
        }
    )
    cover = coverage(load_topology(SAMPLE_TOPOLOGY), plan, "kv-contoso-prod")
    vault_gap = next(g for g in cover.gaps if g.key == "keyvault:kv-contoso-prod")
    assert vault_gap.message == (
        "vault kv-contoso-prod does not send AuditEvent to a Log "
        "Analytics workspace (archived to stcontosoflowlogs only)"
    )
    assert vault_gap.command == (
        "az monitor diagnostic-settings create --name netlogs-vault "
        f"--resource {sample_estate.VAULT_ID} --workspace {sample_estate.WS_SECURITY_ID} "
        "--export-to-resource-specific true "
        """--logs '[{"category":"AuditEvent","enabled":true}]'"""
    )
    vault_hops = {h.state for p in cover.paths for h in p.hops if h.hop == "vault"}
    assert vault_hops == {"storage only"}
    # one gap per resource, however many paths meet it
    assert len([g for g in cover.gaps if g.key.startswith("keyvault:")]) == 1


def test_a_firewall_without_settings_gets_both_rule_categories() -> None:
    vault = sample_estate.diagnostic_settings()[sample_estate.VAULT_ID.lower()]
    plan = plan_with({sample_estate.VAULT_ID.lower(): vault, sample_estate.FIREWALL_ID.lower(): []})
    cover = coverage(load_topology(SAMPLE_TOPOLOGY), plan, "kv-contoso-prod")
    gap = next(g for g in cover.gaps if g.key == "firewall:fw-hub")
    assert f"--resource {sample_estate.FIREWALL_ID} " in gap.command
    assert """'[{"category":"AZFWNetworkRule","enabled":true},""" in gap.command
    assert """{"category":"AZFWApplicationRule","enabled":true}]'""" in gap.command
    assert f"--workspace {sample_estate.WS_PLATFORM_ID} " in gap.command


def test_unreadable_settings_are_unknown_not_a_gap() -> None:
    problem = Problem(sample_estate.FIREWALL_ID, "cannot read the diagnostic settings: 403")
    vault = sample_estate.diagnostic_settings()[sample_estate.VAULT_ID.lower()]
    plan = plan_with({sample_estate.VAULT_ID.lower(): vault}, [problem])
    cover = coverage(load_topology(SAMPLE_TOPOLOGY), plan, "kv-contoso-prod")
    firewall_hops = [h for p in cover.paths for h in p.hops if h.hop == "firewall"]
    assert firewall_hops and {h.state for h in firewall_hops} == {"unknown"}
    assert not [g for g in cover.gaps if g.key.startswith("firewall:")]


def test_traffic_analytics_on_is_covered_with_its_interval() -> None:
    rows = [
        r
        for r in sample_estate.resources()
        if r["type"] == "microsoft.network/networkwatchers/flowlogs"
    ]
    flow = rows[0]
    flow["properties"]["flowAnalyticsConfiguration"]["networkWatcherFlowAnalyticsConfiguration"] = {
        "enabled": True,
        "workspaceId": sample_estate.WS_PLATFORM,
        "trafficAnalyticsInterval": 10,
    }
    plan = log_plan(
        {"id": sample_estate.VAULT_ID, "name": "kv-contoso-prod"},
        [],
        {},
        [
            r
            for r in sample_estate.resources()
            if r["type"] == "microsoft.operationalinsights/workspaces"
        ],
        [flow],
    )
    cover = coverage(load_topology(SAMPLE_TOPOLOGY), plan, "kv-contoso-prod")
    app = next(p for p in cover.paths if p.source == "vnet-spoke-app/snet-vm")
    client = app.hops[0]
    assert (client.state, client.detail) == (
        "on",
        "-> law-contoso-platform, Traffic Analytics every 10 min",
    )
    assert "flow:vnet-spoke-app" not in {g.key for g in cover.gaps}
