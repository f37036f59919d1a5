"""`netlogs trace`: the one orchestration function, ``trace(request, source, topology)``.

One pass, no back and forth (architecture.md "Data flow"): topology scope -> evidence query ->
collect -> normalize -> filter -> window -> expected paths -> correlate -> verdicts -> result.
Everything here is deterministic given the request (``request.now`` is the only clock).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from importlib import metadata
from typing import TYPE_CHECKING

from netlogs.correlate import (
    COLUMNS_USED,
    TIMELINE_PER_KIND,
    CorrelationContext,
    correlate_evidence,
    family_lags,
    family_statuses,
    firewall_addresses,
)
from netlogs.errors import ConfigError
from netlogs.model import (
    CollectedEvidence,
    EvidenceQuery,
    EvidenceSource,
    EvidenceTables,
    ExpectedPath,
    FlowResult,
    Gap,
    PrivateEndpointRef,
    SourceStatus,
    TimeWindow,
    TraceRequest,
    TraceResult,
    VaultSummary,
)
from netlogs.normalize import normalize_evidence
from netlogs.normalize.ledger import account_evidence, sane_times
from netlogs.paths import expected_paths_to_vault
from netlogs.pipeline.gaps import (
    complete_sources,
    ip_order,
    latency_reference,
    model_gaps,
    unparsed_row_gaps,
)
from netlogs.pipeline.scope import (
    ClientNamer,
    ClientScope,
    find_vault,
    forbids_public_endpoint,
    judged_topology,
    required_firewall,
    required_firewall_note,
    required_firewall_source,
    resolve_client_scope,
    vault_private_endpoints,
)
from netlogs.pipeline.window import data_span
from netlogs.routing.vwan import expand_constructs
from netlogs.terms import utc_text
from netlogs.topology.coverage import with_coverage_gaps
from netlogs.topology.loader import topology_sha256
from netlogs.topology.model import KeyVault, PrivateEndpoint, Topology
from netlogs.verdicts import judge_flows
from netlogs.verdicts.dns import with_dns_evidence
from netlogs.whatif import predicted_fixes

if TYPE_CHECKING:
    import polars as pl


def trace(request: TraceRequest, source: EvidenceSource, topology: Topology) -> TraceResult:
    """Collect the evidence for one vault and judge every client's flow against the model.

    Args:
        request: what to trace; ``request.now`` is the single clock reading of this run.
        source: where the rows come from (files, Log Analytics, a test fake).
        topology: the network model the vault, firewalls and clients are looked up in.

    Returns:
        The complete, deterministic TraceResult (verdicts, gaps, sources, citations).

    Raises:
        ConfigError: unknown vault, firewall or client, or no evidence to derive a window from.
        NetlogsError: whatever the source or normalizers raise for unreadable input.
    """
    with _gc_paused():
        # Virtual WAN hubs (their firewalls, gateways) and AVNM peerings as the model's objects:
        # the firewall of a secured hub is then a firewall like any other (SNAT, records, rule)
        # (a Topology built in code gets its unevaluated constructs reported as a loaded one)
        return _traced(request, source, expand_constructs(with_coverage_gaps(topology)))


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the whole trace: the one place netlogs does.

    A trace builds hundreds of thousands of small objects (evidence rows, facts, flows, paths)
    that form no reference cycles; the collector would walk them again and again: about 4 % of
    the trace's CPU at 0.3x (benchmarks/RESULTS-trace.md). Reference counting still frees
    everything. On exit the result joins the oldest generation (``freeze`` then ``unfreeze``,
    both constant time), so the next collections (while the reports are written) do not walk
    it as young objects.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def _traced(request: TraceRequest, source: EvidenceSource, topology: Topology) -> TraceResult:
    vault = find_vault(topology, request.vault)
    firewall = required_firewall(topology, vault, request.required_firewall)
    scope = resolve_client_scope(topology, request.client_filter) if request.client_filter else None
    endpoints = vault_private_endpoints(topology, vault)
    lead = request.reuse_window + request.clock_skew  # connections opened before the window
    query = evidence_query(
        topology, vault, endpoints, request.window,
        firewall_lead=lead, firewall_trail=request.clock_skew,
    )  # fmt: skip
    collected = source.collect(query)
    normalized = normalize_evidence(collected.raw_tables, collected.parse_issues)
    sane = sane_times(request.now)
    accounted = account_evidence(normalized, query, sane)
    tables = accounted.tables
    if request.window is not None and collected.inputs and data_span(tables) is None:
        _refuse_empty_window(normalized, query, request.window, sane)
    window = request.window or _window_from_data(tables)
    as_of = latency_reference(request, collected, accounted.newest_in_window)
    context = _context(
        request,
        topology,
        (vault, firewall),
        tables,
        window=window,
        collected=collected,
        as_of=as_of,
    )
    judged = judged_topology(topology, vault, request.required_firewall)
    flows, gaps, timeline, paths = _judge(judged, context, tables, scope)
    summary = VaultSummary(
        name=vault.name,
        private_endpoints=tuple(PrivateEndpointRef(pe.name, pe.ip, pe.subnet) for pe in endpoints),
        public_network_access=vault.public_network_access,
        required_firewall=firewall,
        required_firewall_source=(
            required_firewall_source(topology, vault, request.required_firewall) if firewall else ""
        ),
        required_firewall_note=required_firewall_note(request.required_firewall),
    )
    return _result(
        request,
        topology,
        summary,
        window=window,
        tables=tables,
        collected=collected,
        verdicts=(flows, gaps),
        timeline=timeline,
        judged=judged,
        paths=paths,
    )


def evidence_query(
    topology: Topology,
    vault: KeyVault,
    endpoints: tuple[PrivateEndpoint, ...],
    window: TimeWindow | None,
    *,
    firewall_lead: timedelta,
    firewall_trail: timedelta = timedelta(0),
) -> EvidenceQuery:
    """What to collect for this vault: its PE IPs, public IPs and every firewall of the estate.

    The client filter is deliberately *not* pushed down: a SNATed vault request carries the
    firewall's address, so filtering on the client IP before stitching would lose it. Sources
    may load only the columns correlation reads (``COLUMNS_USED``). Firewall records are read
    from ``firewall_lead`` before the window: a keep-alive connection opened then covers
    requests inside it; and until ``firewall_trail`` (the clock skew) after it: a record the
    firewall stamped that much late still covers a request at the window's end.
    """
    return EvidenceQuery(
        vault_name=vault.name,
        vault_fqdn=vault.host,
        private_endpoint_ips=tuple(sorted(pe.ip for pe in endpoints)),
        firewall_names=tuple(sorted(f.name for f in topology.firewalls)),
        window=window,
        vault_public_ips=tuple(sorted(vault.public_ips)),
        columns=COLUMNS_USED,
        firewall_lead=firewall_lead,
        firewall_trail=firewall_trail,
    )


def _window_from_data(tables: EvidenceTables) -> TimeWindow:
    window = data_span(tables)
    if window is None:
        raise ConfigError(
            "no evidence rows for this vault in the input, so there is no time span to trace;"
            " check --vault or give --start/--end"
        )
    return window


def _refuse_empty_window(
    normalized: EvidenceTables, query: EvidenceQuery, window: TimeWindow, sane: TimeWindow
) -> None:
    """Files with rows for the vault, none in the asked window: a typo'd window, not a finding."""
    span = data_span(account_evidence(normalized, replace(query, window=None), sane).tables)
    if span is None:
        return  # no rows for this vault at all: the usual "no traffic" result stands
    raise ConfigError(
        f"no evidence in the window {utc_text(window.start, 'seconds')} to "
        f"{utc_text(window.end, 'seconds')}; the files under --logs hold "
        f"{utc_text(span.start, 'seconds')} to {utc_text(span.end, 'seconds')}: "
        "adjust --since/--start/--end"
    )


def _context(
    request: TraceRequest,
    topology: Topology,
    policy: tuple[KeyVault, str | None],
    tables: EvidenceTables,
    *,
    window: TimeWindow,
    collected: CollectedEvidence,
    as_of: datetime,
) -> CorrelationContext:
    """Policy, firewall addresses, source coverage and tolerances for correlation.

    ``as_of`` is the moment ingestion latency is counted back from (see latency_reference).
    """
    vault, firewall = policy
    statuses, details = family_statuses(tables.sources)
    return CorrelationContext(
        vault=vault,
        private_endpoint_ips=tuple(
            sorted(pe.ip for pe in vault_private_endpoints(topology, vault))
        ),
        firewalls=tuple(firewall_addresses(topology, f) for f in topology.firewalls),
        required_firewall=firewall,
        window=window,
        now=as_of,
        forbid_public_endpoint=forbids_public_endpoint(topology, vault),
        reuse_window=request.reuse_window,
        clock_skew=request.clock_skew,
        timeline_per_kind=TIMELINE_PER_KIND if request.timeline else 0,
        evidence_per_kind=request.evidence_per_kind,
        source_status=statuses,
        source_detail=details,
        partial_tables=frozenset(
            (s.family, s.table) for s in tables.sources if s.status is SourceStatus.PARTIAL
        ),
        ingestion_lags=family_lags(collected.lags, tables.sources),
    )


def _judge(
    topology: Topology,
    context: CorrelationContext,
    tables: EvidenceTables,
    scope: ClientScope | None,
) -> tuple[
    tuple[FlowResult, ...], tuple[Gap, ...], pl.DataFrame | None, Mapping[str, ExpectedPath]
]:
    """Correlate, ask the model for the path of every original client seen, then judge.

    The paths come back too: the fix search starts from the violators' (judged topology)."""
    correlated = correlate_evidence(tables, context)
    clients = tuple(ip for ip in correlated.client_ips if scope is None or scope.contains(ip))
    namer = ClientNamer(topology)
    modelled = namer.modelled(clients)
    context = replace(
        context,
        expected_paths=expected_paths_to_vault(topology, context.vault.name, modelled),
        client_names={ip: name for ip in correlated.client_ips if (name := namer.name(ip))},
    )
    flows, gaps = with_dns_evidence(*judge_flows(correlated, context), tables.dns, context)
    if scope is not None:
        flows, gaps = _keep_scope(flows, gaps, scope)
    timeline = correlated.timeline if context.timeline_per_kind else None
    return tuple(flows), tuple(gaps), timeline, context.expected_paths


def _keep_scope(
    flows: tuple[FlowResult, ...], gaps: tuple[Gap, ...], scope: ClientScope
) -> tuple[tuple[FlowResult, ...], tuple[Gap, ...]]:
    """`--from`: the client's flows (and SNAT flows it may hide in); gaps trimmed to them."""
    flows = tuple(f for f in flows if _in_scope(f, scope))
    kept = {f.client_ip for f in flows} | {
        c for f in flows for c in f.snat_candidates if scope.contains(c)
    }
    trimmed = []
    for gap in gaps:
        clients = tuple(c for c in gap.clients if c in kept)
        if clients or not gap.clients:
            trimmed.append(replace(gap, clients=clients))
    return flows, tuple(trimmed)


def _in_scope(flow: FlowResult, scope: ClientScope) -> bool:
    return scope.contains(flow.client_ip) or any(scope.contains(c) for c in flow.snat_candidates)


def _result(
    request: TraceRequest,
    topology: Topology,
    vault: VaultSummary,
    *,
    window: TimeWindow,
    tables: EvidenceTables,
    collected: CollectedEvidence,
    verdicts: tuple[tuple[FlowResult, ...], tuple[Gap, ...]],
    timeline: pl.DataFrame | None,
    judged: Topology | None = None,
    paths: Mapping[str, ExpectedPath] | None = None,
) -> TraceResult:
    """``judged``: the topology the paths were judged on, when the design flag changed it;
    ``paths``: the clients' paths to the vault on it, as the flows were judged."""
    flows, gaps = verdicts
    all_gaps = tuple(
        replace(g, clients=tuple(sorted(set(g.clients), key=ip_order)))
        for g in gaps
        + unparsed_row_gaps(tables.issues or collected.parse_issues)
        + model_gaps(topology, vault)
    )
    result = TraceResult(
        vault=vault,
        window=window,
        sources=complete_sources(tables.sources),
        flows=tuple(sorted(flows, key=lambda f: (ip_order(f.client_ip), f.client or ""))),
        gaps=tuple(sorted(set(all_gaps), key=lambda g: (g.kind.value, g.message, g.clients))),
        queries=tuple(sorted(collected.queries, key=lambda q: (q.name, q.workspace, q.sha256))),
        ledger=collected.ledger,
        inputs=tuple(sorted(collected.inputs, key=lambda i: i.path)),
        topology_sha256=topology_sha256(topology),
        netlogs_version=netlogs_version(),
        generated_at=request.now,
        fixes=predicted_fixes(
            judged or topology, vault.name, vault.required_firewall, flows, paths
        ),
    )
    return replace(result, timeline=timeline) if timeline is not None else result


def netlogs_version() -> str:
    """The installed package version, cited in every result."""
    try:
        return metadata.version("netlogs")
    except metadata.PackageNotFoundError:  # running from a source tree without installing
        return "0+unknown"
