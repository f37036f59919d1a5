"""A discovered trace's extra facts in every format: the design rule's source (a rule read from
the routes is said first) and the diagnostic / flow-log settings under the source table; the
JSON round-trips them and documents written before them still load."""

from __future__ import annotations

import dataclasses
import json

import pytest

from netlogs.errors import InputError
from netlogs.model import (
    LOG_SETTING_DIAGNOSTIC,
    LOG_SETTING_FLOW_LOG,
    RULE_ASSUMED,
    LogSetting,
    TraceResult,
)
from netlogs.report.answer import design_rule
from netlogs.report.html import render_html
from netlogs.report.json import trace_result_from_dict, trace_result_to_dict
from netlogs.report.markdown import render_markdown
from netlogs.report.text import render_text

NOTE = "assumed from the routes: traffic must pass fw-hub (every modelled path from a/b meets it)"
RULE = (
    "assumed from the routes: traffic must pass fw-hub (--require-firewall NAME or none to decide)"
)
SETTINGS = (
    LogSetting(
        LOG_SETTING_DIAGNOSTIC, "kv-contoso-prod", "to-law", ("AuditEvent",),
        "workspace law-a (resource-specific tables)", True, 90, None,
    ),
    LogSetting(
        LOG_SETTING_FLOW_LOG, "vnet-hub", "fl-hub", (),
        "Traffic Analytics workspace law-a; storage account st1", True, 7, 10,
    ),
    LogSetting(LOG_SETTING_DIAGNOSTIC, "fw-hub", "off-one", (), "storage account st1", False),
)


@pytest.fixture
def discovered(sample_result: TraceResult) -> TraceResult:
    vault = dataclasses.replace(
        sample_result.vault,
        required_firewall="fw-hub",
        required_firewall_source=RULE_ASSUMED,
        required_firewall_note=NOTE,
    )
    return dataclasses.replace(sample_result, vault=vault, log_settings=SETTINGS)


def test_json_keeps_the_rule_source_and_settings_and_round_trips(discovered: TraceResult) -> None:
    doc = json.loads(json.dumps(trace_result_to_dict(discovered)))
    assert doc["vault"]["required_firewall_source"] == RULE_ASSUMED
    assert doc["vault"]["required_firewall_note"] == NOTE
    assert [s["name"] for s in doc["log_settings"]] == ["to-law", "fl-hub", "off-one"]
    assert doc["log_settings"][1]["traffic_analytics_interval_min"] == 10
    again = trace_result_from_dict(doc)
    assert again.vault == discovered.vault
    assert again.log_settings == SETTINGS
    assert trace_result_to_dict(again) == doc


def test_an_older_document_without_them_still_loads(discovered: TraceResult) -> None:
    doc = trace_result_to_dict(discovered)
    for key in ("required_firewall_source", "required_firewall_note"):
        del doc["vault"][key]
    del doc["log_settings"]
    again = trace_result_from_dict(doc)
    assert (again.vault.required_firewall_source, again.vault.required_firewall_note) == ("", "")
    assert again.log_settings == ()
    assert design_rule(again) == f"design rule: traffic to {again.vault.name} must pass fw-hub"


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["vault"].update(required_firewall_source="guessed"),
         "$.vault.required_firewall_source"),
        (lambda d: d["log_settings"][0].update(kind="alert rule"), "$.log_settings[0].kind"),
        (lambda d: d["log_settings"][1].update(retention_days="7"),
         "$.log_settings[1].retention_days"),
    ],
)
def test_invalid_values_name_their_field(
    discovered: TraceResult, mutate: object, field: str
) -> None:
    doc = json.loads(json.dumps(trace_result_to_dict(discovered)))
    mutate(doc)  # type: ignore[operator]
    with pytest.raises(InputError, match=r"saved\.json: field ") as caught:
        trace_result_from_dict(doc, origin="saved.json")
    assert field in str(caught.value)


def test_the_terminal_says_the_assumed_rule_first_and_lists_the_settings(
    discovered: TraceResult,
) -> None:
    text = render_text(discovered, color=False, width=200)
    assert text.splitlines()[0] == RULE
    settings = text.split("Log settings (discovered):", 1)[1]
    assert (
        "diagnostic setting to-law of kv-contoso-prod: on, AuditEvent -> workspace law-a "
        "(resource-specific tables), retention 90 d"
    ) in settings
    assert (
        "flow log fl-hub on vnet-hub: on -> Traffic Analytics workspace law-a; storage account "
        "st1, retention 7 d, Traffic Analytics every 10 min"
    ) in settings
    assert "diagnostic setting off-one of fw-hub: off, none enabled -> storage account st1" in (
        settings
    )


def test_markdown_and_html_banners_say_it_and_list_the_settings(discovered: TraceResult) -> None:
    markdown = render_markdown(discovered)
    assert f"**{RULE}**" in markdown.split("### ", 1)[0]  # the banner, before any section
    assert "| flow log | vnet-hub | fl-hub | on | - | Traffic Analytics workspace law-a; " in (
        markdown
    )
    html = render_html(discovered)
    banner = html.split('<span class="rule">', 1)[1].split("</span>\n", 1)[0]
    assert "assumed from the routes: traffic must pass fw-hub" in banner
    assert html.index('id="sources-table"') < html.index('id="log-settings-table"')
    assert "every 10 min" in html.split('id="log-settings-table"', 1)[1].split("</table>", 1)[0]


def test_without_discovery_nothing_extra_is_rendered(sample_result: TraceResult) -> None:
    assert "Log settings" not in render_markdown(sample_result)
    assert 'id="log-settings-table"' not in render_html(sample_result)
    assert "Log settings" not in render_text(sample_result, color=False)
    assert trace_result_to_dict(sample_result)["log_settings"] == []
