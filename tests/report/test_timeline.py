"""Timeline data: one marker per record when small, counted buckets when large."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import polars as pl

from netlogs import schemas
from netlogs.model import TraceResult
from netlogs.report import timeline as tl


def _markers(t: tl.Timeline) -> int:
    return sum(len(trace["x"]) for trace in t.traces)


def test_small_timeline_draws_every_record(sample_result: TraceResult) -> None:
    assert sample_result.timeline is not None
    t = tl.build_timeline(sample_result)
    assert _markers(t) == sample_result.timeline.height == 162
    assert {trace["type"] for trace in t.traces} == {"scatter"}  # SVG below SVG_LIMIT
    names = [trace["name"] for trace in t.traces]
    assert names[0].startswith("Key Vault request")  # vault first in the legend
    assert names == [  # the legend names HTTP statuses and firewall actions
        "Key Vault request: HTTP 403 (denied)",
        "Key Vault request: HTTP 200",
        "Firewall record: Deny",
        "Firewall record: Allow",
        "Flow record: allowed",
    ]
    assert t.traces[0]["marker"]["color"] == "#c62828"  # denied is red
    assert t.layout["yaxis"]["ticktext"][0] == "10.2.1.4 vnet-spoke2/snet-vm"
    assert "one marker per record" in t.note
    served = next(trace for trace in t.traces if trace["name"] == "Key Vault request: HTTP 200")
    assert served["text"][0] == "10.2.1.4 · SecretGet 200<br>kv:0:0"


def test_same_result_same_figure(sample_result: TraceResult) -> None:
    shuffled = sample_result.timeline.sample(fraction=1.0, shuffle=True, seed=3)  # type: ignore[union-attr]
    other = dataclasses.replace(sample_result, timeline=shuffled)
    assert tl.build_timeline(other) == tl.build_timeline(sample_result)


def test_without_timeline_frame_the_cited_evidence_is_drawn(sample_result: TraceResult) -> None:
    result = dataclasses.replace(sample_result, timeline=None)
    t = tl.build_timeline(result)
    assert _markers(t) == sum(len(f.evidence) for f in result.flows) == 27
    assert {trace["name"]: trace["marker"]["color"] for trace in t.traces} == {
        "Key Vault request: HTTP 200": "#2e7d32",  # outcome derived from the summary
        "Firewall record: Allow": "#2e7d32",
        "Flow record: cited": "#546e7a",
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
    assert 0 < _markers(t) <= tl.AGGREGATE_LIMIT
    assert {trace["type"] for trace in t.traces} == {"scattergl"}
    total = 0
    for trace in t.traces:
        for text in trace["text"]:
            total += int(text.rsplit(": ", 1)[1].split()[0])
    assert total == 200_000  # every record is counted exactly once
    hovers = " ".join(text for trace in t.traces for text in trace["text"])
    assert "HTTP 403" in hovers and "HTTP 200" in hovers and "Allow" in hovers
    assert "counted per" in t.note


def test_lanes_are_capped_for_huge_client_counts(sample_result: TraceResult) -> None:
    big = _big_timeline(sample_result, 30_000, clients=tl.MAX_LANES + 50)
    t = tl.build_timeline(dataclasses.replace(sample_result, timeline=big, flows=()))
    assert len(t.layout["yaxis"]["tickvals"]) == tl.MAX_LANES
    assert "50 quieter client(s) are not drawn" in t.note
