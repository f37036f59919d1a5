"""A verdict resting on a low-confidence model path says so in its cause."""

from __future__ import annotations

from types import ModuleType

from netlogs.model import BypassKind, Confidence, ExpectedPath, HopKind, PathHop, Verdict

VM = "10.2.1.4"


def bypass_path(confidence: Confidence, unevaluated: tuple[str, ...] = ()) -> ExpectedPath:
    hops = (
        PathHop(HopKind.CLIENT, "vnet-spoke2/snet-vm", VM),
        PathHop(HopKind.PRIVATE_ENDPOINT, "pe-kv", "10.1.2.4/32 InterfaceEndpoint active",
                confidence),
        PathHop(HopKind.VAULT, "kv1", ""),
    )
    return ExpectedPath(VM, "kv1", 443, True, None, (), hops, BypassKind.PRIVATE_ENDPOINT_ROUTE,
                        confidence, unevaluated)


def test_bypass_predicted_by_a_low_confidence_model_says_so(b: ModuleType) -> None:
    kv = b.kv_rows([{"time": b.at(5), "caller_ip": VM}])
    fw = b.fw_rows([{"time": b.at(50), "src_ip": "10.9.9.9", "src_port": 1}])  # firewall live
    path = bypass_path(Confidence.LOW, ("network_security_group nsg-pe",))
    flows, _ = b.judge(kv, fw, expected_paths={VM: path})
    flow = flows[VM]
    assert flow.verdict is Verdict.REACHED_BYPASSING_FIREWALL
    assert flow.cause.endswith("the model's path is low confidence (not evaluated: "
                               "network_security_group nsg-pe)")


def test_high_confidence_model_adds_no_caveat(b: ModuleType) -> None:
    kv = b.kv_rows([{"time": b.at(5), "caller_ip": VM}])
    fw = b.fw_rows([{"time": b.at(50), "src_ip": "10.9.9.9", "src_port": 1}])
    flows, _ = b.judge(kv, fw, expected_paths={VM: bypass_path(Confidence.HIGH)})
    assert "low confidence" not in flows[VM].cause


def test_not_reached_on_a_low_confidence_drop_says_so(b: ModuleType) -> None:
    hops = (PathHop(HopKind.CLIENT, "c", VM),
            PathHop(HopKind.DROP, "10.0.0.0/8 None", "dropped", Confidence.LOW))
    path = ExpectedPath(VM, "kv1", 443, False, "dropped", (), hops, None, Confidence.LOW,
                        ("virtual_hub vhub-ne",))
    flows_in = b.flow_rows([{"time_start": b.at(5), "src_ip": VM, "src_port": 1}])
    flows, _ = b.judge(None, None, flows_in, expected_paths={VM: path})
    assert flows[VM].verdict is Verdict.NOT_REACHED
    assert "not evaluated: virtual_hub vhub-ne" in flows[VM].cause
