"""Property: any mutation of a valid export is read with every row accounted for, or refused
with one line naming the file; never any other exception, never a traceback from the CLI, and
never a decided verdict the unmutated logs do not give unless the report says why.

Mutations of real exports in each format (query-API JSON, ``az`` JSON, portal CSV, raw
storage JSON, JSON lines): drop or rename a column, null or corrupt a cell, cut the file at a
byte, duplicate it, wrap it in nesting. Bounded: a few dozen examples, seconds in all.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netlogs.errors import NetlogsError
from netlogs.model import CollectedEvidence
from netlogs.normalize import normalize_evidence
from tests.sources.files.file_faults import (
    FLOW_RAW,
    FW_CSV,
    FW_DIAGNOSTICS,
    KV_AZ_JSON,
    KV_DIAGNOSTICS,
    KV_RAW,
    SAMPLE_LOGS,
    collect,
    run_trace_parts,
    sample_copy,
)

NDJSON = Path(__file__).resolve().parents[2] / "fixtures" / "logs" / (
    "elastic_azfw_legacy_networkrule_raw.ndjson"
)
# format -> an export of that format (real shapes: the sample scenario and shared fixtures)
EXPORTS = {
    "query_api": SAMPLE_LOGS / FW_DIAGNOSTICS,
    "query_api_kv": SAMPLE_LOGS / KV_DIAGNOSTICS,
    "az_json": SAMPLE_LOGS / KV_AZ_JSON,
    "portal_csv": SAMPLE_LOGS / FW_CSV,
    "raw_records": SAMPLE_LOGS / KV_RAW,
    "raw_flows": SAMPLE_LOGS / FLOW_RAW,
    "json_lines": NDJSON,
}
CELL_MUTATIONS = ("drop", "rename", "null", "corrupt")
MUTATIONS = (*CELL_MUTATIONS, "truncate", "duplicate", "nest")
# The whole-run check mutates cells too: an empty or malformed address or time in one cell is set
# aside by the row ledger, and the run must still end with a documented code.

junk = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.integers(-(2**63), 2**63 - 1),
    st.sampled_from(["10.0.1.999", " 10.1.1.4", "10.1.1.4:51544", "<redacted>", "9999-12-31",
                     "0001-01-01T00:00:00Z", '"', "a,b\nc", "{}", "[]"]),
    st.lists(st.integers(), max_size=3),
)
FUZZ = settings(max_examples=40, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


class Table:
    """A row-shaped view of an export: names, rows (lists), and how to write it back."""

    def __init__(self, names: list[str], rows: list[list[Any]],
                 write: Callable[[list[str], list[list[Any]]], bytes]) -> None:
        self.names, self.rows, self.write = names, rows, write


def _as_table(kind: str, data: bytes) -> Table:
    if kind.startswith("query_api"):
        document = json.loads(data)
        table = document["tables"][0]

        def write_api(names: list[str], rows: list[list[Any]]) -> bytes:
            table["columns"] = [{"name": n, "type": _type_of(table, n)} for n in names]
            table["rows"] = rows
            return json.dumps(document, indent=1).encode()

        return Table([c["name"] for c in table["columns"]], table["rows"], write_api)
    if kind == "portal_csv":
        header, *rows = list(csv.reader(io.StringIO(data.decode())))

        def write_csv(names: list[str], rows: list[list[Any]]) -> bytes:
            out = io.StringIO()
            csv.writer(out, lineterminator="\r\n").writerows([names, *rows])
            return out.getvalue().encode()

        return Table(header, rows, write_csv)
    records = [_flat(record) for record in _records(kind, data)]
    names = sorted({key for record in records for key in record})
    return Table(names, [[r.get(n, _MISSING) for n in names] for r in records],
                 lambda names, rows: _write_records(kind, data, names, rows))


def _flat(record: dict[str, Any]) -> dict[str, Any]:
    """One level of nesting as ``parent.child`` (``properties.msg``), so nested fields mutate."""
    flat: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, dict) and value:
            flat.update({f"{key}.{inner}": v for inner, v in value.items()})
        else:
            flat[key] = value
    return flat


def _nested(flat: dict[str, Any]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for key, value in flat.items():
        parent, dot, inner = key.partition(".")
        if dot and isinstance(record.setdefault(parent, {}), dict):
            record[parent][inner] = value
        else:
            record[key] = value
    return record


_MISSING = object()


def _type_of(table: dict[str, Any], name: str) -> str:
    types = {c["name"]: c["type"] for c in table["columns"]}
    return str(types.get(name, "string"))


def _records(kind: str, data: bytes) -> list[dict[str, Any]]:
    if kind == "json_lines":
        return [json.loads(line) for line in data.decode().splitlines() if line.strip()]
    if kind == "az_json":
        rows: list[dict[str, Any]] = json.loads(data)
        return rows
    records: list[dict[str, Any]] = json.loads(data)["records"]
    return records


def _write_records(kind: str, data: bytes, names: list[str], rows: list[list[Any]]) -> bytes:
    records = [
        _nested({n: v for n, v in zip(names, row, strict=True) if v is not _MISSING})
        for row in rows
    ]
    if kind == "json_lines":
        return "".join(json.dumps(r) + "\n" for r in records).encode()
    if kind == "az_json":
        return json.dumps(records, indent=2).encode()
    return json.dumps({"records": records}).encode()


def _mutate_cells(kind: str, data: bytes, mutation: str, draw: st.DrawFn) -> bytes:
    table = _as_table(kind, data)
    column = draw(st.integers(0, len(table.names) - 1))
    row = draw(st.integers(0, len(table.rows) - 1))
    names, rows = list(table.names), [list(r) for r in table.rows]
    if mutation == "drop":
        del names[column]
        rows = [r[:column] + r[column + 1:] for r in rows]
    elif mutation == "rename":
        names[column] = names[column] + draw(st.sampled_from(["_x", " ", "2"]))
    else:
        value = None if mutation == "null" else draw(junk)
        if kind == "portal_csv":
            value = "" if value is None else str(value)
        rows[row][column] = value
    return table.write(names, rows)


def _mutated(kind: str, data: bytes, mutation: str, draw: st.DrawFn) -> list[bytes]:
    """The mutated file(s): one file, or two for ``duplicate``."""
    if mutation in CELL_MUTATIONS:
        for _ in range(draw(st.integers(1, 3))):  # the same kind of damage, once or more
            data = _mutate_cells(kind, data, mutation, draw)
        return [data]
    if mutation == "truncate":
        return [data[: draw(st.integers(0, len(data)))]]
    if mutation == "duplicate":
        return [data, data]
    if kind in {"portal_csv", "json_lines"}:  # nesting does not apply: wrap in quotes
        return [b'"' + data + b'"']
    depth = draw(st.integers(1, 200))
    wrapped = b"[" * depth + data + b"]" * depth
    return [wrapped if draw(st.booleans()) else b'{"records": ' + wrapped + b"}"]


def _rows_in(kind: str, data: bytes) -> int:
    """Rows a reader reports for an unmutated export of ``kind``."""
    if kind == "raw_flows":
        return sum(1 for _ in _tuples(json.loads(data)))
    return len(_as_table(kind, data).rows)


def _tuples(document: dict[str, Any]) -> list[str]:
    return [t for r in document["records"] for f in r["flowRecords"]["flows"]
            for g in f["flowGroups"] for t in g["flowTuples"]]


def _accounted(collected: CollectedEvidence, path: str) -> int:
    return sum(
        t.frame.height + sum(n for _, n in t.set_aside)
        for t in collected.raw_tables
        if t.origin == path or t.origin.startswith(path + "[")
    )


@FUZZ
@given(st.data())
def test_reading_a_mutated_export_accounts_for_every_row_or_refuses_it(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    kind = data.draw(st.sampled_from(sorted(EXPORTS)), label="format")
    mutation = data.draw(st.sampled_from(MUTATIONS), label="mutation")
    skip_unknown = data.draw(st.booleans(), label="skip_unknown")
    original = EXPORTS[kind].read_bytes()
    root = tmp_path_factory.mktemp("fuzz")
    files = _mutated(kind, original, mutation, data.draw)
    names = [f"copy{i}{EXPORTS[kind].suffix}" for i in range(len(files))]
    for name, content in zip(names, files, strict=True):
        (root / name).write_bytes(content)
    try:
        collected = collect(root, skip_unknown=skip_unknown)
        normalize_evidence(collected.raw_tables, collected.parse_issues)
    except NetlogsError as exc:
        message = str(exc)
        assert "\n" not in message and any(name in message for name in names), message
        return
    for read in collected.inputs:
        assert read.rows == _accounted(collected, read.path), read
    countable = mutation in ("null", "corrupt", "duplicate") or (
        mutation in CELL_MUTATIONS and kind != "raw_flows")
    if countable and collected.raw_tables:
        assert sum(i.rows for i in collected.inputs) == _rows_in(kind, original) * len(files)


@settings(max_examples=10, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_trace_on_a_mutated_sample_exits_with_a_documented_code(
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    data: st.DataObject,
) -> None:
    kind = data.draw(st.sampled_from(sorted(k for k in EXPORTS if k != "json_lines")))
    mutation = data.draw(st.sampled_from(MUTATIONS), label="mutation")
    logs = sample_copy(tmp_path_factory.mktemp("trace"))
    target = logs / EXPORTS[kind].relative_to(SAMPLE_LOGS)
    first, *more = _mutated(kind, target.read_bytes(), mutation, data.draw)
    target.write_bytes(first)
    for index, content in enumerate(more):
        (target.parent / f"copy{index}{target.suffix}").write_bytes(content)
    extra = ["--skip-unknown"] if data.draw(st.booleans(), label="skip_unknown") else []
    code, out, err = run_trace_parts(logs, capsys, *extra, "--format", "json")
    output = out + err
    assert code in (0, 1, 2, 3), output
    assert "Traceback" not in output and "internal error" not in output, output
    if code == 2:
        assert len(output.strip().splitlines()) == 1 and output.startswith("Error: "), output
    else:
        _assert_changes_are_explained(json.loads(out), _unmutated(capsys))
    shutil.rmtree(logs)


_BASELINE: dict[str, Any] = {}


def _unmutated(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """The sample's own result (computed once)."""
    if not _BASELINE:
        code, out, _ = run_trace_parts(SAMPLE_LOGS, capsys, "--format", "json")
        assert code == 1
        _BASELINE.update(json.loads(out))
    return _BASELINE


def _assert_changes_are_explained(result: dict[str, Any], baseline: dict[str, Any]) -> None:
    """A decided verdict the unmutated logs do not give must come with a reason in the report:
    a partial or missing source, or rows that could not be read."""
    before = {f["client_ip"]: f["verdict"] for f in baseline["flows"]}
    changed = [
        (f["client_ip"], before.get(f["client_ip"]), f["verdict"])
        for f in result["flows"]
        if f["verdict"] not in ("INCONCLUSIVE", "NOT_YET_OBSERVABLE")
        and before.get(f["client_ip"]) not in (None, f["verdict"])
    ]
    explained = {"partial_data", "unparsed_rows", "coverage"} & {g["kind"] for g in result["gaps"]}
    assert not changed or explained, (changed, result["gaps"])
