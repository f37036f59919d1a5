"""duckdb-kql's answers, run once per connection and query text.

Parsing, translating and running one facts query takes the emulator 10-20 s whatever the size of
the tables (the query is 25 kB of KQL), and the tests ask the same queries of the same tables
again and again (both engines on one request, every slice test's whole-window answer, the
cited-row checks). A connection's tables are loaded by ``load_into_duckdb`` when it is made;
that load forgets the connection's answers, so an answer can never outlive the tables it came
from. Errors are raised every time, never kept.
"""

from __future__ import annotations

import weakref
from typing import Any

import duckdb_kql
import polars as pl

# connection -> (form, query text) -> answer; an entry goes with its connection
_ANSWERS: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], Any]] = weakref.WeakKeyDictionary()
Table = tuple[list[str], list[str], list[tuple[Any, ...]]]  # names, DuckDB types, rows


def kql_frame(con: Any, text: str) -> pl.DataFrame:
    """``duckdb_kql.query(con, text).pl()``, run once per connection and text."""
    answers = _ANSWERS.setdefault(con, {})
    if ("frame", text) not in answers:
        answers["frame", text] = duckdb_kql.query(con, text).pl()
    frame: pl.DataFrame = answers["frame", text]
    return frame.clone()


def kql_table(con: Any, text: str) -> Table:
    """The relation's column names, DuckDB type names and rows, run once per connection and
    text (what a fake query API writes into its JSON)."""
    answers = _ANSWERS.setdefault(con, {})
    if ("table", text) not in answers:
        relation = duckdb_kql.query(con, text)
        kinds = [str(kind) for kind in relation.types]
        answers["table", text] = (list(relation.columns), kinds, relation.fetchall())
    names, kinds, rows = answers["table", text]
    return list(names), list(kinds), list(rows)


def forget(con: Any) -> None:
    """The connection's tables are about to change: its answers are no longer theirs."""
    _ANSWERS.pop(con, None)
