"""`netlogs routes` and `netlogs path`: the network model on its own, without logs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from netlogs.cli.output import checked_query, emit, output_options

if TYPE_CHECKING:
    from netlogs.model import ExpectedPath
    from netlogs.routing import EffectiveRoute, RoutingOptions
    from netlogs.topology.model import Topology

_TOPOLOGY = click.option(
    "--topology", "topology_file", required=True,
    type=click.Path(dir_okay=False, path_type=Path), help="Topology file (YAML or JSON).",
)
_SERVICE_TAGS = click.option(
    "--service-tags", "service_tags", type=click.Path(dir_okay=False, path_type=Path),
    help="Output of 'az network list-service-tags': fills Key Vault service-endpoint prefixes.",
)
_OPTION = click.option(
    "--routing-option", "routing_options", multiple=True, metavar="NAME=true|false",
    help="Override a contested routing behaviour, e.g. service_endpoint_beats_equal_udr=true.",
)


@click.command()
@click.argument("subnet")
@_TOPOLOGY
@output_options
@_OPTION
@_SERVICE_TAGS
def routes(*, subnet: str, topology_file: Path, output_format: str, query: str | None,
           routing_options: tuple[str, ...], service_tags: Path | None) -> None:
    """Effective routes of any subnet VNET/SUBNET (also GatewaySubnet, AzureFirewallSubnet,
    App Service and empty subnets, which Azure never shows).

    Example:

        netlogs routes spoke2/snet-vm --topology topology.yaml
    """
    from netlogs.routing import index_for, routes_of

    fmt = checked_query(output_format, query)
    topology = load_with_tags(topology_file, service_tags)
    index = index_for(topology, _routing_options(routing_options))
    table = routes_of(index, subnet)
    unevaluated = index.unevaluated_in(subnet.partition("/")[0])
    doc = {"subnet": subnet, "routes": [_route_json(r) for r in table],
           "unevaluated": list(unevaluated)}
    emit(
        fmt,
        table=lambda color, width: render_routes(
            subnet, table, color=color, width=width, unevaluated=unevaluated
        ),
        document=lambda: doc if query else doc["routes"] if fmt == "tsv" else doc,
        query=query,
        json_text=lambda: json.dumps(doc, indent=2) + "\n",
    )


@click.command()
@click.option("--from", "source", required=True, metavar="CLIENT",
              help="IP, CIDR, vnet/subnet, client name or on-premises prefix.")
@click.option("--to", "dest", required=True, metavar="DEST[:PORT]",
              help="IP, vault name or vault FQDN, optionally with a port.")
@_TOPOLOGY
@output_options
@_OPTION
@_SERVICE_TAGS
@click.option("--what-if", "what_if", multiple=True, metavar="CHANGE",
              help="Apply a configuration change to the model first (repeatable): "
              "udr:VNET/SUBNET:PREFIX->FIREWALL_OR_IP, pe-policies:VNET/SUBNET:POLICY, "
              "remove-service-endpoint:VNET/SUBNET:SERVICE, private-dns:CLIENT.")
def path(
    *,
    source: str,
    dest: str,
    topology_file: Path,
    output_format: str,
    query: str | None,
    routing_options: tuple[str, ...],
    service_tags: Path | None,
    what_if: tuple[str, ...],
) -> None:
    """Expected path from a client to a destination, hop by hop, with the route or setting
    that decides each hop and any firewall bypass.

    Example:

        netlogs path --from vm-app --to kv1:443 --topology topology.yaml

        netlogs path --from vm-hub --to kv1 --topology topology.yaml \\
            --what-if 'udr:vnet-hub/snet-hub:10.1.2.4/32->fw-hub'
    """
    from netlogs.paths import expected_path

    fmt = checked_query(output_format, query)
    destination, port = split_port(dest)
    changes = _what_if(what_if)
    topology = load_with_tags(topology_file, service_tags)
    if changes:
        from netlogs.whatif import apply_changes

        topology = apply_changes(topology, changes)
    result = expected_path(topology, source, destination, port, _routing_options(routing_options))
    doc = path_json(result, dest)
    if changes:
        doc["what_if"] = [c.text for c in changes]
    applied = tuple(c.text for c in changes)
    emit(
        fmt,
        table=lambda color, width: _what_if_line(applied)
        + render_path(result, dest, color=color, width=width),
        document=lambda: doc if query else doc["hops"] if fmt == "tsv" else doc,
        query=query,
        json_text=lambda: json.dumps(doc, indent=2) + "\n",
    )


def _what_if(texts: Sequence[str]) -> tuple[Any, ...]:
    """Parsed --what-if changes; a malformed one is a ConfigError (one Error: line, exit 2)."""
    if not texts:
        return ()
    from netlogs.whatif import parse_change

    return tuple(parse_change(text) for text in texts)


def _what_if_line(applied: tuple[str, ...]) -> str:
    if not applied:
        return ""
    return "".join(f"What if: {text} (applied to the model, not to Azure)\n" for text in applied)


def load_with_tags(topology_file: Path, service_tags: Path | None) -> Topology:
    """The topology file, with Key Vault service-endpoint prefixes from a service-tags file."""
    from netlogs.topology.loader import load_topology
    from netlogs.topology.service_tags import load_service_tags, with_service_tags

    topology = load_topology(topology_file)
    if service_tags is None:
        return topology
    return with_service_tags(topology, load_service_tags(service_tags))


def split_port(dest: str) -> tuple[str, int | None]:
    """``DEST``, ``DEST:PORT``, ``[IPv6]`` or ``[IPv6]:PORT``; an unbracketed IPv6 address
    whose last group could be a port is refused rather than guessed."""
    if dest.startswith("["):
        host, sep, rest = dest[1:].partition("]")
        if not sep or not host or (rest and not rest.startswith(":")):
            raise click.BadParameter(f"{dest!r}: expected [IPv6] or [IPv6]:PORT",
                                     param_hint="--to")
        return host, _port(dest, rest[1:]) if rest else None
    if dest.count(":") > 1:
        if dest.rpartition(":")[2].isdigit():
            raise click.BadParameter(
                f"{dest!r} is ambiguous: is the last group part of the IPv6 address or a port? "
                f"Write [{dest}] for the address or [ADDRESS]:PORT with a port",
                param_hint="--to")
        return dest, None
    host, sep, port = dest.rpartition(":")
    if not sep:
        return dest, None
    if not host:
        raise click.BadParameter(f"{dest!r}: expected DEST or DEST:PORT", param_hint="--to")
    return host, _port(dest, port)


def _port(dest: str, text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise click.BadParameter(f"{dest!r}: expected DEST or DEST:PORT (a port 1-65535)",
                                 param_hint="--to")
    return int(text)


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


def _console(width: int, color: bool) -> tuple[Any, Any]:
    from netlogs.report.text import make_console

    return make_console(width, color)


def _finish(out: Any) -> str:
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines()) + "\n"


_STATE_STYLE = {"Active": "green", "Invalid": "dim"}
_HOP_STYLE = {"VirtualAppliance": "cyan", "None": "red", "InterfaceEndpoint": "yellow",
              "VirtualNetworkServiceEndpoint": "yellow"}


NOTES_MIN = 30  # the table needs this much room for notes; else each route is a short block
_HEADERS = ("Source", "State", "Address Prefix", "Next Hop Type", "Next Hop IP", "Name")


def _fixed_width(table: Sequence[EffectiveRoute]) -> int:
    """Width of the columns that are never wrapped, with their separators."""
    cells = [
        (r.source, r.state, r.prefix, r.next_hop_type, ", ".join(r.next_hop_ips), r.name)
        for r in table
    ]
    widths = [max([len(h), *(len(c[i]) for c in cells)]) for i, h in enumerate(_HEADERS)]
    return sum(widths) + 2 * len(widths)


def _routes_stacked(console: Any, table: Sequence[EffectiveRoute]) -> None:
    from rich.padding import Padding
    from rich.text import Text

    for r in table:
        line = Text()
        line.append(f"{r.state:<8}", style=_STATE_STYLE.get(r.state, ""))
        line.append(f"{r.prefix:<19}")
        line.append(r.next_hop_type, style=_HOP_STYLE.get(r.next_hop_type, ""))
        line.append(f" {', '.join(r.next_hop_ips)}".rstrip() + f"  [{r.source}]")
        console.print(line)
        note = "; ".join(part for part in (r.name, _note(r)) if part)
        if note:
            console.print(Padding(Text(note, style="dim"), (0, 0, 0, 8)))


def render_routes(
    subnet: str,
    table: Sequence[EffectiveRoute],
    *,
    color: bool = False,
    width: int = 120,
    unevaluated: Sequence[str] = (),
) -> str:
    """A table shaped like ``az network nic show-effective-route-table -o table``, plus notes
    that wrap to the terminal's width."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    console, out = _console(width, color)
    console.print(Text(f"Effective routes of {subnet} ({len(table)} routes)", style="bold"))
    console.print()
    if _fixed_width(table) + NOTES_MIN > width:
        _routes_stacked(console, table)
        _not_evaluated(console, unevaluated)
        return _finish(out)
    grid = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    for name in _HEADERS:
        grid.add_column(name, no_wrap=True)
    grid.add_column("Notes", ratio=1, min_width=20, overflow="fold")
    for r in table:
        grid.add_row(
            r.source, Text(r.state, style=_STATE_STYLE.get(r.state, "")), r.prefix,
            Text(r.next_hop_type, style=_HOP_STYLE.get(r.next_hop_type, "")),
            ", ".join(r.next_hop_ips), r.name, _note(r),
        )
    console.print(grid)
    _not_evaluated(console, unevaluated)
    return _finish(out)


def _not_evaluated(console: Any, unevaluated: Sequence[str]) -> None:
    from rich.text import Text

    if unevaluated:
        console.print(Text(
            "Not evaluated (this table may lack or misstate routes): " + ", ".join(unevaluated),
            style="yellow",
        ))


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
        "confidence": result.confidence.value,
        "unevaluated": list(result.unevaluated),
    }


_HOP_KIND_STYLE = {"firewall": "bold green", "drop": "bold red", "public_endpoint": "yellow",
                   "service_endpoint": "yellow"}


def render_path(
    result: ExpectedPath, dest: str, *, color: bool = False, width: int = 120
) -> str:
    """A numbered hop chain with the verdict first; a bypass in red."""
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    console, out = _console(width, color)
    via = f" through {', '.join(result.firewalls)}" if result.firewalls else ", no firewall"
    verdict = f"DELIVERED{via}" if result.delivered else f"DROPPED: {result.drop_reason}"
    head = Text(f"{result.source} -> {dest}: ")
    head.append(verdict, style="bold green" if result.delivered and result.firewalls else "bold")
    console.print(head)
    chain = Table.grid(padding=(0, 2), pad_edge=False)
    chain.add_column(justify="right", no_wrap=True)
    chain.add_column(no_wrap=True)
    chain.add_column(ratio=1, overflow="fold")
    for number, hop in enumerate(result.hops, start=1):
        mark = "" if hop.confidence.value == "high" else f" [{hop.confidence.value}]"
        style = "bold red" if "bypass:" in hop.detail else _HOP_KIND_STYLE.get(hop.hop.value, "")
        name = Text(f"{hop.name}{mark}", style="bold")
        name.append("\n" + hop.detail, style="")
        chain.add_row(f"{number}.", Text(hop.hop.value, style=style), name)
    console.print(Padding(chain, (0, 0, 0, 2)))
    if result.bypass is not None:
        console.print(Text(f"Bypass: {result.bypass.value}", style="bold red"))
    if result.unevaluated:
        console.print(Text(f"Not evaluated on this path: {', '.join(result.unevaluated)}",
                           style="yellow"))
    console.print(Text(f"Confidence: {result.confidence.value}"))
    return _finish(out)
