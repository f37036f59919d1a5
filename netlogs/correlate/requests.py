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
from netlogs.frames import computed, keep_rows, with_computed
from netlogs.normalize.keyvault import control_plane_operation

NETWORK_DENIAL_CODES = ("ForbiddenByFirewall", "ForbiddenByConnection")
AUTH_CHALLENGE_OPERATION = "Authentication"

# Arrival values: how the request reached the vault.
PRIVATE_ENDPOINT = "private_endpoint"
SERVICE_ENDPOINT = "service_endpoint"
PUBLIC = "public"
PRIVATE_UNKNOWN = "private_unknown"  # private caller, the row says nothing more: the model decides
UNKNOWN = "unknown"


def reached_the_vault() -> pl.Expr:
    """A request that reached the vault: neither refused by its network rules nor a 401
    challenge (answered without a token, before the network rules apply, so it proves no
    path)."""
    challenge = (pl.col("operation") == AUTH_CHALLENGE_OPERATION) & (pl.col("http_status") == 401)
    return ~pl.col("network_denied") & ~challenge


def vault_requests(kv_requests: pl.DataFrame, ctx: CorrelationContext) -> pl.DataFrame:
    """The vault's data-plane requests in the window, time-ordered, with ``caller_key``,
    ``arrival`` and ``snat_firewall``.

    Control-plane operations (``VaultGet``, ``VaultPut``, ...) come through Azure Resource
    Manager, not the vault's network endpoints: they are no arrival and make no flow.
    """
    names = spellings(kv_requests, "vault", [ctx.vault.name, ctx.vault.host])
    rows = keep_rows(  # no copy when the evidence query already kept only these rows
        kv_requests,
        (pl.col("vault").is_null() | pl.col("vault").is_in(names))
        & pl.col("time").is_between(ctx.window.start, ctx.window.end)
        & ~control_plane_operation(pl.col("operation")),
    )
    rows = with_ipv4_key(rows, "caller_ip", "caller_key")
    requests = computed(
        rows,
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
    if requests.get_column("time").is_sorted():
        return requests
    return requests.sort("time", maintain_order=True)  # stable: deterministic ties


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
    requests: pl.DataFrame, records: pl.DataFrame, ctx: CorrelationContext
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(``vault_requests`` with the original ``client_ip`` and firewall coverage, SNAT fits).

    A SNATed request's ``snat_fit`` is its row in the fits table (``stitch_snat_requests``).

    ``covered`` is true when an Allow record (of the required firewall, if any) covers the
    request in time, or when the caller is that firewall's SNAT address.

    The time-ordered frame is never split into direct and SNATed parts: both joins run over
    every row and the SNATed rows take their own values afterwards, which saves two copies, a
    concatenation and a re-sort of the million-row frame.
    """
    stitched, fits = stitch_snat_requests(requests, records, ctx)
    joined = with_coverage(
        stitched.with_columns(pl.col("caller_key").alias("client_key")),
        covering_records(records, ctx),
        ctx,
    )
    snat = pl.col("snat_firewall").is_not_null()
    own = pl.when(~snat)  # a SNATed request is covered by its firewall, not by a record
    attributed = computed(
        joined,
        *requests.columns,
        "client_ip",
        own.then(pl.col("client_key")).alias("client_key"),
        "snat_fit",
        "n_candidates",
        own.then(pl.col("covering_firewall"))
        .otherwise(pl.col("snat_firewall"))
        .alias("covering_firewall"),
        own.then(pl.col("covering_row")).alias("covering_row"),
    )
    covered = pl.col("covering_firewall").is_not_null() | pl.col("covering_row").is_not_null()
    if ctx.required_firewall is not None:
        covered = pl.col("covering_row").is_not_null() | (
            pl.col("covering_firewall").str.to_lowercase() == ctx.required_firewall.lower()
        )
    return with_computed(attributed, covered.fill_null(False).alias("covered")), fits
