"""The topology file's Virtual WAN, Route Server, NSG, AVNM and DNS sections: read, written
back identically, and refused with a message naming the field when wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from netlogs.errors import TopologyError
from netlogs.topology.loader import dump_topology, load_topology

SECTIONS = """\
virtualNetworks:
  - name: vnet-app
    addressPrefixes: [10.61.0.0/16]
    dnsServers: [10.70.4.4]
    subnets:
      - {name: snet-app, addressPrefix: 10.61.1.0/24}
      - {name: snet-pe, addressPrefix: 10.61.2.0/24, privateEndpointNetworkPolicies: Enabled}
  - name: vnet-dns
    addressPrefixes: [10.70.0.0/16]
    subnets:
      - {name: snet-in, addressPrefix: 10.70.4.0/28}
privateEndpoints:
  - {name: pe-kv, subnet: vnet-app/snet-pe, privateIpAddress: 10.61.2.5, target: kv}
keyVaults:
  - {name: kv}
clients:
  - {name: vm-app, subnet: vnet-app/snet-app, ipAddresses: [10.61.1.4]}
virtualHubs:
  - name: vhub-ne
    addressPrefix: 10.60.0.0/23
    virtualNetworkConnections: [vnet-app]
    firewall: afw-vhub-ne
    firewallPrivateIpAddress: 10.60.0.132
    routingIntent: [PrivateTraffic, Internet]
    branchAddressPrefixes: [172.22.0.0/16]
    vpnGatewayIpAddresses: [10.60.0.12, 10.60.0.13]
routeServers:
  - name: ars
    virtualNetwork: vnet-dns
    learnedRoutes:
      - {network: 172.30.0.0/16, nextHop: 10.70.1.4, asPath: '65030'}
networkSecurityGroups:
  - name: nsg-pe
    subnets: [vnet-app/snet-pe]
    clients: [vm-app]
    securityRules:
      - name: deny-443
        priority: 200
        direction: Inbound
        access: Deny
        protocol: Tcp
        sourceAddressPrefixes: [10.62.0.0/16]
        destinationPortRanges: ['443']
connectivityConfigurations:
  - {name: cc-mesh, connectivityTopology: Mesh, members: [vnet-app, vnet-dns], isGlobal: true}
privateDnsZones:
  - name: privatelink.vaultcore.azure.net
    virtualNetworkLinks: [vnet-dns]
    aRecords:
      - {name: kv, ipv4Address: 10.61.2.5}
dnsResolvers:
  - {name: dnspr-in, ipAddress: 10.70.4.4, virtualNetwork: vnet-dns, kind: privateResolverInbound}
networkVirtualAppliances:
  - {name: nva-a, ipAddresses: [10.70.1.4], snat: false, disableSnatOnPL: true}
designRules:
  - {vault: kv, requireFirewall: afw-vhub-ne}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "t.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_sections_load_and_round_trip(tmp_path: Path) -> None:
    topo = load_topology(write(tmp_path, SECTIONS))
    hub = topo.virtual_hubs[0]
    assert (hub.firewall, hub.routing_intent, hub.vpn_gateway_ips) == (
        "afw-vhub-ne", ("PrivateTraffic", "Internet"), ("10.60.0.12", "10.60.0.13"))
    assert topo.route_servers[0].learned_routes[0].next_hop_ip == "10.70.1.4"
    rule = topo.network_security_groups[0].rules[0]
    assert (rule.priority, rule.access, rule.destination_ports) == (200, "Deny", ("443",))
    assert topo.connectivity_configurations[0].is_global is True
    assert topo.private_dns_zones[0].a_records == (("kv", "10.61.2.5"),)
    assert topo.dns_resolvers[0].virtual_network == "vnet-dns"
    assert topo.vnets[0].dns_servers == ("10.70.4.4",)
    assert (topo.appliances[0].snat, topo.appliances[0].disable_snat_on_pl) == (False, True)
    text = dump_topology(topo)
    again = load_topology(write(tmp_path, text))
    assert dump_topology(again) == text
    assert again.virtual_hubs == topo.virtual_hubs and again.dns_resolvers == topo.dns_resolvers


@pytest.mark.parametrize(("old", "new", "message"), [
    ("routingIntent: [PrivateTraffic, Internet]", "routingIntent: [Private]",
     r"virtualHubs\[vhub-ne\]: routingIntent: 'Private' is not one of"),
    ("priority: 200", "priority: 50", r"securityRules\[deny-443\]: priority: a whole number"),
    ("virtualNetwork: vnet-dns, kind", "forwardTo: 10.70.4.5, virtualNetwork: vnet-dns, kind",
     r"dnsResolvers\[dnspr-in\]: virtualNetwork: give virtualNetwork"),
    ("    firewall: afw-vhub-ne\n", "    firewall: afw-vhub-ne\n    hubRoutingPreference: VPN\n",
     r"virtualHubs\[vhub-ne\]: unknown field 'hubRoutingPreference'"),
])
def test_wrong_fields_are_errors_naming_them(tmp_path: Path, old: str, new: str,
                                             message: str) -> None:
    assert old in SECTIONS
    with pytest.raises(TopologyError, match=message):
        load_topology(write(tmp_path, SECTIONS.replace(old, new)))


def test_a_design_rule_may_name_the_secured_hub_firewall(tmp_path: Path) -> None:
    topo = load_topology(write(tmp_path, SECTIONS))
    assert topo.design_rules[0].require_firewall == "afw-vhub-ne"
    with pytest.raises(TopologyError, match="requireFirewall: unknown firewall 'fw-other'"):
        load_topology(write(tmp_path, SECTIONS.replace("requireFirewall: afw-vhub-ne",
                                                       "requireFirewall: fw-other")))
