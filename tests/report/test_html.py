"""The HTML page without a browser: structure, determinism, escaping and self-containment."""

from __future__ import annotations

import dataclasses
import difflib
import subprocess
import sys
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest

from netlogs.errors import ConfigError
from netlogs.model import TraceResult
from netlogs.report.html import render_html, report_asset_dir, write_html
from netlogs.report.html_view import MAX_EVIDENCE_ROWS, report_view


class _Page(HTMLParser):
    """Collects tags, attributes and text so tests can ask what a browser would build."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    return parser


def test_page_is_self_contained(sample_result: TraceResult) -> None:
    page = _parse(render_html(sample_result))
    for tag, attrs in page.tags:
        for name in ("src", "href", "action", "srcset", "data", "poster"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("http:", "https:", "//", "javascript:")), (tag, attrs)
        if tag == "link":
            pytest.fail(f"external stylesheet or resource: {attrs}")
    scripts = [attrs for tag, attrs in page.tags if tag == "script"]
    assert len(scripts) == 1 and all("src" not in s for s in scripts)
    csp = next(a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv"))
    assert csp is not None and "default-src 'none'" in csp and "connect-src 'none'" in csp
    # no eval, no inline code or style other than the page's own (pinned by hash)
    assert "unsafe-eval" not in csp and "unsafe-inline" not in csp
    assert "script-src 'sha256-" in csp and "style-src 'sha256-" in csp


def test_page_is_light_and_draws_without_a_chart_library(sample_result: TraceResult) -> None:
    html = render_html(sample_result)
    assert len(html.encode("utf-8")) < 300_000  # was 4.9 MB with plotly.js inside
    assert "plotly" not in html.lower()
    timeline = html[html.index('<div id="nl-timeline"') :]
    assert timeline.count("<circle ") + timeline.count("<rect ") > 100  # markers drawn as SVG


def test_sections_in_order_and_every_client_listed(sample_result: TraceResult) -> None:
    html = render_html(sample_result)
    positions = [
        html.index(f'<section id="{s}"')
        for s in ("answer", "legend", "clients", "timeline", "gaps", "evidence")
    ]
    assert positions == sorted(positions)
    table = html[
        html.index('id="verdict-table"') : html.index("</table>", html.index('id="verdict-table"'))
    ]
    for flow in sample_result.flows:
        assert f"<bdi>{flow.client_ip}</bdi>" in table
        assert flow.verdict.value in table
    assert "design rule: traffic to kv-contoso-prod must pass fw-hub" in html
    for status in ("observed", "not_observed", "unobservable", "not_covered", "pending", "skipped"):
        assert f'class="hop st-{status}"' in html
    assert "enable AZFWNetworkRule on the firewall&#39;s diagnostic setting" in html
    assert "120 more matching row(s) counted but not cited" in html
    assert "AZKVAuditLogs\n| where 1 == 1" in html  # the KQL, line breaks kept
    assert "ef" * 32 in html and "12" * 32 in html  # input file and topology hashes


def test_no_firewall_rule_is_stated(build_result: object) -> None:
    result = build_result(firewall=None)  # type: ignore[operator]
    assert "no firewall rule given" in render_html(result)


def test_only_the_generation_line_differs(build_result: object) -> None:
    first = build_result(generated_at=datetime(2026, 11, 20, 12, 5, tzinfo=timezone.utc))  # type: ignore[operator]
    second = build_result(generated_at=datetime(2027, 1, 2, 3, 4, tzinfo=timezone.utc))  # type: ignore[operator]
    a, b = render_html(first).splitlines(), render_html(second).splitlines()
    changed = [
        line
        for line in difflib.unified_diff(a, b, lineterm="", n=0)
        if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))
    ]
    assert changed == [
        '-<p id="generated-at">Generated at 2026-11-20T12:05:00Z.</p>',
        '+<p id="generated-at">Generated at 2027-01-02T03:04:00Z.</p>',
    ]


def test_hostile_text_is_escaped(hostile_result: TraceResult, payloads: dict[str, str]) -> None:
    html = render_html(hostile_result)
    page = _parse(html)
    assert [t for t, _ in page.tags].count("script") == 1
    banned = ("img", "image", "foreignobject", "use", "iframe", "object", "embed")
    assert not any(t in banned for t, _ in page.tags)
    svg_tags = {"svg", "defs", "marker", "path", "g", "title", "rect", "text", "line", "circle"}
    inside_svg = _svg_tags(html)
    assert inside_svg and inside_svg <= svg_tags  # log text never became an SVG element
    for tag, attrs in page.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert "javascript:" not in (attrs.get("href") or "")
    text = "".join(page.text)
    assert payloads["script"] in text  # shown to the reader, as text
    assert "[U+202E]" in text and "\u202e" not in html and "\u200b" not in html
    title = html.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<" not in title and title.count("&lt;script&gt;") == 1  # text, even in the title
    # the hostile label reaches the SVG pictures, as text: in a tooltip and in a lane label
    titles = [t for t in page.text if payloads["script"][:20] in t]
    assert titles


def _svg_tags(html: str) -> set[str]:
    """Every element name used inside the page's <svg> elements."""
    found: set[str] = set()
    for part in html.split("<svg")[1:]:
        page = _parse("<svg" + part.split("</svg>", 1)[0] + "</svg>")
        found |= {tag for tag, _ in page.tags}
    return found


def test_long_values_are_folded_but_complete(
    hostile_result: TraceResult, payloads: dict[str, str]
) -> None:
    html = render_html(hostile_result)
    assert "show all" in html
    assert payloads["long"] in html  # the full value stays available


def test_evidence_rows_are_capped(sample_result: TraceResult) -> None:
    flow = sample_result.flows[0]
    many = flow.evidence * (MAX_EVIDENCE_ROWS // 3 + 10)
    result = dataclasses.replace(sample_result, flows=(dataclasses.replace(flow, evidence=many),))
    view = report_view(result)
    assert len(view["evidence"]) == MAX_EVIDENCE_ROWS
    assert view["evidence_total"] == len(many)


def test_write_html_is_atomic(tmp_path: Path, sample_result: TraceResult) -> None:
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")
    write_html(sample_result, target)
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temp file left
    with pytest.raises(
        ConfigError, match=r"missing[/\\]report\.html: cannot write"
    ):
        write_html(sample_result, tmp_path / "missing" / "report.html")


def test_templates_resolve_from_the_checkout() -> None:
    folder = report_asset_dir()
    assert (folder / "report.html.j2").is_file()
    assert (folder / "report.css").is_file() and (folder / "report.js").is_file()


def test_report_modules_load_no_jinja_until_rendering() -> None:
    code = (
        "import sys, netlogs.report.json, netlogs.report.text, netlogs.report.markdown, "
        "netlogs.report.html; print('plotly' in sys.modules, 'jinja2' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_templates_resolve_from_an_installed_wheel(tmp_path: Path) -> None:
    package = tmp_path / "site-packages" / "netlogs"
    data = package / "_data" / "reports"
    data.mkdir(parents=True)
    (data / "report.html.j2").write_text("x", encoding="utf-8")
    assert report_asset_dir(package) == data
    with pytest.raises(
        ConfigError, match=r"report templates not found: looked for report\.html\.j2"
    ):
        report_asset_dir(tmp_path / "elsewhere" / "netlogs")


def test_empty_result_still_renders(sample_result: TraceResult) -> None:
    empty = dataclasses.replace(
        sample_result,
        flows=(),
        gaps=(),
        queries=(),
        ledger=(),
        inputs=(),
        sources=(),
        timeline=None,
    )
    html = render_html(empty)
    for sentence in (
        "No traffic to the vault was found in the window.",
        "No gap: every source needed for these verdicts was present and complete.",
        "No violation is proven.",
        "NO TRAFFIC",
        "No traffic to kv-contoso-prod was found in the window",
        "No row is cited.",
        "No query was run (offline input files only).",
    ):
        assert sentence in html
    assert "None" not in html.split("<script>")[0]  # no Python None leaking into the page
