"""Any mutation of a valid topology file loads or is one TopologyError: never another exception.

Mutations: a value replaced by a value of another shape (None, numbers, huge strings, nested
lists, mappings, control characters), a key dropped, a list entry duplicated. The error, when
there is one, is a single bounded line naming the file.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netlogs.errors import TopologyError
from netlogs.topology.loader import load_topology
from netlogs.topology.yaml_text import dump_yaml

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "topology" / "hub_spoke.yaml"

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True),
    st.text(max_size=20), st.just("x" * 100_000), st.just("10.1.2.0"), st.just("10.1.2.4/32"),
    st.just("a\nb\x00\u00ad"), st.just("Approved"), st.just("spoke1/snet-pe"),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _mutate(data: dict[str, Any], path: tuple[Any, ...], how: str, value: Any) -> None:
    parent: Any = data
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if how == "drop" and isinstance(parent, dict):
        del parent[last]
    elif how == "duplicate" and isinstance(parent, list):
        parent.append(copy.deepcopy(parent[last]))
    else:
        parent[last] = value


def _original() -> dict[str, Any]:
    import yaml

    loaded: dict[str, Any] = yaml.safe_load(FIXTURE.read_text())
    return loaded


ORIGINAL = _original()
PATHS = _paths(ORIGINAL)


@settings(max_examples=250, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(PATHS), st.sampled_from(["set", "drop", "duplicate"]),
                          values), min_size=1, max_size=3),
       st.booleans())
def test_mutated_topology_loads_or_is_one_bounded_error(
    tmp_path: Path, mutations: list[tuple[tuple[Any, ...], str, Any]], as_json: bool
) -> None:
    data = copy.deepcopy(ORIGINAL)
    for path, how, value in mutations:
        try:
            _mutate(data, path, how, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or reshaped this path
    file = tmp_path / ("t.json" if as_json else "t.yaml")
    file.write_text(json.dumps(data, default=str) if as_json else dump_yaml(data))
    try:
        load_topology(file)
    except TopologyError as exc:
        message = str(exc)
        assert message.startswith(f"{file}: ")
        assert "\n" not in message and len(message) < 2_000
