"""Network security groups on a path.

Outbound from a client: its NIC's NSG, then its subnet's; inbound at the destination: the
subnet's, then the NIC's. A private endpoint's subnet NSG applies only with the network
policies ``NetworkSecurityGroupEnabled`` or ``Enabled``. Within an NSG the lowest priority
number that matches decides; Azure's default rules close the list. Service tags other than
``VirtualNetwork``, ``Internet``, ``AzureLoadBalancer`` and ``*`` are not evaluated: a rule
using one makes the answer low confidence.
"""

from __future__ import annotations

from dataclasses import dataclass

from netlogs.model import Confidence
from netlogs.routing import RoutingIndex, routes_of
from netlogs.routing.prefixes import covers, parse_prefix
from netlogs.routing.types import USER
from netlogs.topology.model import NetworkSecurityGroup, SecurityRule

NSG_POLICIES = frozenset({"Enabled", "NetworkSecurityGroupEnabled"})
LOAD_BALANCER = "168.63.129.16/32"
DEFAULT_RULES = (
    SecurityRule("AllowVnetInBound", 65000, "Inbound", "Allow", "*", ("VirtualNetwork",),
                 ("VirtualNetwork",)),
    SecurityRule("AllowAzureLoadBalancerInBound", 65001, "Inbound", "Allow", "*",
                 ("AzureLoadBalancer",)),
    SecurityRule("DenyAllInBound", 65500, "Inbound", "Deny"),
    SecurityRule("AllowVnetOutBound", 65000, "Outbound", "Allow", "*", ("VirtualNetwork",),
                 ("VirtualNetwork",)),
    SecurityRule("AllowInternetOutBound", 65001, "Outbound", "Allow", "*", ("*",),
                 ("Internet",)),
    SecurityRule("DenyAllOutBound", 65500, "Outbound", "Deny"),
)


@dataclass(frozen=True)
class NsgDecision:
    allowed: bool
    nsg: str
    rule: str
    confidence: Confidence
    where: str = ""  # "outbound at vnet/subnet", "inbound at ..."
    kind: str = "network security group"  # or "security admin rule"
    note: str = ""  # what to list as unevaluated when the decision is low

    @property
    def unevaluated(self) -> str:
        return self.note or f"network_security_group_rule {self.nsg}"

    @property
    def label(self) -> str:
        return f"{self.nsg} rule {self.rule}"


Range = tuple[int, int]  # (network, prefix length); an address is a /32


@dataclass(frozen=True)
class Flow:
    """What the rules look at: the source and destination as ranges (a client known only by
    its subnet is that subnet's range), the port when known, the subnet the NSG sits at."""

    source: Range
    destination: Range
    port: int | None
    subnet: str  # vnet/subnet where the NSG sits (its VirtualNetwork tag)


def nsgs_at(index: RoutingIndex, subnet: str, client: str | None) -> tuple[
        list[NetworkSecurityGroup], list[NetworkSecurityGroup]]:
    """(subnet NSGs, NIC NSGs of the named client) at a place."""
    groups = index.topology.network_security_groups
    on_subnet = [g for g in groups if subnet in g.subnets]
    on_nic = [g for g in groups if client is not None and client in g.clients]
    return on_subnet, on_nic


def evaluate(index: RoutingIndex, groups: list[NetworkSecurityGroup], direction: str,
             flow: Flow) -> NsgDecision:
    """The first NSG in order that denies the flow, else the last allow (the lowest confidence
    of all of them: an undecidable rule anywhere makes the answer low)."""
    result = NsgDecision(True, "", "", Confidence.HIGH)
    for group in groups:
        decision = _one(index, group, direction, flow)
        if not decision.allowed:
            return decision
        low = Confidence.LOW in (decision.confidence, result.confidence)
        result = NsgDecision(True, decision.nsg, decision.rule,
                             Confidence.LOW if low else Confidence.HIGH)
    return result


def _one(index: RoutingIndex, group: NetworkSecurityGroup, direction: str,
         flow: Flow) -> NsgDecision:
    rules = sorted((r for r in (*group.rules, *DEFAULT_RULES) if r.direction == direction),
                   key=lambda r: r.priority)
    confidence = Confidence.HIGH
    for rule in rules:
        match = rule_matches(index, rule, flow)
        if match is None:  # a service tag or port the model can't decide: assume no match
            confidence = Confidence.LOW
            continue
        if match:
            return NsgDecision(rule.access == "Allow", group.name, rule.name, confidence)
    return NsgDecision(False, group.name, "DenyAll", confidence)  # unreachable: defaults match


def rule_matches(index: RoutingIndex, rule: SecurityRule, flow: Flow) -> bool | None:
    if rule.protocol not in ("*", "Tcp"):
        return False
    port = _port_matches(rule.destination_ports, flow.port)
    source = _address_matches(index, rule.source_prefixes, flow.source, flow.subnet)
    target = _address_matches(index, rule.destination_prefixes, flow.destination, flow.subnet)
    parts = (port, source, target)
    if any(p is False for p in parts):
        return False
    return None if any(p is None for p in parts) else True


def _port_matches(ranges: tuple[str, ...], port: int | None) -> bool | None:
    if "*" in ranges:
        return True
    if port is None:
        return None
    for text in ranges:
        low, _, high = text.partition("-")
        if low.isdigit() and int(low) <= port <= int(high or low):
            return True
    return False


def _address_matches(index: RoutingIndex, prefixes: tuple[str, ...], where: Range,
                     subnet: str) -> bool | None:
    """True when the range lies in the rule's prefixes, False when outside them, None when it
    straddles them or a service tag is not evaluated."""
    if "*" in prefixes or "Any" in prefixes:
        return True
    unknown = False
    for text in prefixes:
        if text == "VirtualNetwork":
            found = _within(virtual_network_tag(index, subnet), where)
        elif text == "Internet":
            inside = _within(virtual_network_tag(index, subnet), where)
            found = None if inside is None else not inside
        elif text == "AzureLoadBalancer":
            found = _within((LOAD_BALANCER,), where)
        else:
            found = _within((text,), where) if parse_prefix(text) is not None else None
        if found:
            return True
        unknown = unknown or found is None
    return None if unknown else False


def _within(prefixes: tuple[str, ...], where: Range) -> bool | None:
    """True: one prefix covers the range; False: none overlaps it; None: a partial overlap."""
    partial = False
    for parsed in map(parse_prefix, prefixes):
        if parsed is None:
            continue
        if covers(parsed, where):
            return True
        partial = partial or covers(where, parsed)
    return None if partial else False


def virtual_network_tag(index: RoutingIndex, subnet: str) -> tuple[str, ...]:
    """The ``VirtualNetwork`` service tag at a subnet: its VNet's and peered ranges, gateway
    prefixes, the Azure host addresses and the prefixes of its UDRs (a 0/0 UDR widens it to
    everything, as Azure documents it)."""
    key = "vnettag:" + subnet
    cached = index.cache.get(key)
    if isinstance(cached, tuple):
        return cached
    vnet = subnet.partition("/")[0]
    ranges = list(index.vnets[vnet].address_prefixes) if vnet in index.vnets else []
    for peering in index.peers.get(vnet, ()):
        ranges += index.vnets[peering.remote_vnet].address_prefixes
    for gateway in index.remote_gateways(vnet):
        ranges += (*gateway.learned_prefixes, *gateway.local_network_prefixes)
    ranges += [r.prefix for r in routes_of(index, subnet) if r.source == USER]
    result = (*ranges, LOAD_BALANCER, "169.254.169.254/32")
    index.cache[key] = result
    return result
