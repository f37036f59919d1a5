"""What `topology import` left out of the model: resources ignored, references it cannot follow.

A real subscription always references things outside any export: endpoints of other services
and vaults (often of resources the user cannot read), peerings to VNets of other or
Microsoft-managed subscriptions (a Virtual WAN hub's ``HV_...`` VNet), route tables of another
subscription. None of these stops an import. Resources that cannot matter for Key Vault traffic
are counted; references that could change a path become a ``TopologyGap`` written into the
topology file, so every trace over it reports them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from netlogs.topology.model import TopologyGap

# construct keys and their messages (one message per construct: the trace groups by them)
PEERING_OUTSIDE = "peering_to_unknown_vnet"
VIRTUAL_HUB = "virtual_hub_connection"
ROUTE_TABLE_OUTSIDE = "route_table_outside_input"
PE_OTHER_VAULT = "private_endpoint_to_unknown_vault"
PE_NOT_APPROVED = "private_endpoint_not_approved"
OUTSIDE_INPUT = "resource_outside_input"
INTENT_NEXT_HOP = "routing_intent_next_hop"
NSG_ON_NIC = "network_security_group_on_nic"
NSG_ASG = "network_security_group_asg"
GROUP_MEMBERS = "network_group_members_unknown"
HUB_ROUTING = "virtual_hub_custom_routing"
NSG_OUTSIDE = "network_security_group_outside_input"
MANAGER_RULE = "avnm_rule_not_modelled"
MESSAGES = {
    PEERING_OUTSIDE: "peering to a VNet outside the input: routes learned through it are not "
                     "modelled",
    VIRTUAL_HUB: "connection to a Virtual WAN hub (a peering to its hidden HV_ VNet): the hub's "
                 "routing and any firewall in it are not modelled",
    ROUTE_TABLE_OUTSIDE: "subnet uses a route table that is not in the input: its user-defined "
                         "routes are not modelled",
    PE_OTHER_VAULT: "private endpoint of a key vault that is not in the input: traffic to its "
                    "address is not attributed to a vault",
    PE_NOT_APPROVED: "private endpoint whose connection is not Approved: Azure does not carry "
                     "its traffic to the vault, so it is not modelled as a way in",
    OUTSIDE_INPUT: "resource in a VNet or subnet that is not in the input: not modelled",
    INTENT_NEXT_HOP: "routing intent to a next hop that is not the hub's Azure Firewall in the "
                     "input (an NVA, SaaS, or a firewall not exported): that policy is not "
                     "modelled",
    NSG_ON_NIC: "network security group on a network interface: clients are not imported, so "
                "its rules apply only once the NIC's client is listed under the NSG's clients",
    NSG_ASG: "security rule with application security groups: its members are not known, the "
             "rule is not modelled",
    NSG_OUTSIDE: "subnet uses a network security group that is not in the input: its rules are "
                 "not modelled",
    HUB_ROUTING: "Virtual WAN hub routing other than the default route table and routing "
                 "intent (custom route tables, static routes): not modelled",
    MANAGER_RULE: "Virtual Network Manager rule netlogs cannot read (a service-tag destination "
                  "of a routing rule, an unknown next hop or access, a rule collection not in "
                  "the input): not modelled",
    GROUP_MEMBERS: "Virtual Network Manager network group without static members in the input "
                   "(dynamic membership by Azure Policy, or not exported): its connectivity is "
                   "not modelled",
}
LISTED = 5  # names shown per warning line before "and N more"


@dataclass
class ImportNotes:
    """Collected while importing; the CLI prints ``warnings()`` on stderr."""

    ignored: Counter[tuple[str, str]] = field(default_factory=Counter)  # (what, detail) -> n
    gaps: list[TopologyGap] = field(default_factory=list)

    def ignore(self, what: str, detail: str = "") -> None:
        self.ignored[(what, detail)] += 1

    def gap(self, construct: str, resource: str, vnet: str) -> None:
        """A gap held by ``resource``; ``vnet`` is the VNet whose routes it could change."""
        self.gap_in(construct, resource, (vnet,) if vnet else ())

    def gap_in(self, construct: str, resource: str, scope: tuple[str, ...]) -> None:
        """A gap that could change the routes of several VNets (``()``: any path)."""
        self.gaps.append(TopologyGap(construct, resource, MESSAGES[construct], scope))

    def warnings(self) -> list[str]:
        """One line per kind of ignored resource and per kind of gap, with counts and names."""
        lines = []
        per_kind: dict[str, Counter[str]] = defaultdict(Counter)
        for (what, detail), count in self.ignored.items():
            per_kind[what][detail] += count
        for what in sorted(per_kind):
            details = per_kind[what]
            named = ", ".join(f"{d} {n}" for d, n in sorted(details.items()) if d)
            lines.append(f"ignored {sum(details.values())} {what}" + (f" ({named})" if named
                                                                        else ""))
        by_message: dict[str, list[str]] = defaultdict(list)
        for gap in self.gaps:
            by_message[gap.message].append(gap.resource)
        for message, resources in by_message.items():
            shown = ", ".join(resources[:LISTED])
            more = f" and {len(resources) - LISTED} more" if len(resources) > LISTED else ""
            lines.append(f"topology gap: {message} [{len(resources)}: {shown}{more}]")
        return lines
