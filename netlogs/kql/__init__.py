"""KQL templates and the one escaping function that puts values into them.

``kql_literal()`` is the only way a value enters a query; ``render_query()`` fills a template
from ``kql/`` with typed parameters and refuses unknown, missing or ill-typed ones.
"""

from __future__ import annotations

import json
from pathlib import Path

from netlogs.errors import TemplateError
from netlogs.kql.literals import KINDS, LIST_KINDS, SCALAR_KINDS, kql_literal
from netlogs.kql.params import STANDARD_PARAMS, evidence_params, parse_param_text
from netlogs.kql.templates import (
    FAMILIES,
    Template,
    TemplateParam,
    list_templates,
    load_template,
    params_for,
    parse_param_texts,
    parse_template,
    render_query,
    template_dir,
)

__all__ = [
    "FAMILIES",
    "KINDS",
    "LIST_KINDS",
    "SCALAR_KINDS",
    "STANDARD_PARAMS",
    "Template",
    "TemplateParam",
    "evidence_params",
    "kql_literal",
    "list_templates",
    "load_table_schemas",
    "load_template",
    "params_for",
    "parse_param_text",
    "parse_param_texts",
    "parse_template",
    "render_query",
    "template_dir",
]


def load_table_schemas(directory: Path | None = None) -> dict[str, dict[str, str]]:
    """The documented columns of every table the templates read: table → {column: kusto type}.

    Raises:
        TemplateError: ``schemas/tables.json`` is missing or not valid JSON.
    """
    path = (directory if directory is not None else template_dir()) / "schemas" / "tables.json"
    try:
        loaded: dict[str, dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TemplateError(f"{path}: cannot read table schemas: {exc}") from None
    return loaded
