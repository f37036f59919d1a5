"""Realistic TraceResults for the report tests, built by hand (correlation is not needed here).

``sample_result`` has one flow per verdict, a gap of every kind, cited evidence rows, queries,
a completeness ledger and a timeline frame. ``hostile_result`` puts script payloads, long strings
and invisible characters into every log-derived field.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import polars as pl
import pytest

from netlogs import schemas
from netlogs.model import (
    EvidenceRow,
    FlowResult,
    Gap,
    GapKind,
    HopKind,
    HopStatus,
    InputFile,
    LedgerEntry,
    LogFamily,
    ObservedHop,
    PrivateEndpointRef,
    QueryRecord,
    SourceStatus,
    SourceSummary,
    TimeWindow,
    TraceResult,
    VaultOutcome,
    VaultSummary,
    Verdict,
)

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)
WINDOW = TimeWindow(T0, T0 + timedelta(hours=2))
PE_IP = "10.1.2.4"

# client ip, topology name, verdict, violation, vault outcome, cause, requests, {status: n}
CLIENTS: tuple[
    tuple[str, str | None, Verdict, bool, VaultOutcome, str, int, dict[str, int]], ...
] = (
    (
        "10.2.1.4",
        "vnet-spoke2/snet-vm",
        Verdict.REACHED_VIA_FIREWALL,
        False,
        VaultOutcome.SERVED,
        "udr 0.0.0.0/0 -> 10.0.0.68 (rt-spoke2)",
        42,
        {"200": 40, "401": 2},
    ),
    (
        "10.3.1.5",
        "vnet-spoke3/snet-app",
        Verdict.REACHED_BYPASSING_FIREWALL,
        True,
        VaultOutcome.SERVED,
        "PE /32 InterfaceEndpoint route active in vnet-spoke3/snet-app",
        17,
        {"200": 17},
    ),
    (
        "10.4.0.9",
        "vnet-spoke4/snet-se",
        Verdict.REACHED_VIA_SERVICE_ENDPOINT,
        True,
        VaultOutcome.SERVED,
        "Microsoft.KeyVault service endpoint on vnet-spoke4/snet-se",
        5,
        {"200": 5},
    ),
    (
        "20.50.1.7",
        None,
        Verdict.REACHED_VIA_PUBLIC_ENDPOINT,
        True,
        VaultOutcome.DENIED_AUTH,
        "public caller, private link not used",
        3,
        {"403": 3},
    ),
    (
        "10.2.2.8",
        "vnet-spoke2/snet-batch",
        Verdict.BLOCKED_BY_FIREWALL,
        False,
        VaultOutcome.NONE,
        "Deny by rule collection deny-all (fw-hub)",
        0,
        {},
    ),
    (
        "10.5.0.4",
        "vnet-spoke5/snet-web",
        Verdict.BLOCKED_BY_VAULT_NETWORK_RULES,
        False,
        VaultOutcome.DENIED_NETWORK,
        "403 ForbiddenByFirewall: name resolved to the public endpoint",
        6,
        {"403": 6},
    ),
    (
        "10.6.0.4",
        "vnet-spoke6/snet-vm",
        Verdict.NOT_REACHED,
        False,
        VaultOutcome.NONE,
        "flow log shows SYN to 10.1.2.4:443, no vault record",
        0,
        {},
    ),
    (
        "10.7.0.4",
        "vnet-spoke7/snet-vm",
        Verdict.NOT_YET_OBSERVABLE,
        False,
        VaultOutcome.NONE,
        "window ends 4 min ago; AZKVAuditLogs lag is 9 min",
        0,
        {},
    ),
    (
        "10.8.0.4",
        "vnet-spoke8/snet-vm",
        Verdict.INCONCLUSIVE,
        False,
        VaultOutcome.SERVED,
        "AZFWNetworkRule partial for 10:00-11:00",
        9,
        {"200": 9},
    ),
)


def _hops(verdict: Verdict) -> tuple[ObservedHop, ...]:
    fw_status = {
        Verdict.REACHED_BYPASSING_FIREWALL: HopStatus.NOT_OBSERVED,
        Verdict.INCONCLUSIVE: HopStatus.NOT_COVERED,
        Verdict.NOT_YET_OBSERVABLE: HopStatus.PENDING,
    }.get(verdict, HopStatus.OBSERVED)
    return (
        ObservedHop(HopKind.CLIENT, "client", "VM NIC", HopStatus.OBSERVED),
        ObservedHop(
            HopKind.UDR,
            "rt-spoke",
            "0.0.0.0/0 -> VirtualAppliance 10.0.0.68",
            HopStatus.UNOBSERVABLE,
        ),
        ObservedHop(HopKind.FIREWALL, "fw-hub", "network rule allow-kv", fw_status),
        ObservedHop(HopKind.PRIVATE_ENDPOINT, "pe-kv", PE_IP, HopStatus.UNOBSERVABLE),
        ObservedHop(HopKind.VAULT, "kv-contoso-prod", "AZKVAuditLogs", HopStatus.OBSERVED),
    )


def _evidence(
    ip: str,
    index: int,
    uri: str = "https://kv-contoso-prod.vault.azure.net/secrets/db",
    rule: str = "allow-kv",
) -> tuple[EvidenceRow, ...]:
    at = T0 + timedelta(minutes=5 + index)
    return (
        EvidenceRow(
            LogFamily.KEYVAULT, "AZKVAuditLogs", f"kv:{index}:0", at, f"SecretGet 200 {uri}"
        ),
        EvidenceRow(
            LogFamily.FIREWALL,
            "AZFWNetworkRule",
            f"fw:{index}:0",
            at - timedelta(seconds=1),
            f"{ip}:50432 -> {PE_IP}:443 Allow (rule {rule})",
        ),
        EvidenceRow(
            LogFamily.FLOW,
            "NTANetAnalytics",
            f"flow:{index}:0",
            at - timedelta(seconds=2),
            f"O B {ip}:50432 -> {PE_IP}:443",
        ),
    )


def make_flows(
    uri: str = "https://kv-contoso-prod.vault.azure.net/secrets/db",
    rule: str = "allow-kv",
    cause_suffix: str = "",
    client_name: str | None = None,
) -> tuple[FlowResult, ...]:
    flows = []
    for i, (ip, name, verdict, violation, outcome, cause, requests, status) in enumerate(CLIENTS):
        flows.append(
            FlowResult(
                client_ip=ip,
                client=client_name or name,
                verdict=verdict,
                cause=cause + cause_suffix,
                violation=violation,
                vault_outcome=outcome,
                requests=requests,
                http_status=status,
                operations={"SecretGet": requests} if requests else {},
                first_seen=T0 + timedelta(minutes=5 + i) if requests else None,
                last_seen=T0 + timedelta(minutes=50 + i) if requests else None,
                expected_path=_hops(verdict),
                evidence=_evidence(ip, i, uri, rule),
                snat_candidates=("10.2.1.4", "10.2.1.5") if i == 0 else (),
                evidence_omitted=120 if i == 1 else 0,
            )
        )
    return tuple(flows)


def make_gaps(text: str = "") -> tuple[Gap, ...]:
    return (
        Gap(
            GapKind.COVERAGE,
            "AZFWNetworkRule is not enabled on fw-hub" + text,
            ("10.8.0.4",),
            "enable AZFWNetworkRule on the firewall's diagnostic setting",
        ),
        Gap(
            GapKind.MODEL_VS_OBSERVED,
            "model predicts the firewall, vault saw a direct caller",
            ("10.3.1.5",),
        ),
        Gap(
            GapKind.LATENCY,
            "AZKVAuditLogs ingestion lag 9 min exceeds the window end",
            ("10.7.0.4",),
        ),
        Gap(GapKind.PARTIAL_DATA, "query keyvault_requests returned a partial result", ()),
        Gap(GapKind.SNAT_AMBIGUOUS, "10.0.0.70 matches 2 clients", ("10.2.1.4", "10.2.1.5")),
        Gap(GapKind.UNPARSED_ROWS, "3 rows of logs/fw.json could not be read", ()),
    )


def make_timeline(extra_label: str = "") -> pl.DataFrame:
    rows = []
    for i, (ip, _n, verdict, *_rest) in enumerate(CLIENTS):
        for k in range(6):
            at = T0 + timedelta(minutes=5 + i + 9 * k)
            denied = verdict in (
                Verdict.BLOCKED_BY_FIREWALL,
                Verdict.BLOCKED_BY_VAULT_NETWORK_RULES,
            )
            rows.append(
                (
                    at,
                    ip,
                    "keyvault",
                    f"SecretGet {403 if denied else 200}{extra_label}",
                    "denied" if denied else "ok",
                    f"kv:{i}:{k}",
                )
            )
            rows.append(
                (
                    at,
                    ip,
                    "firewall",
                    f"{'Deny' if denied else 'Allow'} allow-kv",
                    "denied" if denied else "ok",
                    f"fw:{i}:{k}",
                )
            )
            rows.append((at, ip, "flow", f"O B {ip}:443", "ok", f"flow:{i}:{k}"))
    return pl.DataFrame(rows, schema=dict(schemas.TIMELINE), orient="row")


def make_result(
    *,
    generated_at: datetime | None = None,
    flows: tuple[FlowResult, ...] | None = None,
    gaps: tuple[Gap, ...] | None = None,
    timeline: pl.DataFrame | None = None,
    vault_name: str = "kv-contoso-prod",
    kql: str = "AZKVAuditLogs\n| where 1 == 1",
    firewall: str | None = "fw-hub",
) -> TraceResult:
    return TraceResult(
        vault=VaultSummary(
            vault_name,
            (PrivateEndpointRef("pe-kv", PE_IP, "vnet-hub/snet-pe"),),
            "Disabled",
            firewall,
        ),
        window=WINDOW,
        sources=(
            SourceSummary(
                LogFamily.KEYVAULT, "AZKVAuditLogs", 82, SourceStatus.COMPLETE, "", 82, 82
            ),
            SourceSummary(
                LogFamily.FIREWALL,
                "AZFWNetworkRule",
                118,
                SourceStatus.PARTIAL,
                "one chunk returned a partial result",
                read=120,
                used=118,
                set_aside=(("malformed_address", 2),),
            ),
            SourceSummary(LogFamily.FLOW, "NTANetAnalytics", 0, SourceStatus.MISSING),
        ),
        flows=make_flows() if flows is None else flows,
        gaps=make_gaps() if gaps is None else gaps,
        queries=(
            QueryRecord(
                "keyvault_requests",
                kql,
                "ab" * 32,
                "2026-11-20T10:00Z/PT2H",
                "00000000-1111-2222-3333-444444444444",
            ),
        ),
        ledger=(
            LedgerEntry(
                "keyvault_requests",
                "00000000-1111-2222-3333-444444444444",
                T0,
                T0 + timedelta(hours=2),
                82,
                SourceStatus.COMPLETE,
                312.5,
                "cd" * 32,
            ),
        ),
        inputs=(InputFile("logs/kv.json", "ef" * 32, "la_api_json", 82),),
        topology_sha256="12" * 32,
        netlogs_version="0.1.0",
        generated_at=generated_at or datetime(2026, 11, 20, 12, 5, tzinfo=timezone.utc),
        timeline=make_timeline() if timeline is None else timeline,
    )


# Payloads that set window.__pwned or call alert() if any of them ever runs.
SCRIPT = "<script>window.__pwned=1;alert(1)</script>"
IMG = '"><img src=x onerror="window.__pwned=1;alert(2)">'
JS_LINK = "javascript:window.__pwned=1"
CLOSE = "</script><script>window.__pwned=1</script>"
RTL = "evil\u202egnp.exe\u200b\u2066x\u2069"
LONG = "A" * 100_000
HOSTILE = f"{SCRIPT}{IMG}[link]({JS_LINK}) {CLOSE} {RTL} |pipe| `tick` <!-- &amp;"


def make_hostile_result() -> TraceResult:
    flows = make_flows(
        uri=f"/secrets/{HOSTILE}?x={LONG}",
        rule=HOSTILE,
        cause_suffix=" " + HOSTILE,
        client_name=HOSTILE,
    )
    timeline = make_timeline(extra_label=" " + HOSTILE)
    return make_result(
        flows=flows,
        gaps=make_gaps(" " + HOSTILE),
        timeline=timeline,
        vault_name="kv-" + SCRIPT,
        kql=f"AZKVAuditLogs // {CLOSE}\n| take 1",
        firewall=IMG,
    )


@pytest.fixture
def sample_result() -> TraceResult:
    return make_result()


@pytest.fixture
def hostile_result() -> TraceResult:
    return make_hostile_result()


@pytest.fixture
def build_result() -> object:
    """The ``make_result`` factory, for tests that vary one part of the result."""
    return make_result


@pytest.fixture
def payloads() -> dict[str, str]:
    return {
        "script": SCRIPT,
        "img": IMG,
        "js_link": JS_LINK,
        "close": CLOSE,
        "rtl": RTL,
        "long": LONG,
        "hostile": HOSTILE,
    }
