"""Which engine computes a trace's facts (`--engine`), and the kusto engine's executors.

``auto`` (the default): live traces (``--workspace`` or ``--cluster``) whose window is longer
than ``KUSTO_DEFAULT_ABOVE`` (24 h) run in Kusto; shorter live traces and every ``--logs``
trace run locally. ``--cluster`` always runs in Kusto (there is no raw-row path for ADX).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netlogs.errors import ConfigError

if TYPE_CHECKING:
    from netlogs.correlate.kusto_facts import KustoExecutor
    from netlogs.model import EvidenceSource, TraceRequest

ENGINES = ("auto", "local", "kusto")


def chosen_engine(engine: str, request: TraceRequest, *, logs: bool, cluster: bool) -> str:
    """``local`` or ``kusto`` for these options.

    Raises:
        ConfigError: an unknown engine, or a combination that cannot run.
    """
    from netlogs.pipeline.kusto_trace import KUSTO_DEFAULT_ABOVE

    if engine not in ENGINES:
        raise ConfigError(f"--engine {engine!r}: use local, kusto or auto")
    if logs and engine == "kusto":
        raise ConfigError("--engine kusto runs where the logs are: use --workspace or --cluster")
    if cluster and engine == "local":
        raise ConfigError("--cluster runs the kusto engine: drop --engine local")
    if engine != "auto":
        return engine
    if cluster:
        return "kusto"
    window = request.window
    if logs or window is None:
        return "local"
    return "kusto" if window.end - window.start > KUSTO_DEFAULT_ABOVE else "local"


def kusto_executor(
    source: EvidenceSource | None, cluster: str | None, database: str | None
) -> KustoExecutor:
    """The ADX executor for ``--cluster``/``--database``, else the Log Analytics one over the
    workspace source's signed-in client."""
    if cluster is not None:
        if not database:
            raise ConfigError("--cluster needs --database DB (the database holding the tables)")
        from netlogs.sources.kusto.adx import AdxExecutor

        return AdxExecutor(cluster, database)
    from netlogs.sources.kusto.workspace import LogAnalyticsExecutor
    from netlogs.sources.log_analytics import LogAnalyticsSource

    assert isinstance(source, LogAnalyticsSource)  # --workspace: built (and signed in) first
    return LogAnalyticsExecutor.connect(source)
