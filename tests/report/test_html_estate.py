"""The estate overview: one box per client subnet, lines through or around the firewall."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

from netlogs.model import HopKind, HopStatus, ObservedHop, TraceResult, Verdict
from netlogs.report.html_estate import MAX_GROUPS, estate_svg, group_flows

SVG = "{http://www.w3.org/2000/svg}"


def _with_places(result: TraceResult) -> TraceResult:
    """Give each client a subnet in its client hop, as the model writes it."""
    flows = []
    for i, flow in enumerate(result.flows):
        client = ObservedHop(
            HopKind.CLIENT, flow.client_ip, f"{flow.client_ip}: vm in vnet-{i % 3}/snet-a; dns",
            HopStatus.OBSERVED,
        )
        flows.append(dataclasses.replace(flow, expected_path=(client, *flow.expected_path[1:])))
    return dataclasses.replace(result, flows=tuple(flows))


def test_groups_are_subnets_with_their_routes(sample_result: TraceResult) -> None:
    groups = group_flows(_with_places(sample_result))
    assert sorted(g.label for g in groups) == ["vnet-0/snet-a", "vnet-1/snet-a", "vnet-2/snet-a"]
    assert sum(len(g.clients) for g in groups) == len(sample_result.flows)
    routes = {route for g in groups for route in g.routes}
    assert (True, "private_endpoint") in routes  # the fixture's modelled path passes fw-hub


def test_bypass_is_drawn_dashed_around_the_firewall(sample_result: TraceResult) -> None:
    result = _with_places(sample_result)
    bypass = next(f for f in result.flows if f.verdict is Verdict.REACHED_BYPASSING_FIREWALL)
    direct = tuple(h for h in bypass.expected_path if h.hop is not HopKind.FIREWALL)
    flows = tuple(
        dataclasses.replace(f, expected_path=direct) if f is bypass else f for f in result.flows
    )
    root = ET.fromstring(estate_svg(dataclasses.replace(result, flows=flows)))
    dashed = [g for g in root.iter(f"{SVG}g") if g.get("class") == "route bypass"]
    assert len(dashed) == 1
    assert "1 violation (around the firewall)" in " ".join(dashed[0].itertext())
    assert "fw-hub" in " ".join(root.itertext())


def test_many_subnets_are_summed(sample_result: TraceResult) -> None:
    base = _with_places(sample_result).flows[0]
    flows = tuple(
        dataclasses.replace(
            base,
            client_ip=f"10.9.{i}.4",
            expected_path=(
                ObservedHop(HopKind.CLIENT, "c", f"c in vnet-{i}/snet", HopStatus.OBSERVED),
                *base.expected_path[1:],
            ),
        )
        for i in range(MAX_GROUPS + 10)
    )
    groups = group_flows(dataclasses.replace(sample_result, flows=flows))
    assert len(groups) == MAX_GROUPS
    assert groups[-1].label == "11 more subnets" and len(groups[-1].clients) == 11


def test_hostile_names_stay_text(hostile_result: TraceResult, payloads: dict[str, str]) -> None:
    svg = estate_svg(hostile_result)
    root = ET.fromstring(svg)
    tags = {e.tag.removeprefix(SVG) for e in root.iter()}
    assert tags <= {"svg", "g", "rect", "text", "path", "title"}
    assert payloads["script"][:12] in " ".join(root.itertext())  # shown, not parsed


def test_nothing_to_draw_without_clients(sample_result: TraceResult) -> None:
    assert estate_svg(dataclasses.replace(sample_result, flows=())) == ""
