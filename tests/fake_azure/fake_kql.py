"""The fake's KQL engine: the queries netlogs sends run on DuckDB through ``duckdb-kql``.

Each "database" (Resource Graph's tables, or one Log Analytics workspace) is its own DuckDB
connection. A table the database does not have is unknown to the engine, as it is to the service.

``adapt_query`` is the ONE place where the fake bridges functions duckdb-kql lacks; the queries
netlogs sends are not changed otherwise (tests/kql checks them with Microsoft's own parser):

- ``ingestion_time()`` reads the hidden column ``_IngestionTime`` every table is given;
- ``column_ifexists("Name", default)`` becomes ``Name`` when a table named in the query has that
  column, else ``default`` (what the service resolves at query time);
- ``let c = array_concat(a, b);`` of two literal lists is folded into one literal list
  (duckdb-kql 1.1.2 fails on ``x in (c)`` for such a list).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import duckdb_kql
import polars as pl

INGESTION_COLUMN = "_IngestionTime"
_DUCK_TO_KUSTO = {
    "VARCHAR": "string",
    "BOOLEAN": "bool",
    "BIGINT": "long",
    "INTEGER": "int",
    "DOUBLE": "real",
    "FLOAT": "real",
    "TIMESTAMP WITH TIME ZONE": "datetime",
    "TIMESTAMP": "datetime",
    "INTERVAL": "timespan",
    "JSON": "dynamic",
}
_KUSTO_TO_DUCK = {
    "string": "VARCHAR",
    "datetime": "TIMESTAMPTZ",
    "real": "DOUBLE",
    "long": "BIGINT",
    "int": "INTEGER",
    "bool": "BOOLEAN",
    "dynamic": "JSON",
    "guid": "VARCHAR",
    "timespan": "INTERVAL",
}
_COLUMN_IFEXISTS = re.compile(r'column_ifexists\(\s*"([^"]+)"\s*,\s*((?:[^()]|\([^()]*\))*)\)')
_TABLE_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class UnknownTableError(Exception):
    """The query names a table the database does not have (the service's SEM0100)."""


class KqlEngine:
    """One DuckDB connection per database (so no database sees another's tables); queries are
    serialised by a lock."""

    def __init__(self) -> None:
        self._connections: dict[str, duckdb.DuckDBPyConnection] = {}
        self._lock = threading.Lock()
        self._columns: dict[str, dict[str, list[str]]] = {}  # database -> table -> columns

    def databases(self) -> set[str]:
        return set(self._connections)

    def _connection(self, database: str) -> duckdb.DuckDBPyConnection:
        if database not in self._connections:
            self._connections[database] = duckdb_kql.connect()
        return self._connections[database]

    def add_frame(
        self, database: str, table: str, frame: pl.DataFrame, dynamic: Sequence[str] = ()
    ) -> None:
        """A table from a typed polars frame; ``dynamic`` columns hold JSON text."""
        con = self._connection(database)
        con.register("_incoming", frame.to_arrow())
        con.execute(f'CREATE TABLE "{table}" AS SELECT * FROM _incoming')
        con.unregister("_incoming")
        for column in dynamic:
            con.execute(
                f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE JSON '
                f'USING CASE WHEN trim("{column}") = \'\' THEN NULL ELSE "{column}" END'
            )
        self._columns.setdefault(database, {})[table] = list(frame.columns)

    def add_rows(
        self,
        database: str,
        table: str,
        columns: Mapping[str, str],
        rows: Sequence[Mapping[str, Any]],
    ) -> None:
        """A table from JSON-like rows; ``columns`` maps name -> Kusto type."""
        con = self._connection(database)
        spec = ", ".join(f'"{n}" {_KUSTO_TO_DUCK[t]}' for n, t in columns.items())
        con.execute(f'CREATE TABLE "{table}" ({spec})')
        marks = ", ".join("?" for _ in columns)
        values = [
            [json.dumps(r.get(n)) if t == "dynamic" else r.get(n) for n, t in columns.items()]
            for r in rows
        ]
        if values:
            con.executemany(f'INSERT INTO "{table}" VALUES ({marks})', values)
        self._columns.setdefault(database, {})[table] = list(columns)

    def tables(self, database: str) -> dict[str, list[str]]:
        return dict(self._columns.get(database, {}))

    def run(self, database: str, query: str) -> tuple[list[tuple[str, str]], list[list[Any]]]:
        """``([(column, kusto type)], rows)`` of ``query`` over ``database``'s tables."""
        text = adapt_query(query, self._columns.get(database, {}))
        with self._lock:
            con = self._connection(database)
            try:
                relation = duckdb_kql.query(con, text)
                names, types = relation.columns, [str(t) for t in relation.types]
                rows = relation.fetchall()
            except duckdb.CatalogException as exc:
                raise UnknownTableError(str(exc).splitlines()[0]) from None
        kinds = [_DUCK_TO_KUSTO.get(t, "string") for t in types]
        return list(zip(names, kinds, strict=True)), [
            [_cell(v, k) for v, k in zip(row, kinds, strict=True)] for row in rows
        ]


def adapt_query(query: str, tables: Mapping[str, Sequence[str]]) -> str:
    """The fake's only rewrite: bridge ``ingestion_time()`` and ``column_ifexists``."""
    text = query.replace("ingestion_time()", INGESTION_COLUMN)
    named = {word for word in _TABLE_WORD.findall(text) if word in tables}
    available = {column for table in named for column in tables[table]}

    def resolve(match: re.Match[str]) -> str:
        column, default = match.group(1), match.group(2).strip()
        return column if column in available else default

    return _fold_array_concat(_COLUMN_IFEXISTS.sub(resolve, text))


_LET_DYNAMIC = re.compile(r"let (\w+) = dynamic\((\[[^\]]*\])\);")
_LET_CONCAT = re.compile(r"let (\w+) = array_concat\((\w+), (\w+)\);")


def _fold_array_concat(text: str) -> str:
    """``let c = array_concat(a, b);`` of two literal lists becomes one literal list
    (duckdb-kql 1.1.2 compares ``x in (c)`` as JSON and fails on such a list)."""
    literals = {name: value[1:-1].strip() for name, value in _LET_DYNAMIC.findall(text)}

    def fold(match: re.Match[str]) -> str:
        name, left, right = match.groups()
        if left in literals and right in literals:
            items = ", ".join(part for part in (literals[left], literals[right]) if part)
            return f"let {name} = dynamic([{items}]);"
        return match.group(0)

    return _LET_CONCAT.sub(fold, text)


def _cell(value: Any, kind: str) -> Any:
    """A value as the services put it in JSON."""
    if value is None:
        return None
    if kind == "datetime" and isinstance(value, (datetime, date)):
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if kind == "timespan" and isinstance(value, timedelta):
        seconds = value.total_seconds()
        hours, rest = divmod(abs(seconds), 3600)
        minutes, secs = divmod(rest, 60)
        sign = "-" if seconds < 0 else ""
        return f"{sign}{int(hours):02d}:{int(minutes):02d}:{secs:010.7f}"
    if kind == "dynamic" and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
