"""`netlogs trace` and `netlogs report`: thin commands over ``netlogs.pipeline.trace``.

Library modules are imported inside the command functions so `netlogs --help` stays fast.
The clock is read here and only here (``--now`` pins it for reproducible runs).
"""

from __future__ import annotations

import gc
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import click

from netlogs.cli.options import log_analytics_connection
from netlogs.errors import ConfigError

if TYPE_CHECKING:
    from netlogs.cli.progress import ProgressDisplay
    from netlogs.model import EvidenceSource, TraceRequest, TraceResult
    from netlogs.topology.model import Topology


@click.command("trace")
@click.option("--vault", metavar="NAME", help="Key Vault to trace (a name in the topology).")
@click.option("--topology", "topology_file", metavar="FILE", help="Topology file (YAML/JSON).")
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
    help="Design rule: traffic to the vault must pass this firewall.",
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
@click.option("--json", "json_file", metavar="FILE", help="Write the netlogs.trace/v1 JSON.")
@click.option("--markdown", "markdown_file", metavar="FILE", help="Write the Markdown summary.")
@click.option(
    "--format",
    "output_format",
    metavar="[text|json]",
    default="text",
    show_default=True,
    help="What to print on stdout.",
)
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
@log_analytics_connection
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

    \b
    Example:
      netlogs trace --vault kv-contoso-prod --topology sample_data/topology.yaml \\
          --logs sample_data/logs --html out/report.html --json out/trace.json
    """
    from netlogs.cli.exit_codes import exit_code_for
    from netlogs.cli.progress import ProgressDisplay
    from netlogs.pipeline.trace import trace as run_trace

    now = _now(_text(options, "now_text"))
    display = ProgressDisplay(quiet=bool(options.get("quiet")))
    request, topology, source = _prepare(options, now, display)
    try:
        with display:
            result = run_trace(request, source, topology)
    except KeyboardInterrupt:
        click.echo("Interrupted: queries stopped, no result written", err=True)
        ctx.exit(130)
    # The result's hundreds of thousands of objects live until the reports are written: set
    # them aside so the cyclic collector does not walk them again meanwhile (unfrozen after,
    # for callers that run the command in-process).
    gc.freeze()
    try:
        _write_outputs(
            result,
            html=_text(options, "html_file"),
            json_path=_text(options, "json_file"),
            markdown=_text(options, "markdown_file"),
        )
        _print_result(result, _text(options, "output_format") or "text")
    finally:
        gc.unfreeze()
    ctx.exit(exit_code_for(result))


@click.command("report")
@click.argument(
    "result_file", metavar="RESULT.json", type=click.Path(dir_okay=False, path_type=Path)
)
@click.option("--html", "html_file", metavar="FILE", help="Write the HTML evidence report.")
@click.option("--markdown", "markdown_file", metavar="FILE", help="Write the Markdown summary.")
def report(result_file: Path, html_file: str | None, markdown_file: str | None) -> None:
    """Render a saved `netlogs trace --json` result again, without re-querying.

    \b
    Example:
      netlogs report out/trace.json --html out/report.html --markdown out/report.md
    """
    from netlogs.report.json import load_trace_result

    if html_file is None and markdown_file is None:
        raise ConfigError("nothing to write: give --html FILE and/or --markdown FILE")
    result = load_trace_result(result_file)
    _write_outputs(result, html=html_file, json_path=None, markdown=markdown_file)
    for path in (html_file, markdown_file):
        if path is not None:
            click.echo(f"Wrote {path}", err=True)


# --------------------------------------------------------------------------- options -> request


def _prepare(
    options: dict[str, object], now: datetime, display: ProgressDisplay
) -> tuple[TraceRequest, Topology, EvidenceSource]:
    """Check the options, then build the request, the topology and the evidence source."""
    from netlogs.model import TraceRequest
    from netlogs.pipeline.window import parse_duration, resolve_window

    vault = _text(options, "vault")
    if not vault:
        raise ConfigError("--vault NAME is required (the Key Vault to trace)")
    logs, workspaces = _text(options, "logs"), _workspaces(options)
    if logs and workspaces:
        raise ConfigError("give either --logs DIR or --workspace ID, not both")
    if not logs and not workspaces:
        raise ConfigError("no evidence source: give --logs DIR (exported logs) or --workspace ID")
    if (_text(options, "output_format") or "text") not in ("text", "json"):
        raise ConfigError(f"--format {options.get('output_format')!r}: use text or json")
    _check_zone(_text(options, "csv_tz"))
    window = resolve_window(
        now, _text(options, "since"), _text(options, "start"), _text(options, "end")
    )
    if workspaces and window is None:
        raise ConfigError("--workspace needs a time window: add --since 2h or --start/--end")
    topology = _topology(_text(options, "topology_file"), vault)
    request = TraceRequest(
        vault=vault,
        window=window,
        now=now,
        required_firewall=_text(options, "require_firewall"),
        client_filter=_text(options, "client"),
        reuse_window=parse_duration(_text(options, "reuse_window") or "10m", "--reuse-window"),
        clock_skew=parse_duration(
            _text(options, "clock_skew") or "5s", "--clock-skew", allow_zero=True
        ),
        timeline=_text(options, "html_file") is not None,  # only the HTML report draws it
    )
    source = _source(options, logs, workspaces, (now, display))
    return request, topology, source


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
    from netlogs.sources.log_analytics import LogAnalyticsSource

    timeout = options.get("timeout_s")
    return LogAnalyticsSource(
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


def _print_result(result: TraceResult, output_format: str) -> None:
    if output_format == "json":
        from netlogs.report.json import dumps_trace_result

        click.echo(dumps_trace_result(result), nl=False)
        return
    from netlogs.report.text import render_text

    color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    click.echo(render_text(result, color=color), nl=False)


def _write_outputs(
    result: TraceResult, *, html: str | None, json_path: str | None, markdown: str | None
) -> None:
    """Render every requested file first, then write each one atomically."""
    rendered: list[tuple[str, str]] = []
    if json_path is not None:
        from netlogs.report.json import dumps_trace_result

        rendered.append((json_path, dumps_trace_result(result)))
    if markdown is not None:
        from netlogs.report.markdown import render_markdown

        rendered.append((markdown, render_markdown(result)))
    if html is not None:
        from netlogs.report.html import render_html

        rendered.append((html, render_html(result)))
    for path, text in rendered:
        write_atomically(Path(path), text)


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file next to ``path`` and rename it into place.

    A reader never sees a half-written report: either the old file or the complete new one.
    """
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed below, then renamed)
        "w",
        encoding="utf-8",
        dir=path.parent,
        prefix=f".{path.name}.",
        suffix=".tmp",
        delete=False,
        newline="",
    )
    try:
        with handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(handle.name, _file_mode(path))
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def _file_mode(path: Path) -> int:
    """Keep an existing file's mode; new files get what the umask allows (temp files are 0600)."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
