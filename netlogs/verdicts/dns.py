"""The DNS leg: what the firewall DNS proxy told each client about the vault's name.

``AZFWDnsQuery`` and legacy ``AzureFirewallDnsProxy`` rows log the question and the response
code, not the answer; a canonical ``dns`` table may carry ``answers`` (addresses and CNAME
targets, separated by commas, semicolons or spaces). Rows for the vault's FQDN or its
privatelink alias are cited on the asking client's flow. Where answers are logged they are
used: the private endpoint's address makes the client hop observed, a public answer (or a
CNAME chain ending outside privatelink) becomes the evidence behind a public arrival's cause,
and an answer the model did not expect is a ``model_vs_observed`` gap. DNS rows never change
a verdict: a client may cache an answer, or connect by address.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import polars as pl

from netlogs.correlate import CorrelationContext
from netlogs.correlate.context import cited_ends
from netlogs.correlate.ipkeys import ipv4_key_expr, is_private_address
from netlogs.frames import utc_datetimes
from netlogs.model import (
    EvidenceRow,
    FlowResult,
    Gap,
    GapKind,
    HopKind,
    HopStatus,
    LogFamily,
    ObservedHop,
)
from netlogs.verdicts.situation import stamp

PRIVATELINK_SUFFIX = ".privatelink.vaultcore.azure.net"
_ASSUMED = "the vault name resolved to its public address"


@dataclass(frozen=True)
class DnsFinding:
    """One client's DNS proxy rows for the vault: cited rows and what the answers show."""

    cited: tuple[EvidenceRow, ...]
    queries: int
    first_query: datetime
    answers_logged: bool
    private_answer: str | None  # the private endpoint address answered, if any
    public_answer: str | None  # the first public address (or CNAME target) answered
    public_time: datetime | None


def vault_query_names(vault_name: str) -> list[str]:
    name = vault_name.lower().rstrip(".")
    return [f"{name}.vault.azure.net", f"{name}{PRIVATELINK_SUFFIX}"]


def dns_findings(dns: pl.DataFrame, ctx: CorrelationContext) -> dict[str, DnsFinding]:
    """Per client IP, the DNS proxy rows asking for the vault's name in the window."""
    if dns.is_empty() or "query_name" not in dns.columns:
        return {}
    name = pl.col("query_name").str.strip_chars_end(".").str.to_lowercase()
    rows = (
        dns.lazy()
        .filter(
            name.is_in(vault_query_names(ctx.vault.name)).fill_null(False)
            & pl.col("client_ip").is_not_null()
            & pl.col("time").is_between(ctx.window.start, ctx.window.end).fill_null(False)
        )
        .sort("client_ip", "time", "row_id", maintain_order=True)
        .with_row_index("_i")
        .collect()
    )
    if rows.is_empty():
        return {}
    classified = rows.join(_answer_classes(rows, ctx), on="_i", how="left")
    return _by_client(classified, ctx.evidence_per_kind, ctx.window.start)


def _answer_classes(rows: pl.DataFrame, ctx: CorrelationContext) -> pl.DataFrame:
    """Per row (``_i``): the private endpoint address and the public answer it holds, if any."""
    tokens = (
        rows.lazy()
        .select("_i", pl.col("answers").str.extract_all(r"[^\s,;]+").alias("tok"))
        .explode("tok")
        .drop_nulls("tok")
        .with_columns(pl.col("tok").str.strip_chars_end(".").str.to_lowercase())
        .with_columns(ipv4_key_expr("tok").alias("_key"))
    )
    is_address = pl.col("_key").is_not_null() | pl.col("tok").str.contains(":")
    private = is_private_address(pl.col("tok"), pl.col("_key"))
    public_address = pl.col("tok").filter(is_address & ~private).first()
    last_name = pl.col("tok").filter(~is_address).last()
    # no address at all, and the CNAME chain ends outside privatelink
    cname_public = ~is_address.any() & ~last_name.str.ends_with(PRIVATELINK_SUFFIX)
    per_row = tokens.group_by("_i").agg(
        pl.col("tok").filter(pl.col("tok").is_in(list(ctx.private_endpoint_ips))).first().alias(
            "_pe"
        ),
        pl.when(~(is_address & private).any())
        .then(pl.coalesce(public_address, pl.when(cname_public).then(last_name)))
        .alias("_public"),
    )
    return per_row.collect()


def _by_client(
    rows: pl.DataFrame, per_kind: int | None, ctx_start: datetime
) -> dict[str, DnsFinding]:
    """Aggregate per client; of each client's rows the first and last few are cited
    (``cited_ends``, the rule of the other families; all of them for ``None``)."""
    logged = pl.col("answers").str.strip_chars().fill_null("") != ""
    summary = pl.concat_str(
        [
            pl.col("client_ip"),
            pl.lit(" asked "),
            pl.col("query_type").fill_null("?"),
            pl.lit(" "),
            pl.col("query_name").fill_null("?"),
            pl.lit(": "),
            pl.col("response_code").fill_null("?"),
            pl.when(logged)
            .then(pl.concat_str(pl.lit(" -> "), pl.col("answers")))
            .otherwise(pl.lit(" (answer not logged)")),
        ]
    )
    ends = cited_ends(per_kind)
    rank = pl.int_range(pl.len()).over("client_ip")
    keep = pl.lit(True)
    if ends is not None:
        keep = (rank < ends[0]) | (rank >= pl.len().over("client_ip") - ends[1])
    cited = rows.filter(keep).with_columns(summary.alias("_summary"))
    evidence = [
        EvidenceRow(LogFamily.DNS, table or "?", row or "?", time or ctx_start, text)
        for table, row, time, text in zip(
            cited.get_column("source_table").to_list(),
            cited.get_column("row_id").to_list(),
            utc_datetimes(cited.get_column("time")),
            cited.get_column("_summary").to_list(),
            strict=True,
        )
    ]
    clients = cited.get_column("client_ip").to_list()
    per_client: dict[str, list[EvidenceRow]] = {}
    for client, row in zip(clients, evidence, strict=True):  # the few cited rows only
        per_client.setdefault(client, []).append(row)
    public = pl.col("_public").is_not_null()
    facts = rows.group_by("client_ip").agg(
        pl.len().alias("queries"),
        pl.col("time").min().alias("first"),
        logged.any().alias("logged"),
        pl.col("_pe").drop_nulls().first().alias("pe"),
        pl.col("_public").filter(public).first().alias("public"),
        pl.col("time").filter(public).first().alias("public_time"),
    )
    firsts = utc_datetimes(facts.get_column("first"))
    public_times = utc_datetimes(facts.get_column("public_time"))
    findings = {}
    for i, (client, count, logged_any, pe, public_answer) in enumerate(
        facts.select("client_ip", "queries", "logged", "pe", "public").iter_rows()
    ):  # one iteration per client
        first = firsts[i]
        assert first is not None
        findings[client] = DnsFinding(
            tuple(per_client[client]), count, first, bool(logged_any), pe, public_answer,
            public_times[i],
        )
    return findings


def with_dns_evidence(
    flows: tuple[FlowResult, ...],
    gaps: tuple[Gap, ...],
    dns: pl.DataFrame,
    ctx: CorrelationContext,
) -> tuple[tuple[FlowResult, ...], tuple[Gap, ...]]:
    """Each flow with its DNS proxy rows cited and used (verdicts unchanged), plus the gaps
    where the answers contradict the model's name resolution."""
    return with_dns_findings(flows, gaps, dns_findings(dns, ctx), ctx)


def with_dns_findings(
    flows: tuple[FlowResult, ...],
    gaps: tuple[Gap, ...],
    findings: dict[str, DnsFinding],
    ctx: CorrelationContext,
) -> tuple[tuple[FlowResult, ...], tuple[Gap, ...]]:
    """``with_dns_evidence`` from findings already made (the kusto engine's DNS leg)."""
    if not findings:
        return flows, gaps
    updated: list[FlowResult] = []
    added: list[Gap] = []
    for flow in flows:  # one iteration per client
        finding = findings.get(flow.client_ip)
        if finding is None:
            updated.append(flow)
            continue
        updated.append(_used(flow, finding))
        if gap := _contradiction(flow, finding, ctx):
            added.append(gap)
    return tuple(updated), (*gaps, *added)


def _used(flow: FlowResult, finding: DnsFinding) -> FlowResult:
    cited = finding.cited
    evidence = tuple(sorted((*flow.evidence, *cited), key=lambda row: row.time))
    omitted = flow.evidence_omitted + finding.queries - len(cited)
    who = _who(flow)
    cause, path = flow.cause, flow.expected_path
    if finding.public_answer is not None:
        told = (
            f"the firewall DNS proxy told {who} the vault's public address "
            f"({finding.public_answer}) at {stamp(finding.public_time)}"
        )
        cause = cause.replace(_ASSUMED, told) if _ASSUMED in cause else f"{cause}; {told}"
    if finding.private_answer is not None:
        path = _client_hop_observed(
            path, f"the firewall DNS proxy answered {finding.private_answer} (private endpoint)"
        )
    if not finding.answers_logged:
        asked = (
            f"the firewall DNS proxy logged {finding.queries} query(ies) from {who} for the "
            f"vault's name (first at {stamp(finding.first_query)}); the answer is not logged"
        )
        cause = f"{cause}; {asked}"
    return replace(
        flow, cause=cause, expected_path=path, evidence=evidence, evidence_omitted=omitted
    )


def _who(flow: FlowResult) -> str:
    return f"{flow.client} ({flow.client_ip})" if flow.client else flow.client_ip


def _client_hop_observed(path: tuple[ObservedHop, ...], shown: str) -> tuple[ObservedHop, ...]:
    hops = list(path)
    for i, hop in enumerate(hops):
        if hop.hop is HopKind.CLIENT:
            hops[i] = ObservedHop(hop.hop, hop.name, f"{hop.detail}; {shown}", HopStatus.OBSERVED)
            break
    return tuple(hops)


def _contradiction(flow: FlowResult, finding: DnsFinding, ctx: CorrelationContext) -> Gap | None:
    """The model resolves the name one way, the logged answer the other."""
    path = ctx.expected_paths.get(flow.client_ip)
    if path is None or not finding.answers_logged:
        return None
    kinds = {hop.hop for hop in path.hops}
    model_public = HopKind.PUBLIC_ENDPOINT in kinds
    model_private = HopKind.PRIVATE_ENDPOINT in kinds
    who = _who(flow)
    if model_private and finding.public_answer is not None and finding.private_answer is None:
        message = (
            f"model resolves {ctx.vault.name} to the private endpoint for {who}, but the "
            f"firewall DNS proxy answered the public address {finding.public_answer} at "
            f"{stamp(finding.public_time)}"
        )
    elif model_public and finding.private_answer is not None:
        message = (
            f"model resolves {ctx.vault.name} to its public address for {who}, but the "
            f"firewall DNS proxy answered the private endpoint {finding.private_answer}"
        )
    else:
        return None
    step = (
        f"compare the DNS settings of {flow.client or flow.client_ip}'s VNet (DNS servers, "
        "privatelink zone links and records) with the topology file"
    )
    return Gap(GapKind.MODEL_VS_OBSERVED, message, (flow.client_ip,), step)
