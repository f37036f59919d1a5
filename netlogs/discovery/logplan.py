"""Where each log family goes, from diagnostic settings, flow-log resources and workspaces.

A ``LogPlan`` says, for the vault and each firewall: which diagnostic setting sends which
categories to which workspace (by its query GUID), resource-specific (``Dedicated``) or into
``AzureDiagnostics``, or only to a storage account; and for each flow log: enabled, Traffic
Analytics workspace and interval, or storage only. ``candidate_templates`` turns it into the KQL
templates worth asking each workspace; the coverage probe then says which of their tables exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from netlogs.model import LOG_SETTING_DIAGNOSTIC, LOG_SETTING_FLOW_LOG, LogSetting
from netlogs.topology.arm_shapes import dig, flatten, last_segment

KEYVAULT_CATEGORIES = {"AuditEvent"}
FIREWALL_TEMPLATES = {  # resource-specific category -> template over its table
    "AZFWNetworkRule": "firewall_network_rules",
    "AZFWApplicationRule": "firewall_application_rules",
    "AZFWNatRule": "firewall_nat_rules",
    "AZFWFlowTrace": "firewall_flow_trace",
    "AZFWDnsQuery": "firewall_dns_queries",
}
LEGACY_FIREWALL = {
    "AzureFirewallNetworkRule",
    "AzureFirewallApplicationRule",
    "AzureFirewallDnsProxy",
}
EVIDENCE_FIREWALL = ("AZFWNetworkRule", "AZFWApplicationRule")  # what shows a connection
GROUPS = {"allLogs", "audit"}  # category groups: every category of ours is in allLogs


@dataclass(frozen=True)
class LogDestination:
    """One diagnostic setting of the vault or of a firewall."""

    family: str  # keyvault | firewall
    resource_id: str
    resource: str
    setting: str
    categories_on: tuple[str, ...]
    categories_off: tuple[str, ...]
    workspace_id: str = ""  # ARM id ("" = no workspace destination)
    workspace: str = ""  # the query GUID (customerId); "" when the workspace was not readable
    workspace_name: str = ""
    dedicated: bool = False  # resource-specific tables, else AzureDiagnostics
    storage_account: str = ""
    retention_days: int | None = None  # the workspace's

    def covers(self, category: str) -> bool:
        return category in self.categories_on or bool(GROUPS & set(self.categories_on))


@dataclass(frozen=True)
class FlowLogSetting:
    name: str
    resource_id: str
    target_id: str  # VNet, subnet, NIC or NSG
    enabled: bool
    storage_account: str
    traffic_analytics: bool
    workspace: str = ""  # Traffic Analytics workspace GUID
    interval_min: int | None = None
    retention_days: int | None = None
    filtering: str = ""  # enabledFilteringCriteria: an absent flow proves nothing then
    blob_endpoint: str = ""  # the storage account's blob URL, when it was readable

    @property
    def target(self) -> str:
        return last_segment(self.target_id)

    @property
    def target_kind(self) -> str:
        lowered = self.target_id.lower()
        for kind in ("subnets", "networkinterfaces", "networksecuritygroups", "virtualnetworks"):
            if f"/{kind}/" in lowered:
                return kind
        return "unknown"


@dataclass(frozen=True)
class Problem:
    """Something discovery could not read, and the role that would let it."""

    resource: str
    message: str
    role: str = "Reader"


@dataclass(frozen=True)
class LogPlan:
    vault_id: str
    vault: str
    firewalls: tuple[str, ...]  # firewall resource ids whose settings were read
    destinations: tuple[LogDestination, ...]
    flow_logs: tuple[FlowLogSetting, ...]
    workspaces: tuple[tuple[str, str, int | None], ...]  # (GUID, name, retention days)
    problems: tuple[Problem, ...] = ()
    vnets: tuple[tuple[str, str], ...] = ()  # (name, resource id): for the commands doctor prints

    def workspace_name(self, guid: str) -> str:
        return next((name for g, name, _ in self.workspaces if g == guid), guid)

    def workspace_guids(self) -> tuple[str, ...]:
        used = [d.workspace for d in self.destinations if d.workspace]
        used += [f.workspace for f in self.flow_logs if f.traffic_analytics and f.workspace]
        return tuple(dict.fromkeys(used))


def log_plan(
    vault: Mapping[str, Any],
    firewalls: Sequence[Mapping[str, Any]],
    settings: Mapping[str, Sequence[Mapping[str, Any]]],
    workspaces: Sequence[Mapping[str, Any]],
    flow_logs: Sequence[Mapping[str, Any]],
    *,
    problems: Iterable[Problem] = (),
    vnets: Sequence[Mapping[str, Any]] = (),
    storage_accounts: Sequence[Mapping[str, Any]] = (),
) -> LogPlan:
    """The plan from Resource Graph rows and the diagnostic settings read per resource id
    (lower case keys; a resource missing from ``settings`` could not be read)."""
    by_id = {str(w.get("id", "")).lower(): w for w in workspaces}
    blobs = {
        str(s.get("id", "")).lower(): str(dig(s, "properties.primaryEndpoints.blob") or "")
        for s in storage_accounts
    }
    destinations = [
        _destination(family, owner, flatten(setting), by_id)
        for family, owner in [("keyvault", vault), *(("firewall", f) for f in firewalls)]
        for setting in settings.get(str(owner.get("id", "")).lower(), ())
    ]
    known = tuple(
        (
            str(dig(w, "properties.customerId") or ""),
            str(w.get("name", "")),
            _int(dig(w, "properties.retentionInDays")),
        )
        for w in workspaces
    )
    return LogPlan(
        vault_id=str(vault.get("id", "")),
        vault=str(vault.get("name", "")),
        firewalls=tuple(str(f.get("id", "")) for f in firewalls),
        destinations=tuple(destinations),
        flow_logs=tuple(_flow_log(flatten(row), blobs) for row in flow_logs),
        workspaces=tuple(w for w in known if w[0]),
        problems=tuple(problems),
        vnets=tuple((str(v.get("name", "")), str(v.get("id", ""))) for v in vnets),
    )


def _destination(
    family: str,
    owner: Mapping[str, Any],
    setting: Mapping[str, Any],
    workspaces: Mapping[str, Mapping[str, Any]],
) -> LogDestination:
    logs = [x for x in setting.get("logs") or [] if isinstance(x, dict)]
    names = [str(x.get("category") or x.get("categoryGroup") or "") for x in logs]
    on = tuple(n for n, x in zip(names, logs, strict=True) if n and x.get("enabled") is True)
    off = tuple(n for n, x in zip(names, logs, strict=True) if n and x.get("enabled") is not True)
    workspace_id = str(setting.get("workspaceId") or "")
    workspace = workspaces.get(workspace_id.lower(), {})
    return LogDestination(
        family=family,
        resource_id=str(owner.get("id", "")),
        resource=str(owner.get("name", "")),
        setting=str(setting.get("name", "")),
        categories_on=on,
        categories_off=off,
        workspace_id=workspace_id,
        workspace=str(dig(workspace, "properties.customerId") or ""),
        workspace_name=str(
            workspace.get("name") or (last_segment(workspace_id) if workspace_id else "")
        ),
        dedicated=str(setting.get("logAnalyticsDestinationType") or "").lower() == "dedicated",
        storage_account=str(setting.get("storageAccountId") or ""),
        retention_days=_int(dig(workspace, "properties.retentionInDays")),
    )


def _flow_log(body: Mapping[str, Any], blobs: Mapping[str, str]) -> FlowLogSetting:
    analytics = dig(body, "flowAnalyticsConfiguration.networkWatcherFlowAnalyticsConfiguration")
    analytics = analytics if isinstance(analytics, dict) else {}
    workspace = str(analytics.get("workspaceId") or "")
    return FlowLogSetting(
        name=str(body.get("name", "")),
        resource_id=str(body.get("id", "")),
        target_id=str(body.get("targetResourceId") or ""),
        enabled=body.get("enabled") is True,
        storage_account=str(body.get("storageId") or ""),
        traffic_analytics=analytics.get("enabled") is True and workspace not in ("", "-"),
        workspace="" if workspace == "-" else workspace,
        interval_min=_int(analytics.get("trafficAnalyticsInterval")),
        retention_days=_int(dig(body, "retentionPolicy.days")),
        filtering=str(body.get("enabledFilteringCriteria") or ""),
        blob_endpoint=blobs.get(str(body.get("storageId") or "").lower(), ""),
    )


def log_settings(plan: LogPlan) -> tuple[LogSetting, ...]:
    """The plan as the plain list a report shows under its sources: every diagnostic setting of
    the vault and the firewalls, then every flow-log resource, in a stable order."""
    settings = [
        LogSetting(
            kind=LOG_SETTING_DIAGNOSTIC,
            resource=d.resource,
            name=d.setting,
            categories=tuple(sorted(d.categories_on)),
            destination=_diagnostic_destination(d),
            enabled=bool(d.categories_on),
            retention_days=d.retention_days if d.workspace_id else None,
        )
        for d in sorted(plan.destinations, key=_setting_order)
    ]
    settings += [
        LogSetting(
            kind=LOG_SETTING_FLOW_LOG,
            resource=f.target,
            name=f.name,
            categories=(),
            destination=_flow_log_destination(plan, f),
            enabled=f.enabled,
            retention_days=f.retention_days,
            traffic_analytics_interval_min=f.interval_min if f.traffic_analytics else None,
        )
        for f in sorted(plan.flow_logs, key=lambda f: (f.target, f.name))
    ]
    return tuple(settings)


def _setting_order(d: LogDestination) -> tuple[bool, str, str]:
    return (d.family != "keyvault", d.resource, d.setting)


def _diagnostic_destination(d: LogDestination) -> str:
    places = []
    if d.workspace_id:
        mode = "resource-specific tables" if d.dedicated else "AzureDiagnostics"
        places.append(f"workspace {d.workspace_name or d.workspace_id} ({mode})")
    if d.storage_account:
        places.append(f"storage account {last_segment(d.storage_account)}")
    return "; ".join(places) or "no workspace or storage account"


def _flow_log_destination(plan: LogPlan, f: FlowLogSetting) -> str:
    places = []
    if f.traffic_analytics and f.workspace:
        places.append(f"Traffic Analytics workspace {plan.workspace_name(f.workspace)}")
    if f.storage_account:
        places.append(f"storage account {last_segment(f.storage_account)}")
    return "; ".join(places) or "no destination"


def candidate_templates(plan: LogPlan, workspace: str) -> tuple[str, ...]:
    """The evidence templates whose tables the settings say may hold rows in ``workspace``.

    A resource-specific setting may have been switched from AzureDiagnostics mode, which leaves
    the older rows there: its AzureDiagnostics templates are candidates too (the coverage probe
    keeps only tables that have rows).
    """
    found: list[str] = []
    for d in plan.destinations:
        if d.workspace != workspace:
            continue
        if d.family == "keyvault" and any(d.covers(c) for c in KEYVAULT_CATEGORIES):
            if d.dedicated:
                found.append("keyvault_requests_azkvauditlogs")
            found.append("keyvault_requests_azurediagnostics")
        if d.family == "firewall":
            found += _firewall_templates(d)
    for f in plan.flow_logs:
        if f.enabled and f.traffic_analytics and f.workspace == workspace:
            nsg = f.target_kind == "networksecuritygroups"
            found.append("flows_azurenetworkanalytics" if nsg else "flows_ntanetanalytics")
    return tuple(dict.fromkeys(found))


def _firewall_templates(d: LogDestination) -> list[str]:
    found = []
    if any(d.covers(c) for c in LEGACY_FIREWALL):
        found.append("firewall_legacy_messages")  # legacy categories: always AzureDiagnostics
    structured = [c for c in FIREWALL_TEMPLATES if d.covers(c)]
    if d.dedicated:
        found += [FIREWALL_TEMPLATES[c] for c in structured]
    if structured:
        found.append("firewall_structured_azurediagnostics")
    if d.dedicated and structured:
        found.append("firewall_legacy_messages")  # rows from before a switch to Dedicated
    return found


# Coverage-probe sources (``Table`` or ``AzureDiagnostics/<Category>``) -> the template reading them
_PROBE_SOURCES = {
    "AZKVAuditLogs": "keyvault_requests_azkvauditlogs",
    "AzureDiagnostics/AuditEvent": "keyvault_requests_azurediagnostics",
    "NTANetAnalytics": "flows_ntanetanalytics",
    "AzureNetworkAnalytics_CL": "flows_azurenetworkanalytics",
    **{table: template for table, template in FIREWALL_TEMPLATES.items()},
    **{f"AzureDiagnostics/{c}": "firewall_legacy_messages" for c in LEGACY_FIREWALL},
    **{f"AzureDiagnostics/{c}": "firewall_structured_azurediagnostics" for c in FIREWALL_TEMPLATES},
}


def templates_with_rows(
    candidates: Sequence[str], probed_sources: Iterable[str]
) -> tuple[str, ...]:
    """The candidates whose table (or AzureDiagnostics category) the probe found rows in."""
    present = {_PROBE_SOURCES[s] for s in probed_sources if s in _PROBE_SOURCES}
    return tuple(t for t in candidates if t in present)


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None and str(value).strip() != "" else None
    except (TypeError, ValueError):
        return None
