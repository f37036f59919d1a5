"""Templates: headers, declared == used parameters, rendering errors, schemas, golden files.

Regenerate the golden files after a deliberate template change with
``NETLOGS_UPDATE_GOLDEN=1 .venv/bin/pytest tests/kql`` and review the diff.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from netlogs import kql
from netlogs.errors import TemplateError
from netlogs.model import EvidenceQuery, TimeWindow

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
TEMPLATES = kql.list_templates()
NAMES = [t.name for t in TEMPLATES]
SCHEMAS = kql.load_table_schemas()

EXPECTED_TABLES = {
    "AzureDiagnostics",
    "AZKVAuditLogs",
    "AZFWNetworkRule",
    "AZFWApplicationRule",
    "AZFWNatRule",
    "AZFWFlowTrace",
    "AZFWDnsQuery",
    "NTANetAnalytics",
    "AzureNetworkAnalytics_CL",
}


def test_templates_cover_every_evidence_table_and_family() -> None:
    read = {table for t in TEMPLATES if t.family != "probe" for table in t.tables}
    assert read == EXPECTED_TABLES
    assert {t.family for t in TEMPLATES} == {"keyvault", "firewall", "flow", "dns", "probe"}
    probes = [t for t in TEMPLATES if t.family == "probe"]
    assert [p.name for p in probes] == ["coverage_probe"]
    assert set(probes[0].tables) == EXPECTED_TABLES


@pytest.mark.parametrize("template", TEMPLATES, ids=NAMES)
def test_declared_params_equal_used_placeholders(template: kql.Template) -> None:
    used = set(re.findall(r"\{\{\s*(\w+)\s*\}\}", template.body))
    assert used == set(template.params)
    assert template.description and template.tables


@pytest.mark.parametrize("template", TEMPLATES, ids=NAMES)
def test_templates_use_only_standard_params_with_standard_kinds(template: kql.Template) -> None:
    for name, spec in template.params.items():
        assert kql.STANDARD_PARAMS.get(name) == spec.kind, name
    assert {"start", "end"} <= set(template.params)


@pytest.mark.parametrize("template", TEMPLATES, ids=NAMES)
def test_templates_read_only_documented_tables_and_columns(template: kql.Template) -> None:
    """column_ifexists hides names from the parser, so check those names here."""
    for table in template.tables:
        assert table in SCHEMAS, table
    documented = set().union(*(SCHEMAS[t] for t in template.tables))
    for column in re.findall(r'column_ifexists\("(\w+)"', template.body):
        assert column in documented, column


@pytest.mark.parametrize("template", TEMPLATES, ids=NAMES)
def test_time_filter_is_the_first_filter_and_half_open(template: kql.Template) -> None:
    """Chunks [a, b) and [b, c) must never both return a row stamped b."""
    filters = re.findall(r"\| where ([^\n]*)", template.body)
    assert filters[0] == "TimeGenerated >= start and TimeGenerated < end"
    assert "between" not in template.body


@pytest.mark.parametrize("template", TEMPLATES, ids=NAMES)
def test_template_renders_and_matches_golden(
    template: kql.Template, golden_params: dict[str, object]
) -> None:
    rendered = kql.render_query(template, kql.params_for(template, golden_params))
    assert "{{" not in rendered
    assert rendered.startswith(f"// netlogs template {template.name}: ")
    golden = GOLDEN_DIR / f"{template.name}.kql"
    if os.environ.get("NETLOGS_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(rendered, encoding="utf-8")
    assert golden.is_file(), "no golden file: run NETLOGS_UPDATE_GOLDEN=1 pytest tests/kql"
    assert rendered == golden.read_text(encoding="utf-8")


def test_no_stale_golden_files() -> None:
    assert sorted(p.stem for p in GOLDEN_DIR.glob("*.kql")) == sorted(NAMES)


def test_empty_lists_render_as_no_filter(golden_params: dict[str, object]) -> None:
    template = kql.load_template("firewall_network_rules")
    text = kql.render_query(
        template,
        {
            "start": golden_params["start"],
            "end": golden_params["end"],
            "private_endpoint_ips": ["10.20.1.4"],
        },
    )
    assert "let client_ips = dynamic([]);" in text
    assert "array_length(client_ips) == 0 or SourceIp in (client_ips)" in text


def test_evidence_params_fill_every_template() -> None:
    query = EvidenceQuery(
        vault_name="kv-a",
        vault_fqdn="kv-a.vault.azure.net",
        private_endpoint_ips=("10.0.0.4",),
        firewall_names=("fw",),
        window=None,
        client_ips=("10.1.0.4",),
        vault_public_ips=("52.0.0.1",),
    )
    window = TimeWindow(
        datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2026, 1, 2, tzinfo=timezone.utc)
    )
    available = kql.evidence_params(query, window)
    assert set(available) == set(kql.STANDARD_PARAMS)
    for template in TEMPLATES:
        text = kql.render_query(template.name, kql.params_for(template, available))
        assert "datetime(2026-01-01T00:00:00.0000000Z)" in text


# ----------------------------------------------------------------------------- errors


WINDOW: dict[str, object] = {
    "start": datetime(2026, 11, 20, 10, tzinfo=timezone.utc),
    "end": datetime(2026, 11, 20, 12, tzinfo=timezone.utc),
}


def test_unknown_template_names_the_known_ones() -> None:
    with pytest.raises(
        TemplateError, match=r"unknown KQL template 'nope' \(known: coverage_probe, "
    ):
        kql.render_query("nope", {})


def test_template_name_cannot_escape_the_folder() -> None:
    with pytest.raises(TemplateError, match="unknown KQL template"):
        kql.load_template("../kql/coverage_probe")


def test_missing_parameter(golden_params: dict[str, object]) -> None:
    with pytest.raises(
        TemplateError, match=r"^template coverage_probe: missing parameter 'end' \(datetime\)$"
    ):
        kql.render_query("coverage_probe", {"start": golden_params["start"]})


def test_extra_parameter() -> None:
    with pytest.raises(
        TemplateError, match=r"^template coverage_probe: unknown parameter 'vault_name'"
    ):
        kql.render_query("coverage_probe", {**WINDOW, "vault_name": "kv"})


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "start",
            "2026-11-20T10:00:00Z",
            "parameter 'start': datetime expects a timezone-aware datetime",
        ),
        (
            "start",
            datetime(2026, 11, 20),
            "parameter 'start': datetime 2026-11-20T00:00:00 has no time zone",
        ),
        (
            "private_endpoint_ips",
            "10.0.0.4",
            "parameter 'private_endpoint_ips': dynamic[ip] expects a list",
        ),
        (
            "private_endpoint_ips",
            ["10.0.0.4", "kv.vault.azure.net"],
            "parameter 'private_endpoint_ips': item 1:",
        ),
        ("client_ips", ["10.0.0.4'"], "parameter 'client_ips': item 0: ip expects"),
    ],
)
def test_ill_typed_parameter(name: str, value: object, message: str) -> None:
    params = {**WINDOW, "private_endpoint_ips": ["10.20.1.4"], name: value}
    with pytest.raises(
        TemplateError, match=re.escape(f"template firewall_network_rules: {message}")
    ):
        kql.render_query("firewall_network_rules", params)


def test_errors_are_one_line() -> None:
    with pytest.raises(TemplateError) as caught:
        kql.render_query("firewall_network_rules", {**WINDOW, "private_endpoint_ips": ["a\nb"]})
    assert "\n" not in str(caught.value)


# ----------------------------------------------------------------------------- headers

GOOD_HEADER = """// description: test rows
// family: firewall
// tables: AZFWNetworkRule
// a free comment line is allowed
// param start: datetime — window start
// param names: dynamic[string] = a,b — some names
AZFWNetworkRule | where TimeGenerated >= {{ start }} | where Rule in ({{names}})
"""


def _write(tmp_path: Path, text: str, name: str = "t") -> Path:
    path = tmp_path / f"{name}.kql"
    path.write_text(text, encoding="utf-8")
    return path


def test_header_is_parsed(tmp_path: Path, golden_params: dict[str, object]) -> None:
    template = kql.parse_template(_write(tmp_path, GOOD_HEADER))
    assert (template.name, template.family, template.tables) == (
        "t",
        "firewall",
        ("AZFWNetworkRule",),
    )
    assert template.params["names"] == kql.TemplateParam(
        "names", "dynamic[string]", "some names", ("a", "b")
    )
    assert template.params["start"].required and not template.params["names"].required
    text = kql.render_query("t", {"start": golden_params["start"]}, directory=tmp_path)
    assert text.endswith("| where Rule in (dynamic(['a', 'b']))\n")
    assert [t.name for t in kql.list_templates(tmp_path)] == ["t"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("// param start: datetime — window start\n", ""), "used but not declared: start"),
        (("{{ start }}", "now()"), "declared but not used: start"),
        (("datetime —", "date —"), "unknown kind 'date'"),
        (("// family: firewall", "// family: storage"), "family 'storage' is not one of"),
        (("// family: firewall\n", ""), "exactly one '// family: ...'"),
        (("// tables: AZFWNetworkRule", "// tables: ,"), "names no table"),
        (("// description: test rows\n", ""), "lacks '// description"),
        (("— window start", "window start"), "bad param line"),
        (("names: dynamic", "names dynamic"), "bad param line"),
        (("// param names", "// param start"), "declared twice"),
        (("{{ start }}", "{{ start | upper }}"), "unsupported template syntax"),
        (("{{names}}", "{% if x %}"), "unsupported template syntax"),
    ],
)
def test_bad_headers_and_bodies(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    assert edit[0] in GOOD_HEADER
    path = _write(tmp_path, GOOD_HEADER.replace(edit[0], edit[1], 1))
    with pytest.raises(TemplateError, match=re.escape(message)) as caught:
        kql.parse_template(path)
    assert str(path) in str(caught.value)


def test_bad_default_is_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD_HEADER.replace("dynamic[string] = a,b", "datetime = yesterday"))
    with pytest.raises(TemplateError, match="parameter 'names': bad default"):
        kql.parse_template(path)


def test_template_dir_is_the_checkout_kql_folder() -> None:
    assert kql.template_dir() == Path(__file__).resolve().parents[2] / "kql"


# ----------------------------------------------------------------------------- text values


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        ("datetime", "2026-11-20T10:00:00Z", datetime(2026, 11, 20, 10, tzinfo=timezone.utc)),
        ("datetime", "2026-11-20T11:00+01:00", datetime(2026, 11, 20, 10, tzinfo=timezone.utc)),
        (
            "datetime",
            "2026-11-20T10:00:00.1234560Z",
            datetime(2026, 11, 20, 10, 0, 0, 123456, tzinfo=timezone.utc),
        ),
        ("timespan", "2h", kql.parse_param_text("timespan", "02:00:00")),
        ("timespan", "1.00:00:01.5", kql.parse_param_text("timespan", "86401500ms")),
        ("int", " 443 ", 443),
        ("bool", "TRUE", True),
        ("dynamic[ip]", "10.0.0.1, 10.0.0.2", ["10.0.0.1", "10.0.0.2"]),
        ("dynamic[string]", '["a,b", "c"]', ["a,b", "c"]),
        ("dynamic[string]", "", []),
        ("string", " keep spaces ", " keep spaces "),
    ],
)
def test_param_text(kind: str, text: str, expected: object) -> None:
    assert kql.parse_param_text(kind, text) == expected


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("datetime", "2026-11-20T10:00:00"),
        ("datetime", "2026-11-20T10:00:00.1234567Z"),
        ("datetime", "2026-13-01T00:00:00Z"),
        ("timespan", "2 hours"),
        ("int", "0x10"),
        ("bool", "yes"),
        ("dynamic[string]", "[1"),
        ("dynamic[int]", "1,x"),
    ],
)
def test_bad_param_text(kind: str, text: str) -> None:
    with pytest.raises(TemplateError):
        kql.parse_param_text(kind, text)


def test_template_dir_in_an_installed_layout(tmp_path: Path) -> None:
    """In a wheel the templates live at netlogs/_data/kql (pyproject force-include)."""
    import shutil
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    shutil.copytree(
        repo / "netlogs",
        tmp_path / "site" / "netlogs",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copytree(repo / "kql", tmp_path / "site" / "netlogs" / "_data" / "kql")
    script = (
        "from netlogs import kql; "
        "print(kql.template_dir()); print(len(kql.list_templates())); "
        "print(sorted(kql.load_table_schemas()) == sorted(set().union("
        "*(t.tables for t in kql.list_templates())) | {'AZFWThreatIntel'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines == [str(tmp_path / "site" / "netlogs" / "_data" / "kql"), str(len(NAMES)), "True"]
