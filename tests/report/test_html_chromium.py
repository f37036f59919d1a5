"""The HTML report in a real browser: Debian's headless Chromium driven by Playwright.

Playwright only drives the browser: it is launched from /usr/bin/chromium (``heavy_tool``), never
from a downloaded build.
"""

from __future__ import annotations

import dataclasses
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from netlogs.model import TraceResult
from netlogs.report.html import write_html

pytestmark = pytest.mark.chromium

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def _page(
    executable: str, viewport: tuple[int, int] = (1300, 900)
) -> Iterator[tuple[Any, dict[str, list[str]]]]:
    """A fresh page that records dialogs, page errors and every network request."""
    from playwright.sync_api import sync_playwright

    seen: dict[str, list[str]] = {"dialogs": [], "errors": [], "requests": []}
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=executable, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
            page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
            page.on("pageerror", lambda e: seen["errors"].append(str(e)))
            page.on(
                "console", lambda m: seen["errors"].append(m.text) if m.type == "error" else None
            )
            yield page, seen
        finally:
            browser.close()


def _open(page: Any, path: Path, seen: dict[str, list[str]]) -> None:
    """Load the file with every request other than the file itself blocked and recorded."""
    url = path.as_uri()

    def route(request_route: Any) -> None:
        seen["requests"].append(request_route.request.url)
        if request_route.request.url == url:
            request_route.continue_()
        else:
            request_route.abort()

    page.route("**/*", route)
    page.goto(url, wait_until="load")
    page.wait_for_function("document.querySelector('#nl-timeline svg') !== null")


def _distinct_colours(png: bytes) -> int:
    """Number of distinct pixel colours in an 8-bit RGB/RGBA PNG (Chromium's screenshots)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(png):
        size, kind = struct.unpack(">I4s", png[pos : pos + 8])
        body = png[pos + 8 : pos + 8 + size]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + size
    raw, stride = zlib.decompress(idat), width * channels
    previous, colours = bytearray(stride), set()
    for y in range(height):
        kind, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up, corner = previous[x], previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                line[x] = (line[x] + pred) & 0xFF
        colours.update(bytes(line[i : i + 3]) for i in range(0, stride, channels * 7))
        previous = line
    return len(colours)


def test_report_draws_in_chromium(
    heavy_tool: Any, tmp_path: Path, sample_result: TraceResult
) -> None:
    chromium = heavy_tool("chromium", "HTML report checks")
    report = tmp_path / "report.html"
    write_html(sample_result, report)
    with _page(chromium) as (page, seen):
        _open(page, report, seen)
        points = page.locator("#nl-timeline g.m > *").count()
        assert points == 162  # one marker per timeline record
        rows = page.locator("#verdict-table tbody tr")
        assert rows.count() == len(sample_result.flows)
        table_text = page.inner_text("#verdict-table")
        for flow in sample_result.flows:
            assert flow.client_ip in table_text and flow.verdict.value in table_text
        shot = page.locator("#timeline").screenshot(path=str(tmp_path / "timeline.png"))
        assert _distinct_colours(shot) > 20  # axes, labels and coloured markers, not a blank box
        page.screenshot(path=str(tmp_path / "page.png"))
    assert seen["errors"] == [] and seen["dialogs"] == []
    assert seen["requests"] == [report.as_uri()]  # offline: nothing but the file itself


def test_sorting_and_filtering_work(
    heavy_tool: Any, tmp_path: Path, sample_result: TraceResult
) -> None:
    chromium = heavy_tool("chromium", "HTML report checks")
    report = tmp_path / "report.html"
    write_html(sample_result, report)
    with _page(chromium) as (page, seen):
        _open(page, report, seen)
        page.click("#verdict-table th:nth-child(5)")  # Requests, numeric
        first = page.inner_text("#verdict-table tbody tr:first-child td:nth-child(5)")
        page.click("#verdict-table th:nth-child(5)")
        last_first = page.inner_text("#verdict-table tbody tr:first-child td:nth-child(5)")
        assert (first, last_first) == ("0", "42")
        page.fill("#evidence-filter", "10.5.0.4")
        visible = page.locator("#evidence-table tbody tr:not([hidden])").count()
        assert visible == 3  # the three rows cited for that client
    assert seen["errors"] == []


def test_hostile_content_never_runs(
    heavy_tool: Any, tmp_path: Path, hostile_result: TraceResult, payloads: dict[str, str]
) -> None:
    chromium = heavy_tool("chromium", "HTML report checks")
    report = tmp_path / "hostile.html"
    write_html(hostile_result, report)
    with _page(chromium) as (page, seen):
        _open(page, report, seen)
        page.hover("#nl-timeline g.m > * >> nth=0", force=True)
        page.hover("svg.pathsvg g.hop >> nth=0", force=True)
        page.click(".long summary >> nth=0")
        for link in page.locator("a").all()[:20]:
            link.click(no_wait_after=True)
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert page.locator("img").count() == 0
        assert page.locator("script").count() == 1
        body = page.inner_text("body")
        assert payloads["script"] in body and payloads["img"] in body
        assert "[U+202E]" in body
        full = page.evaluate(
            "Math.max(...[...document.querySelectorAll('.long .full')]"
            ".map(e => e.textContent.length))"
        )
        assert full >= len(payloads["long"])
        lanes = page.locator("#nl-timeline svg").text_content() or ""
        assert "<script>" in lanes  # SVG text shows the label, it does not parse it
        pictures = " ".join(page.locator("svg.pathsvg").all_text_contents())
        assert '<img src=x onerror="window.__pwned' in pictures  # the firewall's name, as text
        assert page.locator("svg foreignObject").count() == 0
    assert seen["dialogs"] == []
    assert seen["errors"] == []
    assert seen["requests"] == [report.as_uri()]


def test_counted_timeline_draws(
    heavy_tool: Any, tmp_path: Path, sample_result: TraceResult
) -> None:
    import polars as pl

    chromium = heavy_tool("chromium", "HTML report checks")
    base = sample_result.timeline
    assert base is not None
    # 48 600 records spread in time: above the raw limit, so counted in buckets
    big = pl.concat(
        [base.with_columns(pl.col("time") + pl.duration(seconds=11 * k)) for k in range(300)]
    )
    report = tmp_path / "big.html"
    write_html(dataclasses.replace(sample_result, timeline=big), report)
    with _page(chromium) as (page, seen):
        _open(page, report, seen)
        assert "counted per" in page.inner_text("#timeline")
        assert page.locator("#nl-timeline g.m > *").count() > 500
        shot = page.locator("#nl-timeline").screenshot()
        assert _distinct_colours(shot) > 20
    assert seen["errors"] == [] and seen["dialogs"] == []


def test_sample_scenario_report_draws(heavy_tool: Any, tmp_path: Path) -> None:
    """The shipped scenario end to end: `netlogs trace ... --html` opens and shows every client."""
    import json

    from netlogs.cli import main

    chromium = heavy_tool("chromium", "HTML report checks")
    repo = Path(__file__).resolve().parents[2]
    report, result_json = tmp_path / "sample.html", tmp_path / "sample.json"
    argv = [
        "trace",
        "--vault",
        "kv-contoso-prod",
        "--topology",
        str(repo / "sample_data" / "topology.yaml"),
        "--logs",
        str(repo / "sample_data" / "logs"),
        "--html",
        str(report),
        "--json",
        str(result_json),
    ]
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code in (0, 1, 3)  # ran (the sample holds violations: 1)
    flows = json.loads(result_json.read_text(encoding="utf-8"))["flows"]
    assert len(flows) >= 5
    with _page(chromium) as (page, seen):
        _open(page, report, seen)
        table = page.inner_text("#verdict-table")
        for flow in flows:
            assert flow["client_ip"] in table and flow["verdict"] in table
        assert page.locator("#nl-timeline g.m > *").count() > 0
        shot = page.screenshot(path=str(tmp_path / "sample.png"))
        assert _distinct_colours(shot) > 20
    assert seen["errors"] == [] and seen["dialogs"] == []
    assert seen["requests"] == [report.as_uri()]


A4_PRINTABLE = (1123 - 2 * 38, 794)  # A4 landscape at 96 px/inch minus the page's 10 mm margins


def test_report_prints_on_a4_with_readable_lanes(
    heavy_tool: Any, tmp_path: Path, sample_result: TraceResult
) -> None:
    chromium = heavy_tool("chromium", "HTML report checks")
    report = tmp_path / "report.html"
    write_html(sample_result, report)
    with _page(chromium, viewport=A4_PRINTABLE) as (page, seen):
        _open(page, report, seen)
        page.emulate_media(media="print")
        assert page.locator("#evidence-filter").is_hidden()  # screen-only controls vanish
        lanes = page.evaluate(
            "[...document.querySelectorAll('#nl-timeline .lane')]"
            ".map(r => r.getBoundingClientRect().height)"
        )
        assert len(lanes) == 9 and min(lanes) >= 18  # readable on paper, not squeezed
        box = page.evaluate(
            "(() => { const r = document.querySelector('svg.pathsvg').getBoundingClientRect();"
            " return [r.width, r.height]; })()"
        )
        assert box[0] <= A4_PRINTABLE[0]  # path pictures fit the page...
        assert box[0] >= 0.65 * 1430  # ...without shrinking their text below ~8 px
        pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 50_000
    import re

    boxes = re.findall(rb"/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]", pdf)
    assert boxes and all(float(w) > float(h) for w, h in boxes)  # A4 landscape pages
    assert seen["errors"] == []


def _sample_report(tmp_path: Path) -> tuple[Path, list[dict[str, Any]]]:
    """`netlogs trace` on the shipped scenario, as a reviewer would run it."""
    import json

    from netlogs.cli import main

    repo = Path(__file__).resolve().parents[2]
    report, result_json = tmp_path / "sample.html", tmp_path / "sample.json"
    argv = [
        "trace", "--vault", "kv-contoso-prod",
        "--topology", str(repo / "sample_data" / "topology.yaml"),
        "--logs", str(repo / "sample_data" / "logs"),
        "--html", str(report), "--json", str(result_json), "--now", "2026-11-21T09:00:00Z",
        "-o", "none",
    ]
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 1  # the scenario holds violations on purpose
    flows: list[dict[str, Any]] = json.loads(result_json.read_text(encoding="utf-8"))["flows"]
    return report, flows


def _in_first_screen(page: Any, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 768


def test_answer_is_in_the_first_screen(heavy_tool: Any, tmp_path: Path) -> None:
    """At 1366x768, without scrolling: the banner and every violation's sentence."""
    chromium = heavy_tool("chromium", "HTML report checks")
    report, flows = _sample_report(tmp_path)
    violations = [f for f in flows if f["violation"]]
    assert len(violations) == 3
    with _page(chromium, viewport=(1366, 768)) as (page, seen):
        _open(page, report, seen)
        assert _in_first_screen(page, "#banner")
        assert page.inner_text("#banner").startswith("VIOLATIONS (3)")
        assert "design rule: traffic to kv-contoso-prod must pass fw-hub" in page.inner_text(
            "#banner"
        )
        sentences = page.locator("#violations li.finding .sentence")
        assert sentences.count() == 3
        for index in range(len(violations)):
            assert _in_first_screen(page, f"#violations li.finding >> nth={index}")
        text = page.inner_text("#violations")
        for flow in violations:
            assert flow["client_ip"] in text
        assert "without passing fw-hub: its subnet vnet-hub/snet-hub-mgmt has the private" in text
        title = page.title()
        assert not title.endswith("?") and title.startswith("3 of 14 client(s) reached")
        csp = page.get_attribute("meta[http-equiv='Content-Security-Policy']", "content") or ""
        assert "unsafe-eval" not in csp and "unsafe-inline" not in csp
        page.screenshot(path=str(tmp_path / "first-screen.png"))
    assert seen["errors"] == [] and seen["dialogs"] == []
    assert seen["requests"] == [report.as_uri()]


def test_each_violation_has_a_path_picture_with_the_skipped_firewall(
    heavy_tool: Any, tmp_path: Path
) -> None:
    chromium = heavy_tool("chromium", "HTML report checks")
    report, flows = _sample_report(tmp_path)
    with _page(chromium, viewport=(1366, 768)) as (page, seen):
        _open(page, report, seen)
        cards = page.locator("details.client.tone-violation")
        assert cards.count() == sum(1 for f in flows if f["violation"])
        for index in range(cards.count()):
            card = cards.nth(index)
            picture = card.locator("svg.pathsvg")
            assert picture.count() == 1 and picture.is_visible()
            skipped = picture.locator("g.hop[data-status='skipped']")
            assert skipped.count() == 1 and "SKIPPED" in (skipped.text_content() or "")
            assert "fw-hub" in (skipped.text_content() or "")
            box = skipped.bounding_box()
            assert box is not None and box["width"] > 60  # drawn, not collapsed
        fine = page.locator("details.client.tone-ok svg.pathsvg g.hop[data-status='skipped']")
        assert fine.count() == 0  # compliant clients pass the firewall in their picture
    assert seen["errors"] == []


def test_the_smallest_fix_shows_under_the_violation_in_the_first_screen(
    heavy_tool: Any, tmp_path: Path
) -> None:
    chromium = heavy_tool("chromium", "HTML report checks")
    report, _flows = _sample_report(tmp_path)
    with _page(chromium, viewport=(1366, 768)) as (page, seen):
        _open(page, report, seen)
        first = "#violations > li.finding:first-child"
        assert _in_first_screen(page, f"{first} .fix")
        line = page.inner_text(f"{first} .fix-line")
        assert line.startswith("Smallest fix (predicted by the model, not applied): add a UDR")
        assert "REACHED_VIA_FIREWALL (predicted)" in line
        code = page.inner_text(f"{first} pre.fix-az code").splitlines()
        assert code[0] == (
            "az network route-table create -g <resource-group> -n rt-snet-hub-mgmt-whatif"
        )
        assert len(code) == 3
        card = page.locator("details.client.tone-violation >> nth=0")
        assert card.locator("p.fix-card").is_visible()
    assert seen["errors"] == []
