"""The KQL templates as a msticpy query file, so existing notebooks can run them.

msticpy substitutes parameters with Python's ``str.format`` and puts the values into the query
as they are given, without escaping: the file says so in its description. netlogs itself never
uses this path; its own queries go through ``kql_literal``.

Each placeholder becomes the KQL form msticpy's value needs around it: ``datetime({start})``
(msticpy writes datetimes as ISO text), ``'{vault_name}'``, ``dynamic([{client_ips}])`` (msticpy
joins a list as quoted, comma-separated items), and so on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import yaml

from netlogs.kql.templates import Template, TemplateParam

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")

# netlogs parameter kind -> (msticpy parameter type, KQL around the substituted value)
_FORMS: dict[str, tuple[str, str]] = {
    "datetime": ("datetime", "datetime({})"),
    "string": ("str", "'{}'"),
    "ip": ("str", "'{}'"),
    "cidr": ("str", "'{}'"),
    "timespan": ("str", "totimespan('{}')"),
    "int": ("int", "int({})"),
    "long": ("int", "long({})"),
    "bool": ("str", "tobool('{}')"),
}
_LIST_FORM = ("list", "dynamic([{}])")


def msticpy_query_file(templates: Sequence[Template], version: str) -> dict[str, Any]:
    """The document msticpy's ``QueryProvider(query_paths=...)`` loads (dump it as YAML)."""
    return {
        "metadata": {
            "version": 1,
            "description": (
                f"netlogs {version} evidence queries (Key Vault, Azure Firewall, flow logs). "
                "msticpy inserts parameter values without escaping: pass trusted values only."
            ),
            "data_environments": ["LogAnalytics", "MSSentinel"],
            "data_families": ["Netlogs"],
            "tags": ["keyvault", "firewall", "flowlogs", "privateendpoint"],
        },
        "defaults": {"parameters": {}},
        "sources": {t.name: _source(t) for t in templates},
    }


def _source(template: Template) -> dict[str, Any]:
    return {
        "description": template.description,
        "metadata": {"data_families": [template.family], "tables": list(template.tables)},
        "args": {"query": _query_text(template)},
        "parameters": {p.name: _parameter(p) for p in template.params.values()},
    }


def _query_text(template: Template) -> str:
    # literal braces of the KQL body must survive str.format
    body = template.body.replace("{{", "\0open\0").replace("}}", "\0close\0")
    body = body.replace("{", "{{").replace("}", "}}")
    body = body.replace("\0open\0", "{{").replace("\0close\0", "}}")
    return _PLACEHOLDER.sub(lambda m: _placeholder(template.params[m.group(1)]), body)


def _placeholder(param: TemplateParam) -> str:
    _type, form = _form(param.kind)
    return form.replace("{}", "{" + param.name + "}")


def _parameter(param: TemplateParam) -> dict[str, Any]:
    entry: dict[str, Any] = {"description": param.description, "type": _form(param.kind)[0]}
    if not param.required:
        default = param.default
        entry["default"] = list(default) if isinstance(default, (list, tuple)) else default
    return entry


def _form(kind: str) -> tuple[str, str]:
    return _LIST_FORM if kind.startswith("dynamic[") else _FORMS[kind]


def dump_yaml(document: dict[str, Any]) -> str:
    """YAML with every multi-line query as a literal block, so the file reads like the .kql."""

    class _Dumper(yaml.SafeDumper):
        pass

    def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, _text)
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
