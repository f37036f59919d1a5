"""The tests' duckdb-kql answer cache never answers for tables that changed, nor for another
connection: what the kusto engine tests compare is always what duckdb-kql says of the tables."""

from __future__ import annotations

import duckdb_kql
import polars as pl

from tests.kusto_engine.kql_answers import kql_frame
from tests.kusto_engine.la_tables import load_into_duckdb


def test_a_reload_or_another_connection_is_asked_again() -> None:
    con = duckdb_kql.connect()
    load_into_duckdb(con, {"T": pl.DataFrame({"x": [1, 2]})})
    assert kql_frame(con, "T | count").item() == 2
    assert kql_frame(con, "T | count").item() == 2  # kept
    load_into_duckdb(con, {"T": pl.DataFrame({"x": [1, 2, 3]})})
    assert kql_frame(con, "T | count").item() == 3  # the new tables' answer
    other = duckdb_kql.connect()
    load_into_duckdb(other, {"T": pl.DataFrame({"x": [5]})})
    assert kql_frame(other, "T | count").item() == 1
    answer = kql_frame(con, "T | count")
    answer[0, 0] = 99  # a caller changing its copy changes nobody else's
    assert kql_frame(con, "T | count").item() == 3
