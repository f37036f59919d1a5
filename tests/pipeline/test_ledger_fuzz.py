"""Bounded property test: corrupt cells of the sample's canonical tables, the ledger explains it.

For any corruption (an empty or malformed address, a missing or absurd time, a duplicated row)
the trace ends normally, every source's ledger adds up, no client appears that the clean data
did not have, and a verdict that differs from the clean run's is undecided and not a violation,
with a partial source that says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from netlogs.model import (
    CollectedEvidence,
    EvidenceQuery,
    EvidenceTables,
    InputFile,
    RawTable,
    SourceStatus,
    TraceRequest,
    TraceResult,
    Verdict,
)
from netlogs.normalize import normalize_evidence
from netlogs.pipeline.trace import trace
from netlogs.sources.files import FileSource
from netlogs.topology.loader import load_topology
from netlogs.topology.model import Topology

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=timezone.utc)
TABLES = ("kv_requests", "fw_events", "flows")
SNAT_ADDRESSES = {"10.0.0.68", "10.0.0.69", "10.0.0.70", "192.0.2.40"}  # fw-hub
ADDRESS_COLUMNS = {
    "kv_requests": ("caller_ip",),
    "fw_events": ("src_ip", "dst_ip"),
    "flows": ("src_ip", "dst_ip"),
}
TIME_COLUMNS = {"kv_requests": ("time",), "fw_events": ("time",), "flows": ("time_start",)}
BAD_ADDRESSES = ("", " ", "10.1.2.999", "10.1.2.4:443", " 10.1.2.4", "<redacted>", "::::x", None)
BAD_TIMES = (
    None,
    datetime(1970, 1, 1, tzinfo=timezone.utc),
    datetime(2099, 11, 20, 11, 0, tzinfo=timezone.utc),
    datetime(1, 1, 1, tzinfo=timezone.utc),
    datetime(9999, 12, 31, tzinfo=timezone.utc),
)


@dataclass
class CanonicalSource:
    """The sample's canonical tables, as netlogs' own Parquet would deliver them."""

    frames: dict[str, pl.DataFrame]

    def collect(self, query: EvidenceQuery) -> CollectedEvidence:
        raw = tuple(
            RawTable(f"canonical:{name}", frame, f"{name}.parquet")
            for name, frame in sorted(self.frames.items())
        )
        inputs = tuple(InputFile(t.origin, "0" * 64, t.table, t.frame.height) for t in raw)
        return CollectedEvidence(raw, inputs=inputs)


@dataclass(frozen=True)
class Sample:
    topology: Topology
    canonical: EvidenceTables
    baseline: TraceResult


@lru_cache(maxsize=1)
def sample() -> Sample:
    """The sample's topology, its canonical tables and the clean run (built once)."""
    from netlogs.pipeline.scope import find_vault, vault_private_endpoints
    from netlogs.pipeline.trace import evidence_query

    topology = load_topology(SAMPLE / "topology.yaml")
    vault = find_vault(topology, "kv-contoso-prod")
    query = evidence_query(
        topology, vault, vault_private_endpoints(topology, vault), None, firewall_lead=NOW - NOW
    )
    canonical = normalize_evidence(FileSource(SAMPLE / "logs").collect(query).raw_tables)
    baseline = run({name: getattr(canonical, name) for name in TABLES}, topology)
    return Sample(topology, canonical, baseline)


def run(frames: dict[str, pl.DataFrame], topology: Topology) -> TraceResult:
    request = TraceRequest(vault="kv-contoso-prod", window=None, now=NOW, timeline=False)
    return trace(request, CanonicalSource(frames), topology)


@st.composite
def corruptions(draw: st.DrawFn) -> list[tuple[str, int, str, object]]:
    """A few (table, row, column, value) corruptions; column "" duplicates the row."""
    changes = []
    for _ in range(draw(st.integers(1, 3))):
        table = draw(st.sampled_from(TABLES))
        row = draw(st.integers(0, 10_000))
        kind = draw(st.sampled_from(("address", "time", "duplicate")))
        if kind == "address":
            column = draw(st.sampled_from(ADDRESS_COLUMNS[table]))
            value: object = draw(st.sampled_from(BAD_ADDRESSES))
        elif kind == "time":
            column, value = (
                draw(st.sampled_from(TIME_COLUMNS[table])),
                draw(st.sampled_from(BAD_TIMES)),
            )
        else:
            column, value = "", None
        changes.append((table, row, column, value))
    return changes


def corrupted(
    canonical: EvidenceTables, changes: list[tuple[str, int, str, object]]
) -> dict[str, pl.DataFrame]:
    frames = {name: getattr(canonical, name) for name in TABLES}
    for table, row, column, value in changes:
        frame = frames[table]
        index = row % frame.height
        if not column:
            frames[table] = pl.concat([frame, frame.slice(index, 1)])
            continue
        dtype = frame.schema[column]
        cell = pl.Series(column, [value], dtype=dtype)
        mask = pl.int_range(pl.len()) == index
        frames[table] = frame.with_columns(
            pl.when(mask).then(pl.lit(cell)).otherwise(pl.col(column)).alias(column)
        )
    return frames


@settings(max_examples=50, deadline=None, derandomize=True, database=None)
@given(changes=corruptions())
def test_a_corrupted_cell_is_set_aside_and_explains_every_changed_verdict(
    changes: list[tuple[str, int, str, object]],
) -> None:
    baseline = sample().baseline
    result = run(corrupted(sample().canonical, changes), sample().topology)
    for source in result.sources:
        assert source.read == source.used + sum(n for _, n in source.set_aside), source
    before = {flow.client_ip: flow for flow in baseline.flows}
    after = {flow.client_ip: flow for flow in result.flows}
    for ip in set(after) - set(before):  # a SNAT address no client can be tied to any more
        flow = after[ip]
        assert ip in SNAT_ADDRESSES and not flow.violation, (changes, flow)
        assert flow.verdict.is_undecided or flow.verdict is Verdict.REACHED_VIA_FIREWALL
    changed = [
        ip for ip in before if ip not in after or after[ip].verdict is not before[ip].verdict
    ]
    partial = [s for s in result.sources if s.status is SourceStatus.PARTIAL]
    if changed:
        assert partial, (changes, changed)
    for ip in changed:
        if ip in after:
            flow = after[ip]
            assert flow.verdict.is_undecided and not flow.violation, (changes, flow)
    if all(column == "" for _, _, column, _ in changes):  # duplicates only: nothing changes
        assert not changed and not partial
        assert [s.used for s in result.sources] == [s.used for s in baseline.sources]
