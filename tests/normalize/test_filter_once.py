"""Filter once: rows a source already filtered by the query are not tested again for what its
filter decides; the ledger must come out as if every rule had been tested.

Bounded property test over rows drawn from small alphabets (times in and out of the window and
of the sane range, vaults, firewalls, addresses well-formed and not, names), for queries with
and without a window, firewalls and clients.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from netlogs.model import EvidenceQuery, RawTable, TimeWindow
from netlogs.normalize import evidence_predicates, normalize_evidence
from netlogs.normalize.ledger import sane_times
from netlogs.schemas import CANONICAL, conform
from tests.normalize.ledger_trust import assert_trust_changes_nothing

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
WINDOW = TimeWindow(T0, T0 + timedelta(hours=1))
PE, VAULT_IP = "10.1.2.4", "198.51.100.10"
TIMES = (
    None,
    datetime(1970, 1, 1, tzinfo=timezone.utc),
    T0 - timedelta(minutes=30),  # before the window, inside the firewall's lead
    T0 - timedelta(hours=3),
    T0,
    T0 + timedelta(minutes=20),
    T0 + timedelta(hours=1),
    T0 + timedelta(hours=2),
    datetime(2099, 1, 1, tzinfo=timezone.utc),
)
ADDRESSES = ("10.2.0.5", "10.3.0.1", "10.9.0.1", PE, VAULT_IP, "10.1.2.999", " 10.2.0.5", "", None)
NAMES = ("kv1.vault.azure.net", "kv1.privatelink.vaultcore.azure.net", "kv2.vault.azure.net", None)
QUERIES = (
    EvidenceQuery(
        "kv1", "kv1.vault.azure.net", (PE,), ("fw-hub",), WINDOW, vault_public_ips=(VAULT_IP,),
        firewall_lead=timedelta(minutes=40),
    ),
    EvidenceQuery("KV1", "kv1.vault.azure.net", (PE,), (), None),
    EvidenceQuery(
        "kv1", "kv1.vault.azure.net", (PE,), ("fw-hub",), WINDOW, ("10.3.0.1",), ("10.2.0.0/24",)
    ),
)  # fmt: skip
SANE = sane_times(T0 + timedelta(days=1))

pick = st.sampled_from
COLUMNS = {
    "kv_requests": {
        "time": pick(TIMES), "vault": pick(("kv1", "kv2", None)), "caller_ip": pick(ADDRESSES),
    },
    "fw_events": {
        "time": pick(TIMES), "firewall": pick(("fw-hub", "fw-spoke", None)),
        "src_ip": pick(ADDRESSES), "dst_ip": pick(ADDRESSES), "fqdn": pick(NAMES),
    },
    "flows": {
        "time_start": pick(TIMES), "time_end": pick(TIMES), "src_ip": pick(ADDRESSES),
        "dst_ip": pick(ADDRESSES),
    },
    "dns": {"time": pick(TIMES), "client_ip": pick(ADDRESSES), "query_name": pick(NAMES)},
}  # fmt: skip


@st.composite
def scans(draw: st.DrawFn, name: str) -> tuple[pl.DataFrame, list[bool]]:
    """Rows of one table, and which of those that fail the filter a scan also returns."""
    rows = draw(st.lists(st.fixed_dictionaries(COLUMNS[name]), max_size=25))
    frame = pl.DataFrame(rows, schema={c: CANONICAL[name][c] for c in COLUMNS[name]})
    frame = frame.with_columns(
        pl.format("{}.parquet#{}", pl.lit(name), pl.int_range(pl.len())).alias("row_id"),
        pl.lit("T").alias("source_table"),
    )
    extras = draw(st.lists(st.booleans(), min_size=frame.height, max_size=frame.height))
    return conform(frame, CANONICAL[name]), extras


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(
    tables=st.fixed_dictionaries({name: scans(name) for name in CANONICAL}),
    query=st.sampled_from(QUERIES),
)
def test_trusting_the_scan_gives_the_full_ledger(
    tables: dict[str, tuple[pl.DataFrame, list[bool]]], query: EvidenceQuery
) -> None:
    raw = []
    for name, (frame, extras) in tables.items():
        keep = frame.select(evidence_predicates(query)[name].fill_null(False)).to_series()
        returned = keep | pl.Series(extras, dtype=pl.Boolean)
        scanned = frame.filter(returned)
        unfiltered = (~keep.filter(returned)).arg_true().to_list()
        raw.append(RawTable(f"canonical:{name}", scanned, "x", unfiltered_rows=tuple(unfiltered)))
    assert_trust_changes_nothing(normalize_evidence(raw), query, SANE)
