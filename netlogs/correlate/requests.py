"""Vault requests: how each arrived, who really sent it, whether a firewall record covers it."""

from __future__ import annotations

import polars as pl

from netlogs.correlate.context import CorrelationContext
from netlogs.correlate.firewall import covering_records, with_coverage
from netlogs.correlate.ipkeys import (
    in_ipv4_prefixes,
    is_private_address,
    spellings,
    with_ipv4_key,
)
from netlogs.correlate.snat import stitch_snat_requests

NETWORK_DENIAL_CODES = ("ForbiddenByFirewall", "ForbiddenByConnection")
AUTH_CHALLENGE_OPERATION = "Authentication"

# Arrival values: how the request reached the vault.
PRIVATE_ENDPOINT = "private_endpoint"
SERVICE_ENDPOINT = "service_endpoint"
PUBLIC = "public"
PRIVATE_UNKNOWN = "private_unknown"  # private caller, the row says nothing more: the model decides
UNKNOWN = "unknown"


def vault_requests(kv_requests: pl.DataFrame, ctx: CorrelationContext) -> pl.DataFrame:
    """The vault's requests in the window with ``caller_key``, ``arrival`` and ``snat_firewall``."""
    names = spellings(kv_requests, "vault", [ctx.vault.name, ctx.vault.host])
    rows = kv_requests.filter(
        pl.col("vault").is_null() | pl.col("vault").is_in(names),
        pl.col("time").is_between(ctx.window.start, ctx.window.end),
    )
    rows = with_ipv4_key(rows, "caller_ip", "caller_key")
    return rows.select(
        "time",
        "caller_ip",
        "caller_key",
        "operation",
        "http_status",
        "error_code",
        "source_table",
        "row_id",
        _arrival(ctx).alias("arrival"),
        _snat_firewall(ctx).alias("snat_firewall"),
        pl.col("error_code").is_in(NETWORK_DENIAL_CODES).fill_null(False).alias("network_denied"),
    )  # only what attribution, facts and evidence read: every later copy is narrower


def _arrival(ctx: CorrelationContext) -> pl.Expr:
    caller = pl.col("caller_ip")
    logged_via = pl.col("via").str.to_lowercase()
    private = is_private_address(caller, pl.col("caller_key"))
    return (
        pl.when(pl.col("private_endpoint_id").is_not_null())
        .then(pl.lit(PRIVATE_ENDPOINT))
        .when(pl.col("subnet_id").is_not_null())
        .then(pl.lit(SERVICE_ENDPOINT))
        .when(logged_via.is_in([PRIVATE_ENDPOINT, SERVICE_ENDPOINT, PUBLIC]))
        .then(logged_via)
        .when(caller.is_null())
        .then(pl.lit(UNKNOWN))
        .when(private)
        .then(pl.lit(PRIVATE_UNKNOWN))
        .otherwise(pl.lit(PUBLIC))
    )


def _snat_firewall(ctx: CorrelationContext) -> pl.Expr:
    """Name of the firewall whose SNAT (or public) address the vault logged as caller."""
    key = pl.col("caller_key")
    expr: pl.Expr = pl.lit(None, dtype=pl.String)
    for firewall in reversed(ctx.firewalls):
        instance = in_ipv4_prefixes(key, firewall.snat_prefixes) & ~pl.col("caller_ip").is_in(
            list(firewall.frontend_ips)
        )
        public = pl.col("caller_ip").is_in(list(firewall.public_ips))
        expr = pl.when(instance | public).then(pl.lit(firewall.name)).otherwise(expr)
    return expr


def attributed_requests(
    kv_requests: pl.DataFrame, records: pl.DataFrame, ctx: CorrelationContext
) -> pl.DataFrame:
    """Vault requests with the original ``client_ip``, SNAT candidates and firewall coverage.

    ``covered`` is true when an Allow record (of the required firewall, if any) covers the
    request in time, or when the caller is that firewall's SNAT address.
    """
    requests = vault_requests(kv_requests, ctx)
    direct = requests.filter(pl.col("snat_firewall").is_null()).with_columns(
        pl.col("caller_ip").alias("client_ip"),
        pl.col("caller_key").alias("client_key"),
        pl.lit([], dtype=pl.List(pl.String)).alias("snat_candidates"),
        pl.lit(0, dtype=pl.Int64).alias("n_candidates"),
    )
    direct = with_coverage(direct, covering_records(records, ctx), ctx)
    snat = stitch_snat_requests(
        requests.filter(pl.col("snat_firewall").is_not_null()), records, ctx
    )
    required = ctx.required_firewall.lower() if ctx.required_firewall else None
    snat = snat.with_columns(
        pl.col("snat_firewall").alias("covering_firewall"),
        pl.lit(None, dtype=pl.String).alias("covering_row"),
    )
    both = pl.concat([direct, snat], how="diagonal_relaxed")
    covered = pl.col("covering_firewall").is_not_null() | pl.col("covering_row").is_not_null()
    if required is not None:
        covered = pl.col("covering_row").is_not_null() | (
            pl.col("covering_firewall").str.to_lowercase() == required
        )
    # stable sort: equal times keep the input order, so the same input gives the same output
    return both.with_columns(covered.fill_null(False).alias("covered")).sort(
        "time", maintain_order=True
    )
