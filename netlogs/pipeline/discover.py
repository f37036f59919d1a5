"""`--vault NAME` with nothing else: find the vault, its estate and where its logs go.

Two Resource Graph queries (the vault, then every resource type the topology and the log plan
need, paged), one ARM GET of diagnostic settings per vault and firewall, and an ARM GET for a
workspace Resource Graph did not show. What Azure answered is cached (``discovery_cache``) so a
second trace in the same incident starts at once; everything else is rebuilt from it by the pure
``netlogs.discovery`` functions.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from netlogs.azure.arm import ArmClient
from netlogs.azure.clouds import Cloud
from netlogs.azure.resource_graph import ResourceGraph
from netlogs.discovery.design import FirewallRule, choose_firewall
from netlogs.discovery.estate import (
    FLOW_LOG_TYPE,
    STORAGE_TYPE,
    WORKSPACE_TYPE,
    estate_query,
    of_type,
    topology_from_rows,
)
from netlogs.discovery.logplan import LogPlan, Problem, log_plan, log_settings
from netlogs.discovery.vault import parse_vault_ref, pick_vault, vault_query
from netlogs.errors import AzureRequestError
from netlogs.model import RULE_ASSUMED, Gap, GapKind, TraceResult
from netlogs.topology.arm_shapes import FIREWALL, VNET
from netlogs.topology.dump import dump_topology
from netlogs.topology.model import DesignRule, Topology

WORKSPACE_API = "2022-10-01"
STORAGE_API = "2023-01-01"
Progress = Callable[[str], None]


@dataclass
class AzureAnswers:
    """Everything discovery read from Azure, as plain JSON (what the cache keeps)."""

    vault: dict[str, Any]
    rows: list[dict[str, Any]]
    settings: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    problems: list[dict[str, str]] = field(default_factory=list)
    graph_round_trips: int = 0


@dataclass(frozen=True)
class Estate:
    """What discovery builds from Azure's answers before the user's design-rule choice: the
    topology (no design rule of discovery's yet), the log plan and the firewall read from the
    routes. This, not the raw answers, is what the cache keeps."""

    vault: str
    topology: Topology
    plan: LogPlan
    routes_rule: FirewallRule  # what choose_firewall read from the routes (nothing given)
    graph_round_trips: int = 0


@dataclass(frozen=True)
class Discovery:
    estate: Estate
    topology: Topology  # with the design rule chosen for this trace
    plan: LogPlan
    rule: FirewallRule
    searched: str
    document: str = ""  # `topology` as the documented YAML, when already dumped ("" = not yet)

    def topology_document(self) -> str:
        """The text of the discovered-topology file (dumped once; the cache keeps it)."""
        return self.document or dump_topology(self.topology)


def read_azure(
    vault_text: str,
    subscriptions: tuple[str, ...],
    credential: Any,
    cloud: Cloud,
    progress: Progress = lambda _: None,
) -> AzureAnswers:
    """Ask Resource Graph and ARM (the only function here that talks to Azure)."""
    ref = parse_vault_ref(vault_text)
    graph = ResourceGraph(credential, cloud)
    arm = ArmClient(credential, cloud)
    try:
        progress(f"finding vault {ref.text} (Azure Resource Graph)")
        found = graph.query(vault_query(ref), subscriptions)
        vault = pick_vault(found.rows, ref, _searched(subscriptions))
        progress("reading the network and logging resources (Azure Resource Graph)")
        rows = graph.query(estate_query(), subscriptions).rows
        answers = AzureAnswers(vault, rows, graph_round_trips=graph.round_trips)
        progress("reading diagnostic settings (Azure Resource Manager)")
        _read_settings(arm, [vault, *of_type(rows, FIREWALL)], answers)
        _read_missing_workspaces(arm, answers)
        _read_flow_log_storage(arm, answers)
    finally:
        graph.close()
        arm.close()
    return answers


def _read_settings(arm: ArmClient, owners: list[dict[str, Any]], answers: AzureAnswers) -> None:
    ids = [str(o.get("id", "")) for o in owners]
    with ThreadPoolExecutor(4, thread_name_prefix="netlogs-arm") as pool:
        results = list(pool.map(lambda i: _try(partial(arm.diagnostic_settings, i)), ids))
    for resource_id, (value, error) in zip(ids, results, strict=True):
        if error is None:
            answers.settings[resource_id.lower()] = value
        else:
            answers.problems.append(_problem(resource_id, "diagnostic settings", error))


def _read_missing_workspaces(arm: ArmClient, answers: AzureAnswers) -> None:
    """Workspaces the settings name but Resource Graph did not return (other subscriptions)."""
    known = {str(r.get("id", "")).lower() for r in of_type(answers.rows, WORKSPACE_TYPE)}
    named = {
        str((s.get("properties") or s).get("workspaceId") or "")
        for settings in answers.settings.values()
        for s in settings
    }
    for workspace_id in sorted(w for w in named if w and w.lower() not in known):
        value, error = _try(partial(arm.get, workspace_id, WORKSPACE_API))
        if error is None and isinstance(value, dict):
            answers.rows.append({**value, "type": WORKSPACE_TYPE})
        elif error is not None:
            answers.problems.append(_problem(workspace_id, "workspace", error))


def _read_flow_log_storage(arm: ArmClient, answers: AzureAnswers) -> None:
    """The storage accounts of flow logs without Traffic Analytics (their blob endpoint)."""
    known = {str(r.get("id", "")).lower() for r in of_type(answers.rows, STORAGE_TYPE)}
    plan = log_plan(answers.vault, [], {}, [], of_type(answers.rows, FLOW_LOG_TYPE))
    wanted = {f.storage_account for f in plan.flow_logs if f.enabled and not f.traffic_analytics}
    for storage_id in sorted(s for s in wanted if s and s.lower() not in known):
        value, error = _try(partial(arm.get, storage_id, STORAGE_API))
        if error is None and isinstance(value, dict):
            answers.rows.append({**value, "type": STORAGE_TYPE})
        elif error is not None:
            answers.problems.append(_problem(storage_id, "storage account", error))


def _try(call: Callable[[], Any]) -> tuple[Any, AzureRequestError | None]:
    try:
        return call(), None
    except AzureRequestError as exc:
        return None, exc


def _problem(resource_id: str, what: str, error: AzureRequestError) -> dict[str, str]:
    role = "Reader" if error.status in (401, 403) else ""
    return {"resource": resource_id, "message": f"cannot read the {what}: {error}", "role": role}


def with_discovery(result: TraceResult, found: Discovery) -> TraceResult:
    """A trace of a discovered estate: the log settings it read, and the design rule when it was
    read from the routes (or could not be), kept with the vault so every output states it first.
    An undecided rule is a topology gap too: without it no bypass can be a violation."""
    rule, vault, gaps = found.rule, result.vault, result.gaps
    if rule.note:
        source = RULE_ASSUMED if rule.assumed else vault.required_firewall_source
        vault = replace(vault, required_firewall_note=rule.note, required_firewall_source=source)
    if rule.note and not rule.assumed:
        decide = "give --require-firewall NAME (or none) to decide it"
        gaps = (Gap(GapKind.TOPOLOGY, rule.note, (), decide), *gaps)
    return replace(result, vault=vault, gaps=gaps, log_settings=log_settings(found.plan))


def _searched(subscriptions: tuple[str, ...]) -> str:
    if subscriptions:
        return f"subscription(s) {', '.join(subscriptions)}"
    return "every subscription the signed-in identity can read"


def build_discovery(
    answers: AzureAnswers, subscriptions: tuple[str, ...], require_firewall: str | None
) -> Discovery:
    """The topology, log plan and design rule from what Azure answered (pure)."""
    return decide(build_estate(answers), subscriptions, require_firewall)


def build_estate(answers: AzureAnswers) -> Estate:
    """Import the rows, plan the logs and read the firewall from the routes (the slow part)."""
    vault_name = str(answers.vault.get("name", ""))
    topology = topology_from_rows(answers.rows, source="Azure Resource Graph")
    names = {f.name.lower() for f in topology.firewalls}
    firewalls = [f for f in of_type(answers.rows, FIREWALL) if str(f.get("name")).lower() in names]
    plan = log_plan(
        answers.vault,
        firewalls,
        answers.settings,
        of_type(answers.rows, WORKSPACE_TYPE),
        of_type(answers.rows, FLOW_LOG_TYPE),
        problems=[
            Problem(p["resource"], p["message"], p.get("role", "")) for p in answers.problems
        ],
        vnets=of_type(answers.rows, VNET),
        storage_accounts=of_type(answers.rows, STORAGE_TYPE),
    )
    routes_rule = choose_firewall(topology, vault_name, None)
    return Estate(vault_name, topology, plan, routes_rule, answers.graph_round_trips)


def decide(
    estate: Estate, subscriptions: tuple[str, ...], require_firewall: str | None
) -> Discovery:
    """The design rule of this trace: the one given, else the one read from the routes."""
    topology = estate.topology
    if require_firewall is None:
        rule = estate.routes_rule
    else:
        rule = choose_firewall(topology, estate.vault, require_firewall)
    if rule.firewall is not None or require_firewall is not None:
        design = DesignRule(vault=estate.vault, require_firewall=rule.firewall)
        others = tuple(r for r in topology.design_rules if r.vault != estate.vault)
        topology = replace(topology, design_rules=(*others, design))
    return Discovery(estate, topology, estate.plan, rule, _searched(subscriptions))
