"""Timeline data: one marker per record when small, counted buckets when large."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import polars as pl

from netlogs import schemas
from netlogs.model import TraceResult
from netlogs.report import timeline as tl


def _markers(t: tl.Timeline) -> int:
    """Markers actually in the SVG text (each carries one <title> tooltip)."""
    return t.svg.count("<title>")


def _tips(t: tl.Timeline) -> list[str]:
    return [part.split("</title>", 1)[0] for part in t.svg.split("<title>")[1:]]


def test_small_timeline_draws_every_record(sample_result: TraceResult) -> None:
    assert sample_result.timeline is not None
    t = tl.build_timeline(sample_result)
    assert _markers(t) == t.markers == sample_result.timeline.height == 162
    names = [s.name for s in t.series]
    assert names == [  # vault first; the legend names HTTP statuses and firewall actions
        "Key Vault request: HTTP 403 (denied)",
        "Key Vault request: HTTP 200",
        "Firewall record: Deny",
        "Firewall record: Allow",
        "Flow record: allowed",
    ]
    assert t.series[0].css == "o-denied"  # denied is drawn hollow red
    assert t.lanes[0] == "10.2.1.4 vnet-spoke2/snet-vm"
    assert "one marker per record" in t.note
    assert "2026-11-20T10:05:00.000Z · 10.2.1.4 · SecretGet 200 · row kv:0:0" in _tips(t)
    assert t.svg.count("<circle ") == 54 and t.svg.count("<rect ") >= 54  # shapes per family


def test_lanes_are_tall_enough_to_read_in_print(sample_result: TraceResult) -> None:
    t = tl.build_timeline(sample_result)
    width, height = (float(v) for v in t.svg.split('viewBox="0 0 ', 1)[1].split('"')[0].split())
    a4_printable_px = 186 / 25.4 * 96  # A4 minus 12 mm margins, in CSS px
    lane_px = tl.LANE * a4_printable_px / width
    assert lane_px >= 18
    assert height >= tl.LANE * len(t.lanes)


def test_same_result_same_figure(sample_result: TraceResult) -> None:
    shuffled = sample_result.timeline.sample(fraction=1.0, shuffle=True, seed=3)  # type: ignore[union-attr]
    other = dataclasses.replace(sample_result, timeline=shuffled)
    assert tl.build_timeline(other) == tl.build_timeline(sample_result)


def test_without_timeline_frame_the_cited_evidence_is_drawn(sample_result: TraceResult) -> None:
    result = dataclasses.replace(sample_result, timeline=None)
    t = tl.build_timeline(result)
    assert _markers(t) == sum(len(f.evidence) for f in result.flows) == 27
    assert {s.name: s.css for s in t.series} == {
        "Key Vault request: HTTP 200": "o-ok",  # outcome derived from the summary
        "Firewall record: Allow": "o-ok",
        "Flow record: cited": "o-other",
    }


def _big_timeline(result: TraceResult, rows: int, clients: int) -> pl.DataFrame:
    """``rows`` records spread over the window and over ``clients`` client IPs."""
    span_us = int(result.window.duration / timedelta(microseconds=1))
    idx = pl.int_range(0, rows, dtype=pl.Int64)
    family = idx % 3
    return pl.select(
        time=pl.lit(result.window.start) + pl.duration(microseconds=(idx * 7919) % span_us),
        client_ip=pl.format("10.20.{}.{}", (idx % clients) // 200, (idx % clients) % 200 + 1),
        family=pl.when(family == 0)
        .then(pl.lit("keyvault"))
        .when(family == 1)
        .then(pl.lit("firewall"))
        .otherwise(pl.lit("flow")),
        label=pl.when(family == 0)
        .then(
            pl.when(idx % 10 == 0).then(pl.lit("SecretGet 403")).otherwise(pl.lit("SecretGet 200"))
        )
        .when(family == 1)
        .then(pl.lit("Allow allow-kv"))
        .otherwise(pl.lit("O B")),
        outcome=pl.when(idx % 10 == 0).then(pl.lit("denied")).otherwise(pl.lit("ok")),
        row_id=pl.format("r{}", idx),
    ).cast(dict(schemas.TIMELINE))


def test_large_timeline_is_counted_in_buckets(sample_result: TraceResult) -> None:
    big = _big_timeline(sample_result, 200_000, clients=121)
    t = tl.build_timeline(dataclasses.replace(sample_result, timeline=big, flows=()))
    assert t.records == 200_000
    assert 0 < _markers(t) == t.markers <= tl.AGGREGATE_LIMIT
    total = sum(int(tip.rsplit(": ", 1)[1].split()[0]) for tip in _tips(t))
    assert total == 200_000  # every record is counted exactly once
    hovers = " ".join(_tips(t))
    assert "HTTP 403" in hovers and "HTTP 200" in hovers and "Allow" in hovers
    assert "counted per" in t.note


def test_lanes_are_capped_for_huge_client_counts(sample_result: TraceResult) -> None:
    big = _big_timeline(sample_result, 30_000, clients=tl.MAX_LANES + 50)
    t = tl.build_timeline(dataclasses.replace(sample_result, timeline=big, flows=()))
    assert len(t.lanes) == tl.MAX_LANES
    assert t.svg.count('class="lab"') == tl.MAX_LANES
    assert "50 quieter client(s) are not drawn" in t.note
