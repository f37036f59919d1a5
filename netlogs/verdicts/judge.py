"""``judge_flows``: one ``FlowResult`` per original client IP, plus the gaps."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from netlogs.correlate import CorrelatedEvidence, CorrelationContext
from netlogs.correlate.bulk import gc_paused
from netlogs.model import (
    EvidenceRow,
    FlowResult,
    Gap,
    HopStatus,
    LogFamily,
    ObservedHop,
    VaultOutcome,
)
from netlogs.verdicts.gaps import (
    firewall_liveness_gap,
    model_vs_observed,
    snat_ambiguous,
    sorted_gaps,
    source_gaps,
)
from netlogs.verdicts.hops import observed_hops
from netlogs.verdicts.rules import decide
from netlogs.verdicts.situation import ClientFacts, Decision, Situation


def vault_outcome(f: ClientFacts) -> VaultOutcome:
    """served > denied_auth > denied_network > none.

    RBAC/access-policy 403s and real 401s are ``denied_auth`` (the network path worked); the 401
    ``Authentication`` challenge that starts every SDK call counts as neither.
    """
    if f.served:
        return VaultOutcome.SERVED
    if f.denied_auth:
        return VaultOutcome.DENIED_AUTH
    if f.denied_network:
        return VaultOutcome.DENIED_NETWORK
    return VaultOutcome.NONE


def firewall_is_live(correlated: CorrelatedEvidence, ctx: CorrelationContext) -> bool:
    """Some record of the required firewall (any firewall without a rule) exists in the window."""
    if correlated.unnamed_firewall_rows:
        return True
    if ctx.required_firewall is None:
        return bool(correlated.firewalls_seen)
    return ctx.required_firewall.lower() in correlated.firewalls_seen


def judge_flows(
    correlated: CorrelatedEvidence, ctx: CorrelationContext
) -> tuple[tuple[FlowResult, ...], tuple[Gap, ...]]:
    """Apply the verdict rules to every client (sorted by client IP) and collect the gaps."""
    live = firewall_is_live(correlated, ctx)
    with gc_paused():  # ~20 k flows of small objects, no reference cycles
        facts = ClientFacts.from_frame(correlated.clients)
        flows, gaps = _judge_each(facts, correlated, ctx, live)
    undecided = tuple(flow.client_ip for flow in flows if flow.verdict.is_undecided)
    gaps.extend(source_gaps(ctx, undecided))
    gaps.extend(firewall_liveness_gap(ctx, live, undecided))
    return tuple(sorted(flows, key=lambda fl: fl.client_ip)), sorted_gaps(gaps)


def _judge_each(
    facts: list[ClientFacts], correlated: CorrelatedEvidence, ctx: CorrelationContext, live: bool
) -> tuple[list[FlowResult], list[Gap]]:
    """The flow result of every client, and the per-flow gaps (model vs logs, SNAT).

    Everything but the citations first: those are built meanwhile on the correlation worker
    (the cited rows, then the counts by value) and only waited for after that.
    """
    suspects = _snat_suspects(facts, ctx)
    snat_unsure = any(f.via_snat for f in facts) and snat_records_partial(ctx)
    hops: dict[tuple[int, HopStatus], ObservedHop] = {}  # shared between flows, see observed_hops
    judged = []
    for f in facts:  # one iteration per client, not per log row
        situation = Situation(
            f,
            ctx,
            ctx.expected_paths.get(f.client_ip),
            live,
            suspects.get(f.client_ip),
            snat_unsure,
            stitched=snat_unsure and _stitched(f, ctx),
        )
        judged.append(_Judged(situation, decide(situation), observed_hops(situation, hops)))
    citations = correlated.citations
    cited = (citations.evidence, citations.evidence_omitted)  # while the counts are built
    counted = (citations.http_status, citations.operations)
    flows: list[FlowResult] = []
    gaps: list[Gap] = []
    for judgement in judged:
        flow = judgement.flow_result(counted, cited)
        flows.append(flow)
        if mismatch := model_vs_observed(judgement.situation, flow):
            gaps.append(mismatch)
        if ambiguous := snat_ambiguous(flow, judgement.situation.facts.snat_candidate_count):
            gaps.append(ambiguous)
    return flows, gaps


# Firewall tables that hold network-rule rows only: those are SNATed only to destinations
# outside the firewall's private ranges.
_NETWORK_ONLY_TABLES = ("AZFWNetworkRule", "AZFWNetworkRuleAggregation", "ASimNetworkSessionLogs")


def snat_records_partial(ctx: CorrelationContext) -> bool:
    """A partial firewall table may have lost a record that ties a SNATed vault request to its
    client: any table with application rows, or network rows when a firewall SNATs traffic to
    the private endpoint."""
    tables = [t for family, t in ctx.partial_tables if family is LogFamily.FIREWALL]
    if any(table not in _NETWORK_ONLY_TABLES for table in tables):
        return True
    return bool(tables) and any(
        not _inside(ip, firewall.snat_private_ranges)
        for firewall in ctx.firewalls
        for ip in ctx.private_endpoint_ips
    )


def _inside(ip: str, prefixes: tuple[str, ...]) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for prefix in prefixes:
        try:
            network = ipaddress.ip_network(prefix, strict=False)
        except ValueError:
            continue  # a named range the topology resolved elsewhere
        if address.version == network.version and address in network:
            return True
    return False


def _stitched(f: ClientFacts, ctx: CorrelationContext) -> bool:
    """Requests from a SNAT address were tied to this client (it is not the address itself)."""
    return bool(f.via_snat) and not _is_firewall_address(f.client_ip, ctx)


def _is_firewall_address(ip: str, ctx: CorrelationContext) -> bool:
    """``ip`` is one of the firewalls' own addresses (a SNAT source, not a client)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for firewall in ctx.firewalls:
        if ip in firewall.frontend_ips or ip in firewall.public_ips:
            return True
        for prefix in firewall.snat_prefixes:
            network = ipaddress.ip_network(prefix, strict=False)
            if address.version == network.version and address in network:
                return True
    return False


def _snat_suspects(facts: list[ClientFacts], ctx: CorrelationContext) -> dict[str, str]:
    """Clients whose requests may hide under an ambiguous SNAT address -> that address.

    The listed candidates, and any client with application-rule allows (always SNATed) and no
    attributed request whose connections could carry the ambiguous requests in time (the list
    of candidates is capped, so the time overlap is what decides for the others).
    """
    ambiguous = [f for f in facts if len(f.snat_candidates) >= 2]
    if not ambiguous:
        return {}
    reach = ctx.reuse_window + ctx.clock_skew
    suspects: dict[str, str] = {}
    for f in facts:
        if not f.fw_snat_allow or f.reached or f.fw_first is None or f.fw_last is None:
            continue
        for snat in ambiguous:
            if snat.first_seen is None or snat.last_seen is None:
                continue
            if (
                f.fw_first - ctx.clock_skew <= snat.last_seen
                and snat.first_seen <= f.fw_last + reach
            ):
                suspects.setdefault(f.client_ip, snat.client_ip)
    for snat in ambiguous:
        suspects.update(dict.fromkeys(snat.snat_candidates, snat.client_ip))
    return suspects


class _Judged:
    """One flow's verdict and hop statuses, and what its result shows besides the citations."""

    __slots__ = ("decision", "first_seen", "last_seen", "name", "path", "situation")

    def __init__(self, s: Situation, decision: Decision, path: tuple[ObservedHop, ...]) -> None:
        f = s.facts
        firsts = [t for t in (f.first_seen, f.fw_first, f.flow_first) if t is not None]
        lasts = [t for t in (f.last_seen, f.fw_last, f.flow_first) if t is not None]
        self.situation, self.decision, self.path = s, decision, path
        self.first_seen = min(firsts) if firsts else None
        self.last_seen = max(lasts) if lasts else None
        self.name = s.ctx.client_names.get(f.client_ip)

    def flow_result(
        self,
        counted: tuple[Mapping[str, Mapping[str, int]], Mapping[str, Mapping[str, int]]],
        cited: tuple[Mapping[str, tuple[EvidenceRow, ...]], Mapping[str, int]],
    ) -> FlowResult:
        """The result, with the counts by HTTP status and operation and the cited rows."""
        f, decision = self.situation.facts, self.decision
        (statuses, operations), (evidence, omitted) = counted, cited
        return FlowResult(
            client_ip=f.client_ip,
            client=self.name,
            verdict=decision.verdict,
            cause=decision.cause,
            violation=decision.violation,
            vault_outcome=vault_outcome(f),
            requests=f.requests,
            # fresh dicts per client from keyed_counts, owned by this flow from here on
            http_status=statuses.get(f.client_ip, {}),
            operations=operations.get(f.client_ip, {}),
            first_seen=self.first_seen,
            last_seen=self.last_seen,
            expected_path=self.path,
            evidence=evidence.get(f.client_ip, ()),
            snat_candidates=f.snat_candidates,
            evidence_omitted=omitted.get(f.client_ip, 0),
        )
