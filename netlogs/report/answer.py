"""The answer every report starts with: one status line, the design rule, one sentence per finding.

A reviewer reads this first and may read nothing else, so it is plain words built from the
``FlowResult`` (client, operations, first/last seen, verdict, cause, the hop where the model
found the bypass), with times to the second. The exact values stay in the tables below it.
Strings are raw here: each report format escapes them its own way.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone

from netlogs.model import RULE_ASSUMED, FlowResult, TraceResult, Verdict
from netlogs.report.vocabulary import client_label, sorted_flows

PASS = "PASS"
VIOLATIONS = "VIOLATIONS"
UNDECIDED = "UNDECIDED"
NO_TRAFFIC = "NO TRAFFIC"

_BYPASS_MARK = "bypass: "
_PE_ROUTE = re.compile(r"private endpoint /32 route (\S+) is active in (\S+)")
_SE_ROUTE = re.compile(r"service endpoint route (\S+) beats (.+)$")


@dataclass(frozen=True)
class Finding:
    """One client's sentence and where the report details it."""

    flow: FlowResult
    sentence: str


@dataclass(frozen=True)
class Answer:
    status: str  # PASS | VIOLATIONS | UNDECIDED | NO TRAFFIC
    headline: str  # "VIOLATIONS (3)"
    title: str  # a statement, used as the page title and the first line of every report
    rule: str  # the design rule as stated, or what is assumed without one
    violations: tuple[Finding, ...]
    undecided: tuple[Finding, ...]


def design_rule(result: TraceResult) -> str:
    """The rule in one line; a rule read from the routes says so, and how to decide it."""
    vault = result.vault
    firewall = vault.required_firewall
    if firewall and vault.required_firewall_source == RULE_ASSUMED:
        return (
            f"{RULE_ASSUMED}: traffic must pass {firewall} "
            "(--require-firewall NAME or none to decide)"
        )
    if firewall:
        return f"design rule: traffic to {vault.name} must pass {firewall}"
    if vault.required_firewall_note:  # discovery looked for one and could not decide
        return vault.required_firewall_note
    return (
        "no firewall rule given: nothing is a bypass violation "
        "(a path around a firewall or via a service endpoint is not judged; public access is)"
    )


def build_answer(result: TraceResult) -> Answer:
    flows = sorted_flows(result)
    violations = tuple(Finding(f, violation_sentence(f, result)) for f in flows if f.violation)
    undecided = tuple(
        Finding(f, undecided_sentence(f)) for f in flows if f.verdict.is_undecided
    )
    if violations:
        status, n = VIOLATIONS, len(violations)
    elif undecided:
        status, n = UNDECIDED, len(undecided)
    elif flows:
        status, n = PASS, 0
    else:
        status, n = NO_TRAFFIC, 0
    headline = f"{status} ({n})" if status in (VIOLATIONS, UNDECIDED) else status
    return Answer(
        status, headline, _title(result, status, len(violations), len(undecided)),
        design_rule(result), violations, undecided,
    )


def _title(result: TraceResult, status: str, violations: int, undecided: int) -> str:
    vault, clients = result.vault.name, len(result.flows)
    also = f"; {undecided} not decided yet" if undecided else ""
    if status == VIOLATIONS:
        return f"{violations} of {clients} client(s) reached {vault} against the design{also}"
    if status == UNDECIDED:
        return f"No violation proven for {vault}, but {undecided} of {clients} client(s) undecided"
    if status == PASS:
        reached = sum(1 for f in result.flows if f.verdict is Verdict.REACHED_VIA_FIREWALL)
        if reached == clients:
            return f"All {clients} client(s) reached {vault} the way the design requires"
        return (
            f"No violation: {reached} of {clients} client(s) reached {vault} the way the design "
            f"requires; the other {clients - reached} were stopped or never arrived"
        )
    return f"No traffic to {vault} was found in the window"


# --------------------------------------------------------------------------- sentences


def violation_sentence(flow: FlowResult, result: TraceResult | None = None) -> str:
    """``vm-hub-jump (10.0.1.10) made 4 requests (3 secret reads, 1 authentication) on 2026-11-20
    at 10:26:44-10:26:49 UTC without passing fw-hub: <why>.``"""
    firewall = result.vault.required_firewall if result else None
    how = {
        Verdict.REACHED_BYPASSING_FIREWALL: f"without passing {firewall or 'the firewall'}",
        Verdict.REACHED_VIA_SERVICE_ENDPOINT: "through a service endpoint, not private link",
        Verdict.REACHED_VIA_PUBLIC_ENDPOINT: "through the vault's public endpoint",
    }.get(flow.verdict, f"({flow.verdict.value})")
    return f"{_who(flow)} {activity(flow)} {when(flow)} {how}: {reason(flow)}."


def undecided_sentence(flow: FlowResult) -> str:
    state = "not yet observable" if flow.verdict is Verdict.NOT_YET_OBSERVABLE else "inconclusive"
    return f"{_who(flow)} {activity(flow)} {when(flow)}; {state}: {flow.cause}."


def _who(flow: FlowResult) -> str:
    if flow.client and flow.client != flow.client_ip:
        return f"{flow.client} ({flow.client_ip})"
    return client_label(flow)


_OBJECTS = (("Secret", "secret"), ("Key", "key"), ("Certificate", "certificate"))
_READS = ("Get", "List", "Backup", "Versions")


def _operation_noun(operation: str) -> str:
    """``SecretGet`` -> ``secret read``: what was asked, never whether it succeeded."""
    if operation.lower().startswith("authentication"):
        return "authentication"
    for prefix, noun in _OBJECTS:
        if operation.startswith(prefix):
            return f"{noun} read" if any(r in operation for r in _READS) else f"{noun} change"
    return operation


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def activity(flow: FlowResult) -> str:
    """``made 4 requests (3 secret reads, 1 authentication)``; with none, what the logs show."""
    counts: Counter[str] = Counter()
    for operation, n in flow.operations.items():
        counts[_operation_noun(operation)] += n
    if not flow.requests:
        return "sent traffic towards the vault (the vault logged no request from it)"
    kinds = [_plural(n, noun) for noun, n in counts.most_common(3)]
    rest = sum(counts.values()) - sum(n for _noun, n in counts.most_common(3))
    if rest:
        kinds.append(f"{rest} other")
    listed = f" ({', '.join(kinds)})" if kinds else ""
    return f"made {_plural(flow.requests, 'request')}{listed}"


def when(flow: FlowResult) -> str:
    """``on 2026-11-20 at 10:26:44 UTC`` or ``... at 10:26:44-10:31:05 UTC``, to the second."""
    if flow.first_seen is None:
        return "(no time recorded)"
    first = flow.first_seen.astimezone(timezone.utc)
    last = (flow.last_seen or flow.first_seen).astimezone(timezone.utc)
    day, start = first.strftime("%Y-%m-%d"), first.strftime("%H:%M:%S")
    if last.replace(microsecond=0) == first.replace(microsecond=0):
        return f"on {day} at {start} UTC"
    if last.date() == first.date():
        return f"on {day} at {start}-{last.strftime('%H:%M:%S')} UTC"
    return f"from {day} {start} to {_second(last)} UTC"


def _second(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def bypass_hop_detail(flow: FlowResult) -> str | None:
    """What the model wrote about the bypass on the hop where it happens, if it found one."""
    for hop in flow.expected_path:
        if _BYPASS_MARK in hop.detail:
            return hop.detail.split(_BYPASS_MARK, 1)[1].strip()
    return None


def reason(flow: FlowResult) -> str:
    """Why, in words: the model's bypass explained when it found one, else the verdict's cause."""
    detail = bypass_hop_detail(flow)
    if detail is not None:
        pe = _PE_ROUTE.search(detail)
        if pe:
            return (
                f"its subnet {pe.group(2).rstrip(';,')} has the private endpoint's /32 route "
                f"{pe.group(1)} and no UDR overriding it"
            )
        se = _SE_ROUTE.search(detail.split(";")[0])
        if se:
            return (
                f"its subnet has a Microsoft.KeyVault service endpoint; the endpoint's route "
                f"{se.group(1)} beats {se.group(2)}"
            )
        return detail.split("; no firewall on the way")[0]
    if flow.verdict is Verdict.REACHED_VIA_PUBLIC_ENDPOINT and "; " in flow.cause:
        return flow.cause.split("; ", 1)[1]  # the count is already in the sentence
    return flow.cause


def evidence_line(flow: FlowResult, firewall: str | None) -> str:
    """``4 row(s) cited (AZKVAuditLogs 4); no fw-hub record covers these requests``."""
    tables: Counter[str] = Counter(row.table for row in flow.evidence)
    cited = ", ".join(f"{table} {n}" for table, n in sorted(tables.items())) or "none"
    line = f"{len(flow.evidence)} row(s) cited ({cited})"
    if flow.evidence_omitted:
        line += f", {flow.evidence_omitted} more counted"
    if firewall and flow.verdict is Verdict.REACHED_BYPASSING_FIREWALL:
        line += f"; no {firewall} record covers these requests"
    return line
