"""Path pictures: the required path above the modelled one, the skipped firewall drawn anyway,
the deciding route on each edge, and hostile names that stay text inside the SVG."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

from netlogs.model import FlowResult, HopKind, HopStatus, ObservedHop, TraceResult, Verdict
from netlogs.report.html_path import SKIPPED, observed_boxes, path_svg, required_boxes

SVG = "{http://www.w3.org/2000/svg}"
ALLOWED = {"svg", "defs", "marker", "path", "g", "title", "rect", "text", "line"}

BYPASS_HOPS = (
    ObservedHop(
        HopKind.CLIENT, "10.0.1.10",
        "10.0.1.10: vm vm-hub-jump in vnet-hub/snet-hub-mgmt; resolves to the private endpoint",
        HopStatus.OBSERVED,
    ),
    ObservedHop(
        HopKind.PRIVATE_ENDPOINT, "pe-kv",
        "InterfaceEndpoint 10.1.2.4/32 active in vnet-hub/snet-hub-mgmt (pe-kv); bypass: "
        "private endpoint /32 route 10.1.2.4/32 is active in vnet-hub/snet-hub-mgmt",
        HopStatus.OBSERVED,
    ),
    ObservedHop(HopKind.VAULT, "kv-contoso-prod", "reached via private endpoint pe-kv",
                HopStatus.OBSERVED),
)


def _bypass(sample_result: TraceResult) -> FlowResult:
    flow = next(f for f in sample_result.flows if f.verdict is Verdict.REACHED_BYPASSING_FIREWALL)
    return dataclasses.replace(flow, expected_path=BYPASS_HOPS)


def _tree(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # well-formed XML, or this raises


def test_bypass_draws_the_skipped_firewall_between_subnet_and_endpoint(
    sample_result: TraceResult,
) -> None:
    boxes = observed_boxes(_bypass(sample_result), "fw-hub")
    assert [(b.kind, b.status) for b in boxes] == [
        ("client", "observed"),
        ("subnet", "unobservable"),
        ("firewall", SKIPPED),
        ("private_endpoint", "observed"),
        ("vault", "observed"),
    ]
    assert boxes[1].name == "vnet-hub/snet-hub-mgmt"
    assert boxes[3].edge == "InterfaceEndpoint 10.1.2.4/32"  # the deciding route on the edge
    svg = path_svg(_bypass(sample_result), "fw-hub", "10.0.1.10 (vm-hub-jump)")
    root = _tree(svg)
    skipped = [g for g in root.iter(f"{SVG}g") if g.get("data-status") == SKIPPED]
    assert len(skipped) == 1
    texts = "".join(skipped[0].itertext())
    assert "fw-hub" in texts and "SKIPPED" in texts
    rect = skipped[0].find(f"{SVG}rect")
    assert rect is not None and rect.get("stroke-dasharray") and rect.get("stroke") == "#c62828"
    arcs = [p for p in root.iter(f"{SVG}path") if "bypass" in (p.get("class") or "")]
    assert len(arcs) == 1  # the traffic goes around the firewall box
    assert "bypass: InterfaceEndpoint 10.1.2.4/32" in " ".join(root.itertext())


def test_required_row_names_every_hop_the_design_asks_for(sample_result: TraceResult) -> None:
    boxes = required_boxes(_bypass(sample_result), "fw-hub")
    assert [b.kind for b in boxes] == [
        "client", "subnet", "udr", "firewall", "private_endpoint", "vault",
    ]
    assert boxes[3].name == "fw-hub" and boxes[4].name == "pe-kv"
    labels = " ".join(_tree(path_svg(_bypass(sample_result), "fw-hub", "x")).itertext())
    assert "Required by the design rule" in labels and "Modelled path" in labels


def test_compliant_path_has_no_skipped_box_and_shows_the_udr(sample_result: TraceResult) -> None:
    flow = next(f for f in sample_result.flows if f.verdict is Verdict.REACHED_VIA_FIREWALL)
    boxes = observed_boxes(flow, "fw-hub")
    assert SKIPPED not in {b.status for b in boxes}
    udr = next(b for b in boxes if b.kind == "udr")
    assert udr.edge == "0.0.0.0/0 -> VirtualAppliance 10.0.0.68"
    firewall = next(b for b in boxes if b.kind == "firewall")
    assert firewall.edge == "next hop VirtualAppliance 10.0.0.68"


def test_every_status_is_written_in_words_not_only_colour(sample_result: TraceResult) -> None:
    words = set()
    for flow in sample_result.flows:
        words |= set(" ".join(_tree(path_svg(flow, "fw-hub", "x")).itertext()).split())
    assert {"observed", "not", "unobservable", "covered", "pending", "required"} <= words


def test_without_a_firewall_rule_only_the_modelled_row_is_drawn(
    sample_result: TraceResult,
) -> None:
    svg = path_svg(_bypass(sample_result), None, "x")
    text = " ".join(_tree(svg).itertext())
    assert "Required by the design rule" not in text and "SKIPPED" not in text


def test_hostile_names_stay_text_inside_the_svg(
    sample_result: TraceResult, payloads: dict[str, str]
) -> None:
    hostile = payloads["hostile"]
    hops = tuple(dataclasses.replace(h, name=hostile, detail=hostile) for h in BYPASS_HOPS)
    flow = dataclasses.replace(_bypass(sample_result), expected_path=hops)
    svg = path_svg(flow, payloads["img"], hostile)
    root = _tree(svg)
    tags = {element.tag.removeprefix(SVG) for element in root.iter()}
    assert tags <= ALLOWED  # no <script>, <img>, <foreignObject> or <a> from the data
    assert all(not name.startswith("on") for e in root.iter() for name in e.attrib)
    assert "\u202e" not in svg and "[U+202E]" in svg
    text = " ".join(root.itertext())
    assert "<script>" in text  # shown as text


def test_a_client_outside_the_topology_shows_what_the_vault_log_proves(
    sample_result: TraceResult,
) -> None:
    public = next(
        f for f in sample_result.flows if f.verdict is Verdict.REACHED_VIA_PUBLIC_ENDPOINT
    )
    outside = dataclasses.replace(public, expected_path=())
    boxes = observed_boxes(outside, "fw-hub")
    assert [(b.kind, b.status) for b in boxes] == [
        ("client", "observed"), ("firewall", SKIPPED), ("public_endpoint", "observed"),
        ("vault", "observed"),
    ]
    text = " ".join(_tree(path_svg(outside, "fw-hub", "x")).itertext())
    assert "no modelled path" in text
    blocked = dataclasses.replace(outside, verdict=Verdict.BLOCKED_BY_FIREWALL, requests=0)
    assert observed_boxes(blocked, "fw-hub") == []  # nothing proven, nothing drawn


def test_the_firewall_rule_that_decided_is_written_after_the_firewall(
    sample_result: TraceResult,
) -> None:
    flow = next(f for f in sample_result.flows if f.verdict is Verdict.REACHED_VIA_FIREWALL)
    boxes = observed_boxes(flow, "fw-hub")
    after = boxes[[b.kind for b in boxes].index("firewall") + 1]
    assert after.edge == "allowed by rule allow-kv"  # from the cited AZFWNetworkRule row
    denied = dataclasses.replace(
        flow,
        evidence=(
            *flow.evidence,
            flow.evidence[1]._replace(summary="10.2.1.4:1 -> 10.1.2.4:443 Deny (rule deny-all)"),
        ),
    )
    boxes = observed_boxes(denied, "fw-hub")
    assert boxes[[b.kind for b in boxes].index("firewall") + 1].edge == "denied by rule deny-all"
