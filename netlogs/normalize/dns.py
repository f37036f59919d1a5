"""Azure Firewall DNS proxy logs -> ``dns``.

Legacy ``AzureFirewallDnsProxy`` text has two shapes: the request line (the separator after the
client port is an ASCII hyphen in some records and an en dash in Microsoft's own sample) and an
``Error:`` line for upstream failures. The structured form is ``AZFWDnsQuery``.
"""

from __future__ import annotations

import polars as pl

from netlogs.normalize.common import ROW_ID, pick, text, utc_time
from netlogs.normalize.firewall import firewall_name
from netlogs.schemas import DNS_QUERIES, conform

_REQUEST = (
    r"^\s*DNS Request:\s+(?P<client_ip>\S+?):(?P<client_port>\d+)\s+[-–—]\s+(?P<query_id>\d+)"
    r"\s+(?P<query_type>\S+)\s+(?P<query_class>\S+)\s+(?P<query_name>\S+)\s+(?P<transport>\S+)"
    r"\s+(?P<request_size>\d+)\s+(?P<dnssec_ok>\S+)\s+(?P<edns_size>\d+)\s+(?P<rcode>\S+)"
    r"\s+(?P<flags>\S+)\s+(?P<response_size>\d+)\s+(?P<duration>[\d.]+)s\s*$"
)
_ERROR = (
    r"^\s*Error:\s+(?P<error_number>\d+)\s+(?P<query_name>\S+)\s+(?P<query_type>[A-Za-z0-9]+):\s"
)


def _query_name(expr: pl.Expr) -> pl.Expr:
    # DNS names are case-insensitive; the trailing root dot is noise for matching vault FQDNs.
    return expr.str.strip_chars_end(".").str.to_lowercase()


def normalize_dns_messages(
    frame: pl.DataFrame, source_table: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Legacy DNS proxy rows -> (dns rows, unparsed rows with ``_line``, ``_row_id``, ``msg``)."""
    msg = pick(frame, "msg_s", "properties.msg", "msg").cast(pl.String).fill_null("")
    parsed = frame.select(
        utc_time(frame, "TimeGenerated", "time").alias("time"),
        msg.alias("msg"),
        msg.str.extract_groups(_REQUEST).alias("_req"),
        msg.str.extract_groups(_ERROR).alias("_err"),
        pl.col("_line"),
        pl.col(ROW_ID),
    )
    req = pl.col("_req").struct
    err = pl.col("_err").struct
    ok = req.field("query_name").is_not_null() | err.field("query_name").is_not_null()
    rows = parsed.filter(ok).select(
        pl.col("time"),
        req.field("client_ip").alias("client_ip"),
        _query_name(pl.coalesce(req.field("query_name"), err.field("query_name"))).alias(
            "query_name"
        ),
        pl.coalesce(req.field("query_type"), err.field("query_type")).alias("query_type"),
        pl.when(err.field("query_name").is_not_null())
        .then(pl.lit("ERROR ") + err.field("error_number"))
        .otherwise(req.field("rcode"))
        .alias("response_code"),
        pl.lit(source_table).alias("source_table"),
        pl.col(ROW_ID).alias("row_id"),
    )
    unparsed = parsed.filter(~ok).select("_line", ROW_ID, "msg")
    return conform(rows, DNS_QUERIES), unparsed


def normalize_dns_queries(frame: pl.DataFrame, source_table: str) -> pl.DataFrame:
    """``AZFWDnsQuery`` rows (table, raw ``properties``, or flattened into AzureDiagnostics)."""
    rows = frame.select(
        utc_time(frame, "TimeGenerated", "time").alias("time"),
        text(frame, "SourceIp", "SourceIP", "properties.SourceIp").alias("client_ip"),
        _query_name(text(frame, "QueryName", "QueryName_s", "properties.QueryName")).alias(
            "query_name"
        ),
        text(frame, "QueryType", "QueryType_s", "properties.QueryType").alias("query_type"),
        pl.coalesce(
            text(frame, "ResponseCode", "ResponseCode_s", "properties.ResponseCode"),
            pl.lit("ERROR ")
            + text(frame, "ErrorNumber", "ErrorNumber_d", "properties.ErrorNumber"),
        ).alias("response_code"),
        firewall_name(frame).alias("_firewall"),
        pl.lit(source_table).alias("source_table"),
        pl.col(ROW_ID).alias("row_id"),
    )
    return conform(rows, DNS_QUERIES)
