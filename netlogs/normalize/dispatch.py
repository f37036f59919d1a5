"""Route one raw table (a Log Analytics table or a raw storage shape) to its normalizers.

``AzureDiagnostics`` is the awkward one: a single result can mix Key Vault rows, legacy firewall
text rows, DNS proxy rows and ``AZFW*`` categories flattened into columns, so it is split on
``Category`` / ``ResourceProvider`` / ``OperationName`` first.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from netlogs.model import LogFamily, SetAsideReason
from netlogs.normalize.common import pick
from netlogs.normalize.dns import normalize_dns_messages, normalize_dns_queries
from netlogs.normalize.firewall import (
    STRUCTURED_KINDS,
    normalize_asim_sessions,
    normalize_legacy_messages,
    normalize_structured,
)
from netlogs.normalize.flows import normalize_nsg_flow_tuples, normalize_vnet_flow_tuples
from netlogs.normalize.keyvault import normalize_keyvault
from netlogs.normalize.traffic_analytics import normalize_traffic_analytics
from netlogs.schemas import CANONICAL, conform, empty_frame

FAMILY_BY_TABLE = {
    "AZKVAuditLogs": LogFamily.KEYVAULT,
    "raw:keyvault": LogFamily.KEYVAULT,
    "raw:azfw_legacy": LogFamily.FIREWALL,
    "raw:azfw_structured": LogFamily.FIREWALL,
    "ASimNetworkSessionLogs": LogFamily.FIREWALL,
    "AZFWDnsQuery": LogFamily.DNS,
    "raw:nsg_flow": LogFamily.FLOW,
    "raw:vnet_flow": LogFamily.FLOW,
    "AzureNetworkAnalytics_CL": LogFamily.FLOW,
    "NTANetAnalytics": LogFamily.FLOW,
    "AzureDiagnostics": LogFamily.FIREWALL,  # also Key Vault; split per row below
    **{table: LogFamily.FIREWALL for table in STRUCTURED_KINDS},
    "canonical:kv_requests": LogFamily.KEYVAULT,
    "canonical:fw_events": LogFamily.FIREWALL,
    "canonical:flows": LogFamily.FLOW,
    "canonical:dns": LogFamily.DNS,
}

CANONICAL_BY_FAMILY = {
    LogFamily.KEYVAULT: "kv_requests",
    LogFamily.FIREWALL: "fw_events",
    LogFamily.FLOW: "flows",
    LogFamily.DNS: "dns",
}


@dataclass(frozen=True)
class Piece:
    """Canonical rows one raw table contributed to one family, plus what could not be read."""

    family: LogFamily
    frame: pl.DataFrame
    unparsed: pl.DataFrame | None = None  # columns _line, _row_id, msg
    note: str = ""  # goes into the SourceSummary detail
    issue: str = ""  # a whole-table problem, reported as one ParseIssue without a line
    # rows of the raw table not in ``frame`` nor ``unparsed``: (SetAsideReason value, rows)
    set_aside: tuple[tuple[str, int], ...] = ()


def normalize_raw(table: str, frame: pl.DataFrame) -> list[Piece]:
    """Normalize one raw table whose frame already has ``_row_id`` / ``_line`` (netlogs' own
    canonical tables need neither: their rows carry ``row_id``).

    Raises:
        KeyError: ``table`` is not a shape netlogs reads (the caller reports it).
    """
    if frame.is_empty():  # an empty answer still says "this source was read"
        family = FAMILY_BY_TABLE[table]
        return [Piece(family, empty_frame(CANONICAL[CANONICAL_BY_FAMILY[family]]))]
    if table.startswith("canonical:"):
        family = FAMILY_BY_TABLE[table]
        name = CANONICAL_BY_FAMILY[family]
        return [Piece(family, conform(frame, CANONICAL[name]))]
    if table == "AzureDiagnostics":
        return _azure_diagnostics(frame)
    if table in ("raw:azfw_legacy", "raw:azfw_structured"):
        return _raw_firewall(table, frame)
    return _single(table, frame)


def _single(table: str, frame: pl.DataFrame) -> list[Piece]:
    family = FAMILY_BY_TABLE[table]
    if family is LogFamily.KEYVAULT:
        return [Piece(family, normalize_keyvault(frame, table))]
    if table == "AZFWDnsQuery":
        return [Piece(family, normalize_dns_queries(frame, table))]
    if table == "ASimNetworkSessionLogs":
        return [Piece(family, normalize_asim_sessions(frame, table))]
    if table in STRUCTURED_KINDS:
        return [Piece(family, normalize_structured(frame, table))]
    if table == "raw:nsg_flow":
        return [Piece(family, *normalize_nsg_flow_tuples(frame, table))]
    if table == "raw:vnet_flow":
        return [Piece(family, *normalize_vnet_flow_tuples(frame, table))]
    flows, note, set_aside = normalize_traffic_analytics(frame, table)
    return [Piece(family, flows, note=note, set_aside=set_aside)]


def _raw_firewall(table: str, frame: pl.DataFrame) -> list[Piece]:
    category = pick(frame, "category").cast(pl.String).fill_null("")
    operation = pick(frame, "operationName").cast(pl.String).fill_null("")
    dns = category.is_in(["AzureFirewallDnsProxy", "AZFWDnsQuery"]) | (
        operation == "AzureFirewallDnsProxyLog"
    )
    pieces = []
    rule_rows, dns_rows = frame.filter(~dns), frame.filter(dns)
    if table == "raw:azfw_legacy":
        if rule_rows.height or not dns_rows.height:
            events, bad = normalize_legacy_messages(rule_rows, table)
            pieces.append(Piece(LogFamily.FIREWALL, events, bad))
        if dns_rows.height:
            pieces.append(Piece(LogFamily.DNS, *normalize_dns_messages(dns_rows, table)))
    else:
        if rule_rows.height or not dns_rows.height:
            pieces.append(Piece(LogFamily.FIREWALL, normalize_structured(rule_rows, table)))
        if dns_rows.height:
            pieces.append(Piece(LogFamily.DNS, normalize_dns_queries(dns_rows, table)))
    return pieces


def _azure_diagnostics(frame: pl.DataFrame) -> list[Piece]:
    table = "AzureDiagnostics"
    label = _diagnostics_labels(frame)
    labels = label.unique().to_list()
    if len(labels) == 1:  # the usual case: one category per query; no copy of the rows
        parts = {str(labels[0]): frame}
    else:
        partitioned = frame.with_columns(label).partition_by("_part", as_dict=True)
        parts = {str(key[0]): part for key, part in partitioned.items()}
    pieces: list[Piece] = []
    if "kv" in parts:
        pieces.append(Piece(LogFamily.KEYVAULT, normalize_keyvault(parts["kv"], table)))
    if "fw_text" in parts:
        pieces.append(
            Piece(LogFamily.FIREWALL, *normalize_legacy_messages(parts["fw_text"], table))
        )
    if "fw_structured" in parts:
        pieces.append(
            Piece(LogFamily.FIREWALL, normalize_structured(parts["fw_structured"], table))
        )
    if "dns_text" in parts:
        pieces.append(Piece(LogFamily.DNS, *normalize_dns_messages(parts["dns_text"], table)))
    if "dns_structured" in parts:
        pieces.append(Piece(LogFamily.DNS, normalize_dns_queries(parts["dns_structured"], table)))
    if "other" in parts:
        pieces.append(_other_rows(parts["other"]))
    return pieces


def _diagnostics_labels(frame: pl.DataFrame) -> pl.Series:
    """Which normalizer each AzureDiagnostics row goes to (``_part``)."""
    masks = _diagnostics_masks(frame)
    return frame.select(
        pl.when(masks["kv"])
        .then(pl.lit("kv"))
        .when(masks["dns_text"])
        .then(pl.lit("dns_text"))
        .when(masks["dns_structured"])
        .then(pl.lit("dns_structured"))
        .when(masks["fw_structured"])
        .then(pl.lit("fw_structured"))
        .when(masks["fw_text"])
        .then(pl.lit("fw_text"))
        .otherwise(pl.lit("other"))
        .alias("_part")
    ).to_series()


def _diagnostics_masks(frame: pl.DataFrame) -> dict[str, pl.Expr]:
    category = pick(frame, "Category").cast(pl.String).fill_null("")
    provider = pick(frame, "ResourceProvider").cast(pl.String).fill_null("").str.to_uppercase()
    operation = pick(frame, "OperationName").cast(pl.String).fill_null("")
    has_msg = pick(frame, "msg_s").cast(pl.String).fill_null("").str.len_bytes() > 0
    has_caller = pick(frame, "CallerIPAddress").is_not_null()
    return {
        "kv": (provider == "MICROSOFT.KEYVAULT")
        | (category == "AuditEvent")
        | ((category == "") & has_caller & ~has_msg),
        "dns_text": (category == "AzureFirewallDnsProxy")
        | (operation == "AzureFirewallDnsProxyLog"),
        "dns_structured": category == "AZFWDnsQuery",
        "fw_structured": category.str.starts_with("AZFW")
        | ((category == "") & ~has_msg & pick(frame, "DestinationIp_s").is_not_null()),
        "fw_text": category.str.starts_with("AzureFirewall") | ((category == "") & has_msg),
    }


def _other_rows(frame: pl.DataFrame) -> Piece:
    """Rows of categories that are not evidence here: reported as one note, never silently."""
    categories = pick(frame, "Category").cast(pl.String).fill_null("(none)").unique().sort()
    names = ", ".join(frame.select(categories).to_series().head(5).to_list())
    note = f"{frame.height} AzureDiagnostics rows of other categories not read ({names})"
    empty = empty_frame(CANONICAL["fw_events"])
    unrelated = ((SetAsideReason.UNRELATED.value, frame.height),)
    return Piece(LogFamily.FIREWALL, empty, note=note, issue=note, set_aside=unrelated)
