"""Discovery against the fake: the sample estate comes back as the sample topology, the log
plan names the two workspaces, and the design rule is read from the routes."""

from __future__ import annotations

from netlogs.azure.clouds import resolve_cloud
from netlogs.azure.credential import sign_in
from netlogs.discovery.logplan import candidate_templates
from netlogs.pipeline.discover import build_discovery, read_azure
from netlogs.topology.loader import load_topology
from tests.discovery.discovery_support import SAMPLE_TOPOLOGY
from tests.fake_azure import sample_estate
from tests.fake_azure.fake_azure import FakeAzure


def discover(vault: str = "kv-contoso-prod", require: str | None = None):
    cloud = resolve_cloud(None)
    answers = read_azure(vault, (), sign_in(cloud), cloud)
    return build_discovery(answers, (), require)


def test_the_discovered_estate_is_the_sample_topology(fake_azure: FakeAzure) -> None:
    found = discover()
    sample = load_topology(SAMPLE_TOPOLOGY)
    topology = found.topology
    assert {v.name: v.address_prefixes for v in topology.vnets} == {
        v.name: v.address_prefixes for v in sample.vnets
    }
    assert {(p.name, p.ip, p.subnet) for p in topology.private_endpoints} == {
        (p.name, p.ip, p.subnet) for p in sample.private_endpoints
    }
    assert [(f.name, f.private_ip) for f in topology.firewalls] == [("fw-hub", "10.0.0.68")]
    clients = {c.name: c.ips for c in topology.clients}
    assert clients["vm-hub-jump"] == ("10.0.1.10",) and len(clients) == 10
    # two Resource Graph queries, one page each; one ARM GET per vault and firewall
    assert found.estate.graph_round_trips == 2
    settings = [r for r in fake_azure.requests if r.path.endswith("diagnosticSettings")]
    assert len(settings) == 2


def test_the_design_rule_is_read_from_the_routes_and_said(fake_azure: FakeAzure) -> None:
    found = discover()
    assert found.rule.firewall == "fw-hub" and found.rule.assumed
    assert found.rule.note.startswith("assumed from the routes: traffic must pass fw-hub")
    assert found.topology.design_rules[0].require_firewall == "fw-hub"
    assert discover(require="none").rule.firewall is None
    given = discover(require="fw-other").rule
    assert given.firewall == "fw-other" and not given.assumed


def test_the_log_plan_names_workspaces_tables_and_storage_only_flow_logs(
    fake_azure: FakeAzure,
) -> None:
    plan = discover().plan
    assert plan.workspace_guids() == (sample_estate.WS_PLATFORM, sample_estate.WS_SECURITY)
    vault = next(d for d in plan.destinations if d.family == "keyvault")
    assert vault.dedicated and vault.covers("AuditEvent") and vault.retention_days == 90
    firewall = next(d for d in plan.destinations if d.family == "firewall")
    assert set(firewall.categories_off) == {"AZFWDnsQuery", "AZFWFlowTrace"}
    assert candidate_templates(plan, sample_estate.WS_PLATFORM) == (
        "keyvault_requests_azkvauditlogs",
        "keyvault_requests_azurediagnostics",
    )
    assert "firewall_network_rules" in candidate_templates(plan, sample_estate.WS_SECURITY)
    (flow,) = plan.flow_logs
    assert flow.enabled and not flow.traffic_analytics and flow.target == "vnet-spoke-app"


def test_vault_by_host_name_and_by_resource_id(fake_azure: FakeAzure) -> None:
    by_host = discover("kv-contoso-prod.vault.azure.net")
    by_id = discover(sample_estate.VAULT_ID.lower())
    assert by_host.plan.vault_id == by_id.plan.vault_id == sample_estate.VAULT_ID
