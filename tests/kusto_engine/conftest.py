"""Fixtures for the kusto engine: the sample scenario as Log Analytics tables, run by both
engines (local: query-API JSON files; kusto: duckdb-kql, in process or behind its HTTP server)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import duckdb_kql
import polars as pl
import pytest

from netlogs.correlate.kusto_facts import FactQuery, KustoAnswer
from netlogs.errors import QueryError
from netlogs.model import EvidenceQuery, EvidenceTables, TimeWindow, TraceRequest
from netlogs.normalize import evidence_predicates, normalize_evidence
from netlogs.pipeline.scope import find_vault, vault_private_endpoints
from netlogs.pipeline.trace import evidence_query
from netlogs.sources.files import FileSource
from netlogs.topology.loader import load_topology
from netlogs.topology.model import Topology
from tests.kql.conftest import kusto  # noqa: F401 (Microsoft's parser, for test_kql_parser)
from tests.kusto_engine.kql_answers import kql_frame
from tests.kusto_engine.kusto_server import duckdb_kql_server, replaying_proxy
from tests.kusto_engine.la_tables import la_tables, load_into_duckdb, write_query_api_files

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data"
VAULT = "kv-contoso-prod"


class DuckdbExecutor:
    """Runs the kusto engine's queries in duckdb-kql, in process (the real KQL translator)."""

    target = "duckdb-kql"

    def __init__(self, con: Any) -> None:
        self.con = con
        self.texts: list[str] = []

    def execute(self, query: FactQuery, window: TimeWindow) -> KustoAnswer:
        self.texts.append(query.text)
        try:
            return KustoAnswer(kql_frame(self.con, query.text))
        except duckdb_kql.KqlError as exc:  # a server refuses such a query: a source error
            raise QueryError(f"{query.name}: {str(exc).splitlines()[0]}") from None


@dataclass(frozen=True)
class Scenario:
    """One data set as Log Analytics tables: files for the local engine, DuckDB for kusto."""

    topology: Topology
    logs: Path
    frames: dict[str, pl.DataFrame]
    con: Any

    def request(self, **changes: Any) -> TraceRequest:
        """A request over the data's span; ``now`` is the newest Key Vault row, so both
        engines count ingestion latency from the same instant."""
        times = pl.concat([f.select("TimeGenerated") for f in self.frames.values()])
        start, end = times.min().item(), times.max().item()
        newest_kv = self.frames["AZKVAuditLogs"].get_column("TimeGenerated").max()
        assert isinstance(newest_kv, datetime)
        base = TraceRequest(
            vault=VAULT, window=TimeWindow(start, end), now=newest_kv, timeline=False
        )
        return base.__class__(**{**base.__dict__, **changes})


def canonical_tables(topology: Topology, logs: Path) -> Any:
    vault = find_vault(topology, VAULT)
    query = evidence_query(
        topology,
        vault,
        vault_private_endpoints(topology, vault),
        None,
        firewall_lead=timedelta(minutes=10, seconds=5),
    )
    collected = FileSource(logs).collect(query)
    tables = normalize_evidence(collected.raw_tables, collected.parse_issues)
    return workspace_rows(tables, query)


def workspace_rows(tables: EvidenceTables, query: EvidenceQuery) -> EvidenceTables:
    """The rows a workspace returns for the query (the KQL templates' filters, dirty rows
    included): what the kusto engine reads."""
    kept = {name: getattr(tables, name).filter(e) for name, e in evidence_predicates(query).items()}
    return replace(tables, **kept)


def scenario_from(topology: Topology, logs: Path, folder: Path) -> Scenario:
    frames = la_tables(canonical_tables(topology, logs))
    write_query_api_files(frames, folder)
    con = duckdb_kql.connect()
    load_into_duckdb(con, frames)
    return Scenario(topology, folder, frames, con)


@pytest.fixture(scope="session")
def sample_scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    topology = load_topology(SAMPLE / "topology.yaml")
    return scenario_from(topology, SAMPLE / "logs", tmp_path_factory.mktemp("sample-la"))


@pytest.fixture(scope="session")
def served(sample_scenario: Scenario, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The sample's tables behind ``duckdb-kql serve`` (one server for the session), reached
    through a proxy that asks it each distinct query once (``replaying_proxy``)."""
    path = tmp_path_factory.mktemp("adx") / "netlogs.duckdb"
    con = duckdb.connect(str(path))
    load_into_duckdb(con, sample_scenario.frames)
    con.close()
    with duckdb_kql_server(path) as url, replaying_proxy(url) as proxy:
        yield proxy
