"""The predicted smallest fix in each report: JSON round trip, HTML (escaped), Markdown, text."""

from __future__ import annotations

import dataclasses
import json

import pytest

from netlogs.errors import InputError
from netlogs.json_schemas import TRACE_V1, schema_errors
from netlogs.model import PredictedFix, TraceResult
from netlogs.report.html import render_html
from netlogs.report.json import dumps_trace_result, trace_result_from_dict, trace_result_to_dict
from netlogs.report.markdown import render_markdown
from netlogs.report.text import render_text

COMMANDS = (
    "az network route-table route create -g <resource-group> --route-table-name rt-a -n r1 "
    "--address-prefix 10.1.2.4/32 --next-hop-type VirtualAppliance --next-hop-ip-address 10.0.0.68",
)


def fix_for(result: TraceResult, **changes: object) -> PredictedFix:
    flow = next(f for f in result.flows if f.violation)
    fix = PredictedFix(
        flow.client_ip,
        flow.client,
        ("udr:vnet-spoke3/snet-app:10.1.2.4/32->fw-hub",),
        "add a UDR 10.1.2.4/32 -> fw-hub (10.0.0.68) for vnet-spoke3/snet-app (route table rt-a)",
        COMMANDS,
        "10.3.1.5 -> rt-a/r1 -> fw-hub -> pe-kv -> kv (delivered, confidence high)",
        "REACHED_VIA_FIREWALL (predicted)",
        ("vm-b (10.3.1.6): delivered without a firewall -> delivered through fw-hub",),
        "the topology does not record resource groups",
    )
    return dataclasses.replace(fix, **changes)  # type: ignore[arg-type]


def test_fixes_round_trip_through_the_json_document(sample_result: TraceResult) -> None:
    result = dataclasses.replace(sample_result, fixes=(fix_for(sample_result),))
    doc = trace_result_to_dict(result)
    assert doc["fixes"][0]["changes"] == ["udr:vnet-spoke3/snet-app:10.1.2.4/32->fw-hub"]
    assert doc["fixes"][0]["affected_clients"][0].startswith("vm-b (10.3.1.6)")
    assert schema_errors(json.loads(dumps_trace_result(result)), TRACE_V1) == []
    again = trace_result_from_dict(json.loads(dumps_trace_result(result)))
    assert again.fixes == result.fixes


def test_a_result_written_before_fixes_existed_still_reads(sample_result: TraceResult) -> None:
    doc = json.loads(dumps_trace_result(sample_result))
    del doc["fixes"]
    assert trace_result_from_dict(doc).fixes == ()


def test_a_malformed_fix_names_its_field(sample_result: TraceResult) -> None:
    doc = json.loads(
        dumps_trace_result(dataclasses.replace(sample_result, fixes=(fix_for(sample_result),)))
    )
    doc["fixes"][0]["az_commands"] = [1]
    with pytest.raises(InputError, match=r"field \$\.fixes\[0\]\.az_commands: item 0 is an? int"):
        trace_result_from_dict(doc, origin="r.json")


def test_html_shows_the_fix_under_the_violation_escaped(sample_result: TraceResult) -> None:
    hostile = "<script>alert(1)</script>"
    fix = fix_for(
        sample_result, az_commands=(COMMANDS[0], f"echo {hostile}"), description=f"add {hostile}"
    )
    page = render_html(dataclasses.replace(sample_result, fixes=(fix,)))
    violations = page.split('id="violations"')[1].split("</ol>")[0]
    assert "Smallest fix (predicted by the model, not applied): add &lt;script&gt;" in violations
    assert (
        '<pre class="fix-az"><code>az network route-table route create -g &lt;resource-group&gt;'
        in violations
    )
    assert "\necho &lt;script&gt;alert(1)&lt;/script&gt;</code></pre>" in violations
    assert "it also changes the path of 1 other client(s): vm-b (10.3.1.6)" in violations
    assert hostile not in page


def test_markdown_and_terminal_show_the_fix(sample_result: TraceResult) -> None:
    result = dataclasses.replace(sample_result, fixes=(fix_for(sample_result),))
    markdown = render_markdown(result)
    assert "   ```sh\n   " + COMMANDS[0] + "\n   ```" in markdown
    text = render_text(result, color=False, width=200)
    assert (
        "fix: udr:vnet-spoke3/snet-app:10.1.2.4/32->fw-hub -> REACHED_VIA_FIREWALL "
        "(predicted), changes 1 other client(s)"
    ) in text


def test_no_fix_found_is_said_in_words(sample_result: TraceResult) -> None:
    fix = fix_for(
        sample_result,
        changes=(),
        az_commands=(),
        predicted_path="",
        predicted_verdict="",
        affected=(),
        note="no single change nor pair works",
    )
    result = dataclasses.replace(sample_result, fixes=(fix,))
    assert "No fix predicted: no single change nor pair works." in render_markdown(result)
    assert "fix: none predicted (no single change nor pair works)" in render_text(
        result, color=False, width=200
    )
