"""Check a topology file against the shipped JSON Schema (``netlogs topology validate``).

The loader's own checks run first and give the primary messages (they name the resource by its
name and know the cross-resource rules); the schema check then confirms the file has the shape
editors and other tools are told to expect. A file the loader accepts and the schema refuses is
reported too: one of the two is wrong, and the user should not be the one to find out later.
"""

from __future__ import annotations

from pathlib import Path

from netlogs.errors import TopologyError
from netlogs.json_schemas import TOPOLOGY, schema_errors
from netlogs.topology.yaml_text import parse_text


def check_topology_schema(path: Path) -> None:
    """Raise TopologyError naming the first place the file departs from topology.schema.json."""
    file = str(path)
    data = parse_text(Path(path).read_text(encoding="utf-8"), file)
    errors = schema_errors(data, TOPOLOGY)
    if errors:
        where, problem = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise TopologyError(file, where, f"does not match topology.schema.json: {problem}{more}")
