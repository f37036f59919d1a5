"""Azure Virtual Network Manager security admin rules on a path.

Admin rules apply per VNet to its resources and are evaluated before NSGs, lowest priority
number first: ``Deny`` drops the flow and ``AlwaysAllow`` lets it through, the NSGs never asked;
``Allow`` (or no matching rule) leaves the decision to the NSGs. Subnets Azure exempts (Azure
Firewall, gateways, Route Server, Bastion) and Virtual WAN hubs are not subject to them.

Private endpoints (D5): the documents say admin rules "do not apply to private endpoints that
fall under the scope of a managed virtual network", which can be read either way; by default
they are not enforced on traffic *to* a private endpoint, and where a rule would have decided
the answer is ``low`` and names the doubt.
"""

from __future__ import annotations

from dataclasses import dataclass

from netlogs.model import Confidence
from netlogs.paths.nsg import Flow, NsgDecision, rule_matches
from netlogs.routing import RoutingIndex
from netlogs.topology.model import SecurityAdminRule, SecurityAdminRuleCollection, SecurityRule

KIND = "security admin rule"
EXEMPT_SUBNETS = frozenset({"AzureFirewallSubnet", "AzureFirewallManagementSubnet",
                            "GatewaySubnet", "RouteServerSubnet", "AzureBastionSubnet"})
_PROTOCOLS = {"Any": "*", "Tcp": "Tcp"}  # others never match TCP to a vault or endpoint


@dataclass(frozen=True)
class AdminDecision:
    """The first matching admin rule: ``decisive`` for Deny and AlwaysAllow (NSGs skipped)."""

    decision: NsgDecision
    decisive: bool


def admin_decision(index: RoutingIndex, subnet: str, direction: str,
                   flow: Flow) -> AdminDecision | None:
    """What the admin rules of ``subnet``'s VNet say about the flow; None when no rule applies
    (and none could be undecidable)."""
    vnet, _, name = subnet.partition("/")
    if name in EXEMPT_SUBNETS or vnet in index.hubs:
        return None
    rules = sorted(((r, c) for c in index.topology.security_admin_rules if vnet in c.members
                    for r in c.rules if r.direction == direction), key=lambda rc: rc[0].priority)
    undecided = ""
    for rule, collection in rules:
        match = rule_matches(index, _as_security_rule(rule), flow)
        if match is None:  # a service tag or port the model cannot decide: assume no match
            undecided = undecided or _label(collection, rule)
            continue
        if match:
            confidence = Confidence.LOW if undecided else Confidence.HIGH
            decision = NsgDecision(rule.access != "Deny", _label(collection), rule.name,
                                   confidence, kind=KIND, note=_note(undecided))
            return AdminDecision(decision, rule.access != "Allow")
    if undecided:
        return AdminDecision(NsgDecision(True, undecided, "", Confidence.LOW, kind=KIND,
                                         note=_note(undecided)), False)
    return None


def _label(collection: SecurityAdminRuleCollection, rule: SecurityAdminRule | None = None) -> str:
    owner = f"{collection.configuration}/{collection.name}" if collection.configuration else \
        collection.name
    return f"{owner} rule {rule.name}" if rule is not None else owner


def _note(undecided: str) -> str:
    return f"security_admin_rule {undecided}" if undecided else ""


def _as_security_rule(rule: SecurityAdminRule) -> SecurityRule:
    return SecurityRule(rule.name, rule.priority, rule.direction, rule.access,
                        _PROTOCOLS.get(rule.protocol, rule.protocol), rule.source_prefixes,
                        rule.destination_prefixes, rule.destination_ports)


def not_enforced_at_endpoint(admin: AdminDecision, pe: str) -> str:
    """The doubt a decisive admin rule raises on traffic to a private endpoint (D5)."""
    rule = admin.decision.label
    return (f"security_admin_rule_private_endpoint {rule} (not enforced on traffic to "
            f"private endpoint {pe} by default; the documents are ambiguous)")
