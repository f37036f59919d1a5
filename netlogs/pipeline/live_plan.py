"""Evidence from the workspaces a log plan names, asking each only for tables that exist.

Log Analytics rejects a query that names a table the workspace does not have (400 ``SEM0100``),
and a table appears only with its first row. So each workspace is first asked the coverage probe
(``union isfuzzy=true``: it tolerates absent tables) over the window and the firewall lead; only
the templates the plan allows AND whose table had rows are then run. A table with no rows is a
source that is not present, never a failure. A workspace that refuses access (403) or cannot be
reached gives each source it was to give as an empty, partial source with the reason (the
normalizer's ledger knows complete and partial; partial is what keeps a verdict from resting on
it), and the trace goes on with the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import polars as pl

from netlogs.azure.blobs import NSG_FLOW_CONTAINER, VNET_FLOW_CONTAINER, download_flow_blobs
from netlogs.discovery.logplan import (
    FlowLogSetting,
    LogPlan,
    candidate_templates,
    templates_with_rows,
)
from netlogs.errors import AuthError, AzureRequestError, QueryError, SourceError
from netlogs.kql import load_template
from netlogs.model import CollectedEvidence, EvidenceQuery, RawTable, SourceStatus
from netlogs.sources.files import FileSource
from netlogs.sources.log_analytics import LogAnalyticsSource

PROBE = "coverage_probe"


@dataclass
class PlannedLogAnalytics:
    """An ``EvidenceSource`` over every workspace of ``plan``."""

    plan: LogPlan
    credential: Any
    endpoint: str | None = None
    verify: str | bool | None = None
    blob_dir: Path | None = None  # where flow-log blobs are kept (None: not read)

    def collect(self, query: EvidenceQuery) -> CollectedEvidence:
        parts = [self._workspace(ws, query) for ws in self.plan.workspace_guids()]
        parts += [self._stored_flows(f, query) for f in self.plan.flow_logs if _stored_only(f)]
        return merge(parts)

    def _stored_flows(self, flow: FlowLogSetting, query: EvidenceQuery) -> CollectedEvidence:
        """A storage-only flow log: its blobs of the window, read like exported files."""
        if self.blob_dir is None or query.window is None:
            return CollectedEvidence(raw_tables=())
        nsg = flow.target_kind == "networksecuritygroups"
        container = NSG_FLOW_CONTAINER if nsg else VNET_FLOW_CONTAINER
        table = "raw:nsg_flow" if nsg else "raw:vnet_flow"
        if not flow.blob_endpoint:
            why = f"storage account not readable (needs Reader on {flow.storage_account})"
            missing = RawTable(table, pl.DataFrame(), flow.resource_id, SourceStatus.PARTIAL, why)
            return CollectedEvidence(raw_tables=(missing,))
        account = flow.blob_endpoint.rstrip("/").rsplit("/", 1)[-1].split(".", 1)[0]
        folder = self.blob_dir / account / flow.name  # one folder per flow log: no re-reads
        try:
            files = download_flow_blobs(
                self.credential,
                flow.blob_endpoint,
                container,
                flow.name,
                window=(query.window.start, query.window.end),
                destination=folder,
            )
        except AzureRequestError as exc:
            origin = f"{flow.blob_endpoint.rstrip('/')}/{container}"
            empty = RawTable(table, pl.DataFrame(), origin, SourceStatus.PARTIAL, str(exc))
            return CollectedEvidence(raw_tables=(empty,))
        if not files:
            return CollectedEvidence(raw_tables=())
        return FileSource(folder / container).collect(query)

    def _source(self, workspace: str, templates: Sequence[str]) -> LogAnalyticsSource:
        return LogAnalyticsSource(
            [workspace],
            credential=self.credential,
            endpoint=self.endpoint,
            connection_verify=self.verify,
            templates=list(templates),
        )

    def _workspace(self, workspace: str, query: EvidenceQuery) -> CollectedEvidence:
        candidates = candidate_templates(self.plan, workspace)
        if not candidates:
            return CollectedEvidence(raw_tables=())
        try:
            widened = replace(query, window=query.firewall_window())
            probe = self._source(workspace, [PROBE]).collect(widened)
            chosen = templates_with_rows(candidates, (lag.table for lag in probe.lags))
            if not chosen:
                return probe
            evidence = self._source(workspace, chosen).collect(query)
        except (AuthError, QueryError, SourceError) as exc:
            return _unreachable(workspace, candidates, exc)
        return merge([probe, evidence])


def _stored_only(flow: FlowLogSetting) -> bool:
    return flow.enabled and not flow.traffic_analytics and bool(flow.storage_account)


def probe_workspace(
    workspace: str, query: EvidenceQuery, credential: Any, endpoint: str | None, verify: Any
) -> tuple[tuple[str, ...], str]:
    """(sources with rows, "") or ((), why the workspace could not be asked)."""
    source = LogAnalyticsSource(
        [workspace],
        credential=credential,
        endpoint=endpoint,
        connection_verify=verify,
        templates=[PROBE],
    )
    try:
        probe = source.collect(query)
    except (AuthError, QueryError, SourceError) as exc:
        return (), str(exc)
    return tuple(sorted({lag.table for lag in probe.lags})), ""


def _unreachable(workspace: str, templates: Sequence[str], error: Exception) -> CollectedEvidence:
    """Each source the workspace was to give, empty and partial, with the reason."""
    tables = []
    for name in templates:
        template = load_template(name)
        table = template.tables[0] if template.tables else name
        tables.append(
            RawTable(table, pl.DataFrame(), f"{name}@{workspace}", SourceStatus.PARTIAL, str(error))
        )
    return CollectedEvidence(raw_tables=tuple(tables))


def merge(parts: Sequence[CollectedEvidence]) -> CollectedEvidence:
    return CollectedEvidence(
        raw_tables=tuple(t for p in parts for t in p.raw_tables),
        parse_issues=tuple(i for p in parts for i in p.parse_issues),
        ledger=tuple(e for p in parts for e in p.ledger),
        queries=tuple(q for p in parts for q in p.queries),
        inputs=tuple(i for p in parts for i in p.inputs),
        lags=tuple(lag for p in parts for lag in p.lags),
    )
