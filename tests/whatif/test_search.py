"""The smallest fix on the worked examples: every classic bypass gets a change whose re-run path
passes the firewall, and every other client whose modelled path it changes is listed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from netlogs.model import BypassKind, FlowResult, PredictedFix, VaultOutcome, Verdict
from netlogs.paths import expected_path
from netlogs.testing import reference_topology
from netlogs.topology.model import Client, Topology
from netlogs.whatif import PREDICTED, apply_changes, parse_change, passes, predicted_fixes
from netlogs.whatif.search import origin_place, smallest_fix
from tests.routing import topology_t as t

BYPASSING = Verdict.REACHED_BYPASSING_FIREWALL


def flow(ip: str, client: str | None, verdict: Verdict = BYPASSING) -> FlowResult:
    return FlowResult(
        ip, client, verdict, "test", True, VaultOutcome.SERVED, 1, {}, {}, None, None, (), ()
    )


def one_fix(topo: Topology, vault: str, *flows: FlowResult) -> PredictedFix:
    fixes = predicted_fixes(topo, vault, "fw-hub", flows)
    assert len(fixes) == 1
    return fixes[0]


def rerun(topo: Topology, fix: PredictedFix, source: str, vault: str) -> None:
    """The fix, applied by its own words, makes the path pass the firewall."""
    changed = apply_changes(topo, tuple(parse_change(c) for c in fix.changes))
    path = expected_path(changed, source, vault)
    assert passes(path, "fw-hub"), path
    assert fix.predicted_verdict == PREDICTED == "REACHED_VIA_FIREWALL (predicted)"
    assert "fw-hub" in fix.predicted_path and "(delivered" in fix.predicted_path


def with_client(topo: Topology, client: Client) -> Topology:
    return replace(topo, clients=(*topo.clients, client))


def test_pe_route_active_in_a_hub_subnet_gets_a_slash_32_udr_there() -> None:
    topo = reference_topology()
    before = expected_path(topo, "vm-hub", "kv-test")
    assert before.bypass is BypassKind.PRIVATE_ENDPOINT_ROUTE
    fix = one_fix(topo, "kv-test", flow("10.0.1.4", "vm-hub"))
    assert fix.changes == ("udr:vnet-hub/snet-hub:10.1.2.4/32->fw-hub",)
    assert fix.affected == ()  # vm-app already passes fw-hub; nothing else changes
    assert len(fix.az_commands) == 3 and "<resource-group>" in fix.note
    rerun(topo, fix, "vm-hub", "kv-test")


def test_pe_route_beating_a_default_udr_in_the_hub() -> None:
    topo = t.policies(t.attach(t.build_t(), "hub/snet-hubvm", [t.to_fw("0.0.0.0/0")]), "Enabled")
    topo = with_client(topo, Client("vm-hub", ("10.0.1.4",), "hub/snet-hubvm"))
    fix = one_fix(topo, "kv1", flow("10.0.1.4", "vm-hub"))
    assert fix.changes == ("udr:hub/snet-hubvm:10.1.2.4/32->fw-hub",)
    assert "route table rt-hub-snet-hubvm" in fix.description  # the existing table, not a new one
    rerun(topo, fix, "vm-hub", "kv1")


def test_service_endpoint_beating_a_default_udr_is_fixed_by_resolving_privately() -> None:
    topo = t.set_subnet(t.build_t(), "spoke2/snet-vm", service_endpoints=("Microsoft.KeyVault",))
    topo = t.attach(topo, "spoke2/snet-vm", [t.to_fw("0.0.0.0/0")])
    topo = replace(
        topo,
        clients=tuple(
            replace(c, uses_private_dns=False) if c.name == "vm-app" else c for c in topo.clients
        ),
    )
    assert expected_path(topo, "vm-app", "kv1").bypass is BypassKind.SERVICE_ENDPOINT_ROUTE
    fix = one_fix(topo, "kv1", flow("10.2.1.4", "vm-app", Verdict.REACHED_VIA_SERVICE_ENDPOINT))
    assert fix.changes == ("private-dns:vm-app:privatelink.vaultcore.azure.net",)
    assert "168.63.129.16" in fix.note and "no az command changes a custom DNS" in fix.note
    assert fix.az_commands == ()  # the zone is linked to spoke2 already: only the client's DNS
    rerun(topo, fix, "vm-app", "kv1")


def test_a_vnet_the_zone_is_not_linked_to_gets_the_link() -> None:
    topo = t.set_subnet(t.build_t(), "spoke2/snet-vm", service_endpoints=("Microsoft.KeyVault",))
    topo = t.attach(topo, "spoke2/snet-vm", [t.to_fw("0.0.0.0/0")])
    zone = topo.private_dns_zones[0]
    topo = replace(topo, private_dns_zones=(replace(zone, virtual_network_links=("hub",)),))
    assert expected_path(topo, "vm-app", "kv1").bypass is BypassKind.SERVICE_ENDPOINT_ROUTE
    fix = one_fix(topo, "kv1", flow("10.2.1.4", "vm-app", Verdict.REACHED_VIA_SERVICE_ENDPOINT))
    assert fix.changes == ("dns-link:spoke2:privatelink.vaultcore.azure.net",)
    assert fix.az_commands == (
        "az network private-dns link vnet create -g <resource-group> -z "
        "privatelink.vaultcore.azure.net -n link-spoke2 -v spoke2 -e false",
    )
    rerun(topo, fix, "vm-app", "kv1")


def test_an_unnamed_service_endpoint_client_gets_no_fix_and_says_so() -> None:
    topo = t.set_subnet(t.build_t(), "spoke2/snet-vm", service_endpoints=("Microsoft.KeyVault",))
    topo = t.attach(topo, "spoke2/snet-vm", [t.to_fw("0.0.0.0/0")])
    # resolves privately: the model sees no bypass for it, so there is nothing to explain
    assert predicted_fixes(topo, "kv1", "fw-hub", [flow("10.2.1.9", None)]) == ()


def test_directly_peered_vnet_route_beating_a_default_udr() -> None:
    topo = t.attach(t.build_t(), "spoke2/snet-vm", [t.to_fw("0.0.0.0/0")])
    before = expected_path(topo, "10.2.1.4", "10.0.1.10")
    assert before.bypass is BypassKind.PEERING_ROUTE and before.firewalls == ()
    found = smallest_fix(topo, "10.2.1.4", "10.0.1.10", "fw-hub", origin_place(topo, "10.2.1.4"))
    assert found is not None
    assert [c.text for c in found.changes] == ["udr:spoke2/snet-vm:10.0.1.10/32->fw-hub"]
    assert passes(found.path, "fw-hub")


def test_onprem_through_gateway_subnet_needs_a_udr_and_route_table_policies() -> None:
    topo = t.build_t()  # E04: nothing steers gateway traffic; policies Disabled on the PE subnet
    fix = one_fix(topo, "kv1", flow("172.20.1.1", "onprem-office"))
    # a /32 alone on GatewaySubnet may not steer gateway traffic (policies Disabled), the /16
    # loses to the PE's /32: a single change is not enough
    assert fix.changes == (
        "udr:hub/GatewaySubnet:10.1.2.4/32->fw-hub",
        "pe-policies:spoke1/snet-pe:RouteTableEnabled",
    )
    rerun(topo, fix, "onprem-office", "kv1")


def test_less_specific_gateway_udr_needs_only_the_policies() -> None:
    topo = t.attach(t.build_t(), "hub/GatewaySubnet", [t.to_fw("10.1.2.0/24")])  # E07
    fix = one_fix(topo, "kv1", flow("172.20.1.1", "onprem-office"))
    assert fix.changes == ("pe-policies:spoke1/snet-pe:RouteTableEnabled",)
    rerun(topo, fix, "onprem-office", "kv1")


def test_a_fix_on_a_shared_subnet_lists_the_neighbour_it_also_changes() -> None:
    topo = with_client(reference_topology(), Client("vm-hub-2", ("10.0.1.5",), "vnet-hub/snet-hub"))
    undecided = replace(flow("10.0.1.99", None, Verdict.INCONCLUSIVE), violation=False)
    fix = one_fix(topo, "kv-test", flow("10.0.1.4", "vm-hub"), undecided)
    assert fix.affected == (
        "vm-hub-2 (10.0.1.5): delivered without a firewall -> delivered through fw-hub",
        "10.0.1.99: delivered without a firewall -> delivered through fw-hub",
    )
    assert "it also changes the path of 2 other client(s)" in _sentence(fix)


def test_a_policy_fix_lists_a_client_in_another_vnet_it_changes() -> None:
    topo = t.attach(t.build_t(), "hub/GatewaySubnet", [t.to_fw("10.1.2.0/24")])
    topo = t.attach(topo, "spoke1/snet-app1", [t.to_fw("10.1.2.0/24")])
    topo = with_client(topo, Client("vm-app1", ("10.1.1.4",), "spoke1/snet-app1"))
    assert expected_path(topo, "vm-app1", "kv1").firewalls == ()
    fix = one_fix(topo, "kv1", flow("172.20.1.1", "onprem-office"))
    assert fix.changes == ("pe-policies:spoke1/snet-pe:RouteTableEnabled",)
    assert fix.affected == (
        "vm-app1 (10.1.1.4): delivered without a firewall -> delivered through fw-hub",
    )


@pytest.mark.parametrize("verdict", [Verdict.REACHED_VIA_PUBLIC_ENDPOINT, Verdict.INCONCLUSIVE])
def test_only_bypass_and_service_endpoint_violations_are_searched(verdict: Verdict) -> None:
    assert (
        predicted_fixes(
            reference_topology(), "kv-test", "fw-hub", [flow("10.0.1.4", "vm-hub", verdict)]
        )
        == ()
    )


def test_no_fix_without_a_required_firewall_or_for_unplaced_or_passing_clients() -> None:
    topo = reference_topology()
    assert predicted_fixes(topo, "kv-test", None, [flow("10.0.1.4", "vm-hub")]) == ()
    assert predicted_fixes(topo, "kv-test", "fw-hub", [flow("192.0.2.1", None)]) == ()
    assert predicted_fixes(topo, "kv-test", "fw-hub", [flow("10.2.1.4", "vm-app")]) == ()


def test_when_nothing_works_the_fix_says_none_was_found() -> None:
    topo = reference_topology()
    topo = replace(topo, firewalls=(replace(topo.firewalls[0], private_ip="10.9.9.9"),))
    fix = one_fix(topo, "kv-test", flow("10.0.1.4", "vm-hub"))
    assert fix.changes == () and fix.az_commands == () and fix.predicted_verdict == ""
    assert "no single change nor pair of changes" in fix.note


def _sentence(fix: PredictedFix) -> str:
    from netlogs.report.fixes import fix_sentence

    return fix_sentence(fix)


def test_a_fix_lists_at_most_a_hundred_other_clients_and_counts_the_rest() -> None:
    topo = reference_topology()
    violators = [flow(f"10.0.1.{i}", None) for i in range(100, 230)]  # 130 in vm-hub's subnet
    fixes = predicted_fixes(topo, "kv-test", "fw-hub", violators)
    assert len(fixes) == 130 and {f.changes for f in fixes} == {fixes[0].changes}
    first = fixes[0].affected
    assert len(first) == 101 and first[-1] == "... and 30 more client(s)"
    assert first[0] == "vm-hub (10.0.1.4): delivered without a firewall -> delivered through fw-hub"
    assert not any(line.startswith("10.0.1.100:") for line in first)  # never itself
    assert any(line.startswith("10.0.1.100:") for line in fixes[1].affected)


def test_violators_sharing_a_subnet_each_get_their_own_predicted_path() -> None:
    """The search runs once per place; the predicted path is re-run for every violator there,
    so it starts at that client's own address (it named the first violator searched)."""
    topo = reference_topology()
    fixes = predicted_fixes(
        topo, "kv-test", "fw-hub", [flow("10.0.1.7", None), flow("10.0.1.5", None)]
    )
    assert [f.client_ip for f in fixes] == ["10.0.1.7", "10.0.1.5"]
    assert fixes[0].changes == fixes[1].changes  # one search for the subnet
    for fix in fixes:
        assert fix.predicted_path.startswith(f"{fix.client_ip} -> "), fix.predicted_path
        changed = apply_changes(topo, tuple(parse_change(c) for c in fix.changes))
        own = expected_path(changed, fix.client_ip, "kv-test")
        assert fix.predicted_path.startswith(" -> ".join(h.name for h in own.hops))
