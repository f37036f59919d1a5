"""The verdict rules of contract.md §5: one small pure function each, tried in order.

Each rule returns a ``Decision`` when it applies, else ``None``. Coverage comes first: a rule that
would rest on the absence of rows checks that the source was live, complete and settled, and
otherwise answers INCONCLUSIVE or NOT_YET_OBSERVABLE instead.
"""

from __future__ import annotations

from collections.abc import Callable

from netlogs.model import BypassKind, Confidence, HopKind, LogFamily, SourceStatus, Verdict
from netlogs.verdicts.situation import Decision, Situation, stamp

Rule = Callable[[Situation], "Decision | None"]
_UNUSABLE = (SourceStatus.MISSING, SourceStatus.PARTIAL)


def reached_via_public_endpoint(s: Situation) -> Decision | None:
    """Vault requests from a public caller (or logged as public): the private link was not used."""
    f = s.facts
    if f.via_public == 0:
        return None
    through = f" (public address of {f.snat_firewall})" if f.snat_firewall else ""
    cause = (
        f"{f.via_public} request(s) reached the public endpoint from {f.public_caller}{through}; "
        "the vault name resolved to its public address"
    )
    return Decision(Verdict.REACHED_VIA_PUBLIC_ENDPOINT, cause, s.ctx.forbid_public_endpoint)


def reached_via_service_endpoint(s: Situation) -> Decision | None:
    """Requests with a subnet id (service endpoint), or private callers the model sends via one."""
    f = s.facts
    model_se = s.model_hop(HopKind.SERVICE_ENDPOINT)
    unknown_as_se = f.via_private_unknown if model_se and f.via_private_endpoint == 0 else 0
    if f.via_service_endpoint + unknown_as_se == 0:
        return None
    if f.via_service_endpoint:
        cause = f"{f.via_service_endpoint} request(s) arrived with a service-endpoint subnet id"
    else:
        cause = f"private caller without private endpoint id; model: {model_se}"
    return Decision(
        Verdict.REACHED_VIA_SERVICE_ENDPOINT, cause, s.ctx.required_firewall is not None
    )


def reached_via_firewall(s: Situation) -> Decision | None:
    """Every request via the private endpoint is covered by a firewall Allow or a SNAT address."""
    f = s.facts
    if f.private_reached == 0 or f.covered < f.private_reached:
        return None
    firewall = f.covering_firewall or s.ctx.required_firewall or "the firewall"
    if f.via_snat and len(f.snat_candidates) >= 2:
        more = (
            f" (of {f.snat_candidate_count})"
            if f.snat_candidate_count > len(f.snat_candidates)
            else ""
        )
        proof = (
            f"vault saw {firewall} SNAT address {f.client_ip}; clients that fit{more}: "
            + ", ".join(f.snat_candidates)
        )
    elif f.via_snat == f.private_reached:
        proof = f"vault saw {firewall} SNAT address for all {f.via_snat} request(s)"
    else:
        proof = f"{firewall} Allow records cover {f.covered}/{f.private_reached} request(s)"
    udr = s.model_hop(HopKind.UDR)
    return Decision(Verdict.REACHED_VIA_FIREWALL, f"{udr}; {proof}" if udr else proof)


def firewall_not_modelled(s: Situation) -> Decision | None:
    """A firewall logs vault traffic but the topology describes none: SNAT can't be undone.

    Without the firewall's subnet, a request it SNATed looks like an unknown private caller and
    its client looks like it never arrived, so neither a bypass nor NOT_REACHED can be claimed.
    """
    f = s.facts
    if s.ctx.firewalls or not s.firewall_live:
        return None
    uncovered = f.private_reached - f.covered
    if uncovered == 0 and not (f.reached == 0 and f.fw_allow > 0):
        return None
    cause = (
        "a firewall logs traffic to the vault but the topology describes no firewall, so its "
        "SNAT addresses are unknown and these requests can't be tied to or cleared of it"
    )
    return Decision(Verdict.INCONCLUSIVE, cause)


def firewall_logs_unusable(s: Situation) -> Decision | None:
    """Uncovered private-endpoint requests, but firewall logs are missing or partial."""
    f = s.facts
    status = s.status(LogFamily.FIREWALL)
    if f.private_reached == 0 or status not in _UNUSABLE or not _expects_firewall(s):
        return None
    uncovered = f.private_reached - f.covered
    cause = (
        f"firewall logs are {status.value} for the window: {uncovered} request(s) via the "
        "private endpoint can't be matched to firewall records"
    )
    return Decision(Verdict.INCONCLUSIVE, cause)


def firewall_not_live(s: Situation) -> Decision | None:
    """Uncovered requests while the firewall has no record at all in the window."""
    if s.facts.private_reached == 0 or s.firewall_live or not _expects_firewall(s):
        return None
    name = s.ctx.required_firewall or "any firewall"
    cause = f"no record at all from {name} in the window, so its logging is not shown live"
    return Decision(Verdict.INCONCLUSIVE, cause)


def firewall_still_pending(s: Situation) -> Decision | None:
    """The uncovered requests are all inside the firewall logs' ingestion latency."""
    f = s.facts
    pending = s.status(LogFamily.FIREWALL) is SourceStatus.PENDING
    if f.private_reached == 0 or not _expects_firewall(s):
        return None
    if not pending and (f.uncovered_settled > 0 or f.uncovered_pending == 0):
        return None
    lag = int(s.ctx.lag(LogFamily.FIREWALL).total_seconds() // 60)
    cause = (
        f"{f.uncovered_pending or f.uncovered_settled} request(s) after "
        f"{stamp(s.ctx.settled_until(LogFamily.FIREWALL))} have no firewall record yet; "
        f"firewall logs can take ~{lag} min to arrive"
    )
    return Decision(Verdict.NOT_YET_OBSERVABLE, cause)


def reached_bypassing_firewall(s: Situation) -> Decision | None:
    """Private-endpoint requests with no covering firewall record while its logging is live."""
    f = s.facts
    if f.private_reached == 0:
        return None
    uncovered = f.private_reached - f.covered
    name = s.ctx.required_firewall
    observed = (
        f"{uncovered}/{f.private_reached} request(s) via the private endpoint have no Allow record "
        f"of {name or 'any firewall'} in the {int(s.ctx.reuse_window.total_seconds() // 60)} min "
        f"before them (first at {stamp(f.first_uncovered)})"
    )
    if s.path is not None and s.path.forward_bypass is not None:
        observed = f"model predicts the bypass ({_bypass_reason(s)}); {observed}"
    if name is None:
        observed = f"no firewall rule was given; {observed}"
    return Decision(Verdict.REACHED_BYPASSING_FIREWALL, observed, name is not None)


def blocked_by_vault_network_rules(s: Situation) -> Decision | None:
    """Nothing got through, and the vault refused requests with ForbiddenBy{Firewall,Connection}."""
    f = s.facts
    if f.reached > 0 or f.denied_network == 0:
        return None
    hint = ""
    if f.network_denial_code == "ForbiddenByConnection":
        hint = (
            ": public network access is disabled and the request did not use the private endpoint"
        )
    elif f.network_denial_code == "ForbiddenByFirewall":
        hint = ": the caller address is not allowed by the vault's network rules"
    cause = f"{f.denied_network} x 403 {f.network_denial_code} from {f.network_denied_caller}{hint}"
    return Decision(Verdict.BLOCKED_BY_VAULT_NETWORK_RULES, cause)


def only_challenges(s: Situation) -> Decision | None:
    """The vault logged only 401 challenges (no token) from this client.

    A challenge is answered before the vault's network rules are applied: it shows the name
    resolved and a connection was made, not whether the network rules admit the client.
    """
    f = s.facts
    if f.reached > 0 or f.denied_network > 0 or f.challenges == 0:
        return None
    cause = (
        f"the vault logged only {f.challenges} x 401 Authentication challenge(s) (no token) from "
        "this client; a challenge is answered before the network rules apply, so it proves "
        "neither an arrival nor a refusal"
    )
    return Decision(Verdict.INCONCLUSIVE, cause)


def vault_logs_unusable(s: Situation) -> Decision | None:
    """Attempts seen, nothing at the vault, but the vault's logs are missing or partial."""
    status = s.status(LogFamily.KEYVAULT)
    if s.facts.reached > 0 or status not in _UNUSABLE:
        return None
    cause = (
        f"Key Vault logs are {status.value} for the window: can't tell whether the "
        f"{s.facts.attempts} connection(s) seen in firewall/flow logs arrived"
    )
    return Decision(Verdict.INCONCLUSIVE, cause)


def blocked_by_firewall(s: Situation) -> Decision | None:
    """Firewall Deny records for client -> vault, no Allow, nothing at the vault."""
    f = s.facts
    if f.reached > 0 or f.fw_deny == 0 or f.fw_allow > 0:
        return None
    rule = f.fw_deny_rule or "default action"
    cause = (
        f"{f.fw_deny_firewall or 'firewall'} denied {f.fw_deny} connection(s) to the vault ({rule})"
    )
    return Decision(Verdict.BLOCKED_BY_FIREWALL, cause)


def snat_may_hide_it(s: Situation) -> Decision | None:
    """Nothing attributed, but this client fits requests kept under an ambiguous SNAT address."""
    if s.facts.reached > 0 or s.snat_suspect is None:
        return None
    cause = (
        f"the vault logged requests from SNAT address {s.snat_suspect} that several clients fit, "
        "this one among them"
    )
    return Decision(Verdict.INCONCLUSIVE, cause)


def attempts_still_pending(s: Situation) -> Decision | None:
    """Attempts seen, nothing at the vault, but every attempt is inside Key Vault's latency."""
    f = s.facts
    pending = s.status(LogFamily.KEYVAULT) is SourceStatus.PENDING
    settled = f.fw_attempts_settled + f.flow_attempts_settled
    if f.reached > 0 or f.attempts == 0 or (settled > 0 and not pending):
        return None
    cause = (
        f"attempts after {stamp(s.ctx.settled_until(LogFamily.KEYVAULT))} may not be in the "
        "Key Vault logs yet (~" + f"{int(s.ctx.lag(LogFamily.KEYVAULT).total_seconds() // 60)} min)"
    )
    return Decision(Verdict.NOT_YET_OBSERVABLE, cause)


def not_reached(s: Situation) -> Decision | None:
    """An attempt left the client (flow log) or passed the firewall; nothing reached the vault."""
    f = s.facts
    if f.reached > 0 or f.attempts == 0:
        return None
    if f.flow_denied:
        cause = f"NSG rule {f.flow_deny_rule or '?'} denied {f.flow_denied} flow(s) to the vault"
    elif f.fw_allow:
        cause = (
            f"firewall allowed {f.fw_allow} connection(s) but the vault logged no request from them"
        )
    else:
        cause = f"flow logs show {f.flow_out} flow(s) leaving the client; the vault logged none"
    return Decision(Verdict.NOT_REACHED, cause)


def _expects_firewall(s: Situation) -> bool:
    return bool(s.ctx.required_firewall or s.ctx.firewalls or s.model_firewalls)


def _bypass_reason(s: Situation) -> str:
    assert s.path is not None and s.path.forward_bypass is not None
    bypass = s.path.forward_bypass
    hop = (
        s.model_hop(HopKind.PRIVATE_ENDPOINT)
        if bypass is BypassKind.PRIVATE_ENDPOINT_ROUTE
        else None
    )
    return f"{bypass.value}: {hop}" if hop else bypass.value


RULES: tuple[Rule, ...] = (
    reached_via_public_endpoint,
    reached_via_service_endpoint,
    reached_via_firewall,
    firewall_not_modelled,
    firewall_logs_unusable,
    firewall_not_live,
    firewall_still_pending,
    reached_bypassing_firewall,
    blocked_by_vault_network_rules,
    only_challenges,
    vault_logs_unusable,
    blocked_by_firewall,
    attempts_still_pending,
    snat_may_hide_it,
    not_reached,
)


# Clean verdicts and the family whose *absent* rows they rest on: a row set aside from that
# family (a partial source) could be the one that contradicts them. Bypass and NOT_REACHED are
# guarded by their own rules (firewall_logs_unusable, vault_logs_unusable) above.
_RESTS_ON_ABSENCE: dict[Verdict, tuple[LogFamily, ...]] = {
    Verdict.REACHED_VIA_FIREWALL: (LogFamily.KEYVAULT,),  # no uncovered request among them
    Verdict.REACHED_VIA_SERVICE_ENDPOINT: (LogFamily.KEYVAULT,),
    Verdict.REACHED_VIA_PUBLIC_ENDPOINT: (LogFamily.KEYVAULT,),
    Verdict.BLOCKED_BY_VAULT_NETWORK_RULES: (LogFamily.KEYVAULT,),  # no request got through
    Verdict.BLOCKED_BY_FIREWALL: (LogFamily.KEYVAULT,),  # the Deny rows themselves prove it
    Verdict.NOT_REACHED: (LogFamily.KEYVAULT,),
}


def rests_on_partial_source(s: Situation, decision: Decision) -> Decision:
    """A clean verdict whose proof needs a family's rows to be complete, while that family is
    partial (rows set aside that could be evidence), is INCONCLUSIVE instead; violations stand
    on the rows that prove them."""
    if decision.violation:
        return decision
    families = _RESTS_ON_ABSENCE.get(decision.verdict, ())
    if s.snat_unsure and (decision.verdict is Verdict.NOT_REACHED or s.stitched):
        families += (LogFamily.FIREWALL,)  # a set-aside record may tie SNATed requests anew
    for family in families:
        if s.status(family) is SourceStatus.PARTIAL:
            detail = s.ctx.source_detail.get(family, "")
            cause = (
                f"{decision.verdict.value} can't be confirmed: {_FAMILY_LABEL[family]} logs are "
                f"partial for the window{f' ({detail})' if detail else ''}, and a row set aside "
                f"could contradict it ({decision.cause})"
            )
            return Decision(Verdict.INCONCLUSIVE, cause)
    return decision


_FAMILY_LABEL = {LogFamily.KEYVAULT: "Key Vault", LogFamily.FIREWALL: "firewall"}


def decide(s: Situation) -> Decision:
    """The first rule that applies; INCONCLUSIVE when none does (the evidence doesn't fit)."""
    for rule in RULES:
        decision = rule(s)
        if decision is not None:
            return _with_model_caveat(s, rests_on_partial_source(s, decision))
    return Decision(Verdict.INCONCLUSIVE, "the evidence fits no verdict rule")


def _with_model_caveat(s: Situation, decision: Decision) -> Decision:
    """A cause that rests on a low-confidence model path (a bypass only the model predicts, a
    modelled drop, NOT_REACHED) says so, and names what the model did not evaluate."""
    path = s.path
    if path is None or path.confidence is not Confidence.LOW:
        return decision
    rests_on_model = (
        "model" in decision.cause
        or decision.verdict is Verdict.NOT_REACHED
        or not path.delivered
    )
    if not rests_on_model:
        return decision
    what = f" (not evaluated: {', '.join(path.unevaluated)})" if path.unevaluated else ""
    cause = f"{decision.cause}; the model's path is low confidence{what}"
    return Decision(decision.verdict, cause, decision.violation)
