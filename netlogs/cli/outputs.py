"""The report files of `netlogs trace` and `netlogs report`: checked first, written last.

``-`` writes the JSON or Markdown to standard output instead of a file (the terminal summary is
then left out, so stdout holds exactly that document). Every file is written atomically.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from netlogs.errors import ConfigError
from netlogs.fileio import STDOUT, Named, refuse_clobbering, write_atomically

if TYPE_CHECKING:
    from netlogs.model import TraceResult

HTML, JSON, MARKDOWN = "--html", "--json", "--markdown"


def report_outputs(html: str | None, json_path: str | None, markdown: str | None) -> list[Named]:
    """The requested outputs as (option, path), in the order they are written."""
    given = ((JSON, json_path), (MARKDOWN, markdown), (HTML, html))
    return [(option, path) for option, path in given if path is not None]


def check_outputs(
    outputs: Sequence[Named],
    input_files: Sequence[tuple[str, str | None]] = (),
    input_trees: Sequence[tuple[str, str | None]] = (),
) -> None:
    """Refuse, before any work, outputs that would overwrite inputs or each other.

    Raises:
        ConfigError: one line naming both paths.
    """
    for option, path in outputs:
        if option == HTML and path == STDOUT:
            raise ConfigError("--html -: the HTML report needs a file name (only --json and "
                              "--markdown can go to standard output)")
    refuse_clobbering(
        outputs,
        [(name, path) for name, path in input_files if path],
        [(name, path) for name, path in input_trees if path],
    )


def takes_stdout(outputs: Sequence[Named]) -> bool:
    return any(path == STDOUT for _, path in outputs)


def write_reports(result: TraceResult, outputs: Sequence[Named]) -> None:
    """Render every requested output first, then write each (files atomically).

    The JSON file is the exception: its text is written while it is made (at scale it is
    hundreds of megabytes). ``report_outputs`` puts it first, so if making it fails, no file
    has been written yet either.
    """
    rendered = [(path, _render(result, option, path)) for option, path in outputs]
    for path, text in rendered:
        if path == STDOUT:
            click.echo(text, nl=False)
        elif text is None:
            from netlogs.report.json import trace_json_chunks

            write_atomically(path, trace_json_chunks(result), make_parents=True)
        else:
            write_atomically(path, text, make_parents=True)


def _render(result: TraceResult, option: str, path: str) -> str | None:
    """The output's text; ``None`` for a JSON file (streamed when written)."""
    if option == JSON:
        from netlogs.report.json import dumps_trace_result

        return dumps_trace_result(result) if path == STDOUT else None
    if option == MARKDOWN:
        from netlogs.report.markdown import render_markdown

        return render_markdown(result)
    from netlogs.report.html import render_html

    return render_html(result)
