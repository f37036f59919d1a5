"""Hop statuses: observed / not_observed / unobservable / not_covered / pending."""

from __future__ import annotations

from types import ModuleType

from netlogs.model import ExpectedPath, HopKind, HopStatus, LogFamily, PathHop, SourceStatus

VM = "10.2.1.4"
PATH = ExpectedPath(
    VM,
    "kv1",
    443,
    True,
    None,
    ("fw-hub",),
    (
        PathHop(HopKind.CLIENT, "vnet-spoke2/snet-vm", VM),
        PathHop(HopKind.UDR, "rt-spoke2", "0.0.0.0/0 -> 10.0.0.68"),
        PathHop(HopKind.FIREWALL, "fw-hub", "allow-kv"),
        PathHop(HopKind.PRIVATE_ENDPOINT, "pe-kv", "10.1.2.4"),
        PathHop(HopKind.VAULT, "kv1", ""),
    ),
)


def hop_statuses(
    b: ModuleType, kv: object, fw: object, **changes: object
) -> dict[HopKind, HopStatus]:
    flows, _ = b.judge(kv, fw, expected_paths={VM: PATH}, **changes)
    return {hop.hop: hop.status for hop in flows[VM].expected_path}


def test_every_hop_observed_except_the_route(b: ModuleType) -> None:
    kv = b.kv_rows([{"time": b.at(5), "caller_ip": VM}])
    fw = b.fw_rows([{"time": b.at(4), "src_ip": VM}])
    assert hop_statuses(b, kv, fw) == {
        HopKind.CLIENT: HopStatus.OBSERVED,
        HopKind.UDR: HopStatus.UNOBSERVABLE,
        HopKind.FIREWALL: HopStatus.OBSERVED,
        HopKind.PRIVATE_ENDPOINT: HopStatus.OBSERVED,
        HopKind.VAULT: HopStatus.OBSERVED,
    }


def test_live_sources_without_rows_are_not_observed(b: ModuleType) -> None:
    fw = b.fw_rows([{"time": b.at(4), "src_ip": VM, "action": "Deny", "firewall": "fw-other"}])
    statuses = hop_statuses(b, None, fw)
    assert statuses[HopKind.FIREWALL] is HopStatus.NOT_OBSERVED
    assert statuses[HopKind.VAULT] is HopStatus.NOT_OBSERVED


def test_missing_source_is_not_covered_and_late_rows_are_pending(b: ModuleType) -> None:
    kv = b.kv_rows([{"time": b.at(5), "caller_ip": VM}])
    missing = {**b.ALL_COMPLETE, LogFamily.FIREWALL: SourceStatus.MISSING}
    assert (
        hop_statuses(b, kv, None, source_status=missing)[HopKind.FIREWALL] is HopStatus.NOT_COVERED
    )
    late = b.kv_rows([{"time": b.at(118), "caller_ip": VM}])
    other = b.fw_rows([{"time": b.at(10), "src_ip": "10.2.9.9"}])
    assert hop_statuses(b, late, other, now=b.at(120))[HopKind.FIREWALL] is HopStatus.PENDING


def test_flow_without_a_path_has_no_hops(b: ModuleType) -> None:
    flows, _ = b.judge(b.kv_rows([{"time": b.at(5), "caller_ip": VM}]), None)
    assert flows[VM].expected_path == ()
