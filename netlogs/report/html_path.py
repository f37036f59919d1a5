"""One client's path as an inline SVG: what the design requires above what the model and the logs
show, hop by hop, with the deciding route or rule written on each edge.

The SVG is built here, server-side, as text: every log- or topology-derived string passes
``neutralise`` and XML escaping (SVG text inside HTML is parsed like any other element, so an
unescaped ``<`` would open a tag). The picture never relies on colour alone: each box carries its
status in words and a distinct border pattern, and a firewall the design requires but the path
skips is drawn anyway, dashed, with the word "skipped".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from netlogs.model import FlowResult, HopKind, HopStatus, LogFamily, ObservedHop, Verdict
from netlogs.report.safe_text import neutralise, shorten

BOX_W, BOX_H, GAP, PAD = 150, 66, 106, 8
ROW_LABEL_H = 20
ARC_ROOM = 50  # above the boxes: an arc over a skipped box and its two-line label
SKIPPED = "skipped"
REQUIRED = "required"

# status -> (fill, stroke, dash pattern, glyph); the glyph and word make colour optional
STYLE: dict[str, tuple[str, str, str, str]] = {
    HopStatus.OBSERVED.value: ("#edf7ee", "#2e7d32", "", "✓"),
    HopStatus.NOT_OBSERVED.value: ("#fdecea", "#c62828", "", "✗"),
    HopStatus.UNOBSERVABLE.value: ("#f5f5f5", "#757575", "2 3", "○"),
    HopStatus.NOT_COVERED.value: ("#fff4e5", "#ef6c00", "8 3 2 3", "?"),
    HopStatus.PENDING.value: ("#e8f1fb", "#1565c0", "1 2", "…"),
    SKIPPED: ("#ffffff", "#c62828", "7 4", "✗"),
    REQUIRED: ("#ffffff", "#546e7a", "", "•"),
}
STATUS_WORD = {
    HopStatus.OBSERVED.value: "observed",
    HopStatus.NOT_OBSERVED.value: "not observed",
    HopStatus.UNOBSERVABLE.value: "unobservable",
    HopStatus.NOT_COVERED.value: "not covered",
    HopStatus.PENDING.value: "pending",
    SKIPPED: "SKIPPED",
    REQUIRED: "required",
}
KIND_WORD = {
    HopKind.CLIENT.value: "client",
    "subnet": "subnet",
    HopKind.UDR.value: "route / UDR",
    HopKind.FIREWALL.value: "firewall",
    HopKind.PRIVATE_ENDPOINT.value: "private endpoint",
    HopKind.SERVICE_ENDPOINT.value: "service endpoint",
    HopKind.PUBLIC_ENDPOINT.value: "public endpoint",
    HopKind.GATEWAY.value: "gateway",
    HopKind.PEERING.value: "peering",
    HopKind.VAULT.value: "vault",
    HopKind.DROP.value: "dropped",
    HopKind.DESTINATION.value: "destination",
}
_SUBNET = re.compile(r"\bin (\S+/[^\s;,]+)")
_RULE = re.compile(r"\b(Allow|Deny|Drop)\b \(rule ([^)]+)\)")
_ACTION_WORD = {"Allow": "allowed by rule", "Deny": "denied by rule", "Drop": "dropped by rule"}
_ENDPOINT_KINDS = (
    HopKind.PRIVATE_ENDPOINT, HopKind.SERVICE_ENDPOINT, HopKind.PUBLIC_ENDPOINT, HopKind.VAULT,
)


_INTO_VAULT = {
    HopKind.PRIVATE_ENDPOINT: "private link",
    HopKind.SERVICE_ENDPOINT: "service endpoint",
    HopKind.PUBLIC_ENDPOINT: "public address",
}


@dataclass(frozen=True)
class Box:
    kind: str  # HopKind value or "subnet"
    name: str
    status: str  # HopStatus value, SKIPPED or REQUIRED
    edge: str  # the route or rule that brings traffic into this box ("" for the first)
    detail: str  # full text for the tooltip


def _clause(text: str) -> str:
    """The route itself, from a model detail: ``InterfaceEndpoint 10.1.2.4/32 active in a/b; ...``
    -> ``InterfaceEndpoint 10.1.2.4/32``; ``udr 0.0.0.0/0 -> 10.0.0.68 (rt)`` -> ``udr ... .68``."""
    return re.split(r";| \(| active in | in ", text, maxsplit=1)[0].strip()


def _edge(hop: ObservedHop, previous: ObservedHop | None) -> str:
    if hop.hop is HopKind.FIREWALL and previous is not None and "->" in previous.detail:
        return "next hop " + _clause(previous.detail.split("->", 1)[1])
    if hop.hop is HopKind.VAULT:
        return _INTO_VAULT.get(previous.hop, "") if previous else ""
    if hop.hop in (HopKind.CLIENT, HopKind.FIREWALL):
        return ""
    return _clause(hop.detail).replace("VirtualNetworkServiceEndpoint", "ServiceEndpoint")


# Verdicts the vault's own log decides without a model: the endpoint the request arrived on.
_LOG_ENDPOINT = {
    Verdict.REACHED_VIA_PUBLIC_ENDPOINT: (
        HopKind.PUBLIC_ENDPOINT, "public endpoint", "public caller address"
    ),
    Verdict.REACHED_VIA_SERVICE_ENDPOINT: (
        HopKind.SERVICE_ENDPOINT, "service endpoint", "service-endpoint subnet id"
    ),
    Verdict.REACHED_BYPASSING_FIREWALL: (
        HopKind.PRIVATE_ENDPOINT, "private endpoint", "private endpoint address"
    ),
}
LOG_ONLY = "in the vault's log (the client is not in the topology: no modelled path)"


def drawn_hops(flow: FlowResult) -> tuple[ObservedHop, ...]:
    """The modelled hops; for a client outside the topology whose verdict the vault's log
    decided on its own (public or service endpoint, private endpoint without the firewall),
    the hops that log proves: client, the endpoint the requests arrived on, the vault."""
    if flow.expected_path or flow.verdict not in _LOG_ENDPOINT or not flow.requests:
        return flow.expected_path
    kind, name, evidence = _LOG_ENDPOINT[flow.verdict]
    seen = HopStatus.OBSERVED
    return (
        ObservedHop(HopKind.CLIENT, flow.client_ip, f"{flow.client_ip}: caller {LOG_ONLY}", seen),
        ObservedHop(kind, name, f"{evidence} {LOG_ONLY}", seen),
        ObservedHop(HopKind.VAULT, "vault", f"requests {LOG_ONLY}", seen),
    )


def firewall_rule(flow: FlowResult) -> str:
    """``allowed by rule allow-kv`` from the cited firewall rows (the rule that decided the
    firewall hop); a deny wins over an allow; "" when no cited row names a rule."""
    found: dict[str, set[str]] = {}
    for row in flow.evidence:
        if row.source is LogFamily.FIREWALL:
            for action, rule in _RULE.findall(row.summary):
                found.setdefault(action, set()).add(rule)
    for action in ("Deny", "Drop", "Allow"):
        rules = sorted(found.get(action, ()))
        if rules:
            more = f" (+{len(rules) - 1} more)" if len(rules) > 1 else ""
            return f"{_ACTION_WORD[action]} {rules[0]}{more}"
    return ""


def observed_boxes(flow: FlowResult, firewall: str | None) -> list[Box]:
    """The modelled hops with their log status, a subnet box after the client when the model
    names it, and the required firewall inserted as ``skipped`` when the path has no such hop."""
    boxes: list[Box] = []
    previous: ObservedHop | None = None
    hops = drawn_hops(flow)
    passes = any(
        h.hop is HopKind.FIREWALL and firewall and h.name.lower() == firewall.lower()
        for h in hops
    )
    for hop in hops:
        if firewall and not passes and hop.hop in _ENDPOINT_KINDS and not _has_skip(boxes):
            boxes.append(Box(HopKind.FIREWALL.value, firewall, SKIPPED, "", _skip_text(firewall)))
        edge = _edge(hop, previous)
        if previous is not None and previous.hop is HopKind.FIREWALL:
            edge = firewall_rule(flow) or edge  # the rule that let it through (or stopped it)
        boxes.append(Box(hop.hop.value, hop.name, hop.status.value, edge,
                         f"{hop.hop.value} {hop.name}: {hop.detail} [{hop.status.value}]"))
        if hop.hop is HopKind.CLIENT:
            subnet = _SUBNET.search(hop.detail)
            if subnet:
                boxes.append(Box("subnet", subnet.group(1), HopStatus.UNOBSERVABLE.value,
                                 "NIC", f"subnet {subnet.group(1)}: routes are applied here"))
        previous = hop
    return boxes


def _has_skip(boxes: list[Box]) -> bool:
    return any(b.status == SKIPPED for b in boxes)


def _skip_text(firewall: str) -> str:
    return f"firewall {firewall}: the design requires it, but the modelled path does not pass it"


def required_boxes(flow: FlowResult, firewall: str) -> list[Box]:
    """The path the design rule asks for: client, subnet, a route to the firewall, the firewall,
    the private endpoint, the vault."""
    observed = observed_boxes(flow, firewall)
    subnet = next((b.name for b in observed if b.kind == "subnet"), "client subnet")
    client = observed[0].name if observed else flow.client_ip
    pe = next((h.name for h in flow.expected_path if h.hop is HopKind.PRIVATE_ENDPOINT), "")
    vault = next((h.name for h in flow.expected_path if h.hop is HopKind.VAULT), "vault")
    return [
        Box(HopKind.CLIENT.value, client, REQUIRED, "", f"client {client}"),
        Box("subnet", subnet, REQUIRED, "NIC", f"subnet {subnet}"),
        Box(HopKind.UDR.value, "UDR to the firewall", REQUIRED, "route lookup",
            f"a route in {subnet} that sends the vault's traffic to {firewall}"),
        Box(HopKind.FIREWALL.value, firewall, REQUIRED, "next hop firewall",
            f"firewall {firewall} (design rule)"),
        Box(HopKind.PRIVATE_ENDPOINT.value, pe or "private endpoint", REQUIRED,
            "allowed by a rule", "the vault's private endpoint"),
        Box(HopKind.VAULT.value, vault, REQUIRED, "private link", f"vault {vault}"),
    ]


# --------------------------------------------------------------------------- drawing


def _x(text: object, limit: int) -> str:
    """Escaped, neutralised, shortened text for an SVG element or attribute."""
    return escape(shorten(neutralise(text), limit), quote=True)


def _lines(text: str, width: int, count: int) -> list[str]:
    """Greedy word wrap into at most ``count`` lines of ``width`` characters (the last cut)."""
    words: list[str] = []
    for whole in text.split():  # long names break after "/" or, failing that, anywhere
        rest = whole
        while len(rest) > width:
            cut = rest.rfind("/", 1, width) + 1 or width
            words.append(rest[:cut])
            rest = rest[cut:]
        words.append(rest)
    lines: list[str] = []
    current = ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    lines.append(current)
    if len(lines) > count:
        lines = [*lines[: count - 1], " ".join(lines[count - 1 :])]
    return [shorten(line, width) for line in lines if line]


def _box(box: Box, x: int, y: int) -> str:
    fill, stroke, dash, glyph = STYLE[box.status]
    dashes = f' stroke-dasharray="{dash}"' if dash else ""
    width = 3 if box.status in (SKIPPED, HopStatus.NOT_OBSERVED.value) else 2
    word = STATUS_WORD[box.status]
    name_lines = _lines(neutralise(box.name), 18, 2)
    parts = [
        f'<g class="hop st-{box.status}" data-kind="{box.kind}" data-status="{box.status}">',
        f"<title>{_x(box.detail, 240)}</title>",
        f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="{fill}" '
        f'stroke="{stroke}" stroke-width="{width}"{dashes}/>',
        f'<text x="{x + PAD}" y="{y + 14}" class="k">{_x(KIND_WORD.get(box.kind, box.kind), 24)}'
        "</text>",
    ]
    for i, line in enumerate(name_lines):
        parts.append(f'<text x="{x + PAD}" y="{y + 30 + 13 * i}" class="n">{_x(line, 18)}</text>')
    parts.append(
        f'<text x="{x + PAD}" y="{y + BOX_H - 6}" class="s" fill="{stroke}">{glyph} {word}</text>'
    )
    parts.append("</g>")
    return "".join(parts)


def _edge_label(text: str, x_mid: int, y: int, width: int = 15, *, above: bool = False) -> str:
    """One or two lines centred on ``x_mid``, from ``y`` down (or ending at ``y`` when above)."""
    out = []
    lines = _lines(neutralise(text), width, 2)
    if above:
        y -= 12 * (len(lines) - 1)
    for i, line in enumerate(lines):
        out.append(
            f'<text x="{x_mid}" y="{y + 12 * i}" class="e" text-anchor="middle">{_x(line, width)}'
            "</text>"
        )
    return "".join(out)


def _row(boxes: list[Box], top: int, label: str) -> tuple[str, int, int]:
    """A row's SVG, its width and its height (room for an arc only when a box is skipped)."""
    room = ARC_ROOM if any(b.status == SKIPPED for b in boxes) else 18
    y = top + ROW_LABEL_H + room
    parts = [f'<text x="0" y="{top + 14}" class="row">{escape(label)}</text>']
    previous_x: int | None = None
    skipped_between = False
    for i, box in enumerate(boxes):
        x = i * (BOX_W + GAP)
        parts.append(_box(box, x, y))
        if box.status == SKIPPED:
            skipped_between = True
            continue
        if previous_x is not None:
            parts.append(_arrow(previous_x + BOX_W, x, y, box.edge, arc=skipped_between))
        previous_x, skipped_between = x, False
    width = len(boxes) * (BOX_W + GAP) - GAP
    return "".join(parts), width, ROW_LABEL_H + room + BOX_H + 14


def _arrow(x1: int, x2: int, y: int, label: str, *, arc: bool) -> str:
    mid_y = y + BOX_H // 2
    if not arc:
        line = (
            f'<line x1="{x1 + 2}" y1="{mid_y}" x2="{x2 - 4}" y2="{mid_y}" class="a" '
            'marker-end="url(#nl-arrow)"/>'
        )
        tip = f"<title>{_x(label, 240)}</title>" if label else ""
        return f'<g class="edge">{tip}{line}{_edge_label(label, (x1 + x2) // 2, mid_y - 16)}</g>'
    top = y - 26  # over the skipped box: the traffic goes around the firewall
    path = (
        f'<path d="M{x1 + 2},{mid_y} C{x1 + 40},{top} {x2 - 40},{top} {x2 - 4},{mid_y}" '
        'class="a bypass" marker-end="url(#nl-arrow-red)"/>'
    )
    text = f"bypass: {label}" if label else "bypass"
    label_svg = _edge_label(text, (x1 + x2) // 2, top - 8, width=40, above=True)
    return f'<g class="edge"><title>{_x(text, 240)}</title>{path}{label_svg}</g>'


def path_svg(flow: FlowResult, firewall: str | None, label: str) -> str:
    """The picture for one client: the required path (when a firewall is required) above the
    modelled/observed one. ``label`` names the client for screen readers."""
    rows: list[tuple[list[Box], str]] = []
    if firewall:
        rows.append((required_boxes(flow, firewall), "Required by the design rule"))
    observed = observed_boxes(flow, firewall)
    if observed:
        caption = "Modelled path, coloured by what the logs show"
        if not flow.expected_path:
            caption = "What the vault's log shows (no modelled path: client not in the topology)"
        rows.append((observed, caption))
    parts: list[str] = []
    top, width = 0, BOX_W
    for boxes, caption in rows:
        svg, row_width, height = _row(boxes, top, caption)
        parts.append(svg)
        top, width = top + height, max(width, row_width)
    return (
        f'<svg class="pathsvg" viewBox="-2 0 {width + 4} {top}" width="{width + 4}" role="img" '
        f'aria-label="path of {_x(label, 120)}" xmlns="http://www.w3.org/2000/svg">'
        f"{''.join(parts)}</svg>"
    )


# Arrow heads, written once per page (``MARKER_DEFS``) and referenced by every picture.
MARKER_DEFS = (
    '<svg class="defs-only" width="0" height="0" aria-hidden="true" '
    'xmlns="http://www.w3.org/2000/svg"><defs>'
    '<marker id="nl-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
    'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#546e7a"/></marker>'
    '<marker id="nl-arrow-red" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
    'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#c62828"/></marker>'
    "</defs></svg>"
)
