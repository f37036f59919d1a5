"""The HTML page stays bounded with tens of thousands of clients and still shows every violation
(or says how many it could not list)."""

from __future__ import annotations

import dataclasses
import re
from html import escape as html_escape
from pathlib import Path
from typing import Any

import pytest

from netlogs.model import FlowResult, TraceResult, Verdict
from netlogs.report.html import render_html
from netlogs.report.html_clients import MAX_CARDS, MAX_TABLE_ROWS, select_clients
from netlogs.report.html_view import MAX_ANSWER_VIOLATIONS, report_view

CLIENTS = 20_000
VIOLATIONS = 3_500
UNDECIDED = 40
LONG_CAUSE = "route table rt-spoke says " + "0.0.0.0/0 -> 10.0.0.68 " * 20  # ~480 chars


def _many(sample: TraceResult, clients: int, violations: int, undecided: int) -> TraceResult:
    """``clients`` flows cloned from the sample's: violations, undecided, then firewall-routed."""
    by_verdict = {f.verdict: f for f in sample.flows}
    bypass = by_verdict[Verdict.REACHED_BYPASSING_FIREWALL]
    unsure = by_verdict[Verdict.INCONCLUSIVE]
    fine = by_verdict[Verdict.REACHED_VIA_FIREWALL]
    flows: list[FlowResult] = []
    for i in range(clients):
        base = bypass if i < violations else unsure if i < violations + undecided else fine
        ip = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
        flows.append(
            dataclasses.replace(base, client_ip=ip, client=f"vnet-{i % 50}/snet", cause=LONG_CAUSE)
        )
    return dataclasses.replace(sample, flows=tuple(flows))


_RENDERED: dict[str, tuple[TraceResult, str]] = {}


@pytest.fixture
def huge_page(sample_result: TraceResult) -> tuple[TraceResult, str]:
    """Rendered once per session: three tests read the same 20 000-client page."""
    if "page" not in _RENDERED:
        result = _many(sample_result, CLIENTS, VIOLATIONS, UNDECIDED)
        _RENDERED["page"] = (result, render_html(result))
    return _RENDERED["page"]


def _section(html: str, start: str, end: str) -> str:
    begin = html.index(start)
    return html[begin : html.index(end, begin)]


def test_huge_page_is_bounded(huge_page: tuple[TraceResult, str]) -> None:
    _, html = huge_page
    assert len(html.encode("utf-8")) < 15_000_000
    assert len(_section(html, '<section id="clients"', "</section>")) < 4_000_000
    assert html.count('<details class="client') == MAX_CARDS
    table = _section(html, 'id="verdict-table"', "</table>")
    assert table.count("<tr class=") == MAX_TABLE_ROWS
    # the cause is written once per row, not shortened and then again in full
    assert table.count(html_escape(LONG_CAUSE)) == MAX_TABLE_ROWS
    assert "show all" not in table


def test_huge_page_is_honest_about_what_it_leaves_out(huge_page: tuple[TraceResult, str]) -> None:
    _, html = huge_page
    answer = _section(html, '<section id="answer"', "</section>")
    assert answer.count('class="finding tone-violation"') == MAX_ANSWER_VIOLATIONS
    assert f"{VIOLATIONS - MAX_ANSWER_VIOLATIONS} more violation(s) are not listed" in answer
    assert f"{VIOLATIONS} in all" in answer
    clients = _section(html, '<section id="clients"', "</section>")
    assert f"The table lists {MAX_TABLE_ROWS} of {CLIENTS} clients" in clients
    assert f"Detail cards are drawn for {MAX_CARDS} of {CLIENTS} clients" in clients
    assert f"{CLIENTS - MAX_CARDS} client(s) have no card here" in clients
    assert f"including {VIOLATIONS - MAX_CARDS} violation(s)" in clients
    assert "The JSON result has" in clients
    grouped = _section(html, 'id="group-table"', "</table>")
    cells = re.findall(r'<td class="num">(\d+)</td><td class="num">(\d+)</td>', grouped)
    assert sum(int(n) for n, _ in cells) == CLIENTS - MAX_TABLE_ROWS  # table or a group
    assert sum(int(v) for _, v in cells) == VIOLATIONS - MAX_TABLE_ROWS  # rows went to violations


def test_every_link_has_a_target(huge_page: tuple[TraceResult, str]) -> None:
    _, html = huge_page
    targets = set(re.findall(r'\bid="([^"]+)"', html))
    links = set(re.findall(r'href="#([^"]*)"', html))
    assert links and links <= targets


def test_cards_go_to_violations_then_undecided(sample_result: TraceResult) -> None:
    result = _many(sample_result, 1_000, 10, UNDECIDED)
    view = report_view(result)
    cards = view["cards"]
    assert len(cards) == MAX_CARDS
    assert sum(c.flow.violation for c in cards) == 10
    assert sum(c.flow.verdict.is_undecided for c in cards) == UNDECIDED
    assert len(view["table_clients"]) == 1_000 and view["groups"] == ()
    assert view["without_card"] == 1_000 - MAX_CARDS and view["violations_without_card"] == 0


def test_small_results_keep_every_row_and_card(sample_result: TraceResult) -> None:
    chosen = select_clients(sample_result.flows)
    everyone = frozenset(range(len(sample_result.flows)))
    assert chosen.cards == everyone and chosen.rows == everyone and chosen.groups == ()
    html = render_html(sample_result)
    assert html.count('<details class="client') == len(sample_result.flows)
    assert "cap-note" not in html.split("</style>", 1)[1]


@pytest.mark.chromium
def test_huge_page_loads_in_chromium(
    heavy_tool: Any, tmp_path: Path, huge_page: tuple[TraceResult, str]
) -> None:
    """A 20k-client page loads and draws its capped sections without page errors.

    The load time itself is a benchmark number (benchmarks/report_bench.py), not asserted here.
    """
    from playwright.sync_api import sync_playwright

    chromium = heavy_tool("chromium", "HTML report load time")
    report = tmp_path / "huge.html"
    report.write_text(huge_page[1], encoding="utf-8")
    errors: list[str] = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.route("**/*", _only(report.as_uri()))
            page.goto(report.as_uri(), wait_until="load", timeout=120_000)
            assert page.locator("#verdict-table tbody tr").count() == MAX_TABLE_ROWS
            assert page.locator("details.client").count() == MAX_CARDS
            assert "have no card here" in page.inner_text("#card-cap")
        finally:
            browser.close()
    assert not errors


def _only(url: str) -> Any:
    """A Playwright route handler that lets only the report file itself load."""

    def route(request_route: Any) -> None:
        if request_route.request.url == url:
            request_route.continue_()
        else:
            request_route.abort()

    return route
