"""`netlogs trace` and `netlogs report`: thin commands over ``netlogs.api``.

The options arrive typed (durations, times, paths, choices: ``netlogs.cli.params``); the
topology, the evidence source and the request are built by the library. Library modules are
imported inside the command functions so `netlogs --help` stays fast. The clock is read here and
only here (``--now`` pins it for reproducible runs).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from netlogs.cli.live_discovery import azure_options
from netlogs.cli.options import log_analytics_connection
from netlogs.cli.output import output_options
from netlogs.cli.params import Choice, Duration, TimeZone, UtcTime
from netlogs.cli.trace_engine import ENGINES
from netlogs.cli.trace_options import TraceOptions, prepare
from netlogs.errors import ConfigError

if TYPE_CHECKING:
    from netlogs.model import EvidenceSource, TraceRequest, TraceResult
    from netlogs.topology.model import Topology

# paths stay as typed (messages quote them so); the commands check them with their own words
_FILE = click.Path(readable=False, allow_dash=True)


@click.command("trace")
@click.option("--vault", metavar="NAME", help="Key Vault to trace (a name in the topology).")
@click.option(
    "--topology", "topology_file", type=_FILE, metavar="FILE", help="Topology file (YAML/JSON)."
)
@click.option(
    "--service-tags",
    type=_FILE,
    metavar="FILE",
    help="Output of 'az network list-service-tags': fills Key Vault service-endpoint prefixes.",
)
@click.option(
    "--logs",
    type=_FILE,
    metavar="DIR",
    help="Read exported logs under DIR (offline).",
)
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
@click.option(
    "--since", type=Duration(), metavar="DURATION", help="Window ending now, e.g. 30m, 2h, 7d."
)
@click.option(
    "--start", type=UtcTime(), metavar="ISO", help="Window start (UTC unless an offset is given)."
)
@click.option("--end", type=UtcTime(), metavar="ISO", help="Window end (default: now).")
@click.option(
    "--html", "html_file", type=_FILE, metavar="FILE", help="Write the HTML evidence report."
)
@click.option(
    "--json",
    "json_file",
    type=_FILE,
    metavar="FILE",
    help="Write the netlogs.trace/v1 JSON (- = stdout).",
)
@click.option(
    "--markdown",
    "markdown_file",
    type=_FILE,
    metavar="FILE",
    help="Write the Markdown summary (- = stdout).",
)
@output_options
@click.option(
    "--csv-tz",
    type=TimeZone(),
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
    type=Duration(),
    default="10m",
    show_default=True,
    metavar="DURATION",
    help="How long one firewall connection record covers later vault requests.",
)
@click.option(
    "--clock-skew",
    type=Duration(allow_zero=True),
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
    "and the last half; the rest are counted. Flow rows only for clients whose requests never "
    "reached the vault. `all` cites every row.",
)
@click.option(
    "--engine",
    type=Choice(ENGINES, "use local, kusto or auto"),
    default="auto",
    show_default=True,
    help="Where the correlation runs: kusto = inside Log Analytics/ADX (auto: live windows "
    "over 24 h), local = on this machine (always for --logs).",
)
@click.option("--cluster", metavar="URL", help="Azure Data Explorer cluster (kusto engine).")
@click.option("--database", metavar="DB", help="ADX database holding the Log Analytics tables.")
@log_analytics_connection
@azure_options
@click.option(
    "--now",
    type=UtcTime(),
    metavar="ISO",
    hidden=True,
    help="Pretend the current time is ISO (reproducible runs and tests).",
)
@click.pass_context
def trace(ctx: click.Context, /, **options: Any) -> None:
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
    from netlogs.cli.trace_engine import chosen_engine

    # an empty value (`--json ""`, an unset variable in a script) is no value, as it always was
    given: dict[str, Any] = {name: None if v == "" else v for name, v in options.items()}
    opts = TraceOptions(**given)
    outputs = report_outputs(opts.html_file, opts.json_file, opts.markdown_file)
    check_outputs(
        outputs,
        input_files=[("--topology", opts.topology_file), ("--ca-bundle", opts.ca_bundle)],
        input_trees=[("--logs", opts.logs)],
    )
    now = opts.now or datetime.now(timezone.utc)
    display = ProgressDisplay(quiet=opts.quiet)
    request, topology, source, discovery = prepare(opts, now, display)
    # exported logs, and estates found by discovery, are correlated on this machine
    local = opts.logs is not None or opts.discovering
    engine = chosen_engine(opts.engine, request, logs=local, cluster=opts.cluster is not None)
    try:
        with display:
            result = _run(opts, engine, request, topology, source)
    except KeyboardInterrupt:
        click.echo("Interrupted: queries stopped, no result written", err=True)
        ctx.exit(130)
    if discovery is not None:
        from netlogs.pipeline.discover import with_discovery

        result = with_discovery(result, discovery)
    write_reports(result, outputs)
    if not takes_stdout(outputs):  # `--json -`: stdout holds that document alone
        _print_result(result, opts.output_format, opts.query)
    ctx.exit(exit_code_for(result))


def _run(
    opts: TraceOptions,
    engine: str,
    request: TraceRequest,
    topology: Topology,
    source: EvidenceSource | None,
) -> TraceResult:
    """The kusto engine (falling back to the local one under ``--engine auto``) or the local."""
    if engine == "kusto":
        from netlogs.cli.trace_engine import kusto_executor
        from netlogs.pipeline.kusto_trace import kusto_or_local

        executor = kusto_executor(source, opts.cluster, opts.database)
        fallback = source if opts.engine == "auto" else None
        return kusto_or_local(request, executor, fallback, topology)
    from netlogs.pipeline.trace import trace as run_trace

    assert source is not None  # only --cluster has no raw-row source (kusto only)
    return run_trace(request, source, topology)


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


# --------------------------------------------------------------------------- output


def _print_result(result: TraceResult, output: str, query: str | None) -> None:
    """-o table (the answer, then a table that fits the terminal), json (the netlogs.trace/v1
    document, or what --query selects from it), tsv (one line per flow unless --query), none."""
    from netlogs.cli.output import emit
    from netlogs.report.json import dumps_trace_result, trace_result_to_dict
    from netlogs.report.text import render_text

    def document() -> object:
        doc = trace_result_to_dict(result)
        if query is None and output == "tsv":
            keys = ("client_ip", "client", "verdict", "violation", "requests", "vault_outcome",
                    "cause")
            return [{k: flow.get(k) for k in keys} for flow in doc["flows"]]
        return doc

    emit(
        output,
        table=lambda color, width: render_text(result, color=color, width=width),
        document=document,
        query=query,
        json_text=lambda: dumps_trace_result(result),
    )

