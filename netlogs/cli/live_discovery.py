"""`netlogs trace --vault NAME` with no --topology, --logs or --workspace: discover, then trace.

Sign in once (one clear error when that fails), read the estate and the log plan from Azure (or
the cache), write the discovered topology next to the outputs, and hand the trace a source that
queries only the workspaces and tables the plan names.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from netlogs.errors import ConfigError

if TYPE_CHECKING:
    from netlogs.model import EvidenceSource
    from netlogs.pipeline.discover import Discovery


def azure_options(command: Any) -> Any:
    """`--subscription`, `--refresh` (trace and doctor; `--cloud` and `--quiet` come with the
    Log Analytics connection options)."""
    for option in (
        click.option("--refresh", is_flag=True, help="Ask Azure again instead of the cache."),
        click.option(
            "--subscription",
            "subscriptions",
            metavar="ID",
            multiple=True,
            help="Look for the vault and its network only here (repeatable).",
        ),
    ):
        command = option(command)
    return command


@dataclass(frozen=True)
class AzureSettings:
    """The options of a discovering run (trace and doctor): where and how to ask Azure."""

    cloud: str
    subscriptions: tuple[str, ...]
    quiet: bool
    refresh: bool
    require_firewall: str | None
    endpoint: str | None
    ca_bundle: str | None


@dataclass(frozen=True)
class Discovered:
    discovery: Discovery
    credential: Any
    logs_endpoint: str
    topology_file: Path | None


def discover(options: AzureSettings, vault: str, outputs: list[str | None]) -> Discovered:
    """Sign in, discover (cache first unless --refresh) and write the topology file."""
    from netlogs.azure.clouds import resolve_cloud
    from netlogs.azure.credential import sign_in
    from netlogs.pipeline.discovery_cache import discover_cached

    cloud = resolve_cloud(options.cloud)
    subscriptions = options.subscriptions
    say = _progress(options.quiet)
    say(f"signing in ({cloud.name})")
    credential = sign_in(cloud)
    found, cached = discover_cached(
        vault,
        subscriptions,
        credential,
        cloud,
        require_firewall=options.require_firewall,
        refresh=options.refresh,
        progress=say,
        warn=lambda note: click.echo(f"Warning: {note}", err=True),
    )
    topology_file = _write_topology(found, outputs, cached.parent)
    endpoint = options.endpoint or cloud.logs_endpoint
    return Discovered(found, credential, endpoint, topology_file)


def planned_source(found: Discovered, ca_bundle: str | None) -> EvidenceSource:
    from netlogs.pipeline.live_plan import PlannedLogAnalytics

    plan = found.discovery.plan
    if not plan.workspace_guids():
        raise ConfigError(
            f"--vault {plan.vault}: no Log Analytics workspace receives the vault's or the "
            f"firewalls' logs; run `netlogs doctor --vault {plan.vault}` to see what to turn on"
        )
    from netlogs.pipeline.discovery_cache import cache_dir

    return PlannedLogAnalytics(
        plan,
        found.credential,
        endpoint=found.logs_endpoint,
        verify=ca_bundle,
        blob_dir=cache_dir() / "blobs",
    )


def _write_topology(found: Discovery, outputs: list[str | None], cache: Path) -> Path | None:
    """Next to the first output file, else in the cache directory."""
    from netlogs.topology.azure_import import write_topology_file

    first = next((Path(p) for p in outputs if p), None)
    folder = first.parent if first is not None else cache
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    path = folder / f"{found.plan.vault}.discovered-topology.yaml"
    write_topology_file(found.topology, path, found.topology_document())
    return path


def _progress(quiet: bool) -> Any:
    def say(message: str) -> None:
        if not quiet:
            click.echo(f"netlogs: {message}", err=True)

    # progress is for a person watching: off with --quiet or when stderr is not a terminal
    return say if sys.stderr is not None and sys.stderr.isatty() else (lambda _m: None)

