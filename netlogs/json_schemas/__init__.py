"""JSON Schemas (draft 2020-12) of the files netlogs reads and writes, shipped as package data.

``topology.schema.json`` describes the topology file (docs/topology-format.md) and
``trace-v1.schema.json`` the ``netlogs.trace/v1`` document of ``trace --json``. Editors can use
them for completion; ``netlogs topology validate`` and the tests check files against them. A
schema states shapes only: references, overlaps and Azure's own rules stay with the loader.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

TOPOLOGY = "topology"
TRACE_V1 = "trace-v1"

__all__ = ["TOPOLOGY", "TRACE_V1", "load_schema", "schema_errors"]


@cache
def load_schema(name: str) -> dict[str, Any]:
    """The schema ``name`` (``TOPOLOGY`` or ``TRACE_V1``) as parsed JSON."""
    text = resources.files(__package__).joinpath(f"{name}.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def schema_errors(document: Any, name: str) -> list[tuple[str, str]]:
    """Every place ``document`` departs from schema ``name``: ``(JSON path, problem)`` pairs,
    shallowest first (empty when it matches)."""
    import jsonschema  # noqa: PLC0415 - only the commands that validate pay for it

    validator = jsonschema.Draft202012Validator(load_schema(name))
    errors = sorted(validator.iter_errors(document), key=lambda e: len(e.path))
    return [(e.json_path, _short(e.message)) for e in errors]


def _short(message: str, limit: int = 300) -> str:
    """Messages quote the offending value, which may be a whole section: keep them one line."""
    line = " ".join(message.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."
