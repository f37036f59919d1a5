"""One test per verdict of contract §5, plus the coverage-first cases of issue #4."""

from __future__ import annotations

from datetime import timedelta
from types import ModuleType

from netlogs.model import (
    BypassKind,
    ExpectedPath,
    GapKind,
    HopKind,
    LogFamily,
    PathHop,
    SourceStatus,
    VaultOutcome,
    Verdict,
)

VM = "10.2.1.4"


def via_fw_path(
    bypass: BypassKind | None = None, firewalls: tuple[str, ...] = ("fw-hub",)
) -> ExpectedPath:
    hops = [PathHop(HopKind.CLIENT, "vnet-spoke2/snet-vm", "10.2.1.4")]
    if firewalls:
        hops.append(PathHop(HopKind.UDR, "rt-spoke2", "0.0.0.0/0 -> 10.0.0.68"))
        hops.append(PathHop(HopKind.FIREWALL, "fw-hub", "network rule allow-kv"))
    else:
        hops.append(
            PathHop(HopKind.PRIVATE_ENDPOINT, "pe-kv", "10.1.2.4/32 InterfaceEndpoint active")
        )
    hops += [
        PathHop(HopKind.PRIVATE_ENDPOINT, "pe-kv", "10.1.2.4"),
        PathHop(HopKind.VAULT, "kv1", ""),
    ]
    return ExpectedPath(VM, "kv1", 443, True, None, firewalls, tuple(hops), bypass)


def statuses(b: ModuleType, **changes: SourceStatus) -> dict[LogFamily, SourceStatus]:
    result = dict(b.ALL_COMPLETE)
    result.update({LogFamily(k): v for k, v in changes.items()})
    return result


def served(b: ModuleType, minutes: float = 5, **extra: object) -> dict[str, object]:
    return {"time": b.at(minutes), "caller_ip": VM, **extra}


def allow(b: ModuleType, minutes: float = 4, **extra: object) -> dict[str, object]:
    return {"time": b.at(minutes), "src_ip": VM, "src_port": 50432, **extra}


def test_reached_via_firewall_with_udr_cause(b: ModuleType) -> None:
    flows, gaps = b.judge(
        b.kv_rows([served(b)]),
        b.fw_rows([allow(b)]),
        expected_paths={VM: via_fw_path()},
        client_names={VM: "vnet-spoke2/snet-vm"},
    )
    flow = flows[VM]
    assert (flow.verdict, flow.violation, flow.vault_outcome) == (
        Verdict.REACHED_VIA_FIREWALL,
        False,
        VaultOutcome.SERVED,
    )
    assert flow.cause.startswith("rt-spoke2: 0.0.0.0/0 -> 10.0.0.68;")
    assert flow.client == "vnet-spoke2/snet-vm"
    assert not [g for g in gaps if g.kind is GapKind.MODEL_VS_OBSERVED]


def test_reached_bypassing_firewall_with_model_cause(b: ModuleType) -> None:
    fw_other = b.fw_rows([allow(b, src_ip="10.2.9.9")])  # shows fw-hub logging is live
    path = via_fw_path(BypassKind.PRIVATE_ENDPOINT_ROUTE, firewalls=())
    flows, _ = b.judge(b.kv_rows([served(b)]), fw_other, expected_paths={VM: path})
    flow = flows[VM]
    assert (flow.verdict, flow.violation) == (Verdict.REACHED_BYPASSING_FIREWALL, True)
    assert (
        "model predicts the bypass (private_endpoint_route: pe-kv: 10.1.2.4/32 InterfaceEndpoint"
        in flow.cause
    )


def test_model_says_firewall_but_logs_show_bypass_is_a_gap(b: ModuleType) -> None:
    fw_other = b.fw_rows([allow(b, src_ip="10.2.9.9")])
    flows, gaps = b.judge(b.kv_rows([served(b)]), fw_other, expected_paths={VM: via_fw_path()})
    assert flows[VM].verdict is Verdict.REACHED_BYPASSING_FIREWALL
    (gap,) = [g for g in gaps if g.kind is GapKind.MODEL_VS_OBSERVED]
    assert gap.clients == (VM,) and "passes fw-hub" in gap.message and gap.next_step


def test_model_says_bypass_but_logs_show_firewall_is_a_gap(b: ModuleType) -> None:
    path = via_fw_path(BypassKind.PRIVATE_ENDPOINT_ROUTE, firewalls=())
    flows, gaps = b.judge(b.kv_rows([served(b)]), b.fw_rows([allow(b)]), expected_paths={VM: path})
    assert flows[VM].verdict is Verdict.REACHED_VIA_FIREWALL
    assert [g.clients for g in gaps if g.kind is GapKind.MODEL_VS_OBSERVED] == [(VM,)]


def test_asymmetric_return_is_not_a_forward_bypass(b: ModuleType) -> None:
    """A firewall path without SNAT to a PE only loses the reply: passing it is no contradiction."""
    path = via_fw_path(BypassKind.ASYMMETRIC_RETURN)
    flows, gaps = b.judge(b.kv_rows([served(b)]), b.fw_rows([allow(b)]), expected_paths={VM: path})
    assert flows[VM].verdict is Verdict.REACHED_VIA_FIREWALL
    assert not [g for g in gaps if g.kind is GapKind.MODEL_VS_OBSERVED]
    assert path.forward_bypass is None


def test_reached_via_service_endpoint_is_a_violation_only_with_a_required_firewall(
    b: ModuleType,
) -> None:
    kv = b.kv_rows([served(b, private_endpoint_id=None, subnet_id="/subnets/snet-vm")])
    flows, _ = b.judge(kv, None)
    assert (flows[VM].verdict, flows[VM].violation) == (Verdict.REACHED_VIA_SERVICE_ENDPOINT, True)
    flows, _ = b.judge(kv, None, required_firewall=None)
    assert (flows[VM].verdict, flows[VM].violation) == (Verdict.REACHED_VIA_SERVICE_ENDPOINT, False)


def test_reached_via_public_endpoint_is_a_violation_when_forbidden(b: ModuleType) -> None:
    kv = b.kv_rows([{"time": b.at(5), "caller_ip": "20.30.40.50", "private_endpoint_id": None}])
    flows, _ = b.judge(kv, None)
    assert (flows["20.30.40.50"].verdict, flows["20.30.40.50"].violation) == (
        Verdict.REACHED_VIA_PUBLIC_ENDPOINT,
        True,
    )
    flows, _ = b.judge(kv, None, forbid_public_endpoint=False)
    assert flows["20.30.40.50"].violation is False


def test_blocked_by_firewall_names_the_rule(b: ModuleType) -> None:
    fw = b.fw_rows(
        [
            allow(
                b,
                action="Deny",
                rule=None,
                action_reason="No rule matched. Proceeding with default action",
            )
        ]
    )
    flows, _ = b.judge(None, fw)
    flow = flows[VM]
    assert (flow.verdict, flow.vault_outcome) == (Verdict.BLOCKED_BY_FIREWALL, VaultOutcome.NONE)
    assert "fw-hub denied 1 connection(s)" in flow.cause and "default action" in flow.cause


def test_blocked_by_vault_network_rules(b: ModuleType) -> None:
    kv = b.kv_rows(
        [
            served(
                b,
                caller_ip="203.0.113.9",
                http_status=403,
                error_code="ForbiddenByConnection",
                private_endpoint_id=None,
            )
        ]
    )
    flows, _ = b.judge(kv, None)
    flow = flows["203.0.113.9"]
    assert (flow.verdict, flow.vault_outcome) == (
        Verdict.BLOCKED_BY_VAULT_NETWORK_RULES,
        VaultOutcome.DENIED_NETWORK,
    )
    assert "ForbiddenByConnection" in flow.cause and flow.violation is False


def test_not_reached_from_flow_log_nsg_deny(b: ModuleType) -> None:
    flows_in = b.flow_rows(
        [
            {
                "time_start": b.at(3),
                "src_ip": VM,
                "decision": "denied",
                "flow_state": "D",
                "rule": "UserRule_deny-kv",
            }
        ]
    )
    flows, _ = b.judge(None, None, flows_in)
    assert flows[VM].verdict is Verdict.NOT_REACHED
    assert "UserRule_deny-kv" in flows[VM].cause


def test_not_reached_when_the_firewall_passed_it_but_the_vault_saw_nothing(b: ModuleType) -> None:
    flows, _ = b.judge(None, b.fw_rows([allow(b)]))
    assert flows[VM].verdict is Verdict.NOT_REACHED


def test_not_yet_observable_when_the_window_ends_inside_firewall_latency(b: ModuleType) -> None:
    kv = b.kv_rows([served(b, 118)])
    fw_other = b.fw_rows([allow(b, 10, src_ip="10.2.9.9")])
    flows, gaps = b.judge(kv, fw_other, now=b.at(120))
    assert flows[VM].verdict is Verdict.NOT_YET_OBSERVABLE
    assert any(g.kind is GapKind.LATENCY and VM in g.clients for g in gaps)


def test_not_yet_observable_when_attempts_are_inside_key_vault_latency(b: ModuleType) -> None:
    flows, _ = b.judge(None, b.fw_rows([allow(b, 115)]), now=b.at(121))
    assert flows[VM].verdict is Verdict.NOT_YET_OBSERVABLE


def test_firewall_logs_absent_make_an_uncovered_flow_inconclusive(b: ModuleType) -> None:
    flows, gaps = b.judge(
        b.kv_rows([served(b)]), None, source_status=statuses(b, firewall=SourceStatus.MISSING)
    )
    assert flows[VM].verdict is Verdict.INCONCLUSIVE and flows[VM].violation is False
    (gap,) = [g for g in gaps if g.kind is GapKind.COVERAGE]
    assert (
        gap.next_step
        == "enable AZFWNetworkRule and AZFWApplicationRule on fw-hub's diagnostic setting"
    )


def test_partial_firewall_source_is_inconclusive_not_bypassing(b: ModuleType) -> None:
    fw_other = b.fw_rows([allow(b, src_ip="10.2.9.9")])
    flows, gaps = b.judge(
        b.kv_rows([served(b)]), fw_other, source_status=statuses(b, firewall=SourceStatus.PARTIAL)
    )
    assert flows[VM].verdict is Verdict.INCONCLUSIVE
    assert "partial" in flows[VM].cause
    assert any(g.kind is GapKind.PARTIAL_DATA for g in gaps)


def test_firewall_silent_in_the_window_is_inconclusive(b: ModuleType) -> None:
    flows, gaps = b.judge(b.kv_rows([served(b)]), None)
    assert flows[VM].verdict is Verdict.INCONCLUSIVE
    assert any("no record at all from fw-hub" in g.message for g in gaps)


def test_key_vault_logs_missing_make_an_attempt_inconclusive(b: ModuleType) -> None:
    flows, _ = b.judge(
        None, b.fw_rows([allow(b)]), source_status=statuses(b, keyvault=SourceStatus.MISSING)
    )
    assert flows[VM].verdict is Verdict.INCONCLUSIVE


def test_positive_proof_stands_even_with_a_partial_firewall_source(b: ModuleType) -> None:
    flows, _ = b.judge(
        b.kv_rows([served(b)]),
        b.fw_rows([allow(b)]),
        source_status=statuses(b, firewall=SourceStatus.PARTIAL),
    )
    assert flows[VM].verdict is Verdict.REACHED_VIA_FIREWALL


def test_authentication_401_challenge_is_not_a_failure(b: ModuleType) -> None:
    kv = b.kv_rows([served(b, operation="Authentication", http_status=401), served(b, 5.1)])
    flows, _ = b.judge(kv, b.fw_rows([allow(b)]))
    flow = flows[VM]
    assert flow.vault_outcome is VaultOutcome.SERVED
    assert flow.http_status == {"200": 1, "401": 1}
    assert flow.operations == {"Authentication": 1, "SecretGet": 1}


def test_rbac_403_is_denied_auth_and_the_path_is_still_proven(b: ModuleType) -> None:
    kv = b.kv_rows([served(b, http_status=403, error_code="ForbiddenByRbac")])
    flows, _ = b.judge(kv, b.fw_rows([allow(b)]))
    assert (flows[VM].verdict, flows[VM].vault_outcome) == (
        Verdict.REACHED_VIA_FIREWALL,
        VaultOutcome.DENIED_AUTH,
    )


def test_real_401_is_denied_auth(b: ModuleType) -> None:
    flows, _ = b.judge(
        b.kv_rows([served(b, operation="SecretGet", http_status=401)]), b.fw_rows([allow(b)])
    )
    assert flows[VM].vault_outcome is VaultOutcome.DENIED_AUTH


def test_snat_stitched_flow_is_reached_via_firewall(b: ModuleType) -> None:
    app = {"kind": "application", "dst_ip": None, "fqdn": "kv1.vault.azure.net"}
    flows, gaps = b.judge(
        b.kv_rows([served(b, caller_ip="10.0.0.69")]), b.fw_rows([allow(b, **app)])
    )
    assert list(flows) == [VM]
    assert flows[VM].verdict is Verdict.REACHED_VIA_FIREWALL
    assert "SNAT address" in flows[VM].cause
    assert not [g for g in gaps if g.kind is GapKind.SNAT_AMBIGUOUS]


def test_snat_with_two_candidates_keeps_the_address_and_adds_a_gap(b: ModuleType) -> None:
    app = {"kind": "application", "dst_ip": None, "fqdn": "kv1.vault.azure.net"}
    fw = b.fw_rows([allow(b, **app), allow(b, 3, src_ip="10.2.1.5", **app)])
    flows, gaps = b.judge(b.kv_rows([served(b, caller_ip="10.0.0.69")]), fw)
    snat = flows["10.0.0.69"]
    assert snat.verdict is Verdict.REACHED_VIA_FIREWALL
    assert snat.snat_candidates == ("10.2.1.4", "10.2.1.5")
    (gap,) = [g for g in gaps if g.kind is GapKind.SNAT_AMBIGUOUS]
    assert gap.clients == ("10.2.1.4", "10.2.1.5")
    assert flows[VM].verdict is Verdict.INCONCLUSIVE  # its requests may be the SNAT ones


def test_ipv6_caller_gets_a_verdict(b: ModuleType) -> None:
    kv = b.kv_rows([served(b, caller_ip="2001:db8::5")])
    flows, _ = b.judge(kv, b.fw_rows([allow(b, src_ip="2001:db8::5")]))
    assert flows["2001:db8::5"].verdict is Verdict.REACHED_VIA_FIREWALL


def test_no_firewall_rule_means_no_bypass_violation(b: ModuleType) -> None:
    fw_other = b.fw_rows([allow(b, src_ip="10.2.9.9")])
    flows, _ = b.judge(b.kv_rows([served(b)]), fw_other, required_firewall=None)
    assert flows[VM].verdict is Verdict.REACHED_BYPASSING_FIREWALL
    assert flows[VM].violation is False and flows[VM].cause.startswith("no firewall rule was given")


def test_flows_and_gaps_are_deterministic_and_sorted(b: ModuleType) -> None:
    kv = b.kv_rows([served(b, caller_ip=ip) for ip in ("10.2.1.9", "10.2.1.10", "10.2.1.4")])
    first = b.judge(kv, None, now=b.at(121))
    second = b.judge(kv, None, now=b.at(121))
    assert [f.client_ip for f in first[0].values()] == ["10.2.1.10", "10.2.1.4", "10.2.1.9"]
    assert first == second
    kinds = [(g.kind.value, g.message) for g in first[1]]
    assert kinds == sorted(kinds)


def test_reuse_window_drives_the_bypass_decision(b: ModuleType) -> None:
    fw = b.fw_rows([allow(b, 0)])
    flows, _ = b.judge(b.kv_rows([served(b, 15)]), fw)
    assert flows[VM].verdict is Verdict.REACHED_BYPASSING_FIREWALL
    flows, _ = b.judge(b.kv_rows([served(b, 15)]), fw, reuse_window=timedelta(minutes=20))
    assert flows[VM].verdict is Verdict.REACHED_VIA_FIREWALL


def test_snat_with_many_candidates_lists_ten_counts_all_and_judges_none_not_reached(
    b: ModuleType,
) -> None:
    app = {"kind": "application", "dst_ip": None, "fqdn": "kv1.vault.azure.net"}
    clients = [f"10.2.2.{i}" for i in range(12)]
    fw = b.fw_rows(
        [allow(b, 3, src_ip=ip, src_port=1000 + i, **app) for i, ip in enumerate(clients)]
    )
    flows, gaps = b.judge(b.kv_rows([served(b, caller_ip="10.0.0.69")]), fw)
    assert len(flows["10.0.0.69"].snat_candidates) == 10
    (gap,) = [g for g in gaps if g.kind is GapKind.SNAT_AMBIGUOUS]
    assert "fit 12 clients (first 10 listed)" in gap.message
    assert {flows[ip].verdict for ip in clients} == {Verdict.INCONCLUSIVE}


def test_unmodelled_firewall_makes_snat_and_not_reached_inconclusive(b: ModuleType) -> None:
    """No firewall in the topology: a SNAT address looks like a private caller and its client
    like it never arrived; neither a bypass nor NOT_REACHED may be claimed."""
    snat = "10.0.0.69"
    kv = b.kv_rows([{"time": b.at(5), "caller_ip": snat}])
    fw = b.fw_rows([allow(b, fqdn="kv1.vault.azure.net", kind="application")])
    flows, _ = b.judge(kv, fw, firewalls=(), required_firewall=None)
    assert flows[snat].verdict is Verdict.INCONCLUSIVE
    assert flows[VM].verdict is Verdict.INCONCLUSIVE
    assert "topology describes no firewall" in flows[VM].cause
    # with the firewall modelled, the same rows are stitched: the rule steps aside
    flows, _ = b.judge(kv, fw)
    assert flows[VM].verdict is Verdict.REACHED_VIA_FIREWALL


def test_a_later_connection_cannot_hide_under_an_earlier_ambiguous_snat(b: ModuleType) -> None:
    """Suspicion needs time overlap: a connection 30 min after the ambiguous SNAT requests (far
    beyond reuse window + skew) can't have carried them, so its client is NOT_REACHED."""
    app = {"kind": "application", "dst_ip": None, "fqdn": "kv1.vault.azure.net"}
    fw = b.fw_rows(
        [
            allow(b, 4, src_ip="10.2.1.5", **app),
            allow(b, 4.5, src_ip="10.2.1.6", src_port=50433, **app),
            allow(b, 35, src_ip="10.2.1.7", src_port=50434, **app),
        ]
    )
    flows, _ = b.judge(b.kv_rows([served(b, caller_ip="10.0.0.69")]), fw)
    assert flows["10.0.0.69"].snat_candidates == ("10.2.1.5", "10.2.1.6")
    assert flows["10.2.1.5"].verdict is Verdict.INCONCLUSIVE
    assert flows["10.2.1.7"].verdict is Verdict.NOT_REACHED
