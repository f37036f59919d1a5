"""Small hand-written Log Analytics rows (the resource-specific tables' real column shapes) and
both engines run over them: the local engine through query-API JSON files, the kusto engine in
duckdb-kql. Each edge-case test states a few rows and compares the two engines' answers."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb_kql
import polars as pl

from netlogs.correlate.kusto_facts import FactQuery, KustoAnswer, facts_frame
from netlogs.model import TimeWindow, TraceRequest, TraceResult
from netlogs.pipeline.kusto_trace import trace_in_kusto
from netlogs.pipeline.trace import trace
from netlogs.sources.files import FileSource
from netlogs.topology.model import Topology
from tests.kusto_engine.conftest import VAULT, DuckdbExecutor
from tests.kusto_engine.la_tables import load_into_duckdb, write_query_api_files
from tests.kusto_engine.test_differential import local_facts_of

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)
PE = "10.1.2.4"  # the vault's private endpoint in the sample topology
VAULT_HOST = "kv-contoso-prod.vault.azure.net"
PE_ID = (
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/"
    "pe-kv-contoso-prod"
)
_VAULT_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/"
_FIREWALL_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/azureFirewalls/"
_US = pl.Datetime("us", "UTC")

_KV = {
    "TimeGenerated": _US, "_ResourceId": pl.String, "CallerIpAddress": pl.String,
    "OperationName": pl.String, "HttpStatusCode": pl.Int32, "ResultSignature": pl.String,
    "ResultDescription": pl.String, "Properties": pl.String, "SubnetId": pl.String,
    "AddressAuthorizationType": pl.String, "Id": pl.String, "CorrelationId": pl.String,
    "Type": pl.String,
}  # fmt: skip
_FW = {
    "TimeGenerated": _US, "_ResourceId": pl.String, "Protocol": pl.String,
    "SourceIp": pl.String, "SourcePort": pl.Int32, "DestinationPort": pl.Int32,
    "Action": pl.String, "ActionReason": pl.String, "Policy": pl.String,
    "RuleCollectionGroup": pl.String, "RuleCollection": pl.String, "Rule": pl.String,
}  # fmt: skip
_NET = {**_FW, "DestinationIp": pl.String, "Type": pl.String}
_APP = {**_FW, "Fqdn": pl.String, "TargetUrl": pl.String, "Type": pl.String}
_FLOW = {
    "TimeGenerated": _US, "FlowStartTime": _US, "FlowEndTime": _US, "SubType": pl.String,
    "SrcIp": pl.String, "DestIp": pl.String, "DestPort": pl.Int32, "FlowDirection": pl.String,
    "FlowStatus": pl.String, "AllowedOutFlows": pl.Int64, "AllowedInFlows": pl.Int64,
    "DeniedOutFlows": pl.Int64, "DeniedInFlows": pl.Int64, "AclRule": pl.String,
    "NsgRule": pl.String, "SrcPublicIps": pl.String, "DestPublicIps": pl.String,
    "Type": pl.String,
}  # fmt: skip
SCHEMAS = {
    "AZKVAuditLogs": _KV,
    "AZFWNetworkRule": _NET,
    "AZFWApplicationRule": _APP,
    "NTANetAnalytics": _FLOW,
}
_DIAGNOSTICS = {
    "TimeGenerated": _US, "ResourceProvider": pl.String, "Category": pl.String,
    "OperationName": pl.String, "Resource": pl.String, "_ResourceId": pl.String,
    "msg_s": pl.String, "Type": pl.String,
}  # fmt: skip


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


_counter = [0]


def _next_id() -> str:
    _counter[0] += 1
    return f"edge-{_counter[0]}"


def kv(
    when: datetime,
    caller: str | None,
    operation: str = "SecretGet",
    status: int = 200,
    *,
    private_endpoint: bool = True,
    description: str = "",
    auth: str = "",
    subnet: str = "",
) -> dict[str, Any]:
    """An AZKVAuditLogs row (via the private endpoint unless told otherwise)."""
    properties = f'{{"privateEndpointId":"{PE_ID}"}}' if private_endpoint else "{}"
    signature = {200: "OK", 401: "Unauthorized", 403: "Forbidden"}.get(status, "")
    return {
        "TimeGenerated": when, "_ResourceId": _VAULT_ID + VAULT, "CallerIpAddress": caller,
        "OperationName": operation, "HttpStatusCode": status, "ResultSignature": signature,
        "ResultDescription": description, "Properties": properties, "SubnetId": subnet,
        "AddressAuthorizationType": auth, "Id": _next_id(), "CorrelationId": _next_id(),
        "Type": "AZKVAuditLogs",
    }  # fmt: skip


def _fw(when: datetime, src: str | None, port: int, action: str, fw: str) -> dict[str, Any]:
    return {
        "TimeGenerated": when, "_ResourceId": _FIREWALL_ID + fw, "Protocol": "TCP",
        "SourceIp": src, "SourcePort": port, "DestinationPort": 443, "Action": action,
        "ActionReason": "" if action == "Allow" else "Default action", "Policy": "fwpol",
        "RuleCollectionGroup": "rcg", "RuleCollection": "rc",
        "Rule": "allow-kv" if action == "Allow" else "",
    }  # fmt: skip


def net(
    when: datetime,
    src: str | None,
    port: int = 50000,
    action: str = "Allow",
    *,
    dst: str = PE,
    fw: str = "fw-hub",
) -> dict[str, Any]:
    """An AZFWNetworkRule row: ``src:port`` -> ``dst``:443."""
    return {**_fw(when, src, port, action, fw), "DestinationIp": dst, "Type": "AZFWNetworkRule"}


def app(
    when: datetime, src: str, port: int = 50000, action: str = "Allow", *, fw: str = "fw-hub"
) -> dict[str, Any]:
    """An AZFWApplicationRule row: ``src:port`` -> the vault's FQDN (always SNATed)."""
    row = _fw(when, src, port, action, fw)
    shape = {"Protocol": "HTTPS", "Fqdn": VAULT_HOST, "TargetUrl": ""}
    return {**row, **shape, "Type": "AZFWApplicationRule"}


def flow(
    when: datetime, src: str, *, dst: str = PE, status: str = "A", direction: str = "O"
) -> dict[str, Any]:
    """An NTANetAnalytics row of one flow ``src`` -> ``dst``:443 (VNet flow logs)."""
    allowed, out = status == "A", direction == "O"
    return {
        "TimeGenerated": when, "FlowStartTime": when, "FlowEndTime": when, "SubType": "FlowLog",
        "SrcIp": src, "DestIp": dst, "DestPort": 443, "FlowDirection": direction,
        "FlowStatus": status, "AllowedOutFlows": int(allowed and out),
        "AllowedInFlows": int(allowed and not out), "DeniedOutFlows": int(not allowed and out),
        "DeniedInFlows": int(not allowed and not out),
        "AclRule": "DefaultRule_AllowVnetOutBound" if allowed else "UserRule_DenyKv",
        "NsgRule": "", "SrcPublicIps": "", "DestPublicIps": "", "Type": "NTANetAnalytics",
    }  # fmt: skip


def legacy_net(
    when: datetime, src: str, port: int = 50000, action: str = "Allow"
) -> dict[str, Any]:
    """A legacy AzureDiagnostics network rule-log row (the text in msg_s) ``src`` -> PE:443."""
    message = (
        f"TCP request from {src}:{port} to {PE}:443. Action: {action}. Policy: fwpol. "
        "Rule Collection Group: rcg. Rule Collection: rc. Rule: allow-kv"
    )
    return {
        "TimeGenerated": when, "ResourceProvider": "MICROSOFT.NETWORK",
        "Category": "AzureFirewallNetworkRule", "OperationName": "AzureFirewallNetworkRuleLog",
        "Resource": "FW-HUB", "_ResourceId": _FIREWALL_ID + "fw-hub", "msg_s": message,
        "Type": "AzureDiagnostics",
    }  # fmt: skip


def frames_of(**rows: list[dict[str, Any]]) -> dict[str, pl.DataFrame]:
    """Tables by name (AZKVAuditLogs=..., AZFWNetworkRule=..., ...); a resource-specific table
    not named has no rows: the workspace knows it (its diagnostic setting is off), the export
    has no file. AzureDiagnostics is there only when named."""
    schemas = {
        **SCHEMAS,
        **({"AzureDiagnostics": _DIAGNOSTICS} if "AzureDiagnostics" in rows else {}),
    }
    return {
        name: pl.DataFrame(rows.get(name, []), schema=schema, orient="row").sort("TimeGenerated")
        for name, schema in schemas.items()
    }


END = T0 + timedelta(hours=3)  # the window's end, and the clock of every run


def live_firewall() -> dict[str, Any]:
    """A firewall row of another client to another destination at the window's end: fw-hub's
    logging is live, and the files cannot have been exported before the run's clock (the
    local engine counts ingestion latency back from a file's newest row in the window)."""
    return net(END, "10.9.9.9", 40000, dst="10.50.0.1")


@dataclass(frozen=True)
class Both:
    """Both engines' answers over the same rows."""

    local: TraceResult
    kusto: TraceResult
    local_facts: pl.DataFrame
    kusto_facts: pl.DataFrame

    def verdicts(self, result: TraceResult) -> list[tuple[str, str, str, bool, str]]:
        return [
            (f.client_ip, f.verdict.value, f.vault_outcome.value, f.violation, f.cause)
            for f in result.flows
        ]

    def verdict_of(self, client: str) -> str:
        """The (agreed) verdict of ``client``."""
        found = {f.client_ip: f.verdict.value for f in self.local.flows}
        return found[client]


def run_both(
    topology: Topology,
    frames: dict[str, pl.DataFrame],
    folder: Path,
    *,
    window: TimeWindow | None = None,
    now: datetime | None = None,
    **changes: Any,
) -> Both:
    """Both engines over ``frames``: the window defaults to T0 .. END, ``now`` to END."""
    # an exported table without rows is no file (its format can't be told from no rows)
    write_query_api_files({name: f for name, f in frames.items() if f.height}, folder)
    con = duckdb_kql.connect()
    load_into_duckdb(con, frames)
    request = TraceRequest(
        vault=VAULT,
        window=window or TimeWindow(T0, END),
        now=now or END,
        timeline=False,
    )
    request = replace(request, **changes)
    local = trace(request, FileSource(folder), topology)
    executor = FactsKeeper(con)
    kusto = trace_in_kusto(request, executor, topology)
    _, local_facts = local_facts_of(FileSource(folder), topology, request)
    assert executor.facts is not None
    return Both(local, kusto, local_facts, facts_frame(executor.facts))


class FactsKeeper(DuckdbExecutor):
    """Runs the kusto engine's queries and keeps facts_clients' answer (the facts compared)."""

    facts: pl.DataFrame | None = None

    def execute(self, query: FactQuery, window: TimeWindow) -> KustoAnswer:
        answer = super().execute(query, window)
        if query.name == "facts_clients":
            self.facts = answer.frame
        return answer
