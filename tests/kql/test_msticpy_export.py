"""`netlogs kql export --format msticpy`: a query file msticpy can load, whose queries, filled in
the way msticpy fills them (str.format, values unescaped), are valid KQL for Microsoft's parser."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from netlogs import kql
from netlogs.testing import invoke

# What msticpy substitutes for each parameter type: datetimes as ISO text, lists as quoted,
# comma-separated items, everything else as str(value).
MSTICPY_VALUES = {
    "datetime": "2026-11-20 10:00:00+00:00",
    "str": "kv-contoso-prod",
    "int": "5",
    "list": "'10.20.1.4', '10.21.1.4'",
}


@pytest.fixture(scope="module")
def query_file() -> dict[str, Any]:
    run = invoke(["kql", "export", "--format", "msticpy"])
    assert run.code == 0, run.stderr
    document = yaml.safe_load(run.stdout)
    assert isinstance(document, dict)
    return document


def test_every_template_is_a_source_with_its_parameters(query_file: dict[str, Any]) -> None:
    templates = {t.name: t for t in kql.list_templates()}
    assert set(query_file["sources"]) == set(templates)
    for name, source in query_file["sources"].items():
        assert set(source["parameters"]) == set(templates[name].params)
        assert "{{ " not in source["args"]["query"]
    assert "without escaping" in query_file["metadata"]["description"]


@pytest.mark.kusto
def test_filled_queries_parse_against_the_table_schemas(
    query_file: dict[str, Any], kusto: Any
) -> None:
    queries = []
    for name, source in query_file["sources"].items():
        values = {p: MSTICPY_VALUES[spec["type"]] for p, spec in source["parameters"].items()}
        queries.append({"id": name, "text": source["args"]["query"].format(**values)})
    results = kusto(queries)
    errors = {
        r["id"]: [d["message"] for d in r["diagnostics"] if d["severity"] == "Error"]
        for r in results
    }
    assert errors == {q["id"]: [] for q in queries}


def test_export_writes_a_file(tmp_path: Any) -> None:
    out = tmp_path / "queries.yaml"
    run = invoke(["kql", "export", "--out", str(out)])
    assert run.code == 0
    assert yaml.safe_load(out.read_text())["sources"]
