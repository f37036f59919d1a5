"""A Log Analytics workspace holding the shipped sample scenario, served by the HTTPS fake.

The scenario's files are read once with ``FileSource`` (the offline path), grouped by Log
Analytics table, and each query is answered the way the service would: the rows of the table the
template reads, restricted to the request's ``timespan`` and (for ``AzureDiagnostics``) to the
categories the query names, projected onto the columns the template's ``project`` lists, with
Kusto column types. The coverage probe gets one summary row per table/category.

Raw storage tables (``raw:vnet_flow``, ``raw:keyvault``) have no workspace equivalent: a workspace
holds flow logs only as Traffic Analytics rows, so they are not served (see the tests for what
that changes). Tables the scenario has no rows for do not exist in the workspace, except
``empty_tables``; a query naming an absent table gets the service's 400, as live.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from netlogs import kql
from netlogs.model import EvidenceQuery, TimeWindow
from netlogs.sources.files import FileSource
from tests.sources.log_analytics.fake_query_api import FakeRequest, Reply
from tests.sources.log_analytics.la_bodies import COVERAGE_COLUMNS, unknown_table_body

# Columns the az CLI export delivers as text; the workspace types them.
_KNOWN_TYPES = {
    "TimeGenerated": "datetime",
    "DurationMs": "long",
    "HttpStatusCode": "int",
    "IsRbacAuthorized": "bool",
    "IsAddressAuthorized": "bool",
    "IsAccessPolicyMatch": "bool",
    "Identity": "dynamic",
    "Properties": "dynamic",
}
_DTYPE_TO_KUSTO = {
    pl.String: "string",
    pl.Boolean: "bool",
    pl.Int32: "int",
    pl.Int64: "long",
    pl.Float64: "real",
    pl.Datetime: "datetime",
}
_NULL_DEFAULTS = {"real": "real", "bool": "bool", "guid": "guid", "long": "long", "int": "int"}
# Ingestion lags the probe reports; equal to netlogs' defaults so the live run waits as long as
# the offline one (the offline run cannot observe lags at all).
PROBE_LAGS = {"keyvault": "00:10:00", "firewall": "00:05:00"}
SAMPLE_QUERY_WINDOW = TimeWindow(
    datetime.fromisoformat("2026-11-20T00:00:00+00:00"),
    datetime.fromisoformat("2026-11-21T00:00:00+00:00"),
)


@dataclass
class ScenarioWorkspace:
    """Typed frames per Log Analytics table; ``override`` may replace any answer (errors)."""

    tables: dict[str, pl.DataFrame]
    override: Callable[[str, FakeRequest], Reply | None] | None = None
    lags: Mapping[str, str] = field(default_factory=lambda: dict(PROBE_LAGS))
    # Tables the workspace has without a row of the scenario (Traffic Analytics is set up, but
    # saw no flow of these clients); every other table is absent, as in a real workspace.
    empty_tables: frozenset[str] = frozenset({"NTANetAnalytics"})

    def __call__(self, request: FakeRequest) -> Reply:
        template = template_of(request)
        if self.override is not None:
            replaced = self.override(template, request)
            if replaced is not None:
                return replaced
        if template == "coverage_probe":
            return Reply(200, self.probe_body(request))
        table = next(t.tables[0] for t in kql.list_templates() if t.name == template)
        if table not in self.tables and table not in self.empty_tables:
            return Reply(400, unknown_table_body(table))  # the service refuses absent tables
        frame = self.rows_for(template, request)
        if frame.is_empty():  # a table with columns and no row, as the service answers
            columns = [(name, kind or "string") for name, kind in projected_columns(request.query)]
            return Reply(200, _body(columns, []))
        return Reply(200, query_body(project(frame, request.query)))

    def rows_for(self, template: str, request: FakeRequest) -> pl.DataFrame:
        table = next(t.tables[0] for t in kql.list_templates() if t.name == template)
        frame = self.tables.get(table)
        if frame is None:
            return pl.DataFrame()
        start, end = parse_timespan(request.timespan)
        frame = frame.filter(pl.col("TimeGenerated").is_between(start, end, closed="left"))
        categories = named_categories(request.query)
        if table == "AzureDiagnostics" and categories:
            frame = frame.filter(pl.col("Category").is_in(categories))
        return frame

    def probe_body(self, request: FakeRequest) -> dict[str, Any]:
        start, end = parse_timespan(request.timespan)
        rows: list[list[Any]] = []
        for table, frame in sorted(self.tables.items()):
            inside = frame.filter(pl.col("TimeGenerated").is_between(start, end, closed="left"))
            keys = ["Category"] if table == "AzureDiagnostics" else []
            for key, part in sorted(_groups(inside, keys), key=lambda kv: kv[0]):
                source = f"{table}/{key}" if key else table
                family = "keyvault" if "KV" in table or key == "AuditEvent" else "firewall"
                lag = self.lags[family]
                first, last = part["TimeGenerated"].min(), part["TimeGenerated"].max()
                rows.append([source, part.height, _iso(first), _iso(last), lag, lag, lag, lag])
        seen = {row[0].split("/")[0] for row in rows}
        for table in sorted({*self.tables, *self.empty_tables} - seen):
            rows.append([table, 0, None, None, None, None, None, None])  # exists, no row
        return _body(COVERAGE_COLUMNS, rows)


def load_scenario(logs: Path) -> ScenarioWorkspace:
    """The sample logs as a workspace would hold them: typed, one frame per table."""
    query = EvidenceQuery(
        vault_name="kv-contoso-prod",
        vault_fqdn="kv-contoso-prod.vault.azure.net",
        private_endpoint_ips=("10.1.2.4",),
        firewall_names=("fw-hub",),
        window=SAMPLE_QUERY_WINDOW,
    )
    collected = FileSource(logs).collect(query)
    grouped: dict[str, list[pl.DataFrame]] = {}
    for raw in collected.raw_tables:
        if raw.table.startswith("raw:"):
            continue  # storage-account archives: never in a workspace
        grouped.setdefault(raw.table, []).append(_typed(raw.frame.drop("_row", strict=False)))
    return ScenarioWorkspace(
        {name: pl.concat(frames, how="diagonal_relaxed") for name, frames in grouped.items()}
    )


def template_of(request: FakeRequest) -> str:
    """Rendered queries start with ``// netlogs template NAME: ...``."""
    first = request.query.splitlines()[0]
    return first.split("template", 1)[1].split(":", 1)[0].strip()


def parse_timespan(text: str) -> tuple[datetime, datetime]:
    start, end = (datetime.fromisoformat(part.replace("Z", "+00:00")) for part in text.split("/"))
    return start, end


def named_categories(query: str) -> list[str]:
    """The AzureDiagnostics categories a query keeps (``Category in (...)`` / ``== "..."``)."""
    match = re.search(r'Category (?:in \(([^)]*)\)|== ("[^"]*"))', query)
    if match is None:
        return []
    return re.findall(r'"([^"]*)"', match.group(1) or match.group(2))


def projected_columns(query: str) -> list[tuple[str, str | None]]:
    """``(name, kusto type of a column_ifexists default or None)`` from the final ``project``."""
    clause = query.rsplit("| project", 1)[1]
    items, depth, current = [], 0, ""
    for char in clause:  # split on top-level commas: defaults contain commas in parentheses
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            items.append(current)
            current = ""
        else:
            current += char
    items.append(current)
    result: list[tuple[str, str | None]] = []
    for item in (i.strip() for i in items if i.strip()):
        name, _, expr = (part.strip() for part in item.partition("="))
        default = re.search(r",\s*(\w+)\(null\)\)", expr)
        kind = _NULL_DEFAULTS.get(default.group(1)) if default else ("string" if expr else None)
        result.append((name, kind))
    return result


def project(frame: pl.DataFrame, query: str) -> pl.DataFrame:
    """Keep the projected columns in order; a column the rows lack becomes a typed null/empty."""
    exprs = []
    for name, default_kind in projected_columns(query):
        if name in frame.columns:
            exprs.append(pl.col(name))
        elif default_kind == "string" or default_kind is None:
            exprs.append(pl.lit("" if default_kind else None, dtype=pl.String).alias(name))
        else:
            exprs.append(pl.lit(None, dtype=_POLARS[default_kind]).alias(name))
    return frame.select(exprs)


def query_body(frame: pl.DataFrame) -> dict[str, Any]:
    columns = [(name, kusto_type(frame.schema[name], name)) for name in frame.columns]
    text = frame.with_columns(
        pl.col(pl.Datetime).dt.strftime("%Y-%m-%dT%H:%M:%S%.6f0Z")  # 7 digits, as ingested
    )
    return _body(columns, [list(row) for row in text.rows()])


def kusto_type(dtype: pl.DataType, name: str) -> str:
    if name in ("Identity", "Properties") and dtype == pl.String:
        return "dynamic"
    return next((k for d, k in _DTYPE_TO_KUSTO.items() if isinstance(dtype, d)), "string")


_POLARS: Mapping[str, pl.DataType] = {
    "real": pl.Float64(),
    "bool": pl.Boolean(),
    "guid": pl.String(),
    "long": pl.Int64(),
    "int": pl.Int32(),
}


def _typed(frame: pl.DataFrame) -> pl.DataFrame:
    """Give text columns of the az CLI export the types the workspace declares."""
    casts = []
    for name, kind in _KNOWN_TYPES.items():
        if name not in frame.columns or frame.schema[name] != pl.String:
            continue
        column = pl.col(name)
        if kind == "datetime":
            casts.append(column.str.to_datetime(time_zone="UTC", time_unit="us"))
        elif kind == "bool":
            casts.append(column.str.to_lowercase().replace({"": None}) == "true")
        elif kind in ("int", "long"):
            casts.append(column.cast(_POLARS[kind], strict=False))
    return frame.with_columns(casts)


def _groups(frame: pl.DataFrame, keys: Sequence[str]) -> list[tuple[str, pl.DataFrame]]:
    if frame.is_empty():
        return []
    if not keys:
        return [("", frame)]
    parts = frame.partition_by(keys, as_dict=True)
    return [(str(key[0]), part) for key, part in parts.items()]


def _iso(moment: object) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if isinstance(moment, datetime) else None


def _body(columns: Sequence[tuple[str, str]], rows: list[list[Any]]) -> dict[str, Any]:
    return {
        "tables": [
            {
                "name": "PrimaryResult",
                "columns": [{"name": n, "type": t} for n, t in columns],
                "rows": rows,
            }
        ],
        "statistics": {"query": {"executionTime": 0.05}},
    }
