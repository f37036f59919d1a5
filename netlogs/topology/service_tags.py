"""Service-tag prefixes from ``az network list-service-tags`` output (``--service-tags FILE``).

Azure lists a subnet's service endpoints without their prefixes (``servicePrefixes`` is empty in
what ``az network vnet list`` prints), so Key Vault's service-endpoint routes need the prefixes
of the ``AzureKeyVault`` tag. IPv6 prefixes of the tag are left out: routes are IPv4.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from netlogs.errors import TopologyError
from netlogs.topology.model import Topology

# service endpoint name -> service tag whose prefixes its route covers
TAG_OF_SERVICE = {"Microsoft.KeyVault": "AzureKeyVault"}


def load_service_tags(path: Path) -> dict[str, tuple[str, ...]]:
    """``{tag name: IPv4 prefixes}`` from the JSON ``az network list-service-tags`` prints."""
    file = str(path)
    try:
        data: Any = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise TopologyError(file, "file", f"cannot read: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TopologyError(file, "file", f"not the JSON of az network list-service-tags "
                                          f"({exc})") from None
    values = data.get("values") if isinstance(data, dict) else None
    if not isinstance(values, list):
        raise TopologyError(file, "values", "missing: expected the output of "
                                            "az network list-service-tags")
    tags: dict[str, tuple[str, ...]] = {}
    for index, entry in enumerate(values):
        name = entry.get("name") if isinstance(entry, dict) else None
        props = entry.get("properties") if isinstance(entry, dict) else None
        prefixes = props.get("addressPrefixes") if isinstance(props, dict) else None
        if not isinstance(name, str) or not isinstance(prefixes, list):
            raise TopologyError(file, f"values[{index}]", "name and properties.addressPrefixes "
                                                          "are required")
        tags[name] = tuple(p for p in prefixes if isinstance(p, str) and ":" not in p)
    return tags


def with_service_tags(topology: Topology, tags: dict[str, tuple[str, ...]]) -> Topology:
    """The topology with service-endpoint prefixes filled from the tags, where it had none."""
    known = dict(topology.service_prefixes)
    for service, tag in TAG_OF_SERVICE.items():
        if not known.get(service) and tags.get(tag):
            known[service] = tags[tag]
    return replace(topology, service_prefixes=tuple(sorted(known.items())))
