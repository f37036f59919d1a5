"""The self-contained HTML evidence report: one file, no chart library, no network access.

Safety rests on three layers: jinja2 autoescaping plus the ``show`` filter (invisible characters
made visible, bidi isolated, very long values folded), pictures (paths, timeline) drawn
server-side as SVG text with every string escaped, and a Content-Security-Policy that only lets
the page's own script and style (pinned by hash) apply, with no eval and no network load.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netlogs.errors import ConfigError
from netlogs.fileio import write_atomically
from netlogs.report.html_estate import estate_svg
from netlogs.report.html_path import MARKER_DEFS
from netlogs.report.html_view import report_view
from netlogs.report.safe_text import neutralise, shorten
from netlogs.report.timeline import build_timeline

if TYPE_CHECKING:
    import jinja2
    from markupsafe import Markup

    from netlogs.model import TraceResult

TEMPLATE = "report.html.j2"
LONG_TEXT = 240  # characters shown before a value is folded behind "show all"


def report_asset_dir(package: Path | None = None) -> Path:
    """``netlogs/_data/reports`` in an installed wheel, ``reports/`` next to the package in a
    checkout. ``package`` (the ``netlogs`` directory) is only given by tests."""
    package = package or Path(__file__).resolve().parents[1]
    for candidate in (package / "_data" / "reports", package.parent / "reports"):
        if (candidate / TEMPLATE).is_file():
            return candidate
    raise ConfigError(
        f"report templates not found: looked for {TEMPLATE} in {package / '_data' / 'reports'} "
        f"and {package.parent / 'reports'}"
    )


def render_html(result: TraceResult) -> str:
    """The whole page as text."""
    from markupsafe import Markup  # noqa: PLC0415 - comes with jinja2

    assets = _assets()
    timeline = build_timeline(result)
    context: dict[str, Any] = report_view(result) | {
        "css": assets["css"],
        "report_js": assets["report_js"],
        "csp": assets["csp"],
        "timeline_svg": Markup(timeline.svg),  # built escaped by timeline.py
        "marker_defs": Markup(MARKER_DEFS),  # constant SVG, no data
        "estate_svg": Markup(estate_svg(result)),  # built escaped by html_estate.py
        "timeline_series": timeline.series,
        "timeline_note": timeline.note,
        "timeline_records": timeline.records,
    }
    return str(_environment().get_template(TEMPLATE).render(context))


def write_html(result: TraceResult, path: Path | str) -> None:
    """Write the page atomically: a reader never sees half a report."""
    write_atomically(path, render_html(result))


# --------------------------------------------------------------------------- jinja


def show(value: object, limit: int = LONG_TEXT) -> Markup:
    """A log-derived value as safe inline HTML: isolated direction, long values folded."""
    from markupsafe import Markup  # noqa: PLC0415 - comes with jinja2, loaded with it

    text = neutralise(value)
    if len(text) <= limit:
        return Markup("<bdi>%s</bdi>") % text
    return Markup(
        '<span class="long"><bdi>%s</bdi><details><summary>show all %d characters</summary>'
        '<bdi class="full">%s</bdi></details></span>'
    ) % (shorten(text, limit), len(text), text)


def show_short(value: object, limit: int = 60) -> Markup:
    """Like ``show`` but cut, never folded: for link texts (a fold inside a link would navigate)."""
    from markupsafe import Markup  # noqa: PLC0415

    return Markup("<bdi>%s</bdi>") % shorten(neutralise(value), limit)


def show_clip(value: object, limit: int = 120) -> Markup:
    """A table cell's value written once: past ``limit`` characters CSS clips it to a few lines
    (hover or print shows it all), instead of a shortened copy plus the full text."""
    from markupsafe import Markup  # noqa: PLC0415

    text = neutralise(value)
    if len(text) <= limit:
        return Markup("<bdi>%s</bdi>") % text
    return Markup('<bdi class="clip" tabindex="0">%s</bdi>') % text


def plain(value: object, limit: int = 200) -> str:
    """Text for places that hold no markup (the page title): invisible characters shown, cut."""
    return shorten(neutralise(value), limit)


def show_block(value: object) -> Markup:
    """Multi-line text (KQL) in a ``<pre>``, line breaks kept, invisible characters shown."""
    from markupsafe import Markup  # noqa: PLC0415

    return Markup('<pre class="block"><bdi>%s</bdi></pre>') % neutralise(value, keep_lines=True)


def show_lines(value: object) -> Markup:
    """Multi-line text for a ``<code>`` block: escaped, line breaks kept, invisible characters
    shown."""
    from markupsafe import Markup, escape  # noqa: PLC0415

    return Markup(escape(neutralise(value, keep_lines=True)))


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    import jinja2  # noqa: PLC0415 - only the HTML report needs it

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(report_asset_dir())),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["show"] = show
    env.filters["show_block"] = show_block
    env.filters["show_lines"] = show_lines
    env.filters["show_short"] = show_short
    env.filters["show_clip"] = show_clip
    env.filters["plain"] = plain
    return env


def _hash(body: str) -> str:
    digest = hashlib.sha256(body.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


@lru_cache(maxsize=1)
def _assets() -> dict[str, Any]:
    from markupsafe import Markup  # noqa: PLC0415

    folder = report_asset_dir()
    report_js = (folder / "report.js").read_text(encoding="utf-8")
    css = (folder / "report.css").read_text(encoding="utf-8")
    # Only the page's own script and style element apply (pinned by hash): no inline handler,
    # no injected <script> or <style>, no eval, no network load of any kind.
    csp = (
        "default-src 'none'; "
        f"script-src {_hash(report_js)}; style-src {_hash(css)}; img-src data:; "
        "connect-src 'none'; base-uri 'none'; form-action 'none'"
    )
    return {"css": Markup(css), "report_js": Markup(report_js), "csp": csp}
