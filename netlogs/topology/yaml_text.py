"""Parse topology text (YAML or JSON, by content) strictly, and dump YAML deterministically.

Strict means: only ``true``/``false`` are booleans (YAML 1.1 would turn ``yes``, ``on`` and
``no`` into booleans behind the user's back), and a key repeated in one mapping is an error
instead of silently keeping the last value.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from netlogs.errors import TopologyError

_BOOL_TAG = "tag:yaml.org,2002:bool"


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans and duplicate-key detection."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice in one mapping", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


# Aliases may repeat values, but not multiply the document: a few hundred bytes of nested
# aliases otherwise expand to hundreds of millions of values in whatever walks the data.
MAX_ALIAS_VALUES = 100_000
TOO_DEEP = "nested too deeply to be a topology"
TOO_LONG_NUMBER = "a number too long to read (more than 4,300 digits)"


class DuplicateKeyError(ValueError):
    """A JSON object names one key twice (json keeps the last one silently)."""

    def __init__(self, key: str) -> None:
        super().__init__(f"key {key!r} appears twice in one object")


def strict_json(text: str) -> Any:
    """``json.loads`` that refuses duplicate keys (DuplicateKeyError) and raises RecursionError
    on absurd nesting like json itself."""
    return json.loads(text, object_pairs_hook=_unique_pairs)


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DuplicateKeyError(key)
        result[key] = value
    return result


def parse_text(text: str, file: str) -> Any:
    """Parse JSON (when the text starts like JSON and is valid JSON) or else YAML."""
    if text.lstrip()[:1] not in ("{", "["):
        return _load_yaml(text, file)
    try:
        return strict_json(text)
    except json.JSONDecodeError as exc:
        location = f"line {exc.lineno}, column {exc.colno}"
        problem = f"JSON syntax error: {exc.msg}"
    except DuplicateKeyError as exc:
        location, problem = "document", f"JSON error: {exc}"
    except RecursionError:
        raise TopologyError(file, "document", TOO_DEEP) from None
    except ValueError:  # Python refuses to convert integers of more than 4,300 digits
        raise TopologyError(file, "document", TOO_LONG_NUMBER) from None
    try:  # YAML reads most JSON too, and it names the line of a duplicate key
        data = _load_yaml(text, file)
    except TopologyError as exc:
        if "appears twice" in exc.problem and location == "document":
            raise TopologyError(file, exc.resource, problem) from None  # now with its line
        raise TopologyError(file, location, problem) from None
    if location == "document":
        raise TopologyError(file, location, problem)
    return data


def _load_yaml(text: str, file: str) -> Any:
    loader = _StrictLoader(text)  # a SafeLoader subclass
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _alias_values(node) > MAX_ALIAS_VALUES:
            raise TopologyError(file, "document", f"YAML aliases repeat more than "
                                                  f"{MAX_ALIAS_VALUES:,} values: write the "
                                                  "values out instead of nesting aliases")
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "document"
        problem = exc.problem or exc.context or "invalid YAML"
        raise TopologyError(file, where, f"YAML syntax error: {problem}") from None
    except yaml.YAMLError as exc:
        raise TopologyError(file, "document", f"YAML error: {exc}") from None
    except RecursionError:
        raise TopologyError(file, "document", TOO_DEEP) from None
    except ValueError:
        raise TopologyError(file, "document", TOO_LONG_NUMBER) from None
    finally:
        loader.dispose()  # type: ignore[no-untyped-call]


def _alias_values(root: yaml.Node) -> int:
    """How many values the aliases add once expanded (shared nodes counted per use).

    Iterative with one size per distinct node, so the count itself costs the document's size.
    """
    cap = MAX_ALIAS_VALUES * 10  # past the limit the exact figure does not matter
    size: dict[int, int] = {}
    open_nodes: set[int] = set()  # entered, children not done: meeting one again is a cycle
    distinct = 0
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in size:
            continue
        children = _children(node)
        if children_done or not children:
            size[id(node)] = min(cap, 1 + sum(size[id(c)] for c in children))
            open_nodes.discard(id(node))
            distinct += 1
            continue
        if id(node) in open_nodes:
            return cap  # an alias inside its own anchor: endless once expanded
        open_nodes.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in size)
    return size[id(root)] - distinct


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


class _Dumper(yaml.SafeDumper):
    """Block style, keys in the order given, lists indented under their key."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_list(dumper: yaml.SafeDumper, items: list[Any]) -> yaml.SequenceNode:
    # Lists of plain values (prefixes, IPs) read best on one line: [10.0.0.0/16, 10.1.0.0/16].
    flow = all(isinstance(item, (str, int, float, bool)) for item in items)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=flow)


_Dumper.add_representer(list, _represent_list)


def dump_yaml(data: Any) -> str:
    text: str = yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True,
        width=100,
    )
    return text
