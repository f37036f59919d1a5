"""What leaves the server: the kusto engine's answers vs the rows the local engine fetches.

Generates (or reuses) scale_data.py output, writes it as the Log Analytics tables both engines
read, and measures, for one run:

- local engine: the rows its evidence queries return (the same filters the kql/ templates push
  down: vault requests, firewall records to the vault's IPs/FQDN incl. the reuse lead, flows to
  the vault), their size as query-API JSON rows (only the columns these tables carry here, fewer
  than the templates project: an underestimate of the local engine's bytes), and its
  correlation time;
- kusto engine: the rows and JSON size of its three answers (facts_sources, facts_clients,
  facts_cited) and the time duckdb-kql takes to run them (an emulator on one machine, not
  Kusto's speed).

    python benchmarks/kusto_bench.py --scale 0.1 --data /tmp/netlogs-scale-0.1
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def _json_bytes(frame: pl.DataFrame) -> int:
    """Size of the rows as the query APIs send them: a JSON array of row arrays (no keys)."""
    stamped = frame.with_columns(
        pl.col(c).dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        for c in frame.columns
        if isinstance(frame.schema[c], pl.Datetime)
    )
    return len(json.dumps(stamped.rows(), default=str, separators=(",", ":")).encode("utf-8"))


def main() -> None:
    import duckdb_kql
    from scale_data import generate
    from scale_estate import scale_request, scale_topology

    from netlogs.correlate import correlate_evidence
    from netlogs.correlate.kusto_facts import fact_query, sources_query
    from netlogs.model import CollectedEvidence, EvidenceTables, RawTable
    from netlogs.normalize import normalize_evidence
    from netlogs.normalize.common import with_row_ids
    from netlogs.normalize.ledger import account_evidence, sane_times
    from netlogs.pipeline.scope import find_vault, required_firewall, vault_private_endpoints
    from netlogs.pipeline.trace import _context, evidence_query
    from netlogs.schemas import DNS_QUERIES, empty_frame
    from tests.kusto_engine.la_tables import la_tables, load_into_duckdb

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--data", type=Path, required=True)
    args = parser.parse_args()
    if not (args.data / "meta.json").exists():
        generate(args.scale, args.data)
    canonical = EvidenceTables(
        kv_requests=pl.read_parquet(args.data / "kv_requests.parquet"),
        fw_events=pl.read_parquet(args.data / "fw_events.parquet"),
        flows=pl.read_parquet(args.data / "flows.parquet"),
        dns=empty_frame(DNS_QUERIES),
    )
    frames = la_tables(canonical)
    topology = scale_topology()
    newest = frames["AZKVAuditLogs"].get_column("TimeGenerated").max()
    request = replace(scale_request(args.data), now=newest, timeline=False)
    assert request.window is not None
    vault = find_vault(topology, request.vault)
    firewall = required_firewall(topology, vault, None)
    query = evidence_query(
        topology,
        vault,
        vault_private_endpoints(topology, vault),
        request.window,
        firewall_lead=timedelta(minutes=10, seconds=5),
    )
    raw = tuple(RawTable(n, with_row_ids(f, n), n) for n, f in frames.items())
    tables = account_evidence(normalize_evidence(raw, ()), query, sane_times(request.now)).tables
    ctx = _context(
        request,
        topology,
        (vault, firewall),
        tables,
        window=request.window,
        collected=CollectedEvidence(raw_tables=raw),
        as_of=request.now,
    )
    fetched = {
        "kv_requests": tables.kv_requests.height,
        "fw_events": tables.fw_events.height,
        "flows": tables.flows.height,
    }
    # the fetched rows in their Log Analytics shape (what the evidence queries return)
    kept_ids = pl.concat(
        [t.select("row_id") for t in (tables.kv_requests, tables.fw_events, tables.flows)]
    )
    fetched_bytes = 0
    for name, frame in frames.items():
        with_ids = with_row_ids(frame, name)
        kept = with_ids.join(kept_ids, left_on="_row_id", right_on="row_id", how="semi")
        fetched_bytes += _json_bytes(kept.drop("_row_id", "_line", strict=False))
    started = time.perf_counter()
    facts = correlate_evidence(tables, ctx).clients
    local_seconds = time.perf_counter() - started

    con = duckdb_kql.connect()
    load_into_duckdb(con, frames)
    answers = {}
    started = time.perf_counter()
    for fq in (
        sources_query(ctx),
        fact_query("facts_clients", ctx),
        fact_query("facts_cited", ctx),
    ):
        answers[fq.name] = duckdb_kql.query(con, fq.text).pl()
    kusto_seconds = time.perf_counter() - started
    returned_rows = sum(a.height for a in answers.values())
    returned_bytes = sum(_json_bytes(a) for a in answers.values())
    report = {
        "scale": args.scale,
        "table_rows": {n: f.height for n, f in frames.items()},
        "clients": facts.height,
        "local_fetched_rows": fetched,
        "local_fetched_rows_total": sum(fetched.values()),
        "local_fetched_json_bytes": fetched_bytes,
        "kusto_returned_rows": {n: a.height for n, a in answers.items()},
        "kusto_returned_rows_total": returned_rows,
        "kusto_returned_json_bytes": returned_bytes,
        "rows_ratio": returned_rows / sum(fetched.values()),
        "bytes_ratio": returned_bytes / fetched_bytes,
        "local_correlation_seconds": round(local_seconds, 2),
        "duckdb_kql_seconds": round(kusto_seconds, 2),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
