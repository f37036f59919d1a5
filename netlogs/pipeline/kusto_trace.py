"""`netlogs trace --engine kusto`: the correlation runs inside Kusto, the verdicts here.

The facts query (``kql/facts/``) runs where the logs are (a Log Analytics workspace or an Azure
Data Explorer database); only per-client facts, a few cited rows per client and the row counts
per table come back. The verdict rules, the model and the reports are the local engine's.

Queries, in order: ``facts_sources`` (rows per table and the firewalls seen), the coverage
probe (observed ingestion lags; a server that cannot run it leaves the default upper bounds and a
``missing`` ledger entry), ``facts_clients`` and ``facts_cited`` (reading the older tables that
``facts_sources`` found rows in, see ``kusto_tables``), ``facts_unparsed`` when legacy firewall
text is read, ``facts_set_aside`` (rows left out for a malformed client address), and
``facts_dns``. A partial answer (the server hit
a limit) marks every family partial and the ledger entry partial; a server error raises.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import polars as pl

from netlogs.correlate import (
    TIMELINE_PER_KIND,
    CorrelationContext,
    family_lags,
    family_statuses,
    firewall_addresses,
)
from netlogs.correlate.context import cited_ends
from netlogs.correlate.engine import CorrelatedEvidence
from netlogs.correlate.kusto_evidence import kusto_correlated
from netlogs.correlate.kusto_facts import (
    FactLegs,
    FactQuery,
    KustoExecutor,
    cited_frame,
    fact_query,
    sources_query,
)
from netlogs.correlate.kusto_merge import merge_cited, merge_facts
from netlogs.correlate.snat import MAX_LISTED_CANDIDATES
from netlogs.errors import ConfigError, UnreadTablesError
from netlogs.kql import render_query
from netlogs.model import (
    CollectedEvidence,
    DailyRows,
    EngineRecord,
    EvidenceSource,
    EvidenceTables,
    FlowResult,
    Gap,
    GapKind,
    IngestionLag,
    PrivateEndpointRef,
    SourceStatus,
    SourceSummary,
    TimeWindow,
    TraceRequest,
    TraceResult,
    VaultSummary,
)
from netlogs.paths import expected_paths_to_vault
from netlogs.pipeline.kusto_dns import dns_findings_of, dns_query
from netlogs.pipeline.kusto_runs import QueryRunner
from netlogs.pipeline.kusto_tables import (
    fact_legs,
    reads_dns_proxy_text,
    refuse_unread_tables,
    source_summaries,
    unparsed_gaps,
    with_set_aside,
    with_unparsed,
)
from netlogs.pipeline.scope import (
    ClientNamer,
    find_vault,
    forbids_public_endpoint,
    judged_topology,
    required_firewall,
    required_firewall_note,
    required_firewall_source,
    resolve_client_scope,
    vault_private_endpoints,
)
from netlogs.pipeline.trace import _keep_scope, _result, trace
from netlogs.schemas import FLOWS, FW_EVENTS, KV_REQUESTS, empty_frame
from netlogs.sources.log_analytics.plan import lags_from_probe
from netlogs.topology.model import Topology
from netlogs.verdicts import judge_flows
from netlogs.verdicts.dns import with_dns_findings

# Live traces whose window is longer than this run in Kusto unless --engine local is given:
# a day of a busy vault is already millions of firewall rows to pull through the query API.
KUSTO_DEFAULT_ABOVE = timedelta(hours=24)


def trace_in_kusto(
    request: TraceRequest, executor: KustoExecutor, topology: Topology
) -> TraceResult:
    """Like ``pipeline.trace``, with the per-client facts computed by Kusto.

    Raises:
        ConfigError: no window, unknown vault/firewall/client.
        SourceError: a query failed on the server.
        UnreadTablesError: the window has evidence in tables the facts do not read.
    """
    if request.window is None:
        raise ConfigError("--engine kusto needs a time window (--since or --start/--end)")
    if request.reuse_window + request.clock_skew > timedelta(days=1):
        raise ConfigError("--engine kusto supports --reuse-window up to 1d; use --engine local")
    ctx = _base_context(request, topology)
    run = QueryRunner(executor, request.window)
    sources_rows, legs, unparsed = _read_sources(run, ctx)
    lags = _ingestion_lags(run, request.window)
    ctx, sources = _with_sources(ctx, sources_rows, run.partial, lags)
    facts_query = fact_query("facts_clients", ctx, legs=legs)
    facts_rows, cited_rows = _sliced_facts(run, ctx, legs)
    dns_rows = run(
        dns_query(ctx.vault.name, request.window, proxy_text=reads_dns_proxy_text(sources_rows))
    )
    if run.partial:  # a limit hit after the sources query: every family is incomplete
        ctx, sources = _with_sources(ctx, sources_rows, run.partial, lags)
    firewalls = sources_rows.filter(pl.col("Source") == "firewall")
    correlated = kusto_correlated(facts_rows, cited_rows, firewalls, with_timeline=request.timeline)
    judged = judged_topology(topology, ctx.vault, request.required_firewall)
    flows, gaps = _judged(request, judged, ctx, correlated)
    flows, gaps = with_dns_findings(flows, gaps, dns_findings_of(dns_rows), ctx)
    gaps = (*gaps, *unparsed_gaps(unparsed))
    tables = EvidenceTables(
        kv_requests=empty_frame(KV_REQUESTS),
        fw_events=empty_frame(FW_EVENTS),
        flows=empty_frame(FLOWS),
        dns=pl.DataFrame(),
        sources=sources,
    )
    result = _result(
        request,
        topology,
        _vault_summary(topology, ctx, request.required_firewall),
        window=request.window,
        tables=tables,
        collected=CollectedEvidence(raw_tables=(), ledger=run.ledger, queries=run.queries),
        verdicts=(flows, gaps),
        timeline=correlated.timeline if request.timeline else None,
        judged=judged,
    )
    engine = EngineRecord(
        "kusto", executor.target, facts_query.sha256, daily_rows=_daily_rows(sources_rows)
    )
    return replace(result, engine=engine)


def _read_sources(
    run: QueryRunner, ctx: CorrelationContext
) -> tuple[pl.DataFrame, FactLegs, pl.DataFrame]:
    """``facts_sources``' answer (with the unparsed legacy rows added), the older tables the
    facts read, and ``facts_unparsed``' answer (empty unless legacy rule text is read).

    Raises:
        UnreadTablesError: the window has evidence in tables the facts do not read.
    """
    rows = run(sources_query(ctx))
    refuse_unread_tables(rows)
    legs = fact_legs(rows)
    unparsed = pl.DataFrame({"Category": [], "Rows": [], "FirstRecord": []})
    if legs.firewall_diagnostics:  # rows whose text the facts could not take apart
        unparsed = run(fact_query("facts_unparsed", ctx, legs=legs))
    set_aside = run(fact_query("facts_set_aside", ctx, legs=legs))  # malformed addresses
    return with_set_aside(with_unparsed(rows, unparsed), set_aside), legs, unparsed


def _daily_rows(rows: pl.DataFrame) -> tuple[DailyRows, ...]:
    """The ``day`` rows of facts_sources (one per table and UTC day with rows)."""
    days = rows.filter(pl.col("Source") == "day")
    stamp = days.get_column("FirstRecord")
    if not isinstance(stamp.dtype, pl.Datetime):
        stamp = stamp.cast(pl.String).str.to_datetime(time_zone="UTC", time_unit="us")
    elif stamp.dtype.time_zone is None:
        stamp = stamp.dt.replace_time_zone("UTC")
    tables = days.get_column("Firewall").cast(pl.String).to_list()
    counts = days.get_column("Rows").cast(pl.Int64).to_list()
    daily = [
        DailyRows(day, table, count)
        for day, table, count in zip(stamp.to_list(), tables, counts, strict=True)
    ]
    return tuple(sorted(daily, key=lambda d: (d.day, d.table)))


def _sliced_facts(
    run: QueryRunner, ctx: CorrelationContext, legs: FactLegs
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """facts_clients and facts_cited, run again per time slice (facts_cited first per share of
    the clients) if the server reports a limit."""
    facts = run.sliced(lambda part: fact_query("facts_clients", ctx, part, legs))
    cited = [
        cited_frame(answer)
        for answer in run.shared(
            lambda part, clients: fact_query("facts_cited", ctx, part, legs, clients)
        )
    ]
    facts_rows = facts[0]
    if len(facts) > 1:
        facts_rows, note = merge_facts(facts, MAX_LISTED_CANDIDATES)
        run.note("facts_clients", note)
    if len(cited) == 1:
        return facts_rows, cited[0]
    reached = facts_rows.filter(pl.col("reached").cast(pl.Int64) > 0).get_column("client_ip")
    return facts_rows, merge_cited(cited, cited_ends(ctx.evidence_per_kind), reached)


def _base_context(request: TraceRequest, topology: Topology) -> CorrelationContext:
    """Policy, addresses and tolerances; source statuses come from ``facts_sources``."""
    assert request.window is not None  # checked by the caller
    vault = find_vault(topology, request.vault)
    return CorrelationContext(
        vault=vault,
        private_endpoint_ips=tuple(
            sorted(pe.ip for pe in vault_private_endpoints(topology, vault))
        ),
        firewalls=tuple(firewall_addresses(topology, f) for f in topology.firewalls),
        required_firewall=required_firewall(topology, vault, request.required_firewall),
        window=request.window,
        now=request.now,
        forbid_public_endpoint=forbids_public_endpoint(topology, vault),
        reuse_window=request.reuse_window,
        clock_skew=request.clock_skew,
        timeline_per_kind=TIMELINE_PER_KIND if request.timeline else 0,
        evidence_per_kind=request.evidence_per_kind,
    )


def _with_sources(
    ctx: CorrelationContext, rows: pl.DataFrame, partial: str, lags: list[IngestionLag]
) -> tuple[CorrelationContext, tuple[SourceSummary, ...]]:
    sources = source_summaries(rows, partial=partial)
    statuses, details = family_statuses(sources)
    by_family = family_lags(lags, sources)
    partial_tables = frozenset(
        (s.family, s.table) for s in sources if s.status is SourceStatus.PARTIAL
    )
    ctx = replace(
        ctx,
        source_status=statuses,
        source_detail=details,
        partial_tables=partial_tables,
        ingestion_lags=by_family,
    )
    return ctx, sources


def _ingestion_lags(run: QueryRunner, window: TimeWindow) -> list[IngestionLag]:
    """Observed ingestion lags per table from the coverage probe (as the local live path
    measures them), or none, and the default upper bounds, when the server cannot run it."""
    text = render_query("coverage_probe", {"start": window.start, "end": window.end})
    rows = run.optional(
        FactQuery("coverage_probe", text), "ingestion latency not measured: default lags used"
    )
    return lags_from_probe(rows) if rows is not None else []


def _judged(
    request: TraceRequest,
    topology: Topology,
    ctx: CorrelationContext,
    correlated: CorrelatedEvidence,
) -> tuple[tuple[FlowResult, ...], tuple[Gap, ...]]:
    """The verdicts of the clients in scope, with the model's expected paths (as locally)."""
    scope = resolve_client_scope(topology, request.client_filter) if request.client_filter else None
    namer = ClientNamer(topology)
    clients = tuple(ip for ip in correlated.client_ips if scope is None or scope.contains(ip))
    ctx = replace(
        ctx,
        expected_paths=expected_paths_to_vault(topology, ctx.vault.name, namer.modelled(clients)),
        client_names={ip: name for ip in correlated.client_ips if (name := namer.name(ip))},
    )
    flows, gaps = judge_flows(correlated, ctx)
    if scope is not None:
        flows, gaps = _keep_scope(flows, gaps, scope)
    return tuple(flows), tuple(gaps)


def _vault_summary(
    topology: Topology, ctx: CorrelationContext, flag: str | None
) -> VaultSummary:
    endpoints = vault_private_endpoints(topology, ctx.vault)
    return VaultSummary(
        name=ctx.vault.name,
        private_endpoints=tuple(PrivateEndpointRef(pe.name, pe.ip, pe.subnet) for pe in endpoints),
        public_network_access=ctx.vault.public_network_access,
        required_firewall=ctx.required_firewall,
        required_firewall_source=(
            required_firewall_source(topology, ctx.vault, flag) if ctx.required_firewall else ""
        ),
        required_firewall_note=required_firewall_note(flag),
    )


def kusto_or_local(
    request: TraceRequest,
    executor: KustoExecutor,
    fallback: EvidenceSource | None,
    topology: Topology,
) -> TraceResult:
    """The kusto engine's result; with a ``fallback`` source (``--engine auto`` on a
    workspace), the local engine's when the evidence is in tables the kusto engine does not
    read, with a note saying so first among the gaps.

    Raises:
        UnreadTablesError: such tables and no fallback (``--engine kusto``, ``--cluster``).
    """
    try:
        return trace_in_kusto(request, executor, topology)
    except UnreadTablesError as exc:
        if fallback is None:
            raise
        result = trace(request, fallback, topology)
        note = Gap(
            GapKind.COVERAGE,
            f"local engine used (--engine auto): {exc}",
            (),
            "move the diagnostic settings to resource-specific tables to run audits in Kusto",
        )
        return replace(result, gaps=(note, *result.gaps))
