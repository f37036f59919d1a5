"""The kusto engine's DNS leg: ``kql/facts/facts_dns.kql`` counts, per client, the firewall DNS
proxy queries for the vault's names server side; the answer becomes the findings the local
engine's DNS rules use (``verdicts.dns``). Neither DNS table logs the answer, so no finding has
one; the first and the last row per client are cited.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from netlogs.correlate.kusto_facts import FactQuery, facts_dir
from netlogs.kql import load_template, render_query
from netlogs.model import EvidenceRow, LogFamily, TimeWindow
from netlogs.schemas import UTC_TIME
from netlogs.verdicts.dns import DnsFinding, vault_query_names


def dns_query(vault_name: str, window: TimeWindow, *, proxy_text: bool) -> FactQuery:
    """``facts_dns`` for the vault's names in ``window``; ``proxy_text``: read the legacy
    AzureDiagnostics DNS proxy rows too."""
    params = {
        "start": window.start,
        "end": window.end,
        "query_names": vault_query_names(vault_name),
        "read_dns_proxy_text": proxy_text,
    }
    return FactQuery("facts_dns", render_query(load_template("facts_dns", facts_dir()), params))


def _times(rows: pl.DataFrame) -> list[datetime]:
    stamp = rows.get_column("ts")
    if isinstance(stamp.dtype, pl.Datetime):
        stamp = stamp.cast(pl.Datetime("us", stamp.dtype.time_zone))
        if stamp.dtype.time_zone is None:  # type: ignore[union-attr]
            stamp = stamp.dt.replace_time_zone("UTC")
    else:
        stamp = stamp.cast(pl.String).str.to_datetime(time_zone="UTC", time_unit="us")
    return [t for t in stamp.cast(UTC_TIME).to_list() if isinstance(t, datetime)]


def _text(value: object) -> str:
    return str(value) if value not in (None, "") else "?"


def dns_findings_of(rows: pl.DataFrame) -> dict[str, DnsFinding]:
    """Per client IP, the finding of ``facts_dns``' answer (no answers logged)."""
    if rows.is_empty():
        return {}
    rows = rows.with_columns(pl.Series("ts", _times(rows), dtype=UTC_TIME))
    cited: dict[str, list[EvidenceRow]] = {}
    seen: set[tuple[str, str]] = set()
    picked = rows.filter(pl.col("part") == "cited").sort("client_ip", "ts", "row_id")
    for client, time, qtype, name, code, table, row_id in picked.select(
        "client_ip", "ts", "query_type", "query_name", "response_code", "table_name", "row_id"
    ).iter_rows():  # two rows per client at most
        if (client, row_id) in seen:  # one query: its first row is its last
            continue
        seen.add((client, row_id))
        summary = f"{client} asked {_text(qtype)} {_text(name)}: {_text(code)} (answer not logged)"
        cited.setdefault(client, []).append(
            EvidenceRow(LogFamily.DNS, _text(table), _text(row_id), time, summary)
        )
    totals = rows.filter(pl.col("part") == "total").select("client_ip", "n", "ts")
    return {
        str(client): DnsFinding(
            cited=tuple(cited.get(client, ())),
            queries=int(count),
            first_query=first,
            answers_logged=False,
            private_answer=None,
            public_answer=None,
            public_time=None,
        )
        for client, count, first in totals.iter_rows()
    }
