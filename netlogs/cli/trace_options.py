"""The options of `netlogs trace`, parsed and typed, and what they ask for: the request, the
topology and the evidence source (built by ``netlogs.api``, shared with ``netlogs.trace()``),
or what discovery found in Azure. A new `trace` option needs a field here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from netlogs.cli.live_discovery import AzureSettings
from netlogs.cli.output import checked_query
from netlogs.errors import ConfigError

if TYPE_CHECKING:
    from netlogs.cli.progress import ProgressDisplay
    from netlogs.model import EvidenceSource, TimeWindow, TraceRequest
    from netlogs.pipeline.discover import Discovery
    from netlogs.topology.model import Topology


@dataclass(frozen=True)
class TraceOptions:
    """The parsed options of one `netlogs trace` run (one field per option)."""

    vault: str | None
    topology_file: str | None
    service_tags: str | None
    logs: str | None
    workspaces: tuple[str, ...]
    require_firewall: str | None
    client: str | None
    since: timedelta | None
    start: datetime | None
    end: datetime | None
    html_file: str | None
    json_file: str | None
    markdown_file: str | None
    output_format: str
    query: str | None
    csv_tz: str | None
    skip_unknown: bool
    reuse_window: timedelta
    clock_skew: timedelta
    engine: str
    cluster: str | None
    database: str | None
    endpoint: str | None
    ca_bundle: str | None
    cloud: str
    timeout_s: float
    quiet: bool
    subscriptions: tuple[str, ...]
    refresh: bool
    now: datetime | None
    evidence: str

    @property
    def discovering(self) -> bool:
        """Nothing but the vault (and a window): find the estate and its logs in Azure."""
        return not (self.logs or self.topology_file or self.cluster or self.workspaces)

    def azure(self) -> AzureSettings:
        return AzureSettings(
            cloud=self.cloud,
            subscriptions=self.subscriptions,
            quiet=self.quiet,
            refresh=self.refresh,
            require_firewall=self.require_firewall,
            endpoint=self.endpoint,
            ca_bundle=self.ca_bundle,
        )


def prepare(
    opts: TraceOptions, now: datetime, display: ProgressDisplay
) -> tuple[TraceRequest, Topology, EvidenceSource | None, Discovery | None]:
    """Check the options, then build the request, the topology, the evidence source (none for
    --cluster: ADX is only queried by the kusto engine) and, discovering from Azure, what was
    discovered (the design rule read from the routes and the log settings every output shows)."""
    from netlogs.api import evidence_limit, trace_topology
    from netlogs.model import TraceRequest

    vault = _checked_sources(opts)
    checked_query(opts.output_format, opts.query)
    window = _window(opts, now)
    discovery, required = None, opts.require_firewall
    source: EvidenceSource | None
    if opts.discovering:
        from netlogs.cli.live_discovery import discover, planned_source

        outputs = [p for p in (opts.json_file, opts.html_file, opts.markdown_file) if p != "-"]
        found = discover(opts.azure(), vault, outputs)
        topology, source = found.discovery.topology, planned_source(found, opts.ca_bundle)
        discovery = found.discovery
        vault, required = discovery.plan.vault, discovery.rule.option
        topology = trace_topology(topology, vault, service_tags=opts.service_tags)
    else:
        topology = trace_topology(
            opts.topology_file,
            vault,
            service_tags=opts.service_tags,
            absent="(no --topology given)",
        )
        source = None if opts.cluster else _source(opts, now, display)
    request = TraceRequest(
        vault=vault,
        window=window,
        now=now,
        required_firewall=required,
        client_filter=opts.client,
        reuse_window=opts.reuse_window,
        clock_skew=opts.clock_skew,
        timeline=opts.html_file is not None,  # only the HTML report draws it
        evidence_per_kind=evidence_limit(opts.evidence or "20", "--evidence"),
    )
    return request, topology, source, discovery


def _checked_sources(opts: TraceOptions) -> str:
    """The vault name, once the evidence source options make sense together."""
    if not opts.vault:
        raise ConfigError("--vault NAME is required (the Key Vault to trace)")
    if sum(map(bool, (opts.logs, opts.workspaces, opts.cluster))) > 1:
        raise ConfigError("give either --logs DIR or --workspace ID (or --cluster URL), not both")
    if opts.topology_file and not (opts.logs or opts.workspaces or opts.cluster):
        raise ConfigError(
            "no evidence source: give --logs DIR (exported logs), --workspace ID or --cluster URL"
        )
    return opts.vault


def _window(opts: TraceOptions, now: datetime) -> TimeWindow | None:
    """The window asked for; live runs (discovery, --workspace, --cluster) need one."""
    from netlogs.pipeline.window import window_between

    window = window_between(now, opts.since, opts.start, opts.end)
    if opts.discovering and window is None:
        raise ConfigError(
            "no evidence source: give --logs DIR (exported logs), or a window (--since 2h or "
            "--start/--end) to find the vault's network and logs in Azure"
        )
    if (opts.workspaces or opts.cluster) and window is None:
        raise ConfigError(
            f"{'--cluster' if opts.cluster else '--workspace'} needs a time window: add --since 2h"
            " or --start/--end"
        )
    return window


def _source(opts: TraceOptions, now: datetime, display: ProgressDisplay) -> EvidenceSource:
    from netlogs.api import LiveSettings, evidence_source

    if opts.logs is not None and not Path(opts.logs).is_dir():
        raise ConfigError(f"--logs {opts.logs}: no such directory")
    live = LiveSettings(
        endpoint=opts.endpoint,
        cloud=opts.cloud,
        ca_bundle=opts.ca_bundle,
        timeout_s=opts.timeout_s,
        progress=display if display.enabled else None,
    )
    return evidence_source(
        logs=opts.logs,
        workspaces=opts.workspaces,
        csv_timezone=opts.csv_tz,
        skip_unknown=opts.skip_unknown,
        live=live,
        now=now,
    )
