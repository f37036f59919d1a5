"""Import network security groups and Virtual Network Manager connectivity from Azure JSON.

NSGs come from ``az network nsg list`` (rules in ``securityRules``, where they sit in
``subnets`` and ``networkInterfaces``); AVNM from ``az network manager connect-config list``
and ``az network manager group static-member list``. Azure's default NSG rules are implied by
the model, so ``defaultSecurityRules`` is not read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from netlogs.topology.arm_shapes import (
    AVNM_CONNECTIVITY,
    AVNM_MEMBER,
    NIC,
    NSG,
    VNET,
    Resource,
    dig,
    flat_list,
    last_segment,
    of_type,
    segment_after,
    subnet_ref,
)
from netlogs.topology.import_notes import (
    GROUP_MEMBERS,
    NSG_ASG,
    NSG_ON_NIC,
    NSG_OUTSIDE,
    OUTSIDE_INPUT,
    ImportNotes,
)

PROTOCOLS = {"tcp": "Tcp", "udp": "Udp", "icmp": "Icmp", "*": "*"}


def security_groups(
    resources: list[Resource], subnet_refs: set[str], notes: ImportNotes
) -> list[dict[str, Any]]:
    """The ``networkSecurityGroups`` entries: subnet associations inside the input, user rules."""
    by_lower = {ref.lower(): ref for ref in subnet_refs}
    nic_subnets = _nic_vnets(resources)
    result = []
    for r in of_type(resources, NSG):
        subnets = []
        for item in flat_list(r.body.get("subnets")):
            ref = subnet_ref(str(item.get("id") or ""))
            if ref is not None and ref.lower() in by_lower:
                subnets.append(by_lower[ref.lower()])
            else:
                notes.ignore("NSG associations with subnets outside the input", r.name)
        vnets = tuple(dict.fromkeys(s.split("/")[0] for s in subnets))
        for item in flat_list(r.body.get("networkInterfaces")):
            nic_id = str(item.get("id") or "")
            vnet = nic_subnets.get(nic_id.lower(), "")
            notes.gap(NSG_ON_NIC, f"{r.name} on {last_segment(nic_id)}", vnet)
        rules = [rule for item in flat_list(r.body.get("securityRules"))
                 if (rule := _rule(r, item, vnets, notes)) is not None]
        result.append({"name": r.name, "subnets": subnets, "securityRules": rules})
    _unexported(resources, notes)
    return result


def _unexported(resources: list[Resource], notes: ImportNotes) -> None:
    """Subnets whose NSG (``networkSecurityGroup.id`` of the VNet export) is not in the input."""
    known = {r.id.lower() for r in of_type(resources, NSG)}
    for vnet in of_type(resources, VNET):
        for subnet in flat_list(vnet.body.get("subnets")):
            nsg_id = dig(subnet, "networkSecurityGroup.id")
            if isinstance(nsg_id, str) and nsg_id and nsg_id.lower() not in known:
                notes.gap(NSG_OUTSIDE, f"{vnet.name}/{subnet.get('name') or '?'} -> "
                                       f"{last_segment(nsg_id)}", vnet.name)


def _nic_vnets(resources: list[Resource]) -> dict[str, str]:
    """NIC id (lower case) -> the VNet of its first ip configuration, when the NIC is known."""
    found = {}
    for nic in of_type(resources, NIC):
        configs = flat_list(nic.body.get("ipConfigurations"))
        subnet_id = dig(configs[0], "subnet.id") if configs else None
        vnet = segment_after(subnet_id, "virtualNetworks") if isinstance(subnet_id, str) else None
        if vnet:
            found[nic.id.lower()] = vnet
    return found


def _prefixes(r: Resource, rule: dict[str, Any], side: str, where: str) -> list[str]:
    """``sourceAddressPrefix`` or ``sourceAddressPrefixes`` (Azure fills one of the two)."""
    many = r.strings(f"{side}AddressPrefixes", rule, where)
    single = rule.get(f"{side}AddressPrefix")
    return many or ([single] if isinstance(single, str) and single else [])


def _rule(r: Resource, rule: dict[str, Any], vnets: tuple[str, ...],
          notes: ImportNotes) -> dict[str, Any] | None:
    name = str(rule.get("name") or "?")
    where = f"securityRules[{name}]."
    if any(rule.get(f"{side}ApplicationSecurityGroups")
           for side in ("source", "destination")):
        notes.gap_in(NSG_ASG, f"{r.name}/{name}", vnets)
        return None
    protocol = PROTOCOLS.get(str(rule.get("protocol", "*")).lower())
    if protocol is None:  # Esp, Ah: never TCP to a vault, cannot allow or deny it
        notes.ignore("NSG rules for protocols other than TCP, UDP, ICMP", str(rule["protocol"]))
        return None
    ports = r.strings("destinationPortRanges", rule, where)
    single = rule.get("destinationPortRange")
    return {
        "name": name,
        "priority": r.need("priority", rule, where),
        "direction": r.need_text("direction", rule, where),
        "access": r.need_text("access", rule, where),
        "protocol": protocol,
        "sourceAddressPrefixes": _prefixes(r, rule, "source", where) or ["*"],
        "destinationAddressPrefixes": _prefixes(r, rule, "destination", where) or ["*"],
        "destinationPortRanges": ports or ([single] if isinstance(single, str) and single
                                           else ["*"]),
    }


def connectivity_configurations(
    resources: list[Resource], vnet_name: Callable[[str], str | None], notes: ImportNotes
) -> list[dict[str, Any]]:
    """AVNM connectivity configurations with the static members of the groups they apply to."""
    members: dict[str, list[str]] = {}
    for m in of_type(resources, AVNM_MEMBER):
        group = (segment_after(m.id, "networkGroups") or "").lower()
        vnet_id = str(m.need("resourceId"))
        vnet = vnet_name(vnet_id)
        if vnet is None:
            notes.gap(OUTSIDE_INPUT, f"network group {group} member {last_segment(vnet_id)}", "")
        else:
            members.setdefault(group, []).append(vnet)
    result = []
    for r in of_type(resources, AVNM_CONNECTIVITY):
        config = _configuration(r, members, vnet_name, notes)
        if config is not None:
            result.append(config)
    return result


def _configuration(
    r: Resource, members: dict[str, list[str]], vnet_name: Callable[[str], str | None],
    notes: ImportNotes,
) -> dict[str, Any] | None:
    groups = flat_list(r.body.get("appliesToGroups"))
    found: list[str] = []
    for g in groups:
        group = last_segment(str(g.get("networkGroupId") or "")).lower()
        if group not in members:
            notes.gap(GROUP_MEMBERS, f"{r.name} -> {group}", "")
        found.extend(members.get(group, []))
    topology = str(r.need("connectivityTopology"))
    config: dict[str, Any] = {"name": r.name, "connectivityTopology": topology}
    if topology == "HubAndSpoke":
        hub_ids = [str(h.get("resourceId") or "") for h in flat_list(r.body.get("hubs"))]
        hub = vnet_name(hub_ids[0]) if hub_ids else None
        if hub is None:
            notes.gap(OUTSIDE_INPUT, f"{r.name} hub {last_segment(hub_ids[0]) if hub_ids else '?'}",
                      "")
            return None
        config["hub"] = hub
        config["directConnectivity"] = any(
            str(g.get("groupConnectivity", "")).lower() == "directlyconnected" for g in groups)
    elif topology != "Mesh":
        notes.ignore("connectivity configurations of unknown topology", topology)
        return None
    config["members"] = list(dict.fromkeys(found))
    # Azure prints these flags as the strings "True"/"False"
    config["isGlobal"] = str(r.body.get("isGlobal", "False")).lower() == "true"
    return config if found else None
