"""`netlogs routes` and `netlogs path`: the network model on its own, without logs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from netlogs.model import ExpectedPath
    from netlogs.routing import EffectiveRoute, RoutingOptions

_TOPOLOGY = click.option(
    "--topology", "topology_file", required=True,
    type=click.Path(dir_okay=False, path_type=Path), help="Topology file (YAML or JSON).",
)
_FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="Output format.",
)
_OPTION = click.option(
    "--routing-option", "routing_options", multiple=True, metavar="NAME=true|false",
    help="Override a contested routing behaviour, e.g. service_endpoint_beats_equal_udr=true.",
)


@click.command()
@click.argument("subnet")
@_TOPOLOGY
@_FORMAT
@_OPTION
def routes(subnet: str, topology_file: Path, fmt: str, routing_options: tuple[str, ...]) -> None:
    """Effective routes of any subnet VNET/SUBNET (also GatewaySubnet, AzureFirewallSubnet,
    App Service and empty subnets, which Azure never shows).

    Example:

        netlogs routes spoke2/snet-vm --topology topology.yaml
    """
    from netlogs.routing import effective_routes
    from netlogs.topology.loader import load_topology

    topology = load_topology(topology_file)
    table = effective_routes(topology, subnet, _routing_options(routing_options))
    if fmt == "json":
        doc = {"subnet": subnet, "routes": [_route_json(r) for r in table]}
        click.echo(json.dumps(doc, indent=2))
    else:
        click.echo(render_routes(subnet, table))


@click.command()
@click.option("--from", "source", required=True, metavar="CLIENT",
              help="IP, CIDR, vnet/subnet, client name or on-premises prefix.")
@click.option("--to", "dest", required=True, metavar="DEST[:PORT]",
              help="IP, vault name or vault FQDN, optionally with a port.")
@_TOPOLOGY
@_FORMAT
@_OPTION
def path(source: str, dest: str, topology_file: Path, fmt: str,
         routing_options: tuple[str, ...]) -> None:
    """Expected path from a client to a destination, hop by hop, with the route or setting
    that decides each hop and any firewall bypass.

    Example:

        netlogs path --from vm-app --to kv1:443 --topology topology.yaml
    """
    from netlogs.paths import expected_path
    from netlogs.topology.loader import load_topology

    destination, port = _split_port(dest)
    topology = load_topology(topology_file)
    result = expected_path(topology, source, destination, port, _routing_options(routing_options))
    if fmt == "json":
        click.echo(json.dumps(path_json(result, dest), indent=2))
    else:
        click.echo(render_path(result, dest))


def _split_port(dest: str) -> tuple[str, int | None]:
    host, sep, port = dest.rpartition(":")
    if not sep:
        return dest, None
    if not port.isdigit() or not 0 < int(port) < 65536 or not host:
        raise click.BadParameter(f"{dest!r}: expected DEST or DEST:PORT", param_hint="--to")
    return host, int(port)


def _routing_options(pairs: Sequence[str]) -> RoutingOptions:
    from netlogs.routing import RoutingOptions

    options = RoutingOptions()
    names = {f.name for f in fields(options)}
    for pair in pairs:
        name, _, value = pair.partition("=")
        if name not in names or value.lower() not in ("true", "false"):
            known = ", ".join(sorted(names))
            raise click.BadParameter(f"{pair!r}: expected NAME=true|false, NAME one of {known}",
                                     param_hint="--routing-option")
        options = replace(options, **{name: value.lower() == "true"})
    return options


def _route_json(route: EffectiveRoute) -> dict[str, Any]:
    return {
        "source": route.source, "state": route.state, "prefix": route.prefix,
        "next_hop_type": route.next_hop_type, "next_hop_ips": list(route.next_hop_ips),
        "name": route.name, "reason": route.reason, "confidence": route.confidence.value,
    }


def render_routes(subnet: str, table: Sequence[EffectiveRoute]) -> str:
    """A table shaped like ``az network nic show-effective-route-table -o table``, plus notes."""
    header = ("Source", "State", "Address Prefix", "Next Hop Type", "Next Hop IP", "Name", "Notes")
    rows = [header] + [
        (r.source, r.state, r.prefix, r.next_hop_type, ", ".join(r.next_hop_ips), r.name,
         _note(r))
        for r in table
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = [f"Effective routes of {subnet} ({len(table)} routes)", ""]
    for number, row in enumerate(rows):
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
        if number == 0:
            lines.append("  ".join("-" * w for w in widths) + "  -----")
    return "\n".join(lines)


def _note(route: EffectiveRoute) -> str:
    mark = "" if route.confidence.value == "high" else f"[{route.confidence.value}] "
    return f"{mark}{route.reason}".strip()


def path_json(result: ExpectedPath, dest: str) -> dict[str, Any]:
    return {
        "from": result.source,
        "to": dest,
        "delivered": result.delivered,
        "drop_reason": result.drop_reason,
        "firewalls": list(result.firewalls),
        "hops": [
            {"hop": h.hop.value, "name": h.name, "detail": h.detail,
             "confidence": h.confidence.value}
            for h in result.hops
        ],
        "bypass": result.bypass.value if result.bypass else None,
    }


def render_path(result: ExpectedPath, dest: str) -> str:
    """A numbered hop chain with the verdict first."""
    via = f" through {', '.join(result.firewalls)}" if result.firewalls else ", no firewall"
    verdict = f"DELIVERED{via}" if result.delivered else f"DROPPED: {result.drop_reason}"
    lines = [f"{result.source} -> {dest}: {verdict}"]
    width = max(len(h.hop.value) for h in result.hops)
    for number, hop in enumerate(result.hops, start=1):
        mark = "" if hop.confidence.value == "high" else f" [{hop.confidence.value}]"
        lines.append(f"  {number:>2}. {hop.hop.value.ljust(width)}  {hop.name}{mark}")
        lines.append(f"      {' ' * width}  {hop.detail}")
    if result.bypass is not None:
        lines.append(f"Bypass: {result.bypass.value}")
    lines.append(f"Confidence: {result.confidence.value}")
    return "\n".join(lines)
