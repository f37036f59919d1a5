"""Parser for the legacy Azure Firewall ``msg`` / ``msg_s`` text (vectorized regex extraction).

The text changed shape over the years, so every pattern here is deliberately lenient:
trailing ``". "`` or none, ``Allow..`` (double period), two spaces after ``HTTP``, ICMP without
ports or with empty ones (``192.168.0.2:``), lower-case IDPS actions, DNAT lines (``was DNAT'ed
to``), ThreatIntel and IDPS suffixes, and application-rule lines with no destination at all
(``SNI TLS extension was missing``). Rule names may contain ", " (``Azure-to-AllowedServices,
HTTP``), so a value runs until the next known ``. Key: `` or the end of the line.

Input columns: ``time``, ``firewall``, ``operation``, ``category``, ``msg``, ``_row_id``, ``_line``.
"""

from __future__ import annotations

import polars as pl

from netlogs.normalize.common import ROW_ID, capitalized
from netlogs.schemas import FW_EVENTS, conform

_IPV4 = r"\d{1,3}(?:\.\d{1,3}){3}"

# proto [Type=n] request from ip[:port] [to host[:port]], then ". ", a final ".", " was " or end.
_HEAD = (
    r"^\s*(?P<protocol>[A-Za-z][A-Za-z0-9/.]*)(?:\s+Type=(?P<icmp_type>\d+))?"
    rf"\s+request from (?P<src_ip>{_IPV4})(?::(?P<src_port>\d*))?"
    r"(?:\s+to\s+(?P<dst>[^\s:]+?)(?::(?P<dst_port>\d*))?)?"
    r"(?:\.\s|\.$|\s+was\s|$)"
)

_KEYS = (
    "Policy|Rule Collection Group|Rule Collection|Rule|Web Category|Url|Action|Signature|IDS"
    "|Priority|Classification|ThreatIntel|Reason"
)


def _value_of(key: str) -> str:
    """Regex for the value after ``Key: `` up to the next ``. OtherKey: `` or the end."""
    return rf"(?:^|\.\s+){key}: (.*?)(?:\.+\s+(?:{_KEYS}): |\.?\s*$)"


_FREE_REASON = r"Action: [A-Za-z]+\.+\s+(.+?)\.?\s*$"
_DNAT = rf"was DNAT'ed to ({_IPV4}|[^\s:]+):(\d+)"

# operationName decides the kind (NAT and ThreatIntel records sit under the network-rule category).
_KIND_BY_OPERATION = {
    "AzureFirewallNetworkRuleLog": "network",
    "AzureFirewallApplicationRuleLog": "application",
    "AzureFirewallNatRuleLog": "nat",
    "AzureFirewallThreatIntelLog": "threatintel",
    "AzureFirewallIDSLog": "idps",
}
_KIND_BY_CATEGORY = {
    "AzureFirewallNetworkRule": "network",
    "AzureFirewallApplicationRule": "application",
}


def parse_firewall_messages(
    frame: pl.DataFrame, source_table: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parse rule-log messages into ``fw_events``.

    Returns:
        (events conformed to FW_EVENTS, rows whose message did not parse: ``_line``, ``msg``).
    """
    parsed = frame.with_columns(pl.col("msg").str.extract_groups(_HEAD).alias("_head"))
    ok = pl.col("_head").struct.field("src_ip").is_not_null()
    unparsed = parsed.filter(~ok).select("_line", ROW_ID, "msg")
    events = parsed.filter(ok).unnest("_head").with_columns(_tail_columns())
    events = events.with_columns(_derived_columns(source_table))
    return conform(events, FW_EVENTS), unparsed


def _tail_columns() -> list[pl.Expr]:
    msg = pl.col("msg")
    return [
        msg.str.extract(r"Action: ([A-Za-z]+)").alias("_action"),
        msg.str.extract(_value_of("Policy")).alias("policy"),
        msg.str.extract(_value_of("Rule Collection Group")).alias("rule_collection_group"),
        msg.str.extract(_value_of("Rule Collection")).alias("rule_collection"),
        msg.str.extract(_value_of("Rule")).alias("rule"),
        msg.str.extract(_value_of("Url")).alias("target_url"),
        msg.str.extract(_value_of("Reason")).alias("_reason"),
        msg.str.extract(_value_of("ThreatIntel")).alias("_threat"),
        msg.str.extract(_value_of("IDS")).alias("_ids"),
        msg.str.extract(_value_of("Signature")).alias("_signature"),
        msg.str.extract(_FREE_REASON).alias("_free"),
        msg.str.extract_groups(_DNAT).alias("_dnat"),
    ]


def _derived_columns(source_table: str) -> list[pl.Expr]:
    dst = pl.col("dst")
    dst_is_ip = dst.str.contains(rf"^{_IPV4}$")
    dnat_ip = pl.col("_dnat").struct.field("1")
    return [
        pl.when(dst_is_ip).then(dst).alias("dst_ip"),
        pl.when(~dst_is_ip).then(dst.str.to_lowercase()).alias("fqdn"),
        _port(pl.col("src_port")).alias("src_port"),
        _port(pl.col("dst_port")).alias("dst_port"),
        pl.col("protocol").str.to_uppercase().alias("protocol"),
        _action(dnat_ip).alias("action"),
        _kind().alias("kind"),
        _reason(dnat_ip).alias("action_reason"),
        pl.lit(source_table).alias("source_table"),
        pl.col(ROW_ID).alias("row_id"),
    ]


def _port(expr: pl.Expr) -> pl.Expr:
    # "192.168.0.2:" (ICMP) has an empty port: null, not 0.
    return expr.cast(pl.Int32, strict=False)


def _action(dnat_ip: pl.Expr) -> pl.Expr:
    denied = pl.col("msg").str.contains(r"\bwas denied\b")
    return (
        pl.when(pl.col("_action").is_not_null())
        .then(capitalized(pl.col("_action")))
        .when(dnat_ip.is_not_null())
        .then(pl.lit("DNAT"))
        .when(denied)
        .then(pl.lit("Deny"))
    )


def _kind() -> pl.Expr:
    by_operation = pl.col("operation").replace_strict(
        _KIND_BY_OPERATION, default=None, return_dtype=pl.String
    )
    by_category = pl.col("category").replace_strict(
        _KIND_BY_CATEGORY, default=None, return_dtype=pl.String
    )
    return (
        pl.when(pl.col("_threat").is_not_null())
        .then(pl.lit("threatintel"))
        .when(pl.col("_signature").is_not_null() | pl.col("_ids").is_not_null())
        .then(pl.lit("idps"))
        .when(pl.col("_dnat").struct.field("1").is_not_null())
        .then(pl.lit("nat"))
        .otherwise(pl.coalesce(by_operation, by_category, pl.lit("network")))
    )


def _reason(dnat_ip: pl.Expr) -> pl.Expr:
    free = pl.col("_free")
    free_is_key = free.str.contains(rf"^(?:{_KEYS}): ")
    return pl.coalesce(
        pl.col("_reason"),
        pl.lit("ThreatIntel: ") + pl.col("_threat"),
        pl.lit("IDS: ") + pl.col("_ids") + pl.lit(" (signature ") + pl.col("_signature") + ")",
        pl.lit("IDS signature ") + pl.col("_signature"),
        pl.lit("DNAT'ed to ") + dnat_ip + pl.lit(":") + pl.col("_dnat").struct.field("2"),
        pl.when(~free_is_key).then(free),
    )
