"""``netlogs kql list | show NAME | render NAME --param key=value``: templates for the portal.

Library imports sit inside the commands so ``netlogs --help`` stays fast (hence the PLC0415 noqa).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from netlogs.kql import Template


@click.group("kql")
def kql() -> None:
    """List, show and render the KQL templates netlogs runs against Log Analytics.

    Example:

    \b
        netlogs kql render keyvault_requests_azkvauditlogs \\
            --param start=2026-11-20T10:00:00Z --param end=2026-11-20T12:00:00Z \\
            --param vault_name=kv-contoso-prod
    """


@kql.command("list")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: one line per template; json: names, families, tables, params.",
)
def list_command(output_format: str) -> None:
    """List every template: name, family, tables read, description.

    Example:

        netlogs kql list --format json
    """
    from netlogs.kql import list_templates

    templates = list_templates()
    if output_format == "json":
        rows = [
            {
                "name": t.name,
                "family": t.family,
                "tables": list(t.tables),
                "description": t.description,
                "params": [
                    {
                        "name": p.name,
                        "kind": p.kind,
                        "required": p.required,
                        "description": p.description,
                    }
                    for p in t.params.values()
                ],
            }
            for t in templates
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    width = max((len(t.name) for t in templates), default=0)
    for t in templates:
        click.echo(f"{t.name:<{width}}  {t.family:<8}  {', '.join(t.tables)}")
        click.echo(f"{'':<{width}}  {t.description}")


@kql.command("show")
@click.argument("name")
def show_command(name: str) -> None:
    """Print a template file as it is: header (parameters) and query body.

    Example:

        netlogs kql show firewall_network_rules
    """
    template = _template(name)
    click.echo(template.path.read_text(encoding="utf-8"), nl=False)


@kql.command("render")
@click.argument("name")
@click.option(
    "--param",
    "-p",
    "pairs",
    multiple=True,
    metavar="KEY=VALUE",
    help=(
        "A parameter value (repeatable). datetime: 2026-11-20T10:00:00Z; timespan: 2h, 90s; "
        "lists: a,b or a JSON array; parameters with a default may be left out."
    ),
)
def render_command(name: str, pairs: tuple[str, ...]) -> None:
    """Print the query with every parameter filled in, ready to paste into the portal.

    Example:

    \b
        netlogs kql render firewall_network_rules -p start=2026-11-20T10:00:00Z \\
            -p end=2026-11-20T12:00:00Z -p private_endpoint_ips=10.20.1.4
    """
    from netlogs.kql import parse_param_texts, render_query

    texts = _split_pairs(pairs)
    template = _template(name)
    click.echo(render_query(template, parse_param_texts(template, texts)), nl=False)


def _template(name: str) -> Template:
    """A template of ``kql/``, or of ``kql/facts/`` for the kusto engine's ``facts_*``."""
    from netlogs.kql import load_template, template_dir

    if name.startswith("facts_"):
        return load_template(name, template_dir() / "facts")
    return load_template(name)


def _split_pairs(pairs: tuple[str, ...]) -> dict[str, str]:
    texts: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--param")
        if key.strip() in texts:
            raise click.BadParameter(f"{key.strip()!r} is given twice", param_hint="--param")
        texts[key.strip()] = value
    return texts


@kql.command("export")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["msticpy"]),
    default="msticpy",
    show_default=True,
    help="msticpy: a query file for msticpy's QueryProvider (query_paths=...).",
)
@click.option("--out", "out_file", metavar="FILE", help="Write to FILE instead of stdout.")
def export_command(output_format: str, out_file: str | None) -> None:
    """Export every template in another tool's query format.

    msticpy inserts parameter values without escaping: use the file with trusted values.

    Example:

    \b
        netlogs kql export --format msticpy --out netlogs_queries.yaml
        # then: QueryProvider("MSSentinel", query_paths=["."]).Netlogs.firewall_network_rules(...)
    """
    from importlib.metadata import version

    from netlogs.kql import list_templates
    from netlogs.kql.msticpy import dump_yaml, msticpy_query_file

    text = dump_yaml(msticpy_query_file(list_templates(), version("netlogs")))
    if out_file is None:
        click.echo(text, nl=False)
        return
    from pathlib import Path

    from netlogs.fileio import write_atomically

    write_atomically(Path(out_file), text)
    click.echo(f"Wrote {out_file}", err=True)
