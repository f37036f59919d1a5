"""Find Azure resources in az CLI / ARM / Resource Graph JSON and read them shape-agnostically.

The az CLI prints network resources with their properties at the top level; ARM, Resource Graph
and ``az keyvault show`` wrap them in ``properties``. ``flatten`` makes both look alike, at every
nesting level the importer reads (subnets, peerings, routes, ip configurations...).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netlogs.errors import TopologyError
from netlogs.topology.import_notes import ImportNotes
from netlogs.topology.yaml_text import (
    TOO_DEEP,
    TOO_LONG_NUMBER,
    DuplicateKeyError,
    strict_json,
)

# Resource types the importer reads (lower case: Resource Graph lowercases them).
VNET = "microsoft.network/virtualnetworks"
ROUTE_TABLE = "microsoft.network/routetables"
PRIVATE_ENDPOINT = "microsoft.network/privateendpoints"
NIC = "microsoft.network/networkinterfaces"
FIREWALL = "microsoft.network/azurefirewalls"
FIREWALL_POLICY = "microsoft.network/firewallpolicies"
VNET_GATEWAY = "microsoft.network/virtualnetworkgateways"
LOCAL_GATEWAY = "microsoft.network/localnetworkgateways"
CONNECTION = "microsoft.network/connections"
PUBLIC_IP = "microsoft.network/publicipaddresses"
KEY_VAULT = "microsoft.keyvault/vaults"
VIRTUAL_HUB = "microsoft.network/virtualhubs"
HUB_CONNECTION = "microsoft.network/virtualhubs/hubvirtualnetworkconnections"
ROUTING_INTENT = "microsoft.network/virtualhubs/routingintent"
HUB_ROUTE_TABLE = "microsoft.network/virtualhubs/hubroutetables"
VPN_GATEWAY = "microsoft.network/vpngateways"
ER_GATEWAY = "microsoft.network/expressroutegateways"
VPN_SITE = "microsoft.network/vpnsites"
NSG = "microsoft.network/networksecuritygroups"
DNS_ZONE = "microsoft.network/privatednszones"
DNS_LINK = "microsoft.network/privatednszones/virtualnetworklinks"
DNS_A_RECORDS = "microsoft.network/privatednszones/a"
DNS_INBOUND = "microsoft.network/dnsresolvers/inboundendpoints"
AVNM_CONNECTIVITY = "microsoft.network/networkmanagers/connectivityconfigurations"
AVNM_MEMBER = "microsoft.network/networkmanagers/networkgroups/staticmembers"
AVNM_ADMIN_COLLECTION = ("microsoft.network/networkmanagers/securityadminconfigurations/"
                         "rulecollections")
AVNM_ADMIN_RULE = AVNM_ADMIN_COLLECTION + "/rules"
AVNM_ROUTING_COLLECTION = "microsoft.network/networkmanagers/routingconfigurations/rulecollections"
AVNM_ROUTING_RULE = AVNM_ROUTING_COLLECTION + "/rules"
# `az network vnet-gateway list-learned-routes` prints {"value": [...]} without a type.
LEARNED_ROUTES = "netlogs/learnedroutes"
# `az network vhub get-effective-routes` prints {"value": [...]} without a type either.
HUB_EFFECTIVE_ROUTES = "netlogs/hubeffectiveroutes"
KNOWN_TYPES = frozenset({
    VNET, ROUTE_TABLE, PRIVATE_ENDPOINT, NIC, FIREWALL, FIREWALL_POLICY, VNET_GATEWAY,
    LOCAL_GATEWAY, CONNECTION, PUBLIC_IP, KEY_VAULT, VIRTUAL_HUB, HUB_CONNECTION, ROUTING_INTENT,
    HUB_ROUTE_TABLE, VPN_GATEWAY, ER_GATEWAY, VPN_SITE, NSG, DNS_ZONE, DNS_LINK, DNS_A_RECORDS,
    DNS_INBOUND, AVNM_CONNECTIVITY, AVNM_MEMBER, AVNM_ADMIN_COLLECTION, AVNM_ADMIN_RULE,
    AVNM_ROUTING_COLLECTION, AVNM_ROUTING_RULE,
})


def flatten(obj: Any) -> dict[str, Any]:
    """The object with its ``properties`` (if any) merged into the top level."""
    if not isinstance(obj, Mapping):
        return {}
    merged = {key: value for key, value in obj.items() if key != "properties"}
    inner = obj.get("properties")
    if isinstance(inner, Mapping):
        merged.update(inner)
    return merged


def flat_list(value: Any) -> list[dict[str, Any]]:
    """A list of sub-resources, each flattened; anything else is an empty list."""
    return [flatten(item) for item in value] if isinstance(value, list) else []


def dig(obj: Any, path: str) -> Any:
    """``dig(x, "addressSpace.addressPrefixes")``: the nested value, or None."""
    for key in path.split("."):
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def of_type(resources: list[Resource], kind: str) -> list[Resource]:
    """The resources of one type, sorted by name (the output is the same for the same estate)."""
    return sorted((r for r in resources if r.type == kind), key=lambda r: (r.name.lower(), r.id))


def last_segment(resource_id: str) -> str:
    return resource_id.rstrip("/").rsplit("/", 1)[-1]


def segment_after(resource_id: str, collection: str) -> str | None:
    """The name following ``/<collection>/`` in a resource id (case-insensitive)."""
    parts = resource_id.strip("/").split("/")
    for index, part in enumerate(parts[:-1]):
        if part.lower() == collection.lower():
            return parts[index + 1]
    return None


def subnet_ref(subnet_id: str) -> str | None:
    """``.../virtualNetworks/hub/subnets/GatewaySubnet`` -> ``hub/GatewaySubnet``."""
    vnet = segment_after(subnet_id, "virtualNetworks")
    subnet = segment_after(subnet_id, "subnets")
    return f"{vnet}/{subnet}" if vnet and subnet else None


@dataclass(frozen=True)
class Resource:
    """One Azure resource found in an input file, with its properties flattened."""

    file: str
    id: str
    type: str  # lower case
    name: str
    body: dict[str, Any]

    def error(self, problem: str) -> TopologyError:
        return TopologyError(self.file, self.id, problem)

    def need(self, path: str, obj: Any = None, where: str = "") -> Any:
        """A required value; missing -> error naming the file, the resource id and the field.

        ``obj`` is a nested part of the body to read from, ``where`` its path for the message.
        """
        value = dig(self.body if obj is None else obj, path)
        if value is None or value in ([], ""):
            raise self.error(f"{where}{path}: required field is missing")
        return value

    def need_text(self, path: str, obj: Any = None, where: str = "") -> str:
        """A required string (an address, a name, a keyword); anything else is an error."""
        value = self.need(path, obj, where)
        if not isinstance(value, str):
            raise self.error(f"{where}{path}: expected a string")
        return value

    def strings(
        self, path: str, obj: Any = None, where: str = "", required: bool = False
    ) -> list[str]:
        """A list of strings (missing and not required: empty); anything else is an error."""
        value = dig(self.body if obj is None else obj, path)
        if value is None or (required and value == []):
            if required:
                raise self.error(f"{where}{path}: required field is missing")
            return []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.error(f"{where}{path}: expected a list of strings")
        return value


def read_resources(directory: Path, notes: ImportNotes | None = None) -> list[Resource]:
    """Every recognised resource in every ``*.json`` under ``directory``; later copies of the
    same id replace earlier ones only when they carry more properties (list vs show output).
    Objects of other types are counted in ``notes``."""
    found: dict[str, Resource] = {}
    for path in sorted(directory.rglob("*.json")):
        for resource in _resources_in(path, _read_json(path), notes):
            key = f"{resource.type}|{resource.id.lower()}"
            if key not in found or len(resource.body) > len(found[key].body):
                found[key] = resource
    return list(found.values())


def resources_from_rows(rows: list[Any], origin: str) -> list[Resource]:
    """The recognised resources among Resource Graph / ARM rows held in memory (discovery);
    ``origin`` stands in for the file name in messages."""
    found: dict[str, Resource] = {}
    for resource in _resources_in(Path(origin), rows, None):
        found.setdefault(f"{resource.type}|{resource.id.lower()}", resource)
    return list(found.values())


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")  # PowerShell redirection writes a BOM
    except OSError as exc:
        raise TopologyError(str(path), "file", f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise TopologyError(str(path), "file", "not UTF-8 text") from None
    try:
        return strict_json(text)
    except json.JSONDecodeError as exc:
        raise TopologyError(str(path), f"line {exc.lineno}, column {exc.colno}",
                            f"JSON syntax error: {exc.msg}") from None
    except DuplicateKeyError as exc:
        raise TopologyError(str(path), "document", f"JSON error: {exc}") from None
    except RecursionError:
        raise TopologyError(str(path), "document", TOO_DEEP) from None
    except ValueError:
        raise TopologyError(str(path), "document", TOO_LONG_NUMBER) from None


def _candidates(document: Any) -> Iterator[Any]:
    """Objects of a file: one object, a list, or an `az graph query` result {"data": [...]}."""
    if isinstance(document, list):
        yield from document
    elif isinstance(document, Mapping) and isinstance(document.get("data"), list):
        yield from document["data"]
    elif isinstance(document, Mapping):
        yield document


def _resources_in(path: Path, document: Any, notes: ImportNotes | None) -> Iterator[Resource]:
    file = str(path)
    if _is_learned_routes(document):
        yield Resource(file, file, LEARNED_ROUTES, path.stem, {"routes": document["value"]})
        return
    if _is_hub_routes(document):
        yield Resource(file, file, HUB_EFFECTIVE_ROUTES, path.stem, {"routes": document["value"]})
        return
    for index, item in enumerate(_candidates(document)):
        kind = item.get("type") if isinstance(item, Mapping) else None
        if not isinstance(kind, str) or kind.lower() not in KNOWN_TYPES:
            if notes is not None:
                what = kind.lower() if isinstance(kind, str) else "objects without a type"
                notes.ignore("resources of types netlogs does not read", what)
            continue
        body = flatten(item)
        # Without an id, the position in its file identifies it (for messages and de-duplication).
        resource_id = body.get("id") if isinstance(body.get("id"), str) else f"{file}[{index}]"
        name = body.get("name")
        resource = Resource(file, str(resource_id), kind.lower(), "", body)
        if not isinstance(name, str) or not name:
            name = last_segment(resource.id) if body.get("id") else resource.need("name")
        yield Resource(file, resource.id, resource.type, str(name), body)


def _is_learned_routes(document: Any) -> bool:
    if not isinstance(document, Mapping) or not isinstance(document.get("value"), list):
        return False
    rows = document["value"]
    return bool(rows) and all(
        isinstance(row, Mapping) and "network" in row and "localAddress" in row for row in rows
    )


def _is_hub_routes(document: Any) -> bool:
    if not isinstance(document, Mapping) or not isinstance(document.get("value"), list):
        return False
    rows = document["value"]
    return bool(rows) and all(
        isinstance(row, Mapping) and "addressPrefixes" in row and "nextHopType" in row
        for row in rows
    )
