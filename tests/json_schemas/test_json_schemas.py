"""The shipped JSON Schemas match what netlogs really reads and writes.

The trace schema is run over the golden document (the live, kusto-engine and fixes documents are
checked where their tests produce them); the topology schema over every topology file in the
repository and over what the importer writes from each fixture directory. A mismatch is a bug in
the schema or in the output.
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Any

import pytest

from netlogs import model
from netlogs.cli import main
from netlogs.json_schemas import TOPOLOGY, TRACE_V1, load_schema, schema_errors
from netlogs.topology.azure_import import import_az_json
from netlogs.topology.dump import dump_topology
from netlogs.topology.loader import load_topology
from netlogs.topology.yaml_text import parse_text

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden" / "sample_scenario.trace.json"
TOPOLOGY_FILES = [
    REPO / "sample_data" / "topology.yaml",
    *sorted((REPO / "tests" / "fixtures").rglob("topology.yaml")),
    *sorted((REPO / "tests" / "fixtures" / "topology").glob("*.yaml")),
]
IMPORT_DIRS = sorted(p for p in (REPO / "tests" / "fixtures" / "topology").iterdir() if p.is_dir())


def _golden() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(GOLDEN.read_text(encoding="utf-8"))
    return document


def test_both_schemas_are_draft_2020_12_and_themselves_valid() -> None:
    import jsonschema

    for name in (TOPOLOGY, TRACE_V1):
        schema = load_schema(name)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        jsonschema.Draft202012Validator.check_schema(schema)


def test_the_golden_trace_document_matches_the_trace_schema() -> None:
    assert schema_errors(_golden(), TRACE_V1) == []


@pytest.mark.parametrize(
    ("enum", "where"),
    [
        (model.Verdict, ("flow", "verdict")),
        (model.VaultOutcome, ("flow", "vault_outcome")),
        (model.GapKind, ("gap", "kind")),
        (model.SourceStatus, ("source", "status")),
        (model.LogFamily, ("source", "family")),
        (model.SourceStatus, ("ledger_entry", "status")),
    ],
)
def test_trace_schema_enums_are_the_model_vocabulary(
    enum: type[Enum], where: tuple[str, str]
) -> None:
    definition, field = where
    allowed = load_schema(TRACE_V1)["$defs"][definition]["properties"][field]["enum"]
    assert allowed == [member.value for member in enum]


def test_set_aside_reasons_and_hops_are_the_model_vocabulary() -> None:
    defs = load_schema(TRACE_V1)["$defs"]
    reasons = defs["source"]["properties"]["set_aside"]["propertyNames"]["enum"]
    assert reasons == [r.value for r in model.SetAsideReason]
    hop = defs["flow"]["properties"]["expected_path"]["items"]["properties"]
    assert hop["hop"]["enum"] == [k.value for k in model.HopKind]
    assert hop["status"]["enum"] == [s.value for s in model.HopStatus]


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d["flows"][0].update(verdict="PROBABLY_FINE"), "$.flows[0].verdict"),
        (lambda d: d["sources"][0]["set_aside"].update(whatever=1), "$.sources[0].set_aside"),
        (lambda d: d["gaps"].append({"kind": "topology", "message": "m"}), "$.gaps[%d]"),
        (lambda d: d["window"].update(start="2026-11-20 10:02"), "$.window.start"),
        (lambda d: d.pop("fixes"), "$"),
    ],
)
def test_the_trace_schema_refuses_what_the_writer_never_writes(change: Any, path: str) -> None:
    document = _golden()
    change(document)
    errors = schema_errors(document, TRACE_V1)
    expected = path % (len(document["gaps"]) - 1) if "%d" in path else path
    assert errors and errors[0][0] == expected, errors


def test_a_document_with_an_engine_and_fixes_matches() -> None:
    document = _golden()
    document["engine"] = {
        "name": "kusto",
        "target": "https://adx.example/db",
        "query_sha256": "0" * 64,
    }
    document["fixes"] = [
        {
            "client_ip": "10.2.1.4",
            "client": None,
            "changes": ["udr:a/b:10.1.2.4/32->fw-hub"],
            "description": "d",
            "az_commands": ["az network route-table route create"],
            "predicted_path": "a -> b",
            "predicted_verdict": "REACHED_VIA_FIREWALL (predicted)",
            "affected_clients": [],
            "note": "",
        }
    ]
    assert schema_errors(document, TRACE_V1) == []
    document["engine"]["extra"] = 1
    assert [path for path, _ in schema_errors(document, TRACE_V1)] == ["$.engine"]


@pytest.mark.parametrize("path", TOPOLOGY_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_topology_file_in_the_repository_matches(path: Path) -> None:
    load_topology(path)  # the loader accepts it ...
    data = parse_text(path.read_text(encoding="utf-8"), str(path))
    assert schema_errors(data, TOPOLOGY) == []  # ... and so does the schema


@pytest.mark.parametrize("directory", IMPORT_DIRS, ids=lambda p: p.name)
def test_what_the_importer_writes_matches(directory: Path) -> None:
    topology = import_az_json(directory)
    data = parse_text(dump_topology(topology), "dump")
    assert schema_errors(data, TOPOLOGY) == []


def test_every_topology_section_is_in_the_schema() -> None:
    from netlogs.topology.loader import TOP_LEVEL_KEYS

    assert sorted(load_schema(TOPOLOGY)["properties"]) == sorted(TOP_LEVEL_KEYS)


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (
            lambda t: t["virtualNetworks"][1]["subnets"][0].update(routetable="x"),
            "$.virtualNetworks[1].subnets[0]",
        ),
        (
            lambda t: t["virtualNetworks"][0].update(addressPrefixes="10.0.0.0/16"),
            "$.virtualNetworks[0].addressPrefixes",
        ),
        (
            lambda t: t["routeTables"][0]["routes"][0].pop("nextHopIpAddress"),
            "$.routeTables[0].routes[0]",
        ),
        (lambda t: t.update(gaps=[{"construct": "x", "resource": "y"}]), "$.gaps[0]"),
        (
            lambda t: t.update(
                networkSecurityGroups=[
                    {"name": "n", "securityRules": [{"name": "r", "priority": 50}]}
                ]
            ),
            "$.networkSecurityGroups[0].securityRules[0].priority",
        ),
    ],
)
def test_the_topology_schema_refuses_what_the_loader_refuses(
    hub_spoke_routes: dict[str, Any], change: Any, path: str
) -> None:
    change(hub_spoke_routes)
    errors = schema_errors(hub_spoke_routes, TOPOLOGY)
    assert errors and errors[0][0] == path, errors


@pytest.fixture
def hub_spoke_routes() -> dict[str, Any]:
    path = REPO / "sample_data" / "topology.yaml"
    data: dict[str, Any] = parse_text(path.read_text(encoding="utf-8"), str(path))
    return data


def _validate(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(["topology", "validate", str(path)])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_reports_the_schema_check(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _validate(REPO / "sample_data" / "topology.yaml", capsys)
    assert code == 0, err
    assert "valid (" in out and "matches topology.schema.json" in out


def test_validate_refuses_a_file_only_the_schema_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the loader reads an explicit null as "not given"; the schema does not allow it
    text = (REPO / "sample_data" / "topology.yaml").read_text(encoding="utf-8")
    path = tmp_path / "t.yaml"
    path.write_text(
        text.replace("    location: westeurope\n", "    location: null\n", 1), encoding="utf-8"
    )
    load_topology(path)
    code, out, err = _validate(path, capsys)
    assert code == 2 and out == ""
    assert err.startswith(
        f"Error: {path}: $.virtualNetworks[0].location: does not match "
        "topology.schema.json: None is not of type 'string'"
    ), err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_loader_errors_stay_the_primary_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (REPO / "sample_data" / "topology.yaml").read_text(encoding="utf-8")
    path = tmp_path / "t.yaml"
    path.write_text(
        text.replace("routeTable: rt-gateway", "routetable: rt-gateway", 1), encoding="utf-8"
    )
    code, _, err = _validate(path, capsys)
    assert code == 2
    assert "unknown field 'routetable' (did you mean 'routeTable'?)" in err
    assert "schema" not in err


def test_the_schema_lists_exactly_the_keys_the_writer_writes() -> None:
    schema = load_schema(TRACE_V1)
    assert set(schema["properties"]) == set(_golden()) | {"engine"}  # engine: kusto runs only
    assert set(schema["required"]) == set(_golden())
