"""Merging the kusto engine's answers computed per slice of the window (time-sliced execution
after the server reported a limit).

Each slice query counts the requests, firewall attempts and flows of its slice only (a row at a
boundary belongs to the later slice) but reads the firewall rows before and after the slice that
coverage, SNAT candidates and SYN retries need, so every per-row decision is the whole window's.
The per-client facts then merge exactly:

- counts add up; first/earliest times take the minimum, last times the maximum;
- values chosen by the earliest row (denial code and caller, public caller, deny firewall/rule,
  SNAT firewall) come from the earliest slice that has one;
- SNAT candidates are the union of the slices' lists. Exact unless a slice listed only the first
  ``max_listed`` of more candidates: the count is then a lower bound (reported in the note);
- the most used covering firewall is not mergeable from per-slice winners: when slices disagree,
  the firewall of the slices with the most covered requests is kept (reported in the note).

Citations: the first and last rows per client, family and outcome over all slices (the same
``cited_ends`` rule as one answer); row counts per client add up.
"""

from __future__ import annotations

import polars as pl

from netlogs.correlate.kusto_facts import FACTS_SCHEMA, facts_frame
from netlogs.schemas import UTC_TIME

_SUMMED = tuple(
    name
    for name, dtype in FACTS_SCHEMA.items()
    if dtype == pl.Int64() and name != "snat_candidate_count"
)
_MIN_TIMES = ("first_uncovered", "first_seen", "fw_first", "flow_first")
_MAX_TIMES = ("last_seen", "fw_last")
# (value, the column that says the slice has one): taken from the earliest such slice
_EARLIEST = (
    ("network_denial_code", "network_denial_code"),
    ("network_denied_caller", "network_denial_code"),
    ("public_caller", "public_caller"),
    ("snat_firewall", "snat_firewall"),
    ("fw_deny_firewall", "fw_deny_firewall"),
    ("fw_deny_rule", "fw_deny_rule"),
    ("flow_deny_rule", "flow_deny_rule"),
)


def merge_facts(slices: list[pl.DataFrame], max_listed: int) -> tuple[pl.DataFrame, str]:
    """One facts table (``FACTS_SCHEMA`` columns) from the facts_clients answers of consecutive
    slices, in time order, and a note on what is approximate ("" when the merge is exact).
    ``requests`` stays null for clients without requests in any slice, so that ``facts_frame``
    (applied to it again) leaves them without a candidate list, as for one answer."""
    frames = [
        facts_frame(rows).with_columns(pl.lit(i).alias("_slice")) for i, rows in enumerate(slices)
    ]
    stacked = pl.concat(frames).sort("client_ip", "_slice")
    has_one = {name: pl.col(flag).is_not_null() for name, flag in _EARLIEST}
    listed = pl.col("snat_candidates")
    truncated = (listed.list.len() >= max_listed) & (pl.col("snat_candidate_count") > max_listed)
    merged = stacked.group_by("client_ip", maintain_order=True).agg(
        *(pl.col(name).sum() for name in _SUMMED),
        *(pl.col(name).min() for name in _MIN_TIMES),
        *(pl.col(name).max() for name in _MAX_TIMES),
        *(pl.col(name).filter(has_one[name]).first() for name, _ in _EARLIEST),
        _covering_firewall(),
        listed.is_not_null().any().alias("_has_list"),
        listed.explode().drop_nulls().unique().sort().alias("_union"),
        pl.col("snat_candidate_count").max().alias("_count"),
        truncated.fill_null(False).any().alias("_truncated"),
        pl.col("covering_firewall").drop_nulls().n_unique().alias("_covering_names"),
    )
    union_count = pl.col("_union").list.len().cast(pl.Int64)
    merged = merged.with_columns(
        pl.when("_has_list").then(pl.col("_union").list.head(max_listed)).alias("snat_candidates"),
        pl.max_horizontal(union_count, "_count").alias("snat_candidate_count"),
        # a client without requests in any slice has none (null, not 0: no candidate list)
        pl.when("_has_list").then(pl.col("requests")).alias("requests"),
    )
    note = _note(merged)
    columns = [pl.col(n).cast(t) if t != UTC_TIME else pl.col(n) for n, t in FACTS_SCHEMA.items()]
    return merged.select(columns).sort("client_ip"), note


def _covering_firewall() -> pl.Expr:
    """The covering firewall of the slices with the most covered requests (ties: by name)."""
    named = pl.col("covering_firewall").is_not_null()
    weights = pl.col("covered").filter(named)
    names = pl.col("covering_firewall").filter(named)
    return (
        names.sort_by([weights, names], descending=[True, False]).first().alias("covering_firewall")
    )


def _note(merged: pl.DataFrame) -> str:
    truncated = merged.filter("_truncated").height
    ambiguous = merged.filter(pl.col("_covering_names") > 1).height
    notes = []
    if truncated:
        notes.append(f"SNAT candidate counts of {truncated} client(s) are lower bounds")
    if ambiguous:
        notes.append(
            f"covering firewall of {ambiguous} client(s) chosen by covered requests per slice"
        )
    return "; ".join(notes)


def merge_cited(
    slices: list[pl.DataFrame], ends: tuple[int, int] | None, reached: pl.Series
) -> pl.DataFrame:
    """One facts_cited answer from the slices': of each client, family and outcome the first
    and last cited rows in time (``ends``, see ``cited_ends``; every row for None), and the
    row counts per client summed. Exact: each slice cited its own first and last rows.

    A slice cites flow-log rows of a client none of whose requests reached the vault *in that
    slice*; ``reached`` (clients with a request that reached it in the whole window, from the
    merged facts) drops those of the clients another slice saw reach it, as one answer would.
    """
    frames = [rows for rows in slices if rows.height]
    if not frames:
        return slices[0]
    rows = pl.concat(frames, how="diagonal_relaxed")
    cited = rows.filter(pl.col("part") == "cited").with_columns(_stamp(rows).alias("_ts"))
    if ends is not None:
        cited = cited.filter(
            (pl.col("family") != "flow") | ~pl.col("client_ip").is_in(reached.implode())
        )
    keys = ["client_ip", "family", "outcome"]
    # the server's order: time to the microsecond, then row id (slices cite disjoint rows)
    ordered = cited.sort([*keys, "_ts", "row_id"])
    if ends is not None:
        rank = pl.int_range(pl.len()).over(keys)
        ordered = ordered.filter((rank < ends[0]) | (rank >= pl.len().over(keys) - ends[1]))
    counted = rows.filter(pl.col("part") != "cited")
    totals = counted.group_by("part", "client_ip", "family", "key", maintain_order=True).agg(
        pl.col("n").sum()
    )
    return pl.concat([ordered.drop("_ts").select(rows.columns), totals], how="diagonal_relaxed")


def _stamp(rows: pl.DataFrame) -> pl.Expr:
    dtype = rows.schema["ts"]
    if isinstance(dtype, pl.Datetime):
        return pl.col("ts").cast(pl.Datetime("us"))
    return pl.col("ts").cast(pl.String).str.to_datetime(time_unit="us", time_zone="UTC")
