"""Log Analytics adapter of the kusto engine: the facts queries run in the workspace.

One query per workspace list: the first workspace is queried and the others are passed as
``additional_workspaces``, so the service unions the tables across them (``workspace()``).
A partial answer (``LogsQueryPartialResult``: a limit was hit) keeps its rows and its reason.
"""

# ruff: noqa: PLC0415  (azure is imported lazily: `netlogs --help` and offline runs never load it)
from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import polars as pl

from netlogs.correlate.kusto_facts import FLOW_LAG, FactQuery, KustoAnswer
from netlogs.errors import QueryError
from netlogs.model import TimeWindow

if TYPE_CHECKING:
    from netlogs.sources.log_analytics import LogAnalyticsSource

# The service filters TimeGenerated on the request's timespan before the query runs: it must
# include the firewall rows read before the window (the reuse window plus clock skew) and the
# flow rows stamped after it. The query applies the exact bounds itself, so a wide timespan
# costs nothing; reuse windows longer than a day are not supported by the kusto engine.
_LEAD = timedelta(days=1)


class LogAnalyticsExecutor:
    """Runs the kusto engine's queries in one or more Log Analytics workspaces."""

    def __init__(self, workspaces: tuple[str, ...], client: Any) -> None:
        self.workspaces, self._client = workspaces, client

    @classmethod
    def connect(cls, source: LogAnalyticsSource) -> LogAnalyticsExecutor:
        """With the evidence source's client: its credential (the run's one token), retries,
        endpoint override, cloud and TLS settings."""
        return cls(source.workspaces, source.transport.logs_client())

    @property
    def target(self) -> str:
        return ",".join(self.workspaces)

    def execute(self, query: FactQuery, window: TimeWindow) -> KustoAnswer:
        """The rows of ``query``.

        Raises:
            QueryError: the service refused or failed the query.
        """
        from azure.core.exceptions import HttpResponseError
        from azure.monitor.query import LogsQueryStatus

        first, *others = self.workspaces
        span = (window.start - _LEAD, window.end + FLOW_LAG)
        try:
            response = self._client.query_workspace(
                first, query.text, timespan=span, additional_workspaces=others or None
            )
        except HttpResponseError as exc:
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else "error"
            raise QueryError(f"{query.name} failed in {self.target}: {message[:300]}") from None
        if response.status == LogsQueryStatus.PARTIAL:
            table, reason = response.partial_data[0], _partial_reason(response.partial_error)
        else:
            table, reason = response.tables[0], ""
        frame = pl.DataFrame(
            [list(row) for row in table.rows],
            schema=list(table.columns),
            orient="row",
            infer_schema_length=None,
        )
        return KustoAnswer(frame, partial=reason)


def _partial_reason(error: Any) -> str:
    """The innermost messages of a PartialError (the engine's reason, e.g. a result limit)."""
    reasons = []
    for detail in getattr(error, "details", None) or []:
        inner = detail  # plain dicts, or the SDK's mapping models: read them as mappings
        while isinstance(inner, Mapping) and isinstance(inner.get("innererror"), Mapping):
            inner = inner["innererror"]
        if isinstance(inner, Mapping) and inner.get("message"):
            reasons.append(str(inner["message"]))
    return "; ".join(reasons) or str(getattr(error, "message", "")) or "partial result"
