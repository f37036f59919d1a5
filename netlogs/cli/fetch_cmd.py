"""`netlogs fetch`: save evidence from Log Analytics as Parquet + JSON for offline traces."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import click

from netlogs.cli.options import log_analytics_connection


@click.command("fetch")
@click.option(
    "--workspace",
    "workspaces",
    multiple=True,
    required=True,
    metavar="ID",
    help="Log Analytics workspace ID (repeat for several workspaces).",
)
@click.option("--vault", required=True, metavar="NAME", help="Key Vault whose evidence to fetch.")
@click.option(
    "--topology",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Topology file: the vault's private endpoint IPs, FQDN and firewalls.",
)
@click.option(
    "--since", metavar="DURATION", help="Window ending now, e.g. 30m, 2h, 7d (default 2h)."
)
@click.option("--start", metavar="ISO", help="Window start (UTC unless an offset is given).")
@click.option("--end", metavar="ISO", help="Window end (default: now).")
@click.option(
    "-o",
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="New directory for the Parquet tables, ledger.json and queries.json.",
)
@click.option(
    "--chunk",
    "chunk_text",
    default="1h",
    show_default=True,
    metavar="DURATION",
    help="Query the window in chunks this long (a chunk hitting a row/size limit is halved).",
)
@click.option(
    "--timeout",
    "read_timeout",
    type=click.FloatRange(min=0.1),
    default=240.0,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for each query's answer.",
)
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=3,
    hidden=True,
    help="Retries per query on throttling, 5xx and dropped connections.",
)
@log_analytics_connection
def fetch(  # noqa: PLR0917 - click passes one argument per option
    workspaces: tuple[str, ...],
    vault: str,
    topology: Path | None,
    since: str | None,
    start: str | None,
    end: str | None,
    out_dir: Path,
    chunk_text: str,
    read_timeout: float,
    retries: int,
    endpoint: str | None,
    ca_bundle: str | None,
) -> None:
    """Query Log Analytics for a vault's evidence and save it for offline use.

    Signs in with DefaultAzureCredential (so `az login` works) and needs the Log Analytics
    Reader role on each workspace. Writes kv_requests/fw_events/flows/dns.parquet, ledger.json
    (rows and status of every query chunk) and queries.json (the KQL sent) into --out.

    Example:

    \b
        netlogs fetch --workspace 00000000-0000-0000-0000-000000000000 \\
            --vault kv-contoso-prod --topology topology.yaml --since 2h --out evidence/
    """
    from netlogs.pipeline.fetch import check_out_dir, fetch_evidence, fetch_query
    from netlogs.pipeline.window import parse_duration, resolve_window
    from netlogs.sources.log_analytics import LogAnalyticsSource, RetrySettings
    from netlogs.topology.loader import load_topology

    now = datetime.now(timezone.utc)  # the one clock reading of this run
    window = resolve_window(now, since, start, end) or resolve_window(now, "2h", None, None)
    assert window is not None  # "2h" always resolves
    check_out_dir(out_dir)
    query = fetch_query(vault, load_topology(topology) if topology else None, window)
    retry = RetrySettings(total=retries, read_timeout=read_timeout)
    source = LogAnalyticsSource(
        workspaces,
        endpoint=endpoint,
        connection_verify=ca_bundle,
        retry=retry,
        chunk=parse_duration(chunk_text, "--chunk"),
    )
    result = fetch_evidence(source, query, out_dir)
    counts = ", ".join(f"{name} {rows}" for name, rows in result.rows.items())
    click.echo(f"Saved {counts} rows to {result.out_dir}")
    if result.partial_chunks:
        click.echo(
            f"Warning: {result.partial_chunks} query chunk(s) returned partial results;"
            f" see {result.out_dir / 'ledger.json'}",
            err=True,
        )
