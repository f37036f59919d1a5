"""The ``netlogs.trace/v1`` JSON document (contract.md §4): write it, and read it back.

Writing is canonical: key names are stable, times are ISO-8601 UTC with ``Z``, every list that has
no meaningful order of its own is sorted, so the same result gives byte-identical output. Reading
(for ``netlogs report RESULT.json``) rebuilds a ``TraceResult``; the timeline frame is not part of
the document, so a re-rendered HTML report draws its timeline from the cited evidence rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

from netlogs.errors import InputError
from netlogs.model import (
    Gap,
    InputFile,
    LedgerEntry,
    LogSetting,
    PredictedFix,
    QueryRecord,
    SourceSummary,
    TraceResult,
    VaultSummary,
)
from netlogs.report.json_flows import flow_key, flow_texts, flow_to_dict
from netlogs.report.json_read import trace_result_from_dict
from netlogs.report.json_text import INDENT, dumps_indented
from netlogs.report.vocabulary import ip_sort_key
from netlogs.terms import utc_text

SCHEMA = "netlogs.trace/v1"

__all__ = [
    "SCHEMA",
    "dumps_trace_result",
    "load_trace_result",
    "trace_json_chunks",
    "trace_result_from_dict",
    "trace_result_to_dict",
]


def trace_result_to_dict(result: TraceResult) -> dict[str, Any]:
    """The §4 document as plain JSON-ready values, in canonical order."""
    return _document(result, [flow_to_dict(f) for f in sorted(result.flows, key=flow_key)])


def trace_json_chunks(result: TraceResult) -> Iterator[str]:
    """The document's text (``dumps_trace_result``) in pieces (about a megabyte, or one flow
    when a flow cites more), so a large result reaches its file without ever being one string."""
    newline = "\n" + INDENT
    separator = "{" + newline
    for key, value in _document(result, flows=[]).items():
        if key == "flows":  # written flow by flow, not built as values first
            yield f'{separator}"flows": '
            yield from flow_texts(sorted(result.flows, key=flow_key), newline)
        else:
            yield f"{separator}{encode_basestring(key)}: {dumps_indented(value, newline)}"
        separator = "," + newline
    yield "\n}\n"


def dumps_trace_result(result: TraceResult) -> str:
    """Pretty, byte-stable JSON text ending in a newline."""
    return "".join(trace_json_chunks(result))


def _document(result: TraceResult, flows: list[dict[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "netlogs_version": result.netlogs_version,
        "generated_at": (
            utc_text(result.generated_at, "microseconds") if result.generated_at else None
        ),
        "topology_sha256": result.topology_sha256,
        "vault": _vault(result.vault),
        "window": {
            "start": utc_text(result.window.start, "microseconds"),
            "end": utc_text(result.window.end, "microseconds"),
        },
        "sources": [_source(s) for s in sorted(result.sources, key=_source_key)],
        # discovered traces: where each log family goes (their order is the discovery's)
        "log_settings": [_log_setting(s) for s in result.log_settings],
        "summary": summary(result),
        "flows": flows,
        "gaps": [_gap(g) for g in sorted(result.gaps, key=_gap_key)],
        "fixes": [_fix(f) for f in sorted(result.fixes, key=_fix_key)],
        "queries": [_query(q) for q in sorted(result.queries, key=_query_key)],
        "ledger": [_ledger(e) for e in sorted(result.ledger, key=_ledger_key)],
        "inputs": [_input(i) for i in sorted(result.inputs, key=lambda i: (i.path, i.sha256))],
    }
    if result.engine is not None:  # only the kusto engine records itself: older documents stay
        engine = result.engine
        document["engine"] = {
            "name": engine.name,
            "target": engine.target,
            "query_sha256": engine.query_sha256,
        }
        if engine.daily_rows:
            document["engine"]["daily_rows"] = [
                {"day": utc_text(d.day, "microseconds"), "table": d.table, "rows": d.rows}
                for d in engine.daily_rows
            ]
    return document


def load_trace_result(path: Path) -> TraceResult:
    """Read a saved result file; unreadable or invalid content is an ``InputError`` naming it."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the trace result: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}"
        ) from exc
    return trace_result_from_dict(data, origin=str(path))


def summary(result: TraceResult) -> dict[str, Any]:
    by_verdict: dict[str, int] = {}
    for flow in result.flows:
        by_verdict[flow.verdict.value] = by_verdict.get(flow.verdict.value, 0) + 1
    return {
        "flows": len(result.flows),
        "violations": result.violations,
        "inconclusive": sum(1 for f in result.flows if f.verdict.is_undecided),
        "by_verdict": {name: by_verdict[name] for name in sorted(by_verdict)},
    }


# --------------------------------------------------------------------------- pieces


def _vault(vault: VaultSummary) -> dict[str, Any]:
    endpoints = sorted(vault.private_endpoints, key=lambda p: (ip_sort_key(p.ip), p.name))
    return {
        "name": vault.name,
        "private_endpoints": [{"name": p.name, "ip": p.ip, "subnet": p.subnet} for p in endpoints],
        "public_network_access": vault.public_network_access,
        "required_firewall": vault.required_firewall,
        "required_firewall_source": vault.required_firewall_source or None,
        "required_firewall_note": vault.required_firewall_note,
    }


def _source(source: SourceSummary) -> dict[str, Any]:
    return {
        "family": source.family.value,
        "table": source.table,
        "rows": source.rows,
        "status": source.status.value,
        "detail": source.detail,
        "read": source.read,
        "used": source.used,
        "set_aside": dict(source.set_aside),
    }


def _log_setting(setting: LogSetting) -> dict[str, Any]:
    return {
        "kind": setting.kind,
        "resource": setting.resource,
        "name": setting.name,
        "categories": list(setting.categories),
        "destination": setting.destination,
        "enabled": setting.enabled,
        "retention_days": setting.retention_days,
        "traffic_analytics_interval_min": setting.traffic_analytics_interval_min,
    }


def _gap(gap: Gap) -> dict[str, Any]:
    return {
        "kind": gap.kind.value,
        "message": gap.message,
        "clients": sorted(gap.clients, key=ip_sort_key),
        "next_step": gap.next_step,
    }


def _fix(fix: PredictedFix) -> dict[str, Any]:
    """A prediction from the topology model (never evidence); lists keep their order."""
    return {
        "client_ip": fix.client_ip,
        "client": fix.client,
        "changes": list(fix.changes),
        "description": fix.description,
        "az_commands": list(fix.az_commands),
        "predicted_path": fix.predicted_path,
        "predicted_verdict": fix.predicted_verdict,
        "affected_clients": list(fix.affected),
        "note": fix.note,
    }


def _query(query: QueryRecord) -> dict[str, Any]:
    return {
        "name": query.name,
        "kql": query.kql,
        "sha256": query.sha256,
        "timespan": query.timespan,
        "workspace": query.workspace,
    }


def _ledger(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "template": entry.template,
        "workspace": entry.workspace,
        "start": utc_text(entry.start, "microseconds"),
        "end": utc_text(entry.end, "microseconds"),
        "rows": entry.rows,
        "status": entry.status.value,
        "server_time_ms": entry.server_time_ms,
        "query_sha256": entry.query_sha256,
        "detail": entry.detail,
    }


def _input(item: InputFile) -> dict[str, Any]:
    return {
        "path": item.path,
        "sha256": item.sha256,
        "detected_format": item.detected_format,
        "rows": item.rows,
    }


# --------------------------------------------------------------------------- sort keys


def _source_key(s: SourceSummary) -> tuple[str, str, str]:
    return (s.family.value, s.table, s.detail)


def _gap_key(g: Gap) -> tuple[Any, ...]:
    return (g.kind.value, g.message, g.clients)


def _fix_key(f: PredictedFix) -> tuple[Any, ...]:
    return (ip_sort_key(f.client_ip), f.client or "")


def _query_key(q: QueryRecord) -> tuple[str, ...]:
    return (q.name, q.workspace, q.timespan, q.sha256)


def _ledger_key(e: LedgerEntry) -> tuple[Any, ...]:
    return (e.template, e.workspace, e.start, e.end, e.query_sha256)

