"""Azure Data Explorer adapter of the kusto engine (``--cluster URL --database DB``).

Runs the facts queries with ``azure-kusto-data`` (``DefaultAzureCredential``). The tables are
expected under their Log Analytics names (the usual export). ``NETLOGS_KUSTO_NO_AUTH=1`` with a
``http://127.0.0.1:PORT`` cluster connects without a token, for local emulators such as
``duckdb-kql serve``; any other address with that variable set is refused.
"""

# ruff: noqa: PLC0415  (azure is imported lazily: `netlogs --help` and offline runs never load it)
from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlparse

import polars as pl

from netlogs.correlate.kusto_facts import FactQuery, KustoAnswer
from netlogs.errors import ConfigError, QueryError
from netlogs.model import TimeWindow

NO_AUTH_VARIABLE = "NETLOGS_KUSTO_NO_AUTH"
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class AdxExecutor:
    """Runs the kusto engine's queries in one ADX database."""

    def __init__(self, cluster: str, database: str, client: Any | None = None) -> None:
        self.cluster, self.database = cluster.rstrip("/"), database
        self._client = client if client is not None else _client(self.cluster)

    @property
    def target(self) -> str:
        return f"{self.cluster}/{self.database}"

    def execute(self, query: FactQuery, window: TimeWindow) -> KustoAnswer:
        """The rows of ``query``; a result the server marks with errors comes back partial.

        Raises:
            QueryError: the server refused or failed the query (message without secrets).
        """
        from azure.kusto.data.exceptions import KustoError

        try:
            response = self._client.execute_query(self.database, query.text)
        except KustoError as exc:
            raise QueryError(
                f"{query.name} failed on {self.target}: {_first_line(str(exc))}"
            ) from None
        table = response.primary_results[0]
        names = [column.column_name for column in table.columns]
        rows = [list(row) for row in table.raw_rows]
        frame = pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None)
        partial = ""
        if response.errors_count:
            partial = "; ".join(_first_line(e) for e in response.get_exceptions())
        return KustoAnswer(frame, partial=partial)


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0][:300] if lines else "unknown error"


def _client(cluster: str) -> Any:
    from azure.kusto.data import KustoClient, KustoConnectionStringBuilder

    parsed = urlparse(cluster)
    if os.environ.get(NO_AUTH_VARIABLE) == "1":
        if parsed.scheme != "http" or parsed.hostname not in _LOOPBACK:
            raise ConfigError(
                f"{NO_AUTH_VARIABLE}=1 only connects to a local emulator at "
                f"http://127.0.0.1:PORT, not {cluster}"
            )
        return KustoClient(KustoConnectionStringBuilder.with_no_authentication(cluster))
    if parsed.scheme != "https":
        raise ConfigError(f"--cluster must be an https:// URL, got {cluster}")
    from azure.identity import DefaultAzureCredential

    credential = DefaultAzureCredential()
    builder = KustoConnectionStringBuilder.with_azure_token_credential(cluster, credential)
    return KustoClient(builder)
