"""What leaves the server: the kusto engine's answers vs the rows the local engine fetches.

Generates (or reuses) scale_data.py output, writes it once as the Log Analytics tables both
engines read (Parquet under ``DATA/la``), and measures, for one run:

- ``--part local``: what the local engine fetches: its own evidence templates (kql/*.kql, the
  text a live trace sends, one whole-window query per template whose table exists) executed by
  duckdb-kql over the same tables, their rows and size as query-API JSON rows; the rows the row
  ledger then uses; and the local correlation time. Every table carries every documented
  column (kql/schemas/tables.json): those scale_data.py does not fill are null, so the bytes
  of the columns the templates project are a lower bound of a real workspace's (real rows
  fill them: request URIs, identities, user agents);
- ``--part kusto``: a whole ``trace_in_kusto`` against duckdb-kql (every query a trace sends:
  facts_sources, the coverage probe, facts_clients, facts_cited, facts_dns), the rows and JSON
  size of each answer and the time duckdb-kql takes (an emulator on one machine, not Kusto's
  speed). The tables are loaded from Parquet by DuckDB itself, with a memory limit, so 1x fits
  next to other jobs.

``--part both`` (the default) runs the two in one process (fine at 0.1x). At 1x run them as two
processes, one after the other, so their memory is never held at once:

    python benchmarks/kusto_bench.py --scale 0.1 --data /tmp/netlogs-scale-0.1
    python benchmarks/kusto_bench.py --scale 1 --data /tmp/netlogs-scale-1 --part local
    python benchmarks/kusto_bench.py --scale 1 --data /tmp/netlogs-scale-1 --part kusto
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

DUCKDB_MEMORY = "6GB"  # DuckDB spills to disk past this


def _json_bytes(frame: pl.DataFrame, chunk: int = 200_000) -> int:
    """Size of the rows as the query APIs send them: a JSON array of row arrays (no keys).
    Counted in chunks of rows (the commas between chunks added), so 1x stays in memory."""
    stamped = frame.with_columns(
        pl.col(c).dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        for c in frame.columns
        if isinstance(frame.schema[c], pl.Datetime)
    )
    total = 2 + max(0, stamped.height - 1)  # the brackets and the commas between rows
    for offset in range(0, stamped.height, chunk):
        rows = stamped.slice(offset, chunk).rows()
        text = json.dumps(rows, default=str, separators=(",", ":"))
        total += len(text.encode("utf-8")) - 2 - max(0, len(rows) - 1)
    return total


def _la_folder(scale: float, data: Path) -> Path:
    """The Log Analytics tables as Parquet (written once from the canonical tables)."""
    from scale_data import generate

    from netlogs.model import EvidenceTables
    from netlogs.schemas import DNS_QUERIES, empty_frame
    from tests.kusto_engine.la_tables import la_tables

    folder = data / "la"
    if (folder / "AZKVAuditLogs.parquet").exists():
        return folder
    if not (data / "meta.json").exists():
        generate(scale, data)
    canonical = EvidenceTables(
        kv_requests=pl.read_parquet(data / "kv_requests.parquet"),
        fw_events=pl.read_parquet(data / "fw_events.parquet"),
        flows=pl.read_parquet(data / "flows.parquet"),
        dns=empty_frame(DNS_QUERIES),
    )
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in la_tables(canonical).items():
        frame.write_parquet(folder / f"{name}.parquet")
    return folder


def _request(data: Path, folder: Path) -> Any:
    from scale_estate import scale_request

    newest = pl.scan_parquet(folder / "AZKVAuditLogs.parquet").select(pl.col("TimeGenerated").max())
    return replace(scale_request(data), now=newest.collect().item(), timeline=False)


def _connect(folder: Path) -> Any:
    """duckdb-kql over the Log Analytics tables, each with every documented column (the ones
    the data does not fill are null), loaded by DuckDB itself under a memory limit."""
    import duckdb_kql

    from tests.kusto_engine.la_tables import undocumented_nulls

    con = duckdb_kql.connect()
    con.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")
    con.execute("SET TimeZone = 'UTC'")
    for path in sorted(folder.glob("*.parquet")):
        columns = pl.read_parquet_schema(path)
        select = [
            f'CAST("{c}" AS TIMESTAMP) AS "{c}"'
            if isinstance(t, pl.Datetime)
            else (f'CAST("{c}" AS JSON) AS "{c}"' if c == "Properties" else f'"{c}"')
            for c, t in columns.items()
        ]
        select += undocumented_nulls(path.stem, list(columns))
        con.execute(
            f"CREATE TABLE \"{path.stem}\" AS SELECT {', '.join(select)} "
            f"FROM read_parquet('{path}')"
        )
    return con


def _template_fetch(con: Any, query: Any) -> dict[str, dict[str, int]]:
    """Rows and query-API JSON bytes of each local evidence template over the whole window
    (a live trace splits it into chunks; together they return the same rows)."""
    import duckdb_kql

    from netlogs.sources.log_analytics.plan import chunk_query, select_templates, template_window
    from tests.fake_azure.fake_kql import adapt_query

    present = {
        table: [column[0] for column in con.execute(f'DESCRIBE "{table}"').fetchall()]
        for (table,) in con.execute("SHOW TABLES").fetchall()
    }
    evidence, _ = select_templates(None)
    fetched: dict[str, dict[str, int]] = {}
    for template in evidence:
        if not set(template.tables) & set(present):
            continue  # a live trace learns from the coverage probe that the table is absent
        chunk = chunk_query(template, query, "bench", template_window(template, query))
        # the test fake's one bridge for what duckdb-kql lacks (column_ifexists, array_concat)
        answer = duckdb_kql.query(con, adapt_query(chunk.kql, present)).pl()
        fetched[template.name] = {"rows": answer.height, "json_bytes": _json_bytes(answer)}
        del answer
    return fetched


def local_part(data: Path, folder: Path) -> dict[str, Any]:
    from scale_estate import scale_topology

    from netlogs.correlate import correlate_evidence
    from netlogs.model import CollectedEvidence, RawTable
    from netlogs.normalize import normalize_evidence
    from netlogs.normalize.common import with_row_ids
    from netlogs.normalize.ledger import account_evidence, sane_times
    from netlogs.pipeline.scope import find_vault, required_firewall, vault_private_endpoints
    from netlogs.pipeline.trace import _context, evidence_query

    request = _request(data, folder)
    topology = scale_topology()
    vault = find_vault(topology, request.vault)
    firewall = required_firewall(topology, vault, None)
    query = evidence_query(
        topology,
        vault,
        vault_private_endpoints(topology, vault),
        request.window,
        firewall_lead=timedelta(minutes=10, seconds=5),
    )
    names = sorted(p.stem for p in folder.glob("*.parquet"))
    raw = tuple(
        RawTable(n, with_row_ids(pl.read_parquet(folder / f"{n}.parquet"), n), n) for n in names
    )
    table_rows = {t.table: t.frame.height for t in raw}
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
    used = {
        "kv_requests": tables.kv_requests.height,
        "fw_events": tables.fw_events.height,
        "flows": tables.flows.height,
    }
    del raw
    started = time.perf_counter()
    facts = correlate_evidence(tables, ctx).clients
    seconds = time.perf_counter() - started
    del tables
    gc.collect()
    fetched = _template_fetch(_connect(folder), query)
    return {
        "table_rows": table_rows,
        "clients": facts.height,
        "local_used_rows": used,
        "local_fetched": fetched,
        "local_fetched_rows_total": sum(f["rows"] for f in fetched.values()),
        "local_fetched_json_bytes": sum(f["json_bytes"] for f in fetched.values()),
        "local_correlation_seconds": round(seconds, 2),
    }


class _MeasuredExecutor:
    """duckdb-kql behind the kusto engine's executor interface, measuring every answer."""

    target = "duckdb-kql"

    def __init__(self, con: Any) -> None:
        self.con = con
        self.answers: dict[str, dict[str, float]] = {}
        self.limited = 0  # answers refused for memory (re-asked in smaller pieces)

    def execute(self, query: Any, window: Any) -> Any:
        import duckdb
        import duckdb_kql

        from netlogs.correlate.kusto_facts import KustoAnswer
        from netlogs.errors import QueryError

        started = time.perf_counter()
        try:
            frame = duckdb_kql.query(self.con, query.text).pl()
        except duckdb_kql.KqlError as exc:
            raise QueryError(f"{query.name}: {str(exc).splitlines()[0]}") from None
        except duckdb.OutOfMemoryException:
            # what Kusto answers when a query needs more memory than a node has: a limit, which
            # the engine meets by asking per share of the clients or per time slice
            self.limited += 1
            return KustoAnswer(frame_empty(), partial="E_LOW_MEMORY_CONDITION (emulator)")
        seconds = time.perf_counter() - started
        entry = self.answers.setdefault(query.name, {"rows": 0, "json_bytes": 0, "seconds": 0.0})
        entry["rows"] += frame.height
        entry["json_bytes"] += _json_bytes(frame)
        entry["seconds"] = round(entry["seconds"] + seconds, 1)
        return KustoAnswer(frame)


def frame_empty() -> pl.DataFrame:
    return pl.DataFrame()


def kusto_part(data: Path, folder: Path) -> dict[str, Any]:
    from scale_estate import scale_topology

    from netlogs.pipeline.kusto_trace import trace_in_kusto

    executor = _MeasuredExecutor(_connect(folder))
    started = time.perf_counter()
    result = trace_in_kusto(_request(data, folder), executor, scale_topology())
    seconds = time.perf_counter() - started
    answers = executor.answers
    return {
        "kusto_returned": answers,
        "kusto_returned_rows_total": int(sum(a["rows"] for a in answers.values())),
        "kusto_returned_json_bytes": int(sum(a["json_bytes"] for a in answers.values())),
        "kusto_trace_seconds": round(seconds, 1),
        "kusto_verdicts": len(result.flows),
        "kusto_answers_refused_for_memory": executor.limited,
        "kusto_partial_sources": sorted(s.table for s in result.sources if s.status == "partial"),
        "facts_cited_answers": [e.detail for e in result.ledger if e.template == "facts_cited"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--part", choices=("local", "kusto", "both"), default="both")
    args = parser.parse_args()
    folder = _la_folder(args.scale, args.data)
    gc.collect()
    report: dict[str, Any] = {"scale": args.scale}
    if args.part in ("local", "both"):
        report.update(local_part(args.data, folder))
        gc.collect()
    if args.part in ("kusto", "both"):
        report.update(kusto_part(args.data, folder))
    if args.part == "both":
        report["rows_ratio"] = (
            report["kusto_returned_rows_total"] / report["local_fetched_rows_total"]
        )
        report["bytes_ratio"] = (
            report["kusto_returned_json_bytes"] / report["local_fetched_json_bytes"]
        )
    report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
