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


def parse_text(text: str, file: str) -> Any:
    """Parse JSON (when the text starts like JSON and is valid JSON) or else YAML."""
    if text.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            json_error = exc
        try:
            return _load_yaml(text, file)
        except TopologyError:
            location = f"line {json_error.lineno}, column {json_error.colno}"
            raise TopologyError(file, location, f"JSON syntax error: {json_error.msg}") from None
    return _load_yaml(text, file)


def _load_yaml(text: str, file: str) -> Any:
    try:
        return yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "document"
        problem = exc.problem or exc.context or "invalid YAML"
        raise TopologyError(file, where, f"YAML syntax error: {problem}") from None
    except yaml.YAMLError as exc:
        raise TopologyError(file, "document", f"YAML error: {exc}") from None


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
