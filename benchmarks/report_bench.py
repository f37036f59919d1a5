"""HTML report size and browser load time at the 1M-request scale (targets: < 25 MB, load < 10 s).

Builds a TraceResult by hand (no correlation needed): a timeline frame with 1M Key Vault
requests plus firewall and flow records over one day, per-client flows with cited evidence,
gaps, queries and a completeness ledger. Renders the HTML, then opens it in Debian's headless
Chromium (Playwright drives /usr/bin/chromium) with every network request blocked, and times the
load event and the moment the timeline has drawn.

    .venv/bin/python benchmarks/report_bench.py      # full size; writes RESULTS-report.md
    .venv/bin/python benchmarks/report_bench.py --requests 100000 --no-write

``--from-scale DIR`` measures the real thing instead: netlogs' own ``trace()`` pipeline reads the
canonical Parquet that ``benchmarks/scale_data.py`` wrote to DIR (through ``FileSource``), judged
against the scale estate's topology (built below), and ``write_html`` renders the result.

    .venv/bin/python benchmarks/scale_data.py --scale 1 --out /tmp/nl-1
    .venv/bin/python benchmarks/report_bench.py --from-scale /tmp/nl-1 --runs 2
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import polars as pl
from bench_machine import describe
from scale_estate import evidence_dir, scale_request, scale_topology

from netlogs import schemas
from netlogs.model import (
    EvidenceRow,
    FlowResult,
    Gap,
    GapKind,
    HopKind,
    HopStatus,
    LedgerEntry,
    LogFamily,
    ObservedHop,
    PrivateEndpointRef,
    QueryRecord,
    SourceStatus,
    SourceSummary,
    TimeWindow,
    TraceResult,
    VaultOutcome,
    VaultSummary,
    Verdict,
)
from netlogs.report.timeline import build_timeline

START = datetime(2026, 11, 20, tzinfo=timezone.utc)
DAY = timedelta(days=1)
CHROMIUM = "/usr/bin/chromium"
RESULTS = Path(__file__).with_name("RESULTS-report.md")
NOTES = """## What keeps it small and fast

- the timeline is one server-side SVG (no chart library); the rest is the page and its tables.
- Above 5 000 timeline records the chart counts records per client x family x outcome x
  HTTP status/firewall action x time bucket (the bucket grows until at most 15 000 markers
  remain); each marker is one SVG element with its tooltip.
- Client caps (`netlogs/report/html_clients.py`): at most 300 client cards (violations first,
  then undecided flows, then the rest) and 2 000 verdict-table rows (same order); the clients
  beyond are counted per verdict x address prefix (/24, widened until at most 500 groups), the
  answer lists at most 1 000 violation sentences, and the page says how many were left out and
  that the JSON result has every client. A long cause is written once per table row and
  clipped to three lines by CSS.
- Large pages (over 25 clients or 1 000 cited rows) collapse the non-violation client cards and
  use `content-visibility: auto` plus a fixed-layout evidence table, so the browser does not lay
  out thousands of off-screen rows before the load event. Without this, the same page at 100k
  requests took 9.5 s to its load event on this machine; with it, about 3.5 s.
"""
VERDICT_MIX = (
    (Verdict.REACHED_VIA_FIREWALL, 0.7),
    (Verdict.REACHED_BYPASSING_FIREWALL, 0.1),
    (Verdict.BLOCKED_BY_FIREWALL, 0.05),
    (Verdict.REACHED_VIA_SERVICE_ENDPOINT, 0.05),
    (Verdict.BLOCKED_BY_VAULT_NETWORK_RULES, 0.05),
    (Verdict.INCONCLUSIVE, 0.05),
)


def client_ip(i: int) -> str:
    return f"10.{20 + i // 250}.{i % 250 // 50}.{i % 50 + 4}"


def timeline_frame(requests: int, clients: int, seed: int = 7) -> pl.DataFrame:
    """``requests`` vault requests, 0.7x as many firewall and 0.3x flow records, one day."""
    parts = []
    for family, share in (("keyvault", 1.0), ("firewall", 0.7), ("flow", 0.3)):
        n = int(requests * share)
        idx = pl.int_range(0, n, dtype=pl.Int64)
        scrambled = (idx * 2_654_435_761 + seed) % 1_000_003  # cheap deterministic spread
        client = scrambled % clients
        denied = scrambled % 97 == 0
        parts.append(
            pl.select(
                time=pl.lit(START) + pl.duration(microseconds=(idx * 86_400_000_000) // n),
                client_ip=pl.format(
                    "10.{}.{}.{}", 20 + client // 250, client % 250 // 50, client % 50 + 4
                ),
                family=pl.lit(family),
                label=_labels(family, denied, scrambled),
                outcome=pl.when(denied).then(pl.lit("denied")).otherwise(pl.lit("ok")),
                row_id=pl.format("{}:{}", pl.lit(family), idx),
            )
        )
    return pl.concat(parts).cast(pl.Schema(schemas.TIMELINE)).sort("time")


def _labels(family: str, denied: pl.Expr, scrambled: pl.Expr) -> pl.Expr:
    if family == "keyvault":
        status = (
            pl.when(denied)
            .then(pl.lit("403"))
            .when(scrambled % 11 == 0)
            .then(pl.lit("401"))
            .otherwise(pl.lit("200"))
        )
        return pl.concat_str(pl.lit("SecretGet "), status)
    if family == "firewall":
        return pl.when(denied).then(pl.lit("Deny deny-all")).otherwise(pl.lit("Allow allow-kv"))
    return pl.lit("O B 10.1.2.4:443")


def flow_results(clients: int, requests: int) -> tuple[FlowResult, ...]:
    flows, per_client = [], requests // clients
    bounds, acc = [], 0.0
    for verdict, share in VERDICT_MIX:
        acc += share
        bounds.append((acc * clients, verdict))
    for i in range(clients):
        verdict = next(v for bound, v in bounds if i < bound)
        ip = client_ip(i)
        evidence = tuple(
            EvidenceRow(
                family,
                table,
                f"{table}:{i}:{k}",
                START + timedelta(minutes=7 * k + i % 7),
                f"{ip}:{40000 + k} -> 10.1.2.4:443 SecretGet 200 "
                f"https://kv1.vault.azure.net/secrets/app-{i}-{k}?api-version=7.4",
            )
            for k in range(10)
            for family, table in (
                (LogFamily.KEYVAULT, "AZKVAuditLogs"),
                (LogFamily.FIREWALL, "AZFWNetworkRule"),
                (LogFamily.FLOW, "NTANetAnalytics"),
            )
        )
        flows.append(
            FlowResult(
                client_ip=ip,
                client=f"vnet-spoke{i // 50}/snet-{i % 50}",
                verdict=verdict,
                cause=f"udr 0.0.0.0/0 -> 10.0.0.68 (rt-spoke{i // 50})",
                violation=verdict
                in (Verdict.REACHED_BYPASSING_FIREWALL, Verdict.REACHED_VIA_SERVICE_ENDPOINT),
                vault_outcome=VaultOutcome.SERVED,
                requests=per_client,
                http_status={"200": per_client - per_client // 10, "401": per_client // 10},
                operations={
                    "SecretGet": per_client - per_client // 10,
                    "Authentication": per_client // 10,
                },
                first_seen=START,
                last_seen=START + DAY - timedelta(seconds=1),
                expected_path=(
                    ObservedHop(HopKind.CLIENT, ip, "VM NIC", HopStatus.OBSERVED),
                    ObservedHop(
                        HopKind.UDR,
                        f"rt-spoke{i // 50}",
                        "0.0.0.0/0 -> 10.0.0.68",
                        HopStatus.UNOBSERVABLE,
                    ),
                    ObservedHop(
                        HopKind.FIREWALL, "fw-hub", "network rule allow-kv", HopStatus.OBSERVED
                    ),
                    ObservedHop(
                        HopKind.PRIVATE_ENDPOINT, "pe-kv1", "10.1.2.4", HopStatus.UNOBSERVABLE
                    ),
                    ObservedHop(HopKind.VAULT, "kv1", "AZKVAuditLogs", HopStatus.OBSERVED),
                ),
                evidence=evidence,
                evidence_omitted=per_client * 2,
            )
        )
    return tuple(flows)


def trace_result(requests: int, clients: int) -> TraceResult:
    hours = [START + timedelta(hours=h) for h in range(25)]
    return TraceResult(
        vault=VaultSummary(
            "kv1",
            (PrivateEndpointRef("pe-kv1", "10.1.2.4", "vnet-hub/snet-pe"),),
            "Disabled",
            "fw-hub",
        ),
        window=TimeWindow(START, START + DAY),
        sources=(
            SourceSummary(LogFamily.KEYVAULT, "AZKVAuditLogs", requests, SourceStatus.COMPLETE),
            SourceSummary(
                LogFamily.FIREWALL, "AZFWNetworkRule", 10 * requests, SourceStatus.COMPLETE
            ),
            SourceSummary(LogFamily.FLOW, "NTANetAnalytics", 5 * requests, SourceStatus.COMPLETE),
        ),
        flows=flow_results(clients, requests),
        gaps=(Gap(GapKind.SNAT_AMBIGUOUS, "10.0.0.70 matches 3 clients", ("10.20.0.4",)),),
        queries=tuple(
            QueryRecord(
                name, f"{name}\n| where TimeGenerated between (...)", "ab" * 32, "P1D", "ws-1"
            )
            for name in ("keyvault_requests", "azfw_network_rules", "vnet_flow_logs")
        ),
        ledger=tuple(
            LedgerEntry(name, "ws-1", a, b, requests // 24, SourceStatus.COMPLETE, 900.0, "cd" * 32)
            for name in ("keyvault_requests", "azfw_network_rules")
            for a, b in itertools.pairwise(hours)
        ),
        topology_sha256="12" * 32,
        netlogs_version="bench",
        generated_at=START + DAY + timedelta(minutes=30),
        timeline=timeline_frame(requests, clients),
    )


def traced_scale(data: Path) -> tuple[TraceResult, float, float]:
    """Run ``trace()`` over scale_data.py's Parquet; the result, its seconds and peak RSS (MB)."""
    import resource

    from netlogs.pipeline.trace import trace
    from netlogs.sources.files import FileSource

    with evidence_dir(data) as logs:
        started = time.perf_counter()
        # timeline=True: what ``netlogs trace --html`` asks for, so the page draws the rows
        request = scale_request(data, timeline=True)
        result = trace(request, FileSource(logs, prefilter=True), scale_topology())
        seconds = time.perf_counter() - started
    if result.timeline is None:
        raise SystemExit("trace() built no timeline: the page would be measured without one")
    return result, seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _only(url: str, seen: list[str]) -> Callable[[Any], None]:
    """A route handler that lets ``url`` through and records and aborts everything else."""

    def handle(route: Any) -> None:
        seen.append(route.request.url)
        if route.request.url == url:
            route.continue_()
        else:
            route.abort()

    return handle


def browser_times(path: Path, runs: int) -> tuple[list[float], list[float], int]:
    """Seconds to the load event and to a drawn timeline, per run; and blocked requests."""
    from playwright.sync_api import sync_playwright

    loads, drawn, blocked = [], [], 0
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            requests: list[str] = []
            page.route("**/*", _only(path.as_uri(), requests))
            started = time.perf_counter()
            page.goto(path.as_uri(), wait_until="load", timeout=120_000)
            loads.append(time.perf_counter() - started)
            page.wait_for_function(
                "document.querySelector('#nl-timeline svg') !== null", timeout=120_000
            )
            drawn.append(time.perf_counter() - started)
            blocked += len(requests) - 1
            page.close()
        browser.close()
    return loads, drawn, blocked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=140)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--from-scale",
        type=Path,
        metavar="DIR",
        help="trace scale_data.py's Parquet in DIR with the real pipeline instead of a synthetic "
        "TraceResult",
    )
    parser.add_argument("--no-write", action="store_true", help="do not update RESULTS-report.md")
    args = parser.parse_args()
    if args.from_scale is not None:
        lines = measure_scale(args.from_scale, args.runs)
    else:
        lines = measure_synthetic(args.requests, args.clients, args.runs)
    print("\n".join(lines))
    if not args.no_write:
        _write_results(lines, real=args.from_scale)


def measure_synthetic(requests: int, clients: int, runs: int) -> list[str]:
    started = time.perf_counter()
    result = trace_result(requests, clients)
    built = time.perf_counter() - started
    assert result.timeline is not None
    cited = sum(len(f.evidence) for f in result.flows)
    head = [
        f"- dataset: {requests:,} vault requests; timeline frame {result.timeline.height:,} "
        f"rows; {clients} clients; {cited:,} cited rows",
        f"- build TraceResult: {built:.2f} s",
    ]
    return head + _page_lines(result, runs)


def measure_scale(data: Path, runs: int) -> list[str]:
    import json

    meta = json.loads((data / "meta.json").read_text())
    result, traced, peak_mb = traced_scale(data)
    rows = result.timeline.height if result.timeline is not None else 0
    verdicts: dict[str, int] = {}
    for flow in result.flows:
        verdicts[flow.verdict.value] = verdicts.get(flow.verdict.value, 0) + 1
    head = [
        f"- dataset: `{data}` from scale_data.py: {meta['kv_requests']:,} vault requests, "
        f"{meta['fw_events']:,} firewall records, {meta['flows']:,} flow records "
        f"({meta['days']} day)",
        f"- trace() (FileSource, normalize, correlate, verdicts): {traced:.1f} s, "
        f"peak RSS {peak_mb:,.0f} MB",
        f"- result: {len(result.flows):,} flows, {len(result.gaps):,} gaps, timeline frame "
        f"{rows:,} rows, {sum(len(f.evidence) for f in result.flows):,} cited rows",
        f"- verdicts: {json.dumps(dict(sorted(verdicts.items())))}",
    ]
    return head + _page_lines(result, runs)


def _page_lines(result: TraceResult, runs: int) -> list[str]:
    """Render with write_html, then time the page in Chromium."""
    from netlogs.report.html import write_html

    markers, note, kind = 0, "no timeline", "-"
    if result.timeline is not None:
        drawn_timeline = build_timeline(result)
        markers = drawn_timeline.markers
        kind, note = "svg", drawn_timeline.note
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.html"
        started = time.perf_counter()
        write_html(result, path)
        rendered = time.perf_counter() - started
        size_mb = path.stat().st_size / 1_000_000
        where = _bytes_by_section(path.read_text(encoding="utf-8"))
        loads, drawn, blocked = browser_times(path, runs)
    return [
        f"- render HTML (write_html): {rendered:.2f} s",
        f"- timeline: {markers:,} markers ({kind}); {note}",
        f"- HTML size: {size_mb:.1f} MB (target < 25 MB: {'met' if size_mb < 25 else 'MISSED'})",
        f"- Chromium load event: median {statistics.median(loads):.2f} s over {runs} runs "
        f"(max {max(loads):.2f} s; target < 10 s: {'met' if max(loads) < 10 else 'MISSED'})",
        f"- timeline drawn: median {statistics.median(drawn):.2f} s (max {max(drawn):.2f} s)",
        f"- network requests besides the file: {blocked} (all blocked and counted)",
        f"- where the bytes go (MB): {where}",
    ]


def _bytes_by_section(page: str) -> str:
    """MB of the page per top-level <section id=...>, scripts counted apart; and client cards."""
    import re

    scripts = sum(len(m.group(0)) for m in re.finditer(r"<script.*?</script>", page, re.S))
    marks = [(m.start(), m.group(1)) for m in re.finditer(r'<section[^>]*id="([^"]+)"', page)]
    marks.append((len(page), ""))
    parts = [f"scripts {scripts / 1e6:.1f}"]
    for (start, name), (end, _) in itertools.pairwise(marks):
        inline = sum(
            len(m.group(0)) for m in re.finditer(r"<script.*?</script>", page[start:end], re.S)
        )
        parts.append(f"{name} {(end - start - inline) / 1e6:.1f}")
    cards = page.count('<details class="client ')
    return ", ".join(parts) + f"; {cards:,} client cards"


REAL_HEADING = "## Real pipeline on the scale data"


def _write_results(lines: list[str], real: Path | None) -> None:
    """Rewrite one section of RESULTS-report.md, keeping the other."""
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    notes_at = old.find(NOTES.splitlines()[0])
    body = old[:notes_at] if notes_at >= 0 else old
    synthetic, _, real_part = body.partition(REAL_HEADING)
    if real is not None:
        real_part = (
            f"\n\nCommand: `.venv/bin/python benchmarks/report_bench.py --from-scale {real}` "
            f"after `benchmarks/scale_data.py --scale N --out {real}`. `trace()` runs over the "
            "canonical Parquet through `FileSource`, with the timeline rows `--html` asks for "
            "(`TraceRequest.timeline`), against `SCALE_TOPOLOGY` (the §8.0 estate "
            "grown to the generator's client ranges); `write_html` renders the page. Unlike the "
            "synthetic page (140 clients), this estate has thousands of distinct callers (about "
            "20 000 at 1x), one flow "
            "each. Since the client caps (see below) the page draws 300 client cards and 2 000 "
            "verdict-table rows; the other clients are counted per verdict and address prefix, "
            "and the JSON result has them all.\n"
            f"Machine: {describe(polars=pl.__version__)}.\n\n" + "\n".join(lines) + "\n\n"
        )
    else:
        synthetic = (
            "# HTML report benchmark\n\n"
            "Command: `.venv/bin/python benchmarks/report_bench.py` (Debian chromium "
            "headless, `--disable-gpu`, software WebGL; Playwright only drives it). A synthetic "
            "TraceResult built by hand.\n"
            f"Machine: {describe(polars=pl.__version__)}.\n\n" + "\n".join(lines) + "\n\n"
        )
    page = synthetic.rstrip("\n") + "\n\n"
    if real_part.strip():
        page += REAL_HEADING + real_part.rstrip("\n") + "\n\n"
    RESULTS.write_text(page + NOTES, encoding="utf-8")


if __name__ == "__main__":
    main()
