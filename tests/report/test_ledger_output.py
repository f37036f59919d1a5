"""The row ledger in every output: JSON (and back), terminal, Markdown, the HTML source table."""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any

import pytest

from netlogs.errors import InputError
from netlogs.model import SourceStatus, TraceResult
from netlogs.report.html import render_html
from netlogs.report.json import dumps_trace_result, trace_result_to_dict
from netlogs.report.json_read import trace_result_from_dict
from netlogs.report.markdown import render_markdown
from netlogs.report.text import render_text

LEDGER_LINE = (
    "firewall AZFWNetworkRule: read 120, used 118, set aside 2 (malformed_address 2) — partial"
)


def _firewall(doc: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in doc["sources"] if s["table"] == "AZFWNetworkRule")
    return found


def test_json_sources_carry_the_ledger_as_an_object(sample_result: TraceResult) -> None:
    doc = json.loads(dumps_trace_result(sample_result))
    firewall = _firewall(doc)
    assert (firewall["read"], firewall["used"], firewall["rows"]) == (120, 118, 118)
    assert firewall["set_aside"] == {"malformed_address": 2}
    kv = next(s for s in doc["sources"] if s["table"] == "AZKVAuditLogs")
    assert (kv["read"], kv["used"], kv["set_aside"]) == (82, 82, {})


def test_json_ledger_round_trips(sample_result: TraceResult) -> None:
    doc = trace_result_to_dict(sample_result)
    again = trace_result_from_dict(json.loads(json.dumps(doc)))
    assert again.sources == tuple(
        sorted(sample_result.sources, key=lambda s: (s.family.value, s.table, s.status.value))
    )


def test_a_result_written_before_the_ledger_reads_as_every_row_used(
    sample_result: TraceResult,
) -> None:
    doc = json.loads(dumps_trace_result(sample_result))
    for source in doc["sources"]:
        for key in ("read", "used", "set_aside"):
            source.pop(key)
    again = trace_result_from_dict(doc)
    firewall = next(s for s in again.sources if s.table == "AZFWNetworkRule")
    assert (firewall.read, firewall.used, firewall.set_aside) == (118, 118, ())


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"read": 121}, "the ledger does not add up"),
        ({"set_aside": {"cosmic_rays": 2}}, "unknown reason 'cosmic_rays'"),
        ({"set_aside": {"malformed_address": "2"}}, "expected an integer"),
        ({"used": None}, "expected an integer, got null"),
    ],
)
def test_a_tampered_ledger_is_refused_naming_the_field(
    sample_result: TraceResult, change: dict[str, object], problem: str
) -> None:
    doc = json.loads(dumps_trace_result(sample_result))
    _firewall(doc).update(change)
    index = doc["sources"].index(_firewall(doc))
    with pytest.raises(InputError) as caught:
        trace_result_from_dict(doc, origin="saved.json")
    assert str(caught.value).startswith(f"saved.json: field $.sources[{index}].")
    assert problem in str(caught.value)


def test_terminal_summary_has_one_ledger_line_per_source(sample_result: TraceResult) -> None:
    text = render_text(sample_result, color=False)
    lines = text.splitlines()
    start = lines.index("Sources:")
    assert lines[start + 1 : start + 4] == [
        "  firewall AZFWNetworkRule: read 120, used 118, set aside 2 (malformed_address 2) "
        "— partial",
        "  flow NTANetAnalytics: read 0, used 0, set aside 0 — missing",
        "  keyvault AZKVAuditLogs: read 82, used 82, set aside 0",
    ]
    assert f"  {LEDGER_LINE}" in lines


def test_markdown_lists_the_ledger(sample_result: TraceResult) -> None:
    md = render_markdown(sample_result)
    assert "| Source | Status | Read | Used | Set aside | Detail |" in md
    assert (
        "| firewall AZFWNetworkRule | partial | 120 | 118 | malformed\\_address 2 | "
        "one chunk returned a partial result |"
    ) in md


def _cells(row: str, tag: str) -> list[str]:
    found = re.findall(rf"<{tag}[^>]*>(.*?)</{tag}>", row, re.S)
    return [unescape(re.sub(r"<[^>]+>", "", cell)) for cell in found]


def test_html_source_table_shows_read_used_and_set_aside(sample_result: TraceResult) -> None:
    page = render_html(sample_result)
    table = page.split('id="sources-table"', 1)[1].split("</table>", 1)[0]
    assert _cells(table, "th") == [
        "Family",
        "Table",
        "Read",
        "Used",
        "Set aside",
        "Status",
        "Detail",
    ]
    rows = {cells[1]: cells for row in table.split("<tr")[2:] if (cells := _cells(row, "td"))}
    assert rows["AZFWNetworkRule"][2:6] == ["120", "118", "malformed_address 2", "partial"]
    assert rows["AZKVAuditLogs"][2:6] == ["82", "82", "-", SourceStatus.COMPLETE.value]


def test_hostile_table_names_are_escaped_in_the_ledger_line(
    sample_result: TraceResult,
) -> None:
    import dataclasses

    source = dataclasses.replace(sample_result.sources[0], table="AZ\u202eKV\u00adLogs\x1b[31m")
    result = dataclasses.replace(sample_result, sources=(source,))
    text = render_text(result, color=False)
    assert "AZ[U+202E]KV[U+00AD]Logs[U+001B][31m" in text
    assert "\x1b" not in text and "\u00ad" not in text
