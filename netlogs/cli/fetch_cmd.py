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
    metavar="DURATION",
    help="Longest query chunk (default: sized from each table's row count; a chunk hitting a "
    "row/size limit is halved).",
)
@click.option(
    "--read-timeout",
    type=click.FloatRange(min=0.1),
    default=240.0,
    hidden=True,
    metavar="SECONDS",
    help="How long one answer (headers and body) may take before it is asked again.",
)
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=3,
    hidden=True,
    help="Retries per query on throttling, 5xx and broken answers.",
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
    chunk_text: str | None,
    read_timeout: float,
    retries: int,
    endpoint: str | None,
    ca_bundle: str | None,
    cloud: str,
    timeout_s: float,
    quiet: bool,
) -> None:
    """Query Log Analytics for a vault's evidence and save it for offline use.

    Signs in with DefaultAzureCredential (so `az login` works) and needs the Log Analytics
    Reader role on each workspace. Writes kv_requests/fw_events/flows/dns.parquet, ledger.json
    (rows and status of every query chunk) and queries.json (the KQL sent) into --out.
    Exit code 3 when some chunk is partial or pending (the ledger says which); Ctrl-C exits
    130 and still saves what was fetched.

    Example:

    \b
        netlogs fetch --workspace 00000000-0000-0000-0000-000000000000 \\
            --vault kv-contoso-prod --topology topology.yaml --since 2h --out evidence/
    """
    from netlogs.cli.exit_codes import EXIT_UNDECIDED
    from netlogs.cli.progress import ProgressDisplay
    from netlogs.pipeline.fetch import check_out_dir, fetch_evidence, fetch_query
    from netlogs.pipeline.live_sources import workspace_source
    from netlogs.pipeline.window import parse_duration, resolve_window
    from netlogs.sources.log_analytics import RetrySettings
    from netlogs.topology.loader import load_topology

    now = datetime.now(timezone.utc)  # the one clock reading of this run
    window = resolve_window(now, since, start, end) or resolve_window(now, "2h", None, None)
    assert window is not None  # "2h" always resolves
    check_out_dir(out_dir)
    query = fetch_query(vault, load_topology(topology) if topology else None, window)
    display = ProgressDisplay(quiet=quiet)
    source = workspace_source(
        workspaces,
        endpoint=endpoint,
        cloud=cloud,
        connection_verify=ca_bundle,
        retry=RetrySettings(total=retries, read_timeout=read_timeout),
        chunk=parse_duration(chunk_text, "--chunk") if chunk_text else None,
        timeout_s=timeout_s,
        now=now,
        progress=display if display.enabled else None,
    )
    try:
        with display:
            result = fetch_evidence(source, query, out_dir)
    except KeyboardInterrupt as interrupted:
        saved = getattr(interrupted, "saved_to", None)
        where = f"; what was fetched is in {saved} (ledger.json)" if saved else ""
        click.echo(f"Interrupted: queries stopped{where}", err=True)
        click.get_current_context().exit(130)
    counts = ", ".join(f"{name} {rows}" for name, rows in result.rows.items())
    click.echo(f"Saved {counts} rows to {result.out_dir}")
    if result.partial_chunks or result.pending_chunks:
        click.echo(
            f"Warning: {result.partial_chunks} query chunk(s) partial and "
            f"{result.pending_chunks} pending (inside the ingestion delay);"
            f" see {result.out_dir / 'ledger.json'}",
            err=True,
        )
        click.get_current_context().exit(EXIT_UNDECIDED)
