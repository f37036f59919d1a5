"""The ``flows`` of the ``netlogs.trace/v1`` document: as plain values, and as text written
flow by flow.

The flows are nearly all of a large document (at 1× scale ~20k flows citing ~700k rows, 230 MB
of text). Building every cited row as a dict and then walking the dicts again to indent them
cost most of a run's time and twice the document in memory, so ``flow_texts`` writes each flow's
text directly: the few fields of the flow through ``dumps_indented``, every cited row (always
the same five keys at the same depth) with one template. Strings still go through the standard
library's ``encode_basestring``, and times through ``terms.utc_texts``: the text is exactly what
``dumps_indented(flow_to_dict(flow))`` writes (the tests compare the two).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from enum import Enum
from json.encoder import encode_basestring
from operator import itemgetter
from typing import Any

from netlogs.model import (
    EvidenceRow,
    FlowResult,
    HopKind,
    HopStatus,
    LogFamily,
    ObservedHop,
    Verdict,
)
from netlogs.report.json_text import INDENT, dumps_indented
from netlogs.report.vocabulary import ip_sort_key
from netlogs.terms import utc_text, utc_texts

__all__ = ["flow_key", "flow_texts", "flow_to_dict"]

# (time, source, table, row, summary): the cited rows' canonical order (a str enum orders as
# its value, so the tuple fields can be compared as they are)
EVIDENCE_ORDER = itemgetter(3, 0, 1, 2, 4)
_ENUM_TEXT: dict[Enum, str] = {
    member: encode_basestring(member.value)
    for kind in (LogFamily, HopKind, HopStatus)
    for member in kind
}
_FLUSH_PARTS = 4096  # text pieces gathered before they are handed on as one chunk


def flow_key(flow: FlowResult) -> tuple[Any, ...]:
    return (ip_sort_key(flow.client_ip), flow.client or "", _VERDICT_RANK[flow.verdict])


def flow_to_dict(flow: FlowResult) -> dict[str, Any]:
    """One flow as plain JSON-ready values (its cited rows last, in their canonical order)."""
    fields = _flow_fields(flow)
    fields["expected_path"] = [_hop(h) for h in flow.expected_path]  # hop order is the path
    fields["evidence"] = [_evidence(row) for row in sorted(flow.evidence, key=EVIDENCE_ORDER)]
    return fields


def flow_texts(flows: Iterable[FlowResult], newline: str) -> Iterator[str]:
    """The JSON array of ``flows`` (in the order given), in chunks of text; ``newline`` is the
    array's own indentation, as ``dumps_indented`` takes it."""
    item = newline + INDENT
    parts: list[str] = []
    separator = "[" + item
    for flow in flows:
        parts.append(separator)
        _write_flow(flow, parts, item)
        separator = "," + item
        if len(parts) >= _FLUSH_PARTS:
            yield "".join(parts)
            parts.clear()
    if separator[0] == "[":  # no flow
        yield "[]"
        return
    parts.append(newline + "]")
    yield "".join(parts)


def _write_flow(flow: FlowResult, parts: list[str], newline: str) -> None:
    member = newline + INDENT
    separator = "{" + member
    for key, value in _flow_fields(flow).items():
        parts.append(f"{separator}{encode_basestring(key)}: {dumps_indented(value, member)}")
        separator = "," + member
    parts.append(separator + '"expected_path": ')
    _write_hops(flow.expected_path, parts, member)
    parts.append(separator + '"evidence": ')
    _write_evidence(flow.evidence, parts, member)
    parts.append(newline + "}")


def _write_hops(hops: tuple[ObservedHop, ...], parts: list[str], newline: str) -> None:
    """The expected path's array, one template per hop (as ``_write_evidence``)."""
    if not hops:
        parts.append("[]")
        return
    item = newline + INDENT
    inner = item + INDENT
    head, name_key = "{" + inner + '"hop": ', "," + inner + '"name": '
    detail_key, status_key = "," + inner + '"detail": ', "," + inner + '"status": '
    tail = item + "}"
    separator = "[" + item
    for hop in hops:
        kind, name, detail, status = hop.hop, hop.name, hop.detail, hop.status
        if (
            type(kind) is HopKind
            and type(status) is HopStatus
            and type(name) is type(detail) is str
        ):
            parts.append(
                f"{separator}{head}{_ENUM_TEXT[kind]}{name_key}{encode_basestring(name)}"
                f"{detail_key}{encode_basestring(detail)}{status_key}{_ENUM_TEXT[status]}{tail}"
            )
        else:
            parts.append(separator + dumps_indented(_hop(hop), item))
        separator = "," + item
    parts.append(newline + "]")


def _write_evidence(rows: tuple[EvidenceRow, ...], parts: list[str], newline: str) -> None:
    """The cited rows' array: one template per row when its fields are what the model says
    (anything else goes through ``dumps_indented``, so the text stays the same)."""
    if not rows:
        parts.append("[]")
        return
    item = newline + INDENT
    inner = item + INDENT
    head = "{" + inner + '"source": '
    table_key, row_key = "," + inner + '"table": ', "," + inner + '"row": '
    time_key, summary_key = "," + inner + '"time": "', '",' + inner + '"summary": '
    tail = item + "}"
    ordered = sorted(rows, key=EVIDENCE_ORDER)
    times = utc_texts([row.time for row in ordered], "microseconds")
    separator = "[" + item
    for cited, time in zip(ordered, times, strict=True):
        source, table, row, _, summary = cited
        if type(source) is LogFamily and type(table) is type(row) is type(summary) is str:
            parts.append(
                f"{separator}{head}{_ENUM_TEXT[source]}{table_key}{encode_basestring(table)}"
                f"{row_key}{encode_basestring(row)}{time_key}{time}{summary_key}"
                f"{encode_basestring(summary)}{tail}"
            )
        else:
            parts.append(separator + dumps_indented(_evidence(cited), item))
        separator = "," + item
    parts.append(newline + "]")


def _flow_fields(flow: FlowResult) -> dict[str, Any]:
    return {
        "client_ip": flow.client_ip,
        "client": flow.client,
        "verdict": flow.verdict.value,
        "cause": flow.cause,
        "violation": flow.violation,
        "vault_outcome": flow.vault_outcome.value,
        "requests": flow.requests,
        "http_status": {k: flow.http_status[k] for k in sorted(flow.http_status)},
        "operations": {k: flow.operations[k] for k in sorted(flow.operations)},
        "first_seen": utc_text(flow.first_seen, "microseconds") if flow.first_seen else None,
        "last_seen": utc_text(flow.last_seen, "microseconds") if flow.last_seen else None,
        "snat_candidates": sorted(flow.snat_candidates, key=ip_sort_key),
        "evidence_omitted": flow.evidence_omitted,
    }


def _hop(hop: ObservedHop) -> dict[str, Any]:
    return {
        "hop": hop.hop.value,
        "name": hop.name,
        "detail": hop.detail,
        "status": hop.status.value,
    }


def _evidence(row: EvidenceRow) -> dict[str, Any]:
    return {
        "source": row.source.value,
        "table": row.table,
        "row": row.row,
        "time": utc_text(row.time, "microseconds"),
        "summary": row.summary,
    }


_VERDICT_RANK = {v: i for i, v in enumerate(Verdict)}
