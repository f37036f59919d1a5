"""`netlogs doctor`: which log would show each hop of each modelled path, and how to turn on
the ones that are off.

Pure: a topology, a log plan and the design rule in, a ``Coverage`` out. A client hop is seen
by the VNet flow log of its VNet (queryable only through Traffic Analytics), a firewall hop by
the firewall's network and application rule logs, the vault hop by the vault's ``AuditEvent``.
Routing decisions (UDRs, peerings) and gateways have no log of their own that netlogs reads.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from netlogs.discovery.logplan import EVIDENCE_FIREWALL, FlowLogSetting, LogDestination, LogPlan
from netlogs.errors import NoPathError
from netlogs.model import HopKind
from netlogs.paths import expected_path
from netlogs.topology.arm_shapes import subnet_ref
from netlogs.topology.model import Topology

_VAULT_HOPS = {HopKind.PRIVATE_ENDPOINT, HopKind.SERVICE_ENDPOINT, HopKind.PUBLIC_ENDPOINT}
_NOT_CLIENT_SUBNETS = {"azurefirewallsubnet", "gatewaysubnet", "azurebastionsubnet"}


@dataclass(frozen=True)
class CoverageGap:
    """A log that is off or not queryable, and the ``az`` command that turns it on."""

    key: str  # one gap per resource and log, however many paths share it
    message: str
    command: str


@dataclass(frozen=True)
class HopCoverage:
    hop: str  # client | firewall | vault | gateway
    name: str
    log: str  # the category or flow log that would show it
    state: str  # on | off | storage only | not logged | unknown
    detail: str  # destination, retention, interval
    gap: CoverageGap | None = None


@dataclass(frozen=True)
class PathCoverage:
    source: str  # vnet/subnet the path starts from
    hops: tuple[HopCoverage, ...]
    note: str = ""  # why the path could not be walked


@dataclass(frozen=True)
class Coverage:
    paths: tuple[PathCoverage, ...]
    gaps: tuple[CoverageGap, ...]


def coverage(topology: Topology, plan: LogPlan, vault: str) -> Coverage:
    """Coverage of every path from a subnet holding clients to ``vault``."""
    context = _Context(topology, plan)
    paths = tuple(_path(context, source, vault) for source in client_sources(topology))
    gaps = {h.gap.key: h.gap for p in paths for h in p.hops if h.gap is not None}
    return Coverage(paths, tuple(gaps[k] for k in sorted(gaps)))


def client_sources(topology: Topology) -> list[str]:
    """Subnets with discovered clients; every non-infrastructure subnet when none are known."""
    with_clients = sorted({c.subnet for c in topology.clients if c.subnet})
    if with_clients:
        return with_clients
    return [
        s.ref
        for v in topology.vnets
        for s in v.subnets
        if s.name.lower() not in _NOT_CLIENT_SUBNETS
        and s.ref not in {p.subnet for p in topology.private_endpoints}
    ]


@dataclass(frozen=True)
class _Context:
    topology: Topology
    plan: LogPlan

    def workspace_id(self) -> str:
        for d in self.plan.destinations:
            if d.workspace_id:
                return d.workspace_id
        return "<workspace-resource-id>"

    def resource_id(self, family: str, name: str) -> str:
        if family == "keyvault":
            return self.plan.vault_id
        return next(
            (f for f in self.plan.firewalls if f.lower().endswith(f"/{name.lower()}")),
            f"<{name}-resource-id>",
        )


def _path(context: _Context, source: str, vault: str) -> PathCoverage:
    try:
        path = expected_path(context.topology, source, vault)
    except NoPathError as exc:
        return PathCoverage(source, (), note=str(exc))
    hops = [_client_hop(context, source)]
    for hop in path.hops:
        if hop.hop is HopKind.FIREWALL:
            hops.append(_firewall_hop(context, hop.name))
        elif hop.hop in _VAULT_HOPS:
            hops.append(_vault_hop(context, vault, hop.hop.value))
        elif hop.hop is HopKind.GATEWAY:
            hops.append(
                HopCoverage(
                    "gateway", hop.name, "-", "not logged", "no gateway log is read by netlogs"
                )
            )
    return PathCoverage(source, tuple(hops))


def _client_hop(context: _Context, source: str) -> HopCoverage:
    vnet_name = source.split("/", 1)[0]
    flow = _flow_log_for(context.plan.flow_logs, source)
    vnet_id = _vnet_id(context, vnet_name)
    if flow is None:
        storage = next(
            (f.storage_account for f in context.plan.flow_logs if f.storage_account),
            "<storage-account-id>",
        )
        region = next((v.region for v in context.topology.vnets if v.name == vnet_name), "")
        command = _cmd(
            "az network watcher flow-log create",
            location=region or "<region>",
            name=f"fl-{vnet_name}",
            vnet=vnet_id,
            storage_account=storage,
            traffic_analytics="true",
            workspace=context.workspace_id(),
            interval="10",
        )
        gap = CoverageGap(
            f"flow:{vnet_name}",
            f"{vnet_name} has no VNet flow log: nothing shows "
            "whether its clients' packets left or got answers",
            command,
        )
        return HopCoverage("client", source, "VNet flow log", "off", "no flow log", gap)
    if not flow.enabled:
        command = _cmd(
            "az network watcher flow-log update",
            location=_region(context, vnet_name),
            name=flow.name,
            enabled="true",
        )
        gap = CoverageGap(
            f"flow:{vnet_name}", f"flow log {flow.name} on {flow.target} is disabled", command
        )
        return HopCoverage("client", source, f"flow log {flow.name}", "off", "disabled", gap)
    if not flow.traffic_analytics:
        command = _cmd(
            "az network watcher flow-log update",
            location=_region(context, vnet_name),
            name=flow.name,
            traffic_analytics="true",
            workspace=context.workspace_id(),
            interval="10",
        )
        storage = flow.storage_account.rsplit("/", 1)[-1]
        gap = CoverageGap(
            f"flow:{vnet_name}",
            f"flow log {flow.name} on {flow.target} goes to storage account {storage} only (no "
            "Traffic Analytics): a live trace reads its hourly blobs only with Storage Blob Data "
            f"Reader on {flow.storage_account}; Traffic Analytics makes it queryable",
            command,
        )
        return HopCoverage(
            "client",
            source,
            f"flow log {flow.name}",
            "storage only",
            f"storage {storage}, retention {flow.retention_days or 0} d",
            gap,
        )
    interval = f", Traffic Analytics every {flow.interval_min} min" if flow.interval_min else ""
    filtered = f", filtered ({flow.filtering})" if flow.filtering else ""
    detail = f"-> {context.plan.workspace_name(flow.workspace)}{interval}{filtered}"
    return HopCoverage("client", source, f"flow log {flow.name}", "on", detail)


def _flow_log_for(flow_logs: Sequence[FlowLogSetting], source: str) -> FlowLogSetting | None:
    """The flow log on the subnet itself, else on its VNet."""
    vnet = source.split("/", 1)[0].lower()
    for flow in flow_logs:
        if flow.target_kind == "subnets" and (subnet_ref(flow.target_id) or "").lower() == (
            source.lower()
        ):
            return flow
    return next(
        (f for f in flow_logs if f.target_kind == "virtualnetworks" and f.target.lower() == vnet),
        None,
    )


def _firewall_hop(context: _Context, name: str) -> HopCoverage:
    settings = [
        d
        for d in context.plan.destinations
        if d.family == "firewall" and d.resource.lower() == name.lower()
    ]
    return _diagnostic_hop(context, "firewall", name, settings, EVIDENCE_FIREWALL)


def _vault_hop(context: _Context, vault: str, how: str) -> HopCoverage:
    settings = [d for d in context.plan.destinations if d.family == "keyvault"]
    hop = _diagnostic_hop(context, "keyvault", vault, settings, ("AuditEvent",))
    return HopCoverage(
        "vault", f"{vault} ({how.replace('_', ' ')})", hop.log, hop.state, hop.detail, hop.gap
    )


def _diagnostic_hop(
    context: _Context,
    family: str,
    name: str,
    settings: Sequence[LogDestination],
    categories: Sequence[str],
) -> HopCoverage:
    resource_id = context.resource_id(family, name)
    label = "vault" if family == "keyvault" else "firewall"
    log = ", ".join(categories)
    if any(p.resource.lower() == resource_id.lower() for p in context.plan.problems):
        return HopCoverage(
            label,
            name,
            log,
            "unknown",
            f"diagnostic settings not readable (needs Reader on {resource_id})",
        )
    to_workspace = [d for d in settings if d.workspace_id and any(d.covers(c) for c in categories)]
    if to_workspace:
        d = to_workspace[0]
        mode = "resource-specific" if d.dedicated else "AzureDiagnostics"
        retention = f", retention {d.retention_days} d" if d.retention_days else ""
        detail = f"-> {d.workspace_name or d.workspace_id} ({mode}{retention}), setting {d.setting}"
        return HopCoverage(label, name, log, "on", detail)
    logs = json.dumps([{"category": c, "enabled": True} for c in categories], separators=(",", ":"))
    command = _cmd(
        "az monitor diagnostic-settings create",
        name=f"netlogs-{label}",
        resource=resource_id,
        workspace=context.workspace_id(),
        export_to_resource_specific="true",
        logs=logs,
    )
    archived = [d.storage_account for d in settings if d.storage_account]
    state = "storage only" if archived else "off"
    where = f" (archived to {archived[0].rsplit('/', 1)[-1]} only)" if archived else ""
    gap = CoverageGap(
        f"{family}:{name}",
        f"{label} {name} does not send {log} to a Log Analytics workspace{where}",
        command,
    )
    return HopCoverage(label, name, log, state, "no workspace destination", gap)


def _vnet_id(context: _Context, vnet: str) -> str:
    return next((i for n, i in context.plan.vnets if n == vnet), f"<{vnet}-resource-id>")


def _region(context: _Context, vnet: str) -> str:
    return next(
        (v.region for v in context.topology.vnets if v.name == vnet and v.region), "<region>"
    )


def _cmd(command: str, **options: str) -> str:
    parts = [command]
    for key, value in options.items():
        parts.append(f"--{key.replace('_', '-')} {shlex.quote(value)}")
    return " ".join(parts)
