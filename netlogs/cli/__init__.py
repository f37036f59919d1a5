"""The `netlogs` command line: thin commands over the library.

Only this package touches click, stdout/stderr and exit codes. Commands are loaded lazily so
``netlogs --help`` does not import polars, azure, jinja2 or rich.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from netlogs.cli.exit_codes import EXIT_ERROR
from netlogs.errors import NetlogsError, bounded_text

ERROR_LINE_LIMIT = 2_000  # characters of an error message printed on stderr

# command name -> (module, attribute, one-line help shown by `netlogs --help`)
_COMMANDS: dict[str, tuple[str, str, str]] = {
    "trace": ("netlogs.cli.trace_cmd", "trace", "Prove how clients reached a Key Vault."),
    "doctor": (
        "netlogs.cli.doctor_cmd",
        "doctor",
        "Logging coverage of the paths to a vault, and how to close gaps.",
    ),
    "report": ("netlogs.cli.trace_cmd", "report", "Render a saved trace JSON as HTML/Markdown."),
    "routes": ("netlogs.cli.network_cmd", "routes", "Effective routes of any subnet."),
    "path": ("netlogs.cli.network_cmd", "path", "Expected path from a client to a destination."),
    "topology": ("netlogs.cli.topology_cmd", "topology", "Import a topology from az/ARM JSON."),
    "kql": ("netlogs.cli.kql_cmd", "kql", "List, show and render the KQL templates."),
    "demo": ("netlogs.cli.demo_cmd", "demo", "Copy the sample scenario to DIR and trace it."),
    "fetch": (
        "netlogs.cli.fetch_cmd",
        "fetch",
        "Save evidence from Log Analytics for offline use.",
    ),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported only when invoked."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        spec = _COMMANDS.get(cmd_name)
        if spec is None:
            return None
        module = importlib.import_module(spec[0])
        command: click.Command = getattr(module, spec[1])
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, _COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="netlogs")
@click.option("--debug", is_flag=True, help="Show full tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """netlogs: prove with log evidence how traffic reached an Azure Key Vault.

    \b
    Example:
      netlogs trace --vault kv-contoso-prod \\
          --topology sample_data/topology.yaml --logs sample_data/logs
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point: one error line and exit 2 for every NetlogsError."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        code = cli.main(args=args, prog_name="netlogs", standalone_mode=False)
    except NetlogsError as exc:
        if debug:
            raise
        # one line of sane length, whatever value the message quotes from the input
        click.echo(f"Error: {bounded_text(str(exc), ERROR_LINE_LIMIT)}", err=True)
        sys.exit(EXIT_ERROR)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_ERROR)
    except OSError as exc:  # unreadable/unwritable paths the library did not wrap
        if debug:
            raise
        click.echo(f"Error: {exc.filename or ''}: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_ERROR)
    except Exception as exc:
        # A bug must never look like a finding: exit 2 ("could not run"), never 1 or 0.
        if debug:
            raise
        message = str(exc).splitlines()[0] if str(exc) else ""
        click.echo(
            f"Error: internal error ({type(exc).__name__}: {message}); "
            "run again with --debug for the traceback and report it",
            err=True,
        )
        sys.exit(EXIT_ERROR)
    sys.exit(code if isinstance(code, int) else 0)
