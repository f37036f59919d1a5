"""KQL templates: find, load and render the ``kql/*.kql`` files.

A template is one query per file. Comment lines at the top declare it::

    // description: Key Vault requests from AZKVAuditLogs
    // family: keyvault
    // tables: AZKVAuditLogs
    // param start: datetime — window start (inclusive)
    // param firewall_names: dynamic[string] = [] — firewalls to keep; empty keeps all

The body refers to parameters as ``{{ name }}`` and to nothing else: no expressions, filters or
control flow, and never quotes around a placeholder. Each value is rendered by ``kql_literal``
for the declared kind, so a template cannot paste raw text. Declared and used parameters must be
the same set; anything else is a ``TemplateError`` at load time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from netlogs.errors import TemplateError
from netlogs.kql.literals import KINDS, kql_literal
from netlogs.kql.params import parse_param_text

FAMILIES = ("keyvault", "firewall", "flow", "dns", "probe", "facts")  # facts: kql/facts/

_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_FOREIGN_SYNTAX = re.compile(r"\{\{|\{%|\{#")
_HEADER_KEY = re.compile(r"//\s*(?:(description|family|tables)\s*:|(param)\s)\s*(.*)\Z")
_PARAM_LINE = re.compile(
    r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*:\s*(?P<kind>[a-z]+(?:\[[a-z]+\])?)"
    r"(?:\s*=\s*(?P<default>.*?))?\s+(?:—|--)\s+(?P<description>\S.*)\Z"
)


@dataclass(frozen=True)
class TemplateParam:
    """One declared parameter. ``default`` is None when the parameter is required."""

    name: str
    kind: str
    description: str
    default: object = None

    @property
    def required(self) -> bool:
        return self.default is None


@dataclass(frozen=True)
class Template:
    """A parsed ``kql/<name>.kql`` file; ``params`` maps name → TemplateParam in header order."""

    name: str
    description: str
    family: str
    tables: tuple[str, ...]
    params: Mapping[str, TemplateParam]
    body: str
    path: Path


def template_dir() -> Path:
    """The folder holding the ``.kql`` templates (installed wheel first, then the checkout).

    Raises:
        TemplateError: neither ``netlogs/_data/kql`` nor the checkout's ``kql/`` exists.
    """
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "_data" / "kql", package.parent / "kql"):
        if candidate.is_dir():
            return candidate
    raise TemplateError(
        f"KQL templates not found in {package / '_data' / 'kql'} or {package.parent / 'kql'}"
    )


def list_templates(directory: Path | None = None) -> list[Template]:
    """Every template in ``directory`` (default ``template_dir()``), sorted by name."""
    folder = directory if directory is not None else template_dir()
    return [parse_template(path) for path in sorted(folder.glob("*.kql"))]


def load_template(name: str, directory: Path | None = None) -> Template:
    """The template called ``name`` (its file stem).

    Raises:
        TemplateError: no such template, or its header/body is invalid.
    """
    folder = directory if directory is not None else template_dir()
    path = folder / f"{name}.kql"
    if not _NAME.match(name) or not path.is_file():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.kql")))
        raise TemplateError(f"unknown KQL template {name!r} (known: {known})")
    return parse_template(path)


def parse_template(path: Path) -> Template:
    """Parse and validate one template file.

    Raises:
        TemplateError: unreadable file, bad header, unknown kind, or declared != used parameters.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"{path}: cannot read KQL template: {exc}") from None
    lines = text.splitlines()
    header_end = next((i for i, line in enumerate(lines) if not line.startswith("//")), len(lines))
    fields = _parse_header(path, lines[:header_end])
    body = "\n".join(lines[header_end:]).strip("\n") + "\n"
    template = Template(
        name=path.stem,
        description=" ".join(fields["description"]),
        family=_single(path, fields, "family"),
        tables=tuple(t.strip() for t in _single(path, fields, "tables").split(",") if t.strip()),
        params=_parse_params(path, fields["param"]),
        body=body,
        path=path,
    )
    _check_template(template)
    return template


def _parse_header(path: Path, lines: list[str]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {"description": [], "family": [], "tables": [], "param": []}
    for line in lines:
        match = _HEADER_KEY.match(line.rstrip())
        if match:  # other comment lines in the header are free prose
            fields[match.group(1) or match.group(2)].append(match.group(3).strip())
    if not fields["description"]:
        raise TemplateError(f"{path}: header lacks '// description: ...'")
    return fields


def _single(path: Path, fields: dict[str, list[str]], key: str) -> str:
    if len(fields[key]) != 1 or not fields[key][0]:
        raise TemplateError(f"{path}: header needs exactly one '// {key}: ...' line")
    return fields[key][0]


def _parse_params(path: Path, lines: list[str]) -> dict[str, TemplateParam]:
    params: dict[str, TemplateParam] = {}
    for line in lines:
        match = _PARAM_LINE.match(line)
        if match is None:
            raise TemplateError(
                f"{path}: bad param line {line!r}; expected 'name: kind [= default] — description'"
            )
        name, kind = match.group("name"), match.group("kind")
        if kind not in KINDS:
            raise TemplateError(f"{path}: parameter {name!r} has unknown kind {kind!r}")
        if name in params:
            raise TemplateError(f"{path}: parameter {name!r} is declared twice")
        default_text = match.group("default")
        try:
            default = None if default_text is None else parse_param_text(kind, default_text)
        except TemplateError as exc:
            raise TemplateError(f"{path}: parameter {name!r}: bad default: {exc}") from None
        if isinstance(default, list):  # keep the frozen template free of shared mutable state
            default = tuple(default)
        params[name] = TemplateParam(name, kind, match.group("description"), default)
    return params


def _check_template(template: Template) -> None:
    where = template.path
    if template.family not in FAMILIES:
        raise TemplateError(
            f"{where}: family {template.family!r} is not one of {', '.join(FAMILIES)}"
        )
    if not template.tables:
        raise TemplateError(f"{where}: header '// tables:' names no table")
    used = set(_PLACEHOLDER.findall(template.body))
    leftover = _FOREIGN_SYNTAX.search(_PLACEHOLDER.sub("", template.body))
    if leftover is not None:
        raise TemplateError(
            f"{where}: unsupported template syntax near {leftover.group()!r}; "
            "only {{ name }} placeholders are allowed"
        )
    declared = set(template.params)
    if used - declared:
        raise TemplateError(
            f"{where}: parameter(s) used but not declared: {', '.join(sorted(used - declared))}"
        )
    if declared - used:
        raise TemplateError(
            f"{where}: parameter(s) declared but not used: {', '.join(sorted(declared - used))}"
        )


def render_query(
    template: str | Template, params: Mapping[str, object], *, directory: Path | None = None
) -> str:
    """The query text of ``template`` with every parameter rendered by ``kql_literal``.

    Args:
        template: a template name or an already loaded ``Template``.
        params: one value per declared parameter (parameters with a default may be omitted).
        directory: where to look the name up (default ``template_dir()``).

    Returns:
        A first comment line naming the template, then the body with the values filled in.

    Raises:
        TemplateError: unknown template, or a missing, unknown or ill-typed parameter.
    """
    loaded = template if isinstance(template, Template) else load_template(template, directory)
    unknown = sorted(set(params) - set(loaded.params))
    if unknown:
        raise TemplateError(
            f"template {loaded.name}: unknown parameter {unknown[0]!r} "
            f"(declared: {', '.join(loaded.params)})"
        )
    literals = {name: _render_param(loaded, spec, params) for name, spec in loaded.params.items()}
    body = _PLACEHOLDER.sub(lambda match: literals[match.group(1)], loaded.body)
    return f"// netlogs template {loaded.name}: {loaded.description}\n{body}"


def _render_param(template: Template, spec: TemplateParam, params: Mapping[str, object]) -> str:
    if spec.name in params:
        value = params[spec.name]
    elif not spec.required:
        value = spec.default
    else:
        raise TemplateError(
            f"template {template.name}: missing parameter {spec.name!r} ({spec.kind})"
        )
    try:
        return kql_literal(value, spec.kind)
    except TemplateError as exc:
        raise TemplateError(f"template {template.name}: parameter {spec.name!r}: {exc}") from None


def params_for(template: Template, available: Mapping[str, object]) -> dict[str, object]:
    """The entries of ``available`` that ``template`` declares (e.g. from ``evidence_params``)."""
    return {name: available[name] for name in template.params if name in available}


def parse_param_texts(template: Template, texts: Mapping[str, str]) -> dict[str, object]:
    """Typed values for ``NAME=TEXT`` pairs given on the command line.

    Raises:
        TemplateError: a name the template does not declare, or text that does not fit its kind.
    """
    values: dict[str, object] = {}
    for name, text in texts.items():
        spec = template.params.get(name)
        if spec is None:
            raise TemplateError(
                f"template {template.name}: unknown parameter {name!r} "
                f"(declared: {', '.join(template.params)})"
            )
        try:
            values[name] = parse_param_text(spec.kind, text)
        except TemplateError as exc:
            raise TemplateError(f"template {template.name}: parameter {name!r}: {exc}") from None
    return values
