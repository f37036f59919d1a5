"""stdout in the az CLI's manner: ``-o table|json|tsv|none`` (``--format`` kept as an alias,
``text`` as another name for ``table``), ``--query`` (JMESPath) on the JSON document, and colour
decided once from NO_COLOR / FORCE_COLOR / whether stdout is a terminal.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from netlogs.errors import ConfigError

F = TypeVar("F", bound=Callable[..., object])

FORMATS = ("table", "json", "tsv", "none")
_ALIASES = {"text": "table"}
DEFAULT_WIDTH = 120  # when stdout is not a terminal and COLUMNS is not set


def output_options(command: F) -> F:
    """``-o/--output/--format`` and ``--query`` for a command that prints a document."""
    from netlogs.cli.params import Choice

    command = click.option(
        "--query",
        metavar="JMESPATH",
        help="JMESPath query applied to the JSON document (with -o json or -o tsv).",
    )(command)
    return click.option(
        "-o",
        "--output",
        "--format",
        "output_format",
        type=Choice(FORMATS, "use table, json, tsv or none", aliases=_ALIASES),
        default="table",
        show_default=True,
        help="What to print on stdout (--format is an alias; text = table).",
    )(command)


def checked_query(fmt: str, query: str | None) -> str:
    """The format, once ``--query`` is known to have a document to work on.

    Raises:
        ConfigError: ``--query`` with a format that prints no JSON document.
    """
    if query and fmt not in ("json", "tsv"):
        raise ConfigError("--query works on the JSON document: add -o json or -o tsv")
    return fmt


def use_color(stream: Any = None) -> bool:
    """NO_COLOR (any non-empty value) turns colour off; FORCE_COLOR turns it on off a terminal;
    otherwise colour only on a terminal."""
    if os.environ.get("NO_COLOR"):
        return False
    force = os.environ.get("FORCE_COLOR")
    if force is not None and force not in ("", "0", "false"):
        return True
    stream = stream if stream is not None else sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())


def terminal_width() -> int:
    """COLUMNS when set, else the terminal's width when stdout is one, else ``DEFAULT_WIDTH``
    (so piped output and tests do not depend on the terminal that started them)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if getattr(sys.stdout, "isatty", lambda: False)():
        return shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
    return DEFAULT_WIDTH


def apply_query(document: object, query: str | None) -> object:
    if not query:
        return document
    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        return jmespath.search(query, document)
    except JMESPathError as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"--query {query!r}: {message}") from None


def tsv(document: object) -> str:
    """Tab-separated values like ``az -o tsv``: one line per list item, scalars only, no header.

    Nested lists or objects inside a row are written as compact JSON; tabs and line breaks inside
    values become spaces, so one record is always one line.
    """
    rows = document if isinstance(document, list) else [document]
    lines = []
    for row in rows:
        cells = list(row.values()) if isinstance(row, dict) else [row]
        lines.append("\t".join(_tsv_cell(c) for c in cells))
    return "\n".join(lines) + ("\n" if lines else "")


def _tsv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        value = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    from netlogs.report.safe_text import neutralise

    return neutralise(value)  # tabs and line breaks become spaces, control characters shown


def emit(
    fmt: str,
    *,
    table: Callable[[bool, int], str],
    document: Callable[[], object],
    query: str | None,
    json_text: Callable[[], str] | None = None,
) -> None:
    """Print one format. ``table(color, width)`` renders the human view; ``document()`` builds
    the JSON-able document; ``json_text`` (optional) is its canonical serialisation when no
    query reshapes it."""
    if fmt == "none":
        return
    if fmt == "table":
        color = use_color()
        # click strips escape codes off a terminal unless told otherwise: FORCE_COLOR must win
        click.echo(table(color, terminal_width()), nl=False, color=color)
        return
    if fmt == "json" and json_text is not None and not query:
        click.echo(json_text(), nl=False)
        return
    shaped = apply_query(document(), query)
    if fmt == "json":
        click.echo(json.dumps(shaped, indent=2, ensure_ascii=False))
    else:
        click.echo(tsv(shaped), nl=False)
