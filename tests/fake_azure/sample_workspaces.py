"""The sample scenario's logs as two Log Analytics workspaces hold them.

The vault's diagnostic setting sends to ``law-contoso-platform`` and the firewall's to
``law-contoso-security`` (see ``sample_estate``), so the rows are split by the resource that
wrote them. Each table gets every documented column (kql/schemas/tables.json) and the hidden
ingestion time ``fake_kql`` reads for ``ingestion_time()``: Key Vault rows arrive 10 minutes
after they happen, firewall rows 5 minutes after (netlogs' own defaults).

Storage-account archives (the VNet flow log blobs, the dev vault's audit archive) are not in
any workspace: they are what the flow-log and diagnostic settings call storage-only.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import polars as pl

from netlogs.kql import load_table_schemas
from tests.fake_azure.fake_kql import INGESTION_COLUMN, KqlEngine
from tests.fake_azure.sample_estate import WS_PLATFORM, WS_SECURITY
from tests.trace_live.trace_live_scenario import load_scenario

HERE = Path(__file__).resolve().parent

SAMPLE_LOGS = HERE.parents[1] / "sample_data" / "logs"
_POLARS = {
    "string": pl.String,
    "datetime": pl.Datetime("us", "UTC"),
    "real": pl.Float64,
    "long": pl.Int64,
    "int": pl.Int32,
    "bool": pl.Boolean,
    "dynamic": pl.String,
    "guid": pl.String,
    "timespan": pl.Duration("us"),
}
LAG = {WS_PLATFORM: timedelta(minutes=10), WS_SECURITY: timedelta(minutes=5)}


def split_by_workspace(tables: dict[str, pl.DataFrame]) -> dict[str, dict[str, pl.DataFrame]]:
    """{workspace GUID: {table: rows}} following the sample estate's diagnostic settings."""
    result: dict[str, dict[str, pl.DataFrame]] = {WS_PLATFORM: {}, WS_SECURITY: {}}
    for table, frame in tables.items():
        if table == "AzureDiagnostics":
            vault = pl.col("ResourceProvider").str.to_uppercase() == "MICROSOFT.KEYVAULT"
            result[WS_PLATFORM][table] = frame.filter(vault)
            result[WS_SECURITY][table] = frame.filter(~vault)
        elif table.startswith("AZKV"):
            result[WS_PLATFORM][table] = frame
        else:
            result[WS_SECURITY][table] = frame
    return result


def load_engine(engine: KqlEngine | None = None) -> KqlEngine:
    """A KQL engine holding both workspaces of the sample scenario."""
    engine = engine or KqlEngine()
    schemas = load_table_schemas()
    for workspace, tables in split_by_workspace(load_scenario(SAMPLE_LOGS).tables).items():
        for table, frame in tables.items():
            documented = schemas.get(table, {})
            missing = [
                pl.lit(None, _POLARS[kind]).alias(name)
                for name, kind in documented.items()
                if name not in frame.columns
            ]
            full = frame.with_columns(
                *missing, (pl.col("TimeGenerated") + LAG[workspace]).alias(INGESTION_COLUMN)
            )
            dynamic = [n for n, k in documented.items() if k == "dynamic"]
            engine.add_frame(workspace, table, full, dynamic=dynamic)
    return engine
