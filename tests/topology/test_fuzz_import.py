"""Any mutation of the az CLI export imports or is one TopologyError: never another exception."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netlogs.errors import TopologyError
from netlogs.topology.azure_import import import_az_json

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "topology"
EXPORTS = {p.name: json.loads(p.read_text()) for p in sorted((FIXTURES / "az").glob("*.json"))}
# the Virtual WAN, NSG, private DNS and AVNM exports, in one directory
ESTATE_EXPORTS = {f"{d}-{p.name}": json.loads(p.read_text()) for d in ("az_vwan", "az_avnm")
                  for p in sorted((FIXTURES / d).glob("*.json"))}
ESTATE_EXPORTS |= {f"rules-{p.name}": json.loads(p.read_text())  # AVNM admin and routing rules
                   for p in sorted((FIXTURES / "az_avnm_rules").glob("manager-*.json"))}

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 2**40), st.text(max_size=12), st.just(""),
    st.just("10.1.2.0/24"), st.just("/subscriptions/x/virtualNetworks/HV_x/subnets/y"),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=2)
                      | st.dictionaries(st.sampled_from(["id", "name", "properties", "type"]),
                                        inner, max_size=2), max_leaves=5)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


TARGETS = [(name, path) for name, data in EXPORTS.items() for path in _paths(data)]
ESTATE_TARGETS = [(name, path) for name, data in ESTATE_EXPORTS.items()
                  for path in _paths(data)]


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(TARGETS), st.booleans(), values),
                min_size=1, max_size=3))
def test_mutated_export_imports_or_is_one_topology_error(
    tmp_path: Path, mutations: list[tuple[tuple[str, tuple[Any, ...]], bool, Any]]
) -> None:
    _mutate_and_import(tmp_path, EXPORTS, mutations)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(ESTATE_TARGETS), st.booleans(), values),
                min_size=1, max_size=3))
def test_mutated_vwan_nsg_dns_avnm_export_imports_or_is_one_topology_error(
    tmp_path: Path, mutations: list[tuple[tuple[str, tuple[Any, ...]], bool, Any]]
) -> None:
    _mutate_and_import(tmp_path, ESTATE_EXPORTS, mutations)


def _mutate_and_import(
    tmp_path: Path, original: dict[str, Any],
    mutations: list[tuple[tuple[str, tuple[Any, ...]], bool, Any]],
) -> None:
    exports = copy.deepcopy(original)
    for (name, path), drop, value in mutations:
        parent: Any = exports[name]
        try:
            for step in path[:-1]:
                parent = parent[step]
            if drop and isinstance(parent, dict):
                del parent[path[-1]]
            else:
                parent[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    directory = tmp_path / "az"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir()
    for name, data in exports.items():
        (directory / name).write_text(json.dumps(data))
    try:
        import_az_json(directory)
    except TopologyError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 2_000
