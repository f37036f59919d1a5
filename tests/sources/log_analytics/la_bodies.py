"""Query-API response bodies for the fake server: realistic AZFWNetworkRule rows and errors."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

NETWORK_RULE_COLUMNS = [
    ("TenantId", "string"),
    ("TimeGenerated", "datetime"),
    ("Protocol", "string"),
    ("SourceIp", "string"),
    ("SourcePort", "int"),
    ("DestinationIp", "string"),
    ("DestinationPort", "int"),
    ("Action", "string"),
    ("Policy", "string"),
    ("RuleCollectionGroup", "string"),
    ("RuleCollection", "string"),
    ("Rule", "string"),
    ("ActionReason", "string"),
    ("SourceSystem", "string"),
    ("Type", "string"),
    ("_ResourceId", "string"),
]
FIREWALL_ID = (
    "/subscriptions/00000000-0000-0000-0000-000000000001/resourcegroups/rg-hub/providers"
    "/microsoft.network/azurefirewalls/fw-hub"
)
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sources_la"


def network_rule_rows(
    count: int, start: datetime, step: timedelta = timedelta(seconds=1)
) -> list[list[Any]]:
    """``count`` Allow rows from spoke clients to the vault's PE, one per ``step``."""
    rows = []
    for i in range(count):
        moment = start + step * i
        rows.append(
            [
                "72f988bf-86f1-41af-91ab-2d7cd011db47",
                moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}1Z",
                "TCP",
                f"10.2.{i % 250}.{4 + i % 200}",
                40000 + i % 20000,
                "10.1.2.4",
                443,
                "Allow",
                "fwpol-hub",
                "rcg-spokes",
                "allow-keyvault",
                "allow-kv-pe",
                "",
                "",
                "AZFWNetworkRule",
                FIREWALL_ID,
            ]
        )
    return rows


def table_body(
    rows: list[list[Any]],
    columns: list[tuple[str, str]] = NETWORK_RULE_COLUMNS,
    execution_time_s: float | None = 0.25,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "tables": [
            {
                "name": "PrimaryResult",
                "columns": [{"name": n, "type": t} for n, t in columns],
                "rows": rows,
            }
        ]
    }
    if execution_time_s is not None:
        body["statistics"] = {"query": {"executionTime": execution_time_s}}
    return body


def fixture_json(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return loaded


def syntax_error_body() -> dict[str, Any]:
    """The documented 400 shape: BadArgumentError > SyntaxError > the parser's line/position."""
    return {
        "error": {
            "message": "The request had some invalid properties",
            "code": "BadArgumentError",
            "correlationId": "0d6a9b3e-1111-4c5e-9c39-3f7c9f1e2b11",
            "innererror": {
                "code": "SyntaxError",
                "message": "A recognition error occurred in the query.",
                "innererror": {
                    "code": "SYN0002",
                    "message": "Query could not be parsed at '|' on line [3,2]",
                    "line": 3,
                    "pos": 2,
                    "token": "|",
                },
            },
        }
    }


def forbidden_body() -> dict[str, Any]:
    return {
        "error": {
            "message": "The provided credentials have insufficient access to perform the "
            "requested operation",
            "code": "InsufficientAccessError",
            "correlationId": "5c5c7b4e-2222-4d2f-8a53-0d7e6f5a4b33",
            "innererror": {"code": "UnauthorizedClient", "message": "Missing Log Analytics Reader"},
        }
    }


# Columns of the coverage probe's answer (kql/coverage.kql).
COVERAGE_COLUMNS = [
    ("Source", "string"),
    ("Rows", "long"),
    ("FirstRecord", "datetime"),
    ("LastRecord", "datetime"),
    ("MaxIngestionLag", "timespan"),
    ("P95IngestionLag", "timespan"),
    ("MaxEventLag", "timespan"),
    ("P95EventLag", "timespan"),
]


def with_partial_error(body: dict[str, Any], inner_code: str, message: str) -> dict[str, Any]:
    """``body`` (200 with rows) plus a PartialError as the service words it."""
    body["error"] = {
        "code": "PartialError",
        "message": "There were some errors when processing your query.",
        "details": [
            {
                "code": "EngineError",
                "message": "Something went wrong processing your query on the server.",
                "innererror": {
                    "code": inner_code,
                    "message": message,
                    "severity": 2,
                    "severityName": "Error",
                },
            }
        ],
    }
    return body


def truncated_body(rows: list[list[Any]]) -> dict[str, Any]:
    """200 with rows AND a PartialError saying the result set hit the size limit."""
    return with_partial_error(
        table_body(rows),
        "-2133196791",
        "Query result set has exceeded the internal record count "
        "limit 500000 records (E_QUERY_RESULT_SET_TOO_LARGE; see https://aka.ms/kustoquerylimits)",
    )


def low_memory_body(body: dict[str, Any]) -> dict[str, Any]:
    """200 with rows and a PartialError that is not a size limit (so the chunk is not split)."""
    return with_partial_error(
        body, "-2133196788", "Partial query failure: Low memory condition (E_LOW_MEMORY_CONDITION)"
    )


def probe_body(counts: dict[str, int], lag: str = "00:04:00") -> dict[str, Any]:
    """The coverage probe's answer for a workspace whose tables hold ``counts`` rows.

    Every key is a table (or ``AzureDiagnostics/<Category>``) that exists; 0 rows is a table that
    exists but is empty in the window (its lags are null, as the service computes them).
    """
    rows = []
    for source, count in sorted(counts.items()):
        when = "2026-11-20T10:00:00Z" if count else None
        lags = [lag] * 4 if count else [None] * 4
        rows.append([source, count, when, when, *lags])
    return table_body(rows, COVERAGE_COLUMNS)


def unknown_table_body(table: str) -> dict[str, Any]:
    """The service's 400 for a query naming a table the workspace does not have."""
    return {
        "error": {
            "message": "The request had some invalid properties",
            "code": "BadArgumentError",
            "correlationId": "578c8e21-3333-4a1b-9d2e-7f6a5b4c3d22",
            "innererror": {
                "code": "SemanticError",
                "message": "A semantic error occurred.",
                "innererror": {
                    "code": "SEM0100",
                    "message": f"'where' operator: Failed to resolve table or column expression "
                    f"named '{table}'",
                },
            },
        }
    }
