"""`netlogs topology import|validate`: write and check topology files."""

from __future__ import annotations

from pathlib import Path

import click


@click.group()
def topology() -> None:
    """Import a topology from az/ARM JSON, or check a topology file."""


@topology.command("import")
@click.option(
    "--az-json",
    "az_json",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Directory of `az ... -o json` / ARM / Resource Graph JSON files (read recursively).",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Topology file to write (YAML).",
)
def import_(az_json: Path, out: Path) -> None:
    """Write a topology file from the JSON the Azure CLI prints.

    Example:

        az network vnet list -o json > azjson/vnets.json

        netlogs topology import --az-json azjson --out topology.yaml
    """
    # Imported here so `netlogs --help` stays fast.
    from netlogs.fileio import refuse_clobbering
    from netlogs.topology.azure_import import import_az_json, write_topology_file
    from netlogs.topology.import_notes import ImportNotes

    inputs = [("--az-json", str(path)) for path in sorted(az_json.rglob("*.json"))]
    if out.suffix.lower() == ".json":  # the next import would read it as Azure JSON
        refuse_clobbering([("--out", str(out))], inputs, [("--az-json", str(az_json))])
    refuse_clobbering([("--out", str(out))], inputs)
    notes = ImportNotes()
    topo = import_az_json(az_json, notes)
    write_topology_file(topo, out)
    for line in notes.warnings():  # what the file leaves out, and why (never a refusal)
        click.echo(f"Warning: {line}", err=True)
    click.echo(
        f"Wrote {out}: {len(topo.vnets)} virtual networks, "
        f"{sum(len(v.subnets) for v in topo.vnets)} subnets, {len(topo.route_tables)} route "
        f"tables, {len(topo.firewalls)} firewalls, {len(topo.gateways)} gateways, "
        f"{len(topo.private_endpoints)} private endpoints, {len(topo.key_vaults)} key vaults"
        + (f", {len(topo.gaps)} gaps." if topo.gaps else ".")
    )


@topology.command("validate")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def validate(file: Path) -> None:
    """Check a topology file; prints a summary or one error line (exit 2).

    The file is loaded (references, address plans, Azure's own rules), then checked against
    the JSON Schema shipped with netlogs (netlogs/json_schemas/topology.schema.json).

    Example:

        netlogs topology validate topology.yaml
    """
    from netlogs.topology.loader import load_topology, topology_sha256
    from netlogs.topology.schema_check import check_topology_schema

    topo = load_topology(file)
    check_topology_schema(file)
    click.echo(
        f"{file}: valid ({len(topo.vnets)} virtual networks, "
        f"{sum(len(v.subnets) for v in topo.vnets)} subnets, "
        f"{len(topo.private_endpoints)} private endpoints, {len(topo.key_vaults)} key vaults"
        + (f", {len(topo.gaps)} gaps" if topo.gaps else "")
        + f"; sha256 {topology_sha256(topo)[:12]}; matches topology.schema.json)"
    )
