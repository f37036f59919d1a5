"""`netlogs fetch`: collect evidence once, save it for offline traces.

collect -> normalize -> write the canonical tables as Parquet, the completeness ledger as
``ledger.json`` and every query sent as ``queries.json``. Everything is written into a temporary
sibling directory that is renamed into place at the end, so a failed fetch leaves no partial
output behind.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netlogs.errors import ConfigError
from netlogs.fileio import write_atomically
from netlogs.model import (
    DEFAULT_CLOCK_SKEW,
    DEFAULT_FIREWALL_LEAD,
    CollectedEvidence,
    EvidenceQuery,
    EvidenceSource,
    EvidenceTables,
    LedgerEntry,
    SourceStatus,
    TimeWindow,
)
from netlogs.normalize import normalize_evidence, write_canonical
from netlogs.pipeline.scope import find_vault, vault_private_endpoints
from netlogs.schemas import CANONICAL
from netlogs.terms import utc_text
from netlogs.topology.model import Topology

LEDGER_SCHEMA = "netlogs.ledger/v1"
QUERIES_SCHEMA = "netlogs.queries/v1"


@dataclass(frozen=True)
class FetchResult:
    """What a fetch wrote: the directory, rows per canonical table, and the ledger."""

    out_dir: Path
    rows: Mapping[str, int]
    ledger: tuple[LedgerEntry, ...]

    @property
    def partial_chunks(self) -> int:
        return sum(1 for entry in self.ledger if entry.status is SourceStatus.PARTIAL)

    @property
    def pending_chunks(self) -> int:
        return sum(1 for entry in self.ledger if entry.status is SourceStatus.PENDING)


def fetch_query(vault: str, topology: Topology | None, window: TimeWindow) -> EvidenceQuery:
    """The EvidenceQuery for ``vault``: PE IPs and firewalls from the topology when given.

    Raises:
        ConfigError: the topology does not know the vault.
    """
    if topology is None:
        return EvidenceQuery(
            vault_name=vault,
            vault_fqdn=f"{vault.lower()}.vault.azure.net",
            private_endpoint_ips=(),
            firewall_names=(),
            window=window,
            firewall_lead=DEFAULT_FIREWALL_LEAD,  # a trace of the saved window needs them
            firewall_trail=DEFAULT_CLOCK_SKEW,
        )
    known = find_vault(topology, vault)
    # the same filters `netlogs trace` pushes down, so a saved fetch can be traced offline later
    return EvidenceQuery(
        vault_name=known.name,
        vault_fqdn=known.host,
        private_endpoint_ips=tuple(
            sorted(pe.ip for pe in vault_private_endpoints(topology, known))
        ),
        firewall_names=tuple(sorted(f.name for f in topology.firewalls)),
        window=window,
        vault_public_ips=tuple(sorted(known.public_ips)),
        firewall_lead=DEFAULT_FIREWALL_LEAD,  # a trace of the saved window needs them
        firewall_trail=DEFAULT_CLOCK_SKEW,
    )


def check_out_dir(out_dir: Path) -> None:
    """Refuse to overwrite: ``--out`` must not exist or be an empty directory.

    Raises:
        ConfigError: the path exists and is a file or a non-empty directory.
    """
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise ConfigError(f"--out {out_dir}: exists and is not empty; choose a new directory")


def fetch_evidence(source: EvidenceSource, query: EvidenceQuery, out_dir: Path) -> FetchResult:
    """Collect, normalize and save the evidence of ``query`` under ``out_dir``.

    Raises:
        ConfigError: ``out_dir`` exists and is not empty.
        NetlogsError: whatever the source raises (auth, query, network); nothing is written then.
    """
    check_out_dir(out_dir)
    try:
        collected = source.collect(query)
    except KeyboardInterrupt as interrupted:
        # Ctrl-C: keep what was fetched (the ledger marks the rest), then stop as asked
        evidence = getattr(interrupted, "evidence", None)
        if isinstance(evidence, CollectedEvidence):
            _save(evidence, query, out_dir)
            interrupted.saved_to = out_dir  # type: ignore[attr-defined]
        raise
    return _save(collected, query, out_dir)


def _save(collected: CollectedEvidence, query: EvidenceQuery, out_dir: Path) -> FetchResult:
    """Normalize and write everything into a staging directory renamed into place."""
    tables = normalize_evidence(collected.raw_tables, collected.parse_issues)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        write_canonical(tables, staging)
        rows = {name: getattr(tables, name).height for name in CANONICAL}
        _write_json(staging / "ledger.json", ledger_document(query, collected, tables))
        _write_json(staging / "queries.json", queries_document(collected))
        if out_dir.exists():
            out_dir.rmdir()  # empty (checked above); rename needs the name free
        staging.rename(out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return FetchResult(out_dir, rows, collected.ledger)


def ledger_document(
    query: EvidenceQuery, collected: CollectedEvidence, tables: EvidenceTables
) -> dict[str, Any]:
    """The completeness ledger as JSON: one entry per template × workspace × chunk."""
    return {
        "schema": LEDGER_SCHEMA,
        "vault": query.vault_name,
        "window": _window_json(query.window),
        "entries": [
            {
                "template": e.template,
                "workspace": e.workspace,
                "start": utc_text(e.start, "microseconds"),
                "end": utc_text(e.end, "microseconds"),
                "rows": e.rows,
                "status": e.status.value,
                "server_time_ms": e.server_time_ms,
                "query_sha256": e.query_sha256,
                "detail": e.detail,
            }
            for e in collected.ledger
        ],
        "lags": [
            {
                "table": lag.table,
                "lag_seconds": lag.lag.total_seconds(),
                "last_record": (
                    utc_text(lag.last_record, "microseconds") if lag.last_record else None
                ),
            }
            for lag in collected.lags
        ],
        "sources": [
            {
                "family": s.family.value,
                "table": s.table,
                "rows": s.rows,
                "status": s.status.value,
                "detail": s.detail,
            }
            for s in tables.sources
        ],
        "issues": [{"origin": i.origin, "line": i.line, "reason": i.reason} for i in tables.issues],
    }


def queries_document(collected: CollectedEvidence) -> dict[str, Any]:
    """Every query sent (deduplicated by hash), with the KQL a person can paste into the portal."""
    seen: dict[str, dict[str, str]] = {}
    for q in collected.queries:
        seen.setdefault(
            q.sha256,
            {
                "name": q.name,
                "workspace": q.workspace,
                "timespan": q.timespan,
                "sha256": q.sha256,
                "kql": q.kql,
            },
        )
    return {"schema": QUERIES_SCHEMA, "queries": list(seen.values())}


def _window_json(window: TimeWindow | None) -> dict[str, str] | None:
    if window is None:
        return None
    return {
        "start": utc_text(window.start, "microseconds"),
        "end": utc_text(window.end, "microseconds"),
    }




def _write_json(path: Path, document: Mapping[str, Any]) -> None:
    write_atomically(path, json.dumps(document, indent=2, sort_keys=False) + "\n")
