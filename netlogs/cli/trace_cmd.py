"""`netlogs trace` and `netlogs report`: thin commands over ``netlogs.pipeline.trace``.

Library modules are imported inside the command functions so `netlogs --help` stays fast.
The clock is read here and only here (``--now`` pins it for reproducible runs).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import click

from netlogs.cli.live_discovery import azure_options
from netlogs.cli.options import log_analytics_connection
from netlogs.cli.output import output_format, output_options
from netlogs.errors import ConfigError

if TYPE_CHECKING:
    from netlogs.cli.progress import ProgressDisplay
    from netlogs.model import EvidenceSource, TraceRequest, TraceResult
    from netlogs.pipeline.discover import Discovery
    from netlogs.topology.model import Topology


@click.command("trace")
@click.option("--vault", metavar="NAME", help="Key Vault to trace (a name in the topology).")
@click.option("--topology", "topology_file", metavar="FILE", help="Topology file (YAML/JSON).")
@click.option(
    "--service-tags",
    metavar="FILE",
    help="Output of 'az network list-service-tags': fills Key Vault service-endpoint prefixes.",
)
@click.option("--logs", metavar="DIR", help="Read exported logs under DIR (offline).")
@click.option(
    "--workspace",
    "workspaces",
    metavar="ID",
    multiple=True,
    help="Query this Log Analytics workspace (repeatable).",
)
@click.option(
    "--require-firewall",
    metavar="NAME",
    help="Design rule: traffic to the vault must pass this firewall; `none`: no rule (even if "
    "the topology has one). Discovering from Azure (no --topology), it is read from the "
    "routes unless given.",
)
@click.option(
    "--from",
    "client",
    metavar="CLIENT",
    help="Only this client: IP, CIDR, client name or vnet/subnet.",
)
@click.option("--since", metavar="DURATION", help="Window ending now, e.g. 30m, 2h, 7d.")
@click.option("--start", metavar="ISO", help="Window start (UTC unless an offset is given).")
@click.option("--end", metavar="ISO", help="Window end (default: now).")
@click.option("--html", "html_file", metavar="FILE", help="Write the HTML evidence report.")
@click.option(
    "--json", "json_file", metavar="FILE", help="Write the netlogs.trace/v1 JSON (- = stdout)."
)
@click.option(
    "--markdown", "markdown_file", metavar="FILE", help="Write the Markdown summary (- = stdout)."
)
@output_options
@click.option(
    "--csv-tz",
    metavar="ZONE",
    help="Time zone of portal CSV exports in local time, e.g. Europe/Amsterdam.",
)
@click.option(
    "--skip-unknown",
    is_flag=True,
    help="Warn about files netlogs does not understand instead of failing.",
)
@click.option(
    "--reuse-window",
    default="10m",
    show_default=True,
    metavar="DURATION",
    help="How long one firewall connection record covers later vault requests.",
)
@click.option(
    "--clock-skew",
    default="5s",
    show_default=True,
    metavar="DURATION",
    help="Tolerated clock difference between log sources.",
)
@click.option(
    "--evidence",
    default="20",
    show_default=True,
    metavar="N|all",
    help="Log rows cited per client and kind (log family and outcome): the first half in time "
    "and the last half; the rest are counted. `all` cites every row.",
)
@click.option(
    "--engine",
    default="auto",
    show_default=True,
    metavar="[auto|local|kusto]",
    help="Where the correlation runs: kusto = inside Log Analytics/ADX (auto: live windows "
    "over 24 h), local = on this machine (always for --logs).",
)
@click.option("--cluster", metavar="URL", help="Azure Data Explorer cluster (kusto engine).")
@click.option("--database", metavar="DB", help="ADX database holding the Log Analytics tables.")
@log_analytics_connection
@azure_options
@click.option(
    "--now",
    "now_text",
    metavar="ISO",
    hidden=True,
    help="Pretend the current time is ISO (reproducible runs and tests).",
)
@click.pass_context
def trace(ctx: click.Context, /, **options: object) -> None:
    """Prove how each client reached a Key Vault, with the log rows as evidence.

    Prints one verdict per client; exit code 0 = no violation, 1 = violation,
    2 = could not run, 3 = some flow is inconclusive or not yet observable.
    With only --vault and a window, the vault, its network, the design firewall
    and the workspaces are discovered from Azure (signed in as with `az login`).

    \b
    Examples:
      netlogs trace --vault kv-contoso-prod --topology sample_data/topology.yaml \\
          --logs sample_data/logs --html out/report.html --json out/trace.json
      netlogs trace --vault kv-contoso-prod --since 2h
    """
    from netlogs.cli.exit_codes import exit_code_for
    from netlogs.cli.outputs import check_outputs, report_outputs, takes_stdout, write_reports
    from netlogs.cli.progress import ProgressDisplay
    from netlogs.cli.trace_engine import chosen_engine, kusto_executor
    from netlogs.pipeline.trace import trace as run_trace

    outputs = report_outputs(
        _text(options, "html_file"), _text(options, "json_file"), _text(options, "markdown_file")
    )
    check_outputs(
        outputs,
        input_files=[("--topology", _text(options, "topology_file")),
                     ("--ca-bundle", _text(options, "ca_bundle"))],
        input_trees=[("--logs", _text(options, "logs"))],
    )
    now = _now(_text(options, "now_text"))
    display = ProgressDisplay(quiet=bool(options.get("quiet")))
    request, topology, source, discovery = _prepare(options, now, display)
    cluster = _text(options, "cluster")
    engine = chosen_engine(
        _text(options, "engine") or "auto",
        request,
        # exported logs, and estates found by discovery, are correlated on this machine
        logs=_text(options, "logs") is not None or _discovering(options),
        cluster=cluster is not None,
    )
    try:
        with display:
            if engine == "kusto":
                from netlogs.cli.trace_engine import kusto_or_local

                executor = kusto_executor(options, source, cluster)
                automatic = (_text(options, "engine") or "auto") == "auto"
                result = kusto_or_local(request, executor, source if automatic else None, topology)
            else:
                assert source is not None  # only --cluster has no raw-row source (kusto only)
                result = run_trace(request, source, topology)
    except KeyboardInterrupt:
        click.echo("Interrupted: queries stopped, no result written", err=True)
        ctx.exit(130)
    if discovery is not None:
        from netlogs.pipeline.discover import with_discovery

        result = with_discovery(result, discovery)
    write_reports(result, outputs)
    if not takes_stdout(outputs):  # `--json -`: stdout holds that document alone
        output = _text(options, "output_format") or "table"
        _print_result(result, output, _text(options, "query"))
    ctx.exit(exit_code_for(result))


@click.command("report")
@click.argument(
    "result_file", metavar="RESULT.json", type=click.Path(dir_okay=False, path_type=Path)
)
@click.option("--html", "html_file", metavar="FILE", help="Write the HTML evidence report.")
@click.option(
    "--markdown", "markdown_file", metavar="FILE", help="Write the Markdown summary (- = stdout)."
)
def report(result_file: Path, html_file: str | None, markdown_file: str | None) -> None:
    """Render a saved `netlogs trace --json` result again, without re-querying.

    \b
    Example:
      netlogs report out/trace.json --html out/report.html --markdown out/report.md
    """
    from netlogs.cli.outputs import check_outputs, report_outputs, write_reports
    from netlogs.report.json import load_trace_result

    if html_file is None and markdown_file is None:
        raise ConfigError("nothing to write: give --html FILE and/or --markdown FILE")
    outputs = report_outputs(html_file, None, markdown_file)
    check_outputs(outputs, input_files=[("RESULT.json", str(result_file))])
    result = load_trace_result(result_file)
    write_reports(result, outputs)
    for _, path in outputs:
        if path != "-":
            click.echo(f"Wrote {path}", err=True)


# --------------------------------------------------------------------------- options -> request


def _prepare(
    options: dict[str, object], now: datetime, display: ProgressDisplay
) -> tuple[TraceRequest, Topology, EvidenceSource | None, Discovery | None]:
    """Check the options, then build the request, the topology, the evidence source (none for
    --cluster: ADX is only queried by the kusto engine) and, discovering from Azure, what was
    discovered (the design rule read from the routes and the log settings every output shows)."""
    from netlogs.api import evidence_limit
    from netlogs.model import TraceRequest
    from netlogs.pipeline.window import parse_duration, resolve_window

    vault = _text(options, "vault")
    if not vault:
        raise ConfigError("--vault NAME is required (the Key Vault to trace)")
    logs, workspaces = _text(options, "logs"), _workspaces(options)
    cluster = _text(options, "cluster")
    if sum(map(bool, (logs, workspaces, cluster))) > 1:
        raise ConfigError("give either --logs DIR or --workspace ID (or --cluster URL), not both")
    discovering = _discovering(options)
    if not logs and not workspaces and not cluster and not discovering:
        raise ConfigError(
            "no evidence source: give --logs DIR (exported logs), --workspace ID or --cluster URL"
        )
    output_format(_text(options, "output_format") or "table", _text(options, "query"))
    _check_zone(_text(options, "csv_tz"))
    window = resolve_window(
        now, _text(options, "since"), _text(options, "start"), _text(options, "end")
    )
    if discovering and window is None:
        raise ConfigError(
            "no evidence source: give --logs DIR (exported logs), or a window (--since 2h or "
            "--start/--end) to find the vault's network and logs in Azure"
        )
    if (workspaces or cluster) and window is None:
        raise ConfigError(
            f"{'--cluster' if cluster else '--workspace'} needs a time window: add --since 2h"
            " or --start/--end"
        )
    discovery, required = None, _text(options, "require_firewall")
    source: EvidenceSource | None
    if discovering:
        from netlogs.cli.live_discovery import discover, planned_source

        outputs = [
            path
            for path in (_text(options, k) for k in ("json_file", "html_file", "markdown_file"))
            if path != "-"
        ]
        found = discover(options, vault, outputs)
        topology, source = found.discovery.topology, planned_source(found, options)
        discovery = found.discovery
        vault, required = discovery.plan.vault, discovery.rule.option
    else:
        topology = _topology(_text(options, "topology_file"), vault)
        source = None if cluster else _source(options, logs, workspaces, (now, display))
    tags = _text(options, "service_tags")
    if tags:
        from netlogs.topology.service_tags import load_service_tags, with_service_tags

        topology = with_service_tags(topology, load_service_tags(Path(tags)))
    request = TraceRequest(
        vault=vault,
        window=window,
        now=now,
        required_firewall=required,
        client_filter=_text(options, "client"),
        reuse_window=parse_duration(_text(options, "reuse_window") or "10m", "--reuse-window"),
        clock_skew=parse_duration(
            _text(options, "clock_skew") or "5s", "--clock-skew", allow_zero=True
        ),
        timeline=_text(options, "html_file") is not None,  # only the HTML report draws it
        evidence_per_kind=evidence_limit(_text(options, "evidence") or "20", "--evidence"),
    )
    return request, topology, source, discovery


def _discovering(options: dict[str, object]) -> bool:
    """Nothing but the vault (and a window): find the estate and its logs in Azure."""
    return not any(
        _text(options, key) for key in ("logs", "topology_file", "cluster")
    ) and not _workspaces(options)


def _topology(path: str | None, vault: str) -> Topology:
    """The topology file, or (without one) a model that knows only the vault's name."""
    from netlogs.topology.model import KeyVault, Topology

    if path is None:
        # the vault's settings are unknown, not Azure's defaults: say so in every report
        unknown = KeyVault(name=vault, public_network_access="Unknown")
        return Topology(key_vaults=(unknown,), source="(no --topology given)")
    from netlogs.topology.loader import load_topology

    return load_topology(Path(path))


def _source(
    options: dict[str, object],
    logs: str | None,
    workspaces: tuple[str, ...],
    live: tuple[datetime, ProgressDisplay] | None = None,
) -> EvidenceSource:
    if logs:
        from netlogs.sources.files import FileSource

        root = Path(logs)
        if not root.is_dir():
            raise ConfigError(f"--logs {logs}: no such directory")
        return FileSource(
            root,
            csv_timezone=_text(options, "csv_tz"),
            skip_unknown=bool(options.get("skip_unknown")),
            prefilter=True,  # netlogs' own Parquet: read only the rows this trace can use
        )
    from netlogs.pipeline.live_sources import workspace_source

    timeout = options.get("timeout_s")
    return workspace_source(
        workspaces,
        endpoint=_text(options, "endpoint"),
        cloud=_text(options, "cloud") or "AzureCloud",
        connection_verify=_text(options, "ca_bundle"),
        timeout_s=float(timeout) if isinstance(timeout, (int, float)) else 300.0,
        now=live[0] if live else None,
        progress=live[1] if live and live[1].enabled else None,
    )


def _check_zone(zone: str | None) -> None:
    """A typo in --csv-tz must not go unnoticed just because no local-time CSV was read."""
    if zone is None:
        return
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"--csv-tz {zone!r}: unknown time zone (use an IANA name such as Europe/Amsterdam)"
        ) from None


def _now(text: str | None) -> datetime:
    if text is None:
        return datetime.now(timezone.utc)
    from netlogs.pipeline.window import parse_utc

    return parse_utc(text, "--now")


def _text(options: dict[str, object], key: str) -> str | None:
    value = options.get(key)
    return value if isinstance(value, str) and value != "" else None


def _workspaces(options: dict[str, object]) -> tuple[str, ...]:
    value = options.get("workspaces") or ()
    return tuple(str(v) for v in value) if isinstance(value, tuple) else ()


# --------------------------------------------------------------------------- output


def _print_result(result: TraceResult, output: str, query: str | None) -> None:
    """-o table (the answer, then a table that fits the terminal), json (the netlogs.trace/v1
    document, or what --query selects from it), tsv (one line per flow unless --query), none."""
    from netlogs.cli.output import emit
    from netlogs.report.json import dumps_trace_result, trace_result_to_dict
    from netlogs.report.text import render_text

    def document() -> object:
        doc = trace_result_to_dict(result)
        if query is None and output_format(output, query) == "tsv":
            keys = ("client_ip", "client", "verdict", "violation", "requests", "vault_outcome",
                    "cause")
            return [{k: flow.get(k) for k in keys} for flow in doc["flows"]]
        return doc

    emit(
        output_format(output, query),
        table=lambda color, width: render_text(result, color=color, width=width),
        document=document,
        query=query,
        json_text=lambda: dumps_trace_result(result),
    )

