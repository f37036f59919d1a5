"""The DNS leg as evidence: firewall DNS proxy rows for the vault's name are cited and used.

``AZFWDnsQuery`` rows (the Log Analytics table's columns) log the question and the response
code, never the answer: they are cited and the cause says the answer is not logged. A
canonical ``dns`` table may carry ``answers``: a public answer is the evidence behind a public
arrival's cause, the private endpoint's address makes the client hop observed, and an answer
the model did not expect is a ``model_vs_observed`` gap. No verdict changes on DNS rows.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import polars as pl

from netlogs.model import (
    BypassKind,
    ExpectedPath,
    GapKind,
    HopKind,
    HopStatus,
    LogFamily,
    PathHop,
    RawTable,
    Verdict,
)
from netlogs.normalize import normalize_evidence
from netlogs.verdicts.dns import with_dns_evidence

CLIENT = "10.61.1.4"
FW_ID = ("/SUBSCRIPTIONS/5F0C1B2A-0000-4000-8000-000000000001/RESOURCEGROUPS/RG-NET/PROVIDERS/"
         "MICROSOFT.NETWORK/AZUREFIREWALLS/FW-HUB")


def dns_query(minute: float, name: str, **changes: Any) -> dict[str, Any]:
    """One AZFWDnsQuery row as Log Analytics returns it."""
    seconds = int(minute * 60)
    row = {
        "TenantId": "3adcf52d-73a0-4cc6-a9f8-fb387eafaf23",
        "TimeGenerated": f"2026-11-20T10:{seconds // 60:02d}:{seconds % 60:02d}.1234567Z",
        "SourceIp": CLIENT, "SourcePort": 61248, "QueryId": 31105, "QueryType": "A",
        "QueryClass": "IN", "QueryName": name, "Protocol": "udp", "RequestSize": 60,
        "DnssecOkBit": False, "EDNS0BufferSize": 512, "ResponseCode": "NOERROR",
        "ResponseFlags": "qr,rd,ra", "ResponseSize": 216, "RequestDurationSecs": 0.0034,
        "ErrorNumber": None, "ErrorMessage": "", "SourceSystem": "Azure",
        "Type": "AZFWDnsQuery", "_ResourceId": FW_ID,
    }
    row.update(changes)
    return row


def dns_table(rows: list[dict[str, Any]], answers: list[str | None] | None = None) -> pl.DataFrame:
    """The canonical dns rows of ``rows`` (through the real normalizer); ``answers`` fills the
    canonical column as a source that logs answers would."""
    frame = pl.DataFrame(rows, infer_schema_length=None)
    dns = normalize_evidence([RawTable("AZFWDnsQuery", frame, "dns@ws")]).dns
    if answers is None:
        return dns
    return dns.with_columns(pl.Series("answers", answers, dtype=pl.String))


def public_arrival(b: ModuleType) -> tuple[Any, Any]:
    """The client's request reached the public endpoint, SNATed by fw-hub's public address."""
    kv = b.kv_rows([{"time": b.at(5), "caller_ip": "203.0.113.9", "private_endpoint_id": None}])
    fw = b.fw_rows([{"time": b.at(4.9), "src_ip": CLIENT, "src_port": 50000,
                     "dst_ip": "198.51.100.10"}])
    return kv, fw


def private_path() -> ExpectedPath:
    hops = (
        PathHop(HopKind.CLIENT, "vm-app", f"{CLIENT}: in vnet-app/snet-app; kv1.vault.azure.net "
                "resolves to 10.1.2.4 (A record kv1 in privatelink.vaultcore.azure.net)"),
        PathHop(HopKind.PRIVATE_ENDPOINT, "pe-kv", "10.1.2.4/32 InterfaceEndpoint"),
        PathHop(HopKind.VAULT, "kv1", "private endpoint of kv1"),
    )
    return ExpectedPath(CLIENT, "kv1", 443, True, None, (), hops,
                        BypassKind.PRIVATE_ENDPOINT_ROUTE)


def public_path() -> ExpectedPath:
    hops = (
        PathHop(HopKind.CLIENT, "vm-app", f"{CLIENT}: in vnet-app/snet-app; kv1.vault.azure.net "
                "resolves to its public endpoint (zone not linked)"),
        PathHop(HopKind.PUBLIC_ENDPOINT, "198.51.100.10", "public endpoint of kv1"),
    )
    return ExpectedPath(CLIENT, "kv1", 443, True, None, (), hops, BypassKind.PUBLIC_ENDPOINT)


def judged(b: ModuleType, kv: Any, fw: Any, dns: pl.DataFrame, **changes: Any) -> Any:
    correlated, ctx = b.run(kv, fw, None, **changes)
    from netlogs.verdicts import judge_flows

    flows, gaps = judge_flows(correlated, ctx)
    before = {f.client_ip: f for f in flows}
    flows, gaps = with_dns_evidence(flows, gaps, dns, ctx)
    return before, {f.client_ip: f for f in flows}, gaps


def test_a_client_told_the_public_address_gets_an_evidence_based_cause(b: ModuleType) -> None:
    kv, fw = public_arrival(b)
    rows = [dns_query(4.5, "KV1.vault.azure.net."), dns_query(4.6, "kv1.example.com")]
    dns = dns_table(rows, ["kv1.privatelink.vaultcore.azure.net, 198.51.100.10", "10.9.9.9"])
    before, after, gaps = judged(b, kv, fw, dns, expected_paths={CLIENT: public_path()})
    flow = after[CLIENT]
    assert flow.verdict is before[CLIENT].verdict is Verdict.REACHED_VIA_PUBLIC_ENDPOINT
    assert "the vault name resolved to its public address" not in flow.cause
    assert ("the firewall DNS proxy told 10.61.1.4 the vault's public address (198.51.100.10) "
            "at 2026-11-20T10:04:30Z") in flow.cause
    cited = [row for row in flow.evidence if row.source is LogFamily.DNS]
    assert [(row.table, row.row.startswith("dns@ws")) for row in cited] == [("AZFWDnsQuery", True)]
    assert "A kv1.vault.azure.net: NOERROR -> kv1.privatelink" in cited[0].summary
    assert [row.time for row in flow.evidence] == sorted(row.time for row in flow.evidence)
    assert not [g for g in gaps if g.kind is GapKind.MODEL_VS_OBSERVED]  # model said public too


def test_a_cname_chain_ending_outside_privatelink_is_a_public_answer(b: ModuleType) -> None:
    kv, fw = public_arrival(b)
    chain = "kv1.privatelink.vaultcore.azure.net azkms-prod-weu.trafficmanager.net."
    dns = dns_table([dns_query(4.5, "kv1.vault.azure.net")], [chain])
    _, after, _ = judged(b, kv, fw, dns)
    assert "public address (azkms-prod-weu.trafficmanager.net) at" in after[CLIENT].cause


def test_a_client_told_the_private_endpoint_has_its_client_hop_observed(b: ModuleType) -> None:
    kv = b.kv_rows([{"time": b.at(5), "caller_ip": CLIENT}])
    fw = b.fw_rows([{"time": b.at(4.9), "src_ip": CLIENT, "src_port": 50000}])
    name = "kv1.privatelink.vaultcore.azure.net"
    dns = dns_table([dns_query(4.5, name)], [f"{name} 10.1.2.4"])
    before, after, gaps = judged(b, kv, fw, dns, expected_paths={CLIENT: private_path()})
    flow = after[CLIENT]
    assert flow.verdict is before[CLIENT].verdict and flow.cause == before[CLIENT].cause
    hop = flow.expected_path[0]
    assert hop.hop is HopKind.CLIENT and hop.status is HopStatus.OBSERVED
    assert hop.detail.endswith("; the firewall DNS proxy answered 10.1.2.4 (private endpoint)")
    assert before[CLIENT].expected_path[0].detail == hop.detail.rpartition(";")[0]
    assert not [g for g in gaps if "DNS proxy" in g.message]  # the answer agrees with the model


def test_an_answer_the_model_did_not_expect_is_a_gap_naming_the_client(b: ModuleType) -> None:
    kv, fw = public_arrival(b)
    dns = dns_table([dns_query(4.5, "kv1.vault.azure.net")], ["198.51.100.10"])
    before, after, gaps = judged(b, kv, fw, dns, expected_paths={CLIENT: private_path()},
                                 client_names={CLIENT: "vm-app"})
    assert after[CLIENT].verdict is before[CLIENT].verdict
    mismatch = [g for g in gaps if g.kind is GapKind.MODEL_VS_OBSERVED]
    assert [g.clients for g in mismatch] == [(CLIENT,)]
    assert "to the private endpoint for vm-app (10.61.1.4)" in mismatch[0].message
    assert "answered the public address 198.51.100.10" in mismatch[0].message
    # and the other way round: the model says public, the proxy answered the private endpoint
    kv = b.kv_rows([{"time": b.at(5), "caller_ip": CLIENT}])
    dns = dns_table([dns_query(4.5, "kv1.vault.azure.net")], ["10.1.2.4"])
    _, _, gaps = judged(b, kv, None, dns, expected_paths={CLIENT: public_path()})
    assert [g.message.split(",")[0] for g in gaps if g.kind is GapKind.MODEL_VS_OBSERVED] == [
        "model resolves kv1 to its public address for 10.61.1.4"
    ]


def test_azfw_dns_query_rows_without_answers_are_cited_and_say_so(b: ModuleType) -> None:
    kv = b.kv_rows([{"time": b.at(5), "caller_ip": "20.30.40.50", "private_endpoint_id": None,
                     "http_status": 403, "error_code": "ForbiddenByFirewall"}])
    fw = b.fw_rows([{"time": b.at(4.9), "src_ip": CLIENT, "src_port": 50000,
                     "dst_ip": "198.51.100.10"}])
    rows = [dns_query(m, "kv1.vault.azure.net") for m in (1, 2, 3, 4, 4.5, 130)]
    before, after, gaps = judged(b, kv.with_columns(pl.lit("203.0.113.9").alias("caller_ip")),
                                 fw, dns_table(rows), expected_paths={CLIENT: private_path()},
                                 evidence_per_kind=3)
    flow = after[CLIENT]
    assert flow.verdict is before[CLIENT].verdict is Verdict.BLOCKED_BY_VAULT_NETWORK_RULES
    assert flow.cause.endswith(
        "; the firewall DNS proxy logged 5 query(ies) from 10.61.1.4 for the vault's name "
        "(first at 2026-11-20T10:01:00Z); the answer is not logged"
    )  # the row at 12:10 is outside the window
    cited = [row for row in flow.evidence if row.source is LogFamily.DNS]
    assert all("(answer not logged)" in row.summary for row in cited)
    # 3 per kind: the first two in time and the last one (the rule of every family)
    assert [row.time.replace(microsecond=0) for row in cited] == [b.at(1), b.at(2), b.at(4.5)]
    assert flow.evidence_omitted == before[CLIENT].evidence_omitted + 2
    assert flow.expected_path == before[CLIENT].expected_path
    assert not [g for g in gaps if g.kind is GapKind.MODEL_VS_OBSERVED]


def test_a_client_told_both_answers_gets_both_used_and_no_gap(b: ModuleType) -> None:
    """One answer was public, a later one the private endpoint: both are shown, and the model
    (private) is not contradicted by the logs as a whole."""
    kv, fw = public_arrival(b)
    rows = [dns_query(1, "kv1.vault.azure.net"), dns_query(4.5, "kv1.vault.azure.net")]
    dns = dns_table(rows, ["198.51.100.10", "10.1.2.4"])
    _, after, gaps = judged(b, kv, fw, dns, expected_paths={CLIENT: private_path()})
    flow = after[CLIENT]
    assert "public address (198.51.100.10) at 2026-11-20T10:01:00Z" in flow.cause
    assert flow.expected_path[0].status is HopStatus.OBSERVED
    assert not [g for g in gaps if "DNS proxy" in g.message]
