"""`netlogs demo DIR`: copy the shipped sample scenario and trace it, from any installation."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("demo")
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
def demo(ctx: click.Context, directory: Path) -> None:
    """Copy the sample scenario into DIR and trace it (report.html and trace.json in DIR).

    The scenario holds firewall bypasses on purpose, so the exit code is 1.

    \b
    Example:
      netlogs demo /tmp/netlogs-demo && xdg-open /tmp/netlogs-demo/report.html
    """
    from netlogs.api import copy_sample_scenario
    from netlogs.cli.trace_cmd import trace

    target = copy_sample_scenario(directory)
    click.echo(f"Copied the sample scenario to {target}", err=True)
    ctx.invoke(
        trace,
        vault="kv-contoso-prod",
        topology_file=str(target / "topology.yaml"),
        logs=str(target / "logs"),
        html_file=str(target / "report.html"),
        json_file=str(target / "trace.json"),
    )
