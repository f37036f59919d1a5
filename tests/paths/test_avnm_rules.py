"""Azure Virtual Network Manager security admin rules (before NSGs) and routing configurations
(UDRs deployed to network groups): worked examples (E32 among them)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from netlogs.model import Confidence
from netlogs.paths import expected_path
from netlogs.routing import effective_routes, index_for
from netlogs.topology.model import (
    Client,
    KeyVault,
    NetworkSecurityGroup,
    Peering,
    PrivateEndpoint,
    Route,
    RouteTable,
    RoutingRuleCollection,
    SecurityAdminRule,
    SecurityAdminRuleCollection,
    SecurityRule,
    Subnet,
    Topology,
    VirtualNetwork,
)


def estate_m(admin: tuple[SecurityAdminRule, ...] = (),
             nic: tuple[SecurityRule, ...] = ()) -> Topology:
    """Estate M: vnet-m1 (VM 10.90.1.4, a network group member) peered with the hub vnet-mh;
    vnet-m1 also holds private endpoint pe-m1 of vault kv-m (its name resolves to it)."""
    m1 = VirtualNetwork("vnet-m1", ("10.90.0.0/16",), "northeurope", (
        Subnet("snet-vm", "vnet-m1", ("10.90.1.0/24",)),
        Subnet("snet-pe", "vnet-m1", ("10.90.2.0/24",),
               private_endpoint_network_policies="Enabled"),
        Subnet("snet-nva", "vnet-m1", ("10.90.9.0/24",))),
        (Peering("m1-to-mh", "vnet-mh"),))
    mh = VirtualNetwork("vnet-mh", ("10.95.0.0/16",), "northeurope", (
        Subnet("snet-jump", "vnet-mh", ("10.95.1.0/24",)),), (Peering("mh-to-m1", "vnet-m1"),))
    return Topology(
        vnets=(m1, mh),
        clients=(Client("vm-m1", ("10.90.1.4",), "vnet-m1/snet-vm", uses_private_dns=True),
                 Client("jump", ("10.95.1.4",), "vnet-mh/snet-jump", uses_private_dns=True)),
        private_endpoints=(PrivateEndpoint("pe-m1", "vnet-m1/snet-pe", "10.90.2.5", "kv-m"),),
        key_vaults=(KeyVault("kv-m", private_endpoints=("pe-m1",)),),
        network_security_groups=(NetworkSecurityGroup("nsg-vm", clients=("vm-m1",), rules=nic),
                                 NetworkSecurityGroup("nsg-pe", ("vnet-m1/snet-pe",))),
        security_admin_rules=(SecurityAdminRuleCollection(
            "rc-prod", configuration="sac-core", members=("vnet-m1",), rules=admin),)
        if admin else (),
        source="estate-M",
    )


def ssh(access: str) -> SecurityAdminRule:
    return SecurityAdminRule("ssh-from-hub", 10, access, "Inbound", "Tcp", ("10.95.0.0/16",),
                             ("*",), ("22",))


ALLOW_22 = SecurityRule("allow-22", 100, "Inbound", "Allow", "Tcp", ("10.95.0.0/16",),
                        destination_ports=("22",))
DENY_22 = SecurityRule("deny-22", 100, "Inbound", "Deny", "Tcp", destination_ports=("22",))


@pytest.mark.parametrize(("access", "nic", "delivered", "decided_by"), [
    ("Deny", ALLOW_22, False, "security admin rule sac-core/rc-prod rule ssh-from-hub"),
    ("AlwaysAllow", DENY_22, True, None),
    ("Allow", DENY_22, False, "network security group nsg-vm rule deny-22"),
])
def test_e32_admin_rules_are_evaluated_before_nsgs(access: str, nic: SecurityRule,
                                                   delivered: bool, decided_by: str | None) -> None:
    """https://learn.microsoft.com/azure/virtual-network-manager/concept-security-admins:
    security admin rules are evaluated before NSGs; Deny drops the flow whatever the NSG says,
    AlwaysAllow delivers it although the NSG denies (the NSG is not evaluated), Allow leaves
    the decision to the NSG."""
    path = expected_path(estate_m((ssh(access),), (nic,)), "10.95.1.4", "10.90.1.4", 22)
    assert path.delivered is delivered
    if decided_by is not None:
        assert path.drop_reason == f"denied by {decided_by} (inbound at vnet-m1/snet-vm)"
    assert path.confidence is Confidence.HIGH and path.unevaluated == ()


def test_admin_rules_apply_outbound_at_the_client_and_by_priority() -> None:
    """The lowest priority number decides; an outbound Deny stops the client's traffic before
    its NSGs (concept-security-admins)."""
    deny = SecurityAdminRule("deny-443-out", 200, "Deny", "Outbound", "Tcp",
                             destination_ports=("443",))
    allow_first = SecurityAdminRule("allow-hub-443", 100, "AlwaysAllow", "Outbound", "Any",
                                    destination_prefixes=("10.95.0.0/16",))
    topo = estate_m((deny, allow_first))
    blocked = expected_path(topo, "vm-m1", "10.95.1.9", 443)
    assert blocked.delivered  # AlwaysAllow (priority 100) wins over the Deny (200) to the hub
    out = expected_path(replace(topo, security_admin_rules=(replace(
        topo.security_admin_rules[0], rules=(deny,)),)), "vm-m1", "10.95.1.9", 443)
    assert not out.delivered and "rule deny-443-out (outbound at vnet-m1/snet-vm)" in (
        out.drop_reason or "")


def test_d5_admin_rules_are_not_enforced_on_a_private_endpoint_and_the_doubt_is_named() -> None:
    """https://learn.microsoft.com/azure/virtual-network-manager/concept-security-admins (D5:
    admin rules "do not apply to private endpoints that fall under the scope of a managed
    virtual network"; ambiguous): an inbound Deny covering the endpoint is not enforced by
    default, and the path is low, naming the doubt."""
    deny = SecurityAdminRule("deny-443-in", 10, "Deny", "Inbound", "Tcp",
                             destination_ports=("443",))
    path = expected_path(estate_m((deny,)), "10.95.1.4", "kv-m")
    assert path.delivered and path.confidence is Confidence.LOW
    assert path.unevaluated[0].startswith(
        "security_admin_rule_private_endpoint sac-core/rc-prod rule deny-443-in")


def test_a_rule_the_model_cannot_decide_lowers_the_path() -> None:
    """A service tag other than VirtualNetwork/Internet/AzureLoadBalancer cannot be decided:
    the rule is taken as not matching, and the answer is low."""
    tagged = SecurityAdminRule("deny-storage", 5, "Deny", "Inbound", "Tcp", ("Storage",))
    path = expected_path(estate_m((tagged,)), "10.95.1.4", "10.90.1.4", 22)
    assert path.delivered and path.confidence is Confidence.LOW
    assert path.unevaluated == ("security_admin_rule sac-core/rc-prod rule deny-storage",)


def routing(*routes: Route, members: tuple[str, ...] = ("vnet-m1/snet-vm",),
            disable: bool = False) -> RoutingRuleCollection:
    return RoutingRuleCollection("rc-egress", configuration="rc-config", members=members,
                                 routes=routes, disable_bgp_route_propagation=disable)


TO_NVA = Route("all-to-nva", "0.0.0.0/0", "VirtualAppliance", "10.90.9.4")


def test_routing_configuration_deploys_user_routes_to_member_subnets() -> None:
    """https://learn.microsoft.com/azure/virtual-network-manager/concept-user-defined-route:
    AVNM writes ordinary UDRs into a managed route table of each target subnet (holding the
    subnet's own routes too); in effective routes they are User rows."""
    own = RouteTable("rt-vm", (Route("onprem", "172.22.0.0/16", "VirtualAppliance",
                                     "10.90.9.4"),))
    base = estate_m()
    vnets = tuple(replace(v, subnets=tuple(replace(s, route_table="rt-vm")
                                           if s.name == "snet-vm" else s for s in v.subnets))
                  for v in base.vnets)
    topo = replace(base, vnets=vnets, route_tables=(own,), routing_rules=(routing(TO_NVA),))
    users = {(r.prefix, r.next_hop_ips, r.name) for r in effective_routes(topo, "vnet-m1/snet-vm")
             if r.source == "User"}
    assert users == {("172.22.0.0/16", ("10.90.9.4",), "onprem"),
                     ("0.0.0.0/0", ("10.90.9.4",), "rc-egress.all-to-nva")}
    assert all(r.source != "User" for r in effective_routes(topo, "vnet-m1/snet-nva"))
    path = expected_path(topo, "vm-m1", "203.0.113.9", 443)
    assert path.hops[1].name == "avnm-rc-config-vnet-m1-snet-vm/rc-egress.all-to-nva"
    assert path.hops[2].name == "10.90.9.4"  # the appliance


def test_a_vnet_member_gets_the_routes_on_every_subnet_and_bgp_propagation_off() -> None:
    topo = replace(estate_m(), routing_rules=(routing(TO_NVA, members=("vnet-m1",),
                                                      disable=True),))
    index = index_for(topo)
    tables = {s.ref: index.route_tables[s.route_table or ""].disable_bgp_route_propagation
              for s in index.vnets["vnet-m1"].subnets}
    assert tables == {"vnet-m1/snet-vm": True, "vnet-m1/snet-pe": True,
                      "vnet-m1/snet-nva": True}


def test_conflicting_rules_are_a_gap_and_an_equal_rule_is_not_added_twice() -> None:
    """Azure: rules for one destination with different next hops are applied at random; a rule
    equal to an existing route is ignored."""
    other = Route("all-to-other", "0.0.0.0/0", "VirtualAppliance", "10.90.9.5")
    topo = replace(estate_m(), routing_rules=(routing(TO_NVA), routing(TO_NVA, other)))
    gaps = [g for g in index_for(topo).unevaluated if g.construct == "avnm_routing_conflict"]
    assert [(g.resource, g.scope) for g in gaps] == [("vnet-m1/snet-vm 0.0.0.0/0",
                                                      ("vnet-m1",))]
    assert expected_path(topo, "vm-m1", "203.0.113.9", 443).confidence is Confidence.LOW
    same = replace(estate_m(), routing_rules=(routing(TO_NVA), routing(TO_NVA)))
    rows = [r for r in effective_routes(same, "vnet-m1/snet-vm") if r.source == "User"]
    assert len(rows) == 1
    assert all(g.construct != "avnm_routing_conflict" for g in index_for(same).unevaluated)
