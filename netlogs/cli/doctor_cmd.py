"""`netlogs doctor --vault NAME`: the logging coverage of every modelled path to the vault.

Exit codes: 0 every hop is covered and readable, 3 gaps or missing permissions, 2 could not run.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

import click

from netlogs.cli.live_discovery import azure_options
from netlogs.cli.options import log_analytics_connection
from netlogs.errors import ConfigError

if TYPE_CHECKING:
    from netlogs.cli.live_discovery import Discovered
    from netlogs.discovery.doctor_text import WorkspaceCheck


@click.command("doctor")
@click.option("--vault", metavar="NAME", help="Key Vault: name, host name or resource id.")
@click.option(
    "--require-firewall",
    metavar="NAME",
    help="Design rule: traffic must pass this firewall (none: no rule).",
)
@click.option("--no-probe", is_flag=True, help="Do not query the workspaces (control plane only).")
@log_analytics_connection
@azure_options
def doctor(
    *,
    vault: str | None,
    require_firewall: str | None,
    no_probe: bool,
    endpoint: str | None,
    ca_bundle: str | None,
    cloud: str,
    timeout_s: float,
    quiet: bool,
    subscriptions: tuple[str, ...],
    refresh: bool,
) -> None:
    """Show which log would show each hop to the vault, and how to turn on what is off.

    \b
    Example:
      netlogs doctor --vault kv-contoso-prod
    """
    from netlogs.cli.exit_codes import EXIT_OK, EXIT_UNDECIDED
    from netlogs.cli.live_discovery import AzureSettings, discover
    from netlogs.discovery.coverage import coverage
    from netlogs.discovery.doctor_text import render_doctor

    if not vault:
        raise ConfigError("--vault NAME is required (the Key Vault to check)")
    settings = AzureSettings(
        cloud, subscriptions, quiet, refresh, require_firewall, endpoint, ca_bundle
    )
    found = discover(settings, vault, [])
    plan = found.discovery.plan
    cover = coverage(found.discovery.topology, plan, plan.vault)
    checks = [] if no_probe else _probe(found, ca_bundle)
    click.echo(render_doctor(plan, cover, found.discovery.rule.note, checks), nl=False)
    unhealthy = cover.gaps or plan.problems or any(c.error for c in checks)
    raise SystemExit(EXIT_UNDECIDED if unhealthy else EXIT_OK)


def _probe(found: Discovered, ca_bundle: str | None) -> list[WorkspaceCheck]:
    """Ask each workspace the coverage probe for the last day: readable, and which tables."""
    from netlogs.discovery.doctor_text import WorkspaceCheck
    from netlogs.model import EvidenceQuery, TimeWindow
    from netlogs.pipeline.live_plan import probe_workspace

    plan = found.discovery.plan
    end = datetime.now(timezone.utc)
    query = EvidenceQuery(
        vault_name=plan.vault,
        vault_fqdn=f"{plan.vault}.vault.azure.net",
        private_endpoint_ips=(),
        firewall_names=(),
        window=TimeWindow(end - timedelta(days=1), end),
    )
    checks: list[WorkspaceCheck] = []
    for guid in plan.workspace_guids():
        sources, error = probe_workspace(
            guid, query, found.credential, found.logs_endpoint, ca_bundle
        )
        checks.append(WorkspaceCheck(guid, plan.workspace_name(guid), sources, error))
    return checks
