"""The estate overview: every client subnet on the left, the required firewall in the middle, the
vault's endpoints and the vault on the right, and one line per subnet and route showing how its
clients' traffic went (through the firewall, around it, or to another endpoint).

Built from the ``TraceResult`` alone (the model's hops say which subnet a client is in and which
way its traffic goes); it draws no peering the result does not mention. Like the path pictures it
is SVG text with every string escaped, and each line carries its verdict counts in words.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from html import escape

from netlogs.model import FlowResult, HopKind, TraceResult
from netlogs.report.html_path import drawn_hops
from netlogs.report.html_view import verdict_tone
from netlogs.report.safe_text import neutralise, shorten

MAX_GROUPS = 24  # subnets drawn; the rest are summed into one "other clients" group
GROUP_W, GROUP_X, FW_X, FW_W, END_X, END_W, VAULT_X, BOX_W = 300, 0, 470, 170, 800, 190, 1050, 150
ROW, TOP = 58, 30
WIDTH = VAULT_X + BOX_W + 4
_SUBNET = re.compile(r"\bin (\S+/[^\s;,]+)")
_GATEWAY = re.compile(r"entering through ([^\s;,]+)")
_TONE_RANK = {"violation": 0, "undecided": 1, "blocked": 2, "ok": 3}
_TONE_COLOUR = {"violation": "#c62828", "undecided": "#6a1b9a", "blocked": "#ef6c00",
                "ok": "#2e7d32"}
_TONE_WORD = {"violation": "violation", "undecided": "undecided", "blocked": "blocked",
              "ok": "ok"}
_ENDPOINTS = (HopKind.PRIVATE_ENDPOINT, HopKind.SERVICE_ENDPOINT, HopKind.PUBLIC_ENDPOINT)


@dataclass
class Group:
    """Clients of one subnet (or on-premises range, or outside the topology) and their routes."""

    label: str
    clients: list[str] = field(default_factory=list)
    # (passes the firewall, endpoint kind or "") -> tone -> clients
    routes: dict[tuple[bool, str], Counter[str]] = field(default_factory=dict)


def _place(flow: FlowResult) -> str:
    for hop in flow.expected_path:
        if hop.hop is HopKind.CLIENT:
            subnet = _SUBNET.search(hop.detail)
            if subnet:
                return subnet.group(1)
            gateway = _GATEWAY.search(hop.detail)
            if gateway:
                return f"on-premises via {gateway.group(1)}"
    return "not in the topology"


def _route(flow: FlowResult, firewall: str | None) -> tuple[bool, str]:
    hops = drawn_hops(flow)
    passes = any(
        h.hop is HopKind.FIREWALL and (firewall is None or h.name.lower() == firewall.lower())
        for h in hops
    )
    endpoint = next((h.hop.value for h in hops if h.hop in _ENDPOINTS), "")
    return passes, endpoint


def group_flows(result: TraceResult) -> list[Group]:
    firewall = result.vault.required_firewall
    groups: dict[str, Group] = {}
    for flow in result.flows:
        place = _place(flow)
        group = groups.setdefault(place, Group(place))
        group.clients.append(flow.client or flow.client_ip)
        route = _route(flow, firewall)
        group.routes.setdefault(route, Counter())[verdict_tone(flow)] += 1
    ordered = sorted(groups.values(), key=lambda g: (_worst(g), g.label))
    if len(ordered) <= MAX_GROUPS:
        return ordered
    rest = Group(f"{len(ordered) - MAX_GROUPS + 1} more subnets")
    for group in ordered[MAX_GROUPS - 1 :]:
        rest.clients += group.clients
        for route, tones in group.routes.items():
            rest.routes.setdefault(route, Counter()).update(tones)
    return [*ordered[: MAX_GROUPS - 1], rest]


def _worst(group: Group) -> int:
    return min(_TONE_RANK[t] for tones in group.routes.values() for t in tones)


def _t(value: object, limit: int) -> str:
    return escape(shorten(neutralise(value), limit), quote=True)


def _box(
    x: int, y: int, size: tuple[int, int], title: str, lines: list[str], *, css: str = ""
) -> str:
    w, h = size
    parts = [f'<g class="node {css}"><rect x="{x}" y="{y}" width="{w}" height="{h}" rx="6"/>',
             f'<text x="{x + 8}" y="{y + 16}" class="n">{_t(title, 40)}</text>']
    parts += [f'<text x="{x + 8}" y="{y + 31 + 13 * i}" class="d">{_t(line, 46)}</text>'
              for i, line in enumerate(lines)]
    return "".join(parts) + "</g>"


def _counts(tones: Counter[str]) -> str:
    order = sorted(tones, key=lambda t: _TONE_RANK[t])
    return ", ".join(f"{tones[t]} {_TONE_WORD[t]}" for t in order)


def estate_svg(result: TraceResult) -> str:
    """The overview as one SVG, or "" when there is no client to draw."""
    groups = group_flows(result)
    if not groups:
        return ""
    height = max(TOP + ROW * len(groups) + 20, 330)
    mid = TOP + (height - TOP) // 2
    fw_y = mid - 40
    ends = {"private_endpoint": mid - 110, "service_endpoint": mid + 10,
            "public_endpoint": mid + 90}
    parts = [
        f'<svg class="estate" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" role="img" '
        f'aria-label="estate overview: {len(groups)} client place(s)" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<text x="{GROUP_X}" y="16" class="h">Clients (by subnet)</text>',
        f'<text x="{FW_X}" y="16" class="h">Required firewall</text>',
        f'<text x="{END_X}" y="16" class="h">Vault endpoints</text>',
        *_vault_side(result, ends, mid),
        _firewall_box(result.vault.required_firewall, fw_y),
    ]
    via_fw: Counter[str] = Counter()
    for i, group in enumerate(groups):
        y = TOP + i * ROW
        names = ", ".join(group.clients[:3]) + (
            f" and {len(group.clients) - 3} more" if len(group.clients) > 3 else ""
        )
        parts.append(_box(GROUP_X, y, (GROUP_W, ROW - 12), group.label, [names], css="grp"))
        parts += _group_lines(group, y + (ROW - 12) // 2, fw_y, ends, via_fw)
    if via_fw:
        tone = "ok" if via_fw["ok"] else min(via_fw, key=lambda t: _TONE_RANK[t])
        parts.append(_line((FW_X + FW_W, fw_y + 40), (END_X, ends["private_endpoint"] + 28),
                           _TONE_COLOUR[tone], "", f"through the firewall: {_counts(via_fw)}"))
    parts.append("</svg>")
    return "".join(parts)


def _vault_side(result: TraceResult, ends: dict[str, int], mid: int) -> list[str]:
    """The three ways into the vault, and the vault."""
    pe = result.vault.private_endpoints
    pe_lines = [f"{p.ip} in {p.subnet}" for p in pe[:2]] or ["none in the topology"]
    parts = [
        _box(END_X, ends["private_endpoint"], (END_W, 56), "private endpoint", pe_lines),
        _box(END_X, ends["service_endpoint"], (END_W, 44), "service endpoint",
             ["Microsoft.KeyVault"]),
        _box(END_X, ends["public_endpoint"], (END_W, 44), "public endpoint",
             [f"access: {result.vault.public_network_access}"]),
        _box(VAULT_X, mid - 28, (BOX_W, 56), result.vault.name, ["Key Vault"], css="vault"),
    ]
    for key, y in ends.items():
        parts.append(_line((END_X + END_W, y + 22), (VAULT_X, mid), "#546e7a", "", key))
    return parts


def _firewall_box(firewall: str | None, fw_y: int) -> str:
    if firewall:
        return _box(FW_X, fw_y, (FW_W, 80), firewall, ["the design rule requires it"], css="fw")
    return _box(FW_X, fw_y, (FW_W, 80), "no firewall rule", ["none required"], css="fw")


def _group_lines(
    group: Group, y: int, fw_y: int, ends: dict[str, int], via_fw: Counter[str]
) -> list[str]:
    parts = []
    start = GROUP_X + GROUP_W
    for offset, ((passes, endpoint), tones) in enumerate(sorted(group.routes.items())):
        tone = min(tones, key=lambda t: _TONE_RANK[t])
        colour, label = _TONE_COLOUR[tone], _counts(tones)
        y0 = y - 6 + 12 * offset
        if passes:
            via_fw.update(tones)
            parts.append(_line((start, y0), (FW_X, fw_y + 40), colour, label, "to the firewall"))
        elif endpoint:
            parts.append(_bypass((start, y0), ends[endpoint] + 22, fw_y, colour, label))
    return parts


def _line(start: tuple[int, int], end: tuple[int, int], colour: str, label: str, title: str) -> str:
    (x1, y1), (x2, y2) = start, end
    text = (f'<text x="{x1 + 6}" y="{y1 - 4}" class="c" fill="{colour}">{_t(label, 40)}</text>'
            if label else "")
    return (f'<g class="route"><title>{_t(title, 80)}</title>'
            f'<path d="M{x1},{y1} C{(x1 + x2) // 2},{y1} {(x1 + x2) // 2},{y2} {x2},{y2}" '
            f'stroke="{colour}" class="l"/>{text}</g>')


def _bypass(start: tuple[int, int], y2: int, fw_y: int, colour: str, label: str) -> str:
    x1, y1 = start
    """Around the firewall box (above or below it), dashed: traffic that does not pass it."""
    lane = fw_y - 26 if y1 < fw_y + 40 else fw_y + 106
    left, right = FW_X - 20, FW_X + FW_W + 20
    track = (
        f"M{x1},{y1} C{(x1 + left) // 2},{y1} {(x1 + left) // 2},{lane} {left},{lane} "
        f"L{right},{lane} C{(right + END_X) // 2},{lane} {(right + END_X) // 2},{y2} {END_X},{y2}"
    )
    return (f'<g class="route bypass"><title>{_t("around the firewall: " + label, 120)}</title>'
            f'<path d="{track}" stroke="{colour}" class="l dash"/>'
            f'<text x="{x1 + 6}" y="{y1 - 4}" class="c" fill="{colour}">'
            f'{_t(label + " (around the firewall)", 60)}</text></g>')
