"""Paths that cannot be read, netlogs' own outputs among the logs, broken and deeply nested JSON."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from netlogs.errors import InputError
from netlogs.model import SourceStatus
from netlogs.normalize import normalize_evidence
from tests.sources.files.file_faults import (
    FW_DIAGNOSTICS,
    KV_AZ_JSON,
    collect,
    only,
    run_trace,
    sample_copy,
)

LOGS = Path(__file__).resolve().parents[2] / "fixtures" / "logs"
NDJSON = "elastic_azfw_legacy_networkrule_raw.ndjson"


def _one_fixture(tmp_path: Path, name: str = NDJSON) -> Path:
    folder = tmp_path / "logs"
    folder.mkdir()
    shutil.copy(LOGS / name, folder / name)
    return folder


def test_broken_symlink_is_an_error_or_a_gap_that_makes_sources_partial(tmp_path: Path) -> None:
    logs = _one_fixture(tmp_path)
    (logs / "fw-2.ndjson").symlink_to(tmp_path / "gone.ndjson")
    with pytest.raises(InputError, match=r"^fw-2\.ndjson: broken symbolic link"):
        collect(logs)
    collected = collect(logs, skip_unknown=True)
    assert [(i.origin, i.line) for i in collected.parse_issues] == [("fw-2.ndjson", None)]
    (raw,) = collected.raw_tables
    assert raw.status is SourceStatus.PARTIAL and "fw-2.ndjson: broken symbolic link" in raw.detail
    sources = normalize_evidence(collected.raw_tables, collected.parse_issues).sources
    assert sources and all(s.status is SourceStatus.PARTIAL for s in sources)


def test_unreadable_directory_is_an_error_or_a_gap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tests run as root, for whom chmod 000 changes nothing: the refusal is injected at the OS
    # call instead, exactly where a permission error would surface.
    logs = _one_fixture(tmp_path)
    locked = logs / "2026" / "11"
    locked.mkdir(parents=True)
    shutil.copy(LOGS / NDJSON, locked / "more.ndjson")
    real_listdir = os.listdir

    def listdir(path: str | os.PathLike[str]) -> list[str]:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_listdir(path)

    monkeypatch.setattr(os, "listdir", listdir)
    with pytest.raises(InputError, match=r"^2026/11: directory cannot be read \(Permission denied"):
        collect(logs)
    collected = collect(logs, skip_unknown=True)
    (raw,) = collected.raw_tables
    assert raw.status is SourceStatus.PARTIAL and "2026/11" in raw.detail


def test_named_pipe_is_not_read_and_not_waited_for(tmp_path: Path) -> None:
    logs = _one_fixture(tmp_path)
    os.mkfifo(logs / "stream.json")
    with pytest.raises(InputError, match=r"^stream\.json: not a regular file \(a named pipe\)"):
        collect(logs)
    collected = collect(logs, skip_unknown=True)
    assert [i.origin for i in collected.parse_issues] == ["stream.json"]
    assert collected.raw_tables[0].status is SourceStatus.COMPLETE  # nothing hidden


def test_directory_symlink_loop_is_walked_once(tmp_path: Path) -> None:
    logs = _one_fixture(tmp_path)
    (logs / "again").symlink_to(logs, target_is_directory=True)
    with pytest.raises(InputError, match=r"^again: a link to a directory already read"):
        collect(logs)
    collected = collect(logs, skip_unknown=True)
    assert [i.path for i in collected.inputs] == [NDJSON]


def test_linked_directory_of_logs_is_read(tmp_path: Path) -> None:
    elsewhere = _one_fixture(tmp_path)
    logs = tmp_path / "case"
    logs.mkdir()
    (logs / "firewall").symlink_to(elsewhere, target_is_directory=True)
    assert [i.path for i in collect(logs).inputs] == [f"firewall/{NDJSON}"]


def test_own_outputs_in_the_logs_directory_are_skipped_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Reports of an earlier run copied into the logs (netlogs refuses to write them there)."""
    logs = sample_copy(tmp_path)
    out = tmp_path / "out"
    outputs = ["trace.json", "report.html", "report.md"]
    args = ("--json", str(out / outputs[0]), "--html", str(out / outputs[1]),
            "--markdown", str(out / outputs[2]))
    first_code, first = run_trace(logs, capsys, *args, "--format", "json")
    for name in outputs:
        shutil.copy(out / name, logs / name)
    second_code, second = run_trace(logs, capsys, "--format", "json")
    assert first_code == second_code == 1
    verdicts = [(f["client_ip"], f["verdict"]) for f in json.loads(second)["flows"]]
    assert verdicts == [(f["client_ip"], f["verdict"]) for f in json.loads(first)["flows"]]
    gaps = [g["message"] for g in json.loads(second)["gaps"] if g["kind"] == "unparsed_rows"]
    assert sorted(gap.split(":")[0] for gap in gaps) == sorted(outputs)
    assert all("netlogs' own output, not evidence" in gap for gap in gaps)


def test_invalid_json_document_names_the_real_line(tmp_path: Path) -> None:
    path = only(tmp_path, FW_DIAGNOSTICS)
    lines = json.dumps(json.loads(path.read_text()), indent=1).splitlines()
    lines[36] = lines[36].rstrip(",")  # a missing comma on line 37
    path.write_text("\n".join(lines))
    with pytest.raises(InputError) as caught:
        collect(path.parent)
    assert str(caught.value).startswith(f"{path.name} (line 38): invalid JSON at column")
    # an az CLI array is reported the same way
    rows = only(tmp_path, KV_AZ_JSON)
    text = rows.read_text().splitlines()
    text[12] = text[12] + "}"
    rows.write_text("\n".join(text))
    with pytest.raises(InputError, match=rf"^{rows.name} \(line 13\): invalid JSON at column"):
        collect(rows.parent)


def test_invalid_json_line_names_its_line_and_column(tmp_path: Path) -> None:
    logs = _one_fixture(tmp_path)
    lines = (logs / NDJSON).read_text().splitlines()
    lines[6] = lines[6].replace('"properties"', '"properties" ', 1).replace(":", "", 1)
    (logs / NDJSON).write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=rf"^{NDJSON} \(line 7\): invalid JSON at column \d+"):
        collect(logs)


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000 + "]" * 100_000, '{"records": ' + "[" * 5000 + "]" * 5000 + "}"],
)
def test_deeply_nested_json_is_one_clear_error(
    tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    logs = sample_copy(tmp_path)
    (logs / "deep.json").write_text(text)
    code, output = run_trace(logs, capsys)
    assert code == 2
    assert output.strip() == "Error: deep.json: JSON nested too deeply"


def test_deeply_nested_json_line_names_its_line(tmp_path: Path) -> None:
    logs = _one_fixture(tmp_path)
    lines = (logs / NDJSON).read_text().splitlines()
    lines[1] = lines[1][:-1] + ', "x": ' + "[" * 300 + "]" * 300 + "}"
    (logs / NDJSON).write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=rf"^{NDJSON} \(line 2\): JSON nested too deeply"):
        collect(logs)


def test_cut_firewall_message_in_a_raw_export_is_unparsed_and_partial(tmp_path: Path) -> None:
    logs = _one_fixture(tmp_path)
    lines = (logs / NDJSON).read_text().splitlines()
    record = json.loads(lines[0])
    record["properties"]["msg"] = record["properties"]["msg"].split(". Action")[0] + ". Act"
    lines[0] = json.dumps(record)
    (logs / NDJSON).write_text("\n".join(lines) + "\n")
    collected = collect(logs)
    tables = normalize_evidence(collected.raw_tables, collected.parse_issues)
    (issue,) = tables.issues
    assert issue.line == 1 and issue.reason.endswith(". Act'")
    (source,) = [s for s in tables.sources if s.table == "raw:azfw_legacy"]
    assert source.status is SourceStatus.PARTIAL
    assert source.rows == collected.inputs[0].rows - 1


def test_record_that_lost_its_category_is_set_aside_and_makes_the_file_partial(
    tmp_path: Path,
) -> None:
    """A damaged record is not an unrelated one: it could have been evidence."""
    logs = _one_fixture(tmp_path)
    lines = (logs / NDJSON).read_text().splitlines()
    record = json.loads(lines[4])
    record["category"] = None
    lines[4] = json.dumps(record)
    (logs / NDJSON).write_text("\n".join(lines) + "\n")
    collected = collect(logs)  # no refusal: the other records are fine
    (raw,) = collected.raw_tables
    assert raw.set_aside == (("unparseable", 1),) and raw.status is SourceStatus.PARTIAL
    assert [(i.line, i.reason) for i in collected.parse_issues] == [
        (5, "a record without a category; set aside")]
    assert collected.inputs[0].rows == len(lines)


def test_diagnostics_rows_that_lost_their_category_make_the_source_partial(
    tmp_path: Path,
) -> None:
    path = only(tmp_path, FW_DIAGNOSTICS)
    document = json.loads(path.read_text())
    table = document["tables"][0]
    names = [c["name"] for c in table["columns"]]
    for name in ("Category", "msg_s", "OperationName"):
        table["rows"][2][names.index(name)] = None
    path.write_text(json.dumps(document))
    collected = collect(path.parent)
    (raw,) = collected.raw_tables
    assert raw.set_aside == (("unparseable", 1),) and raw.status is SourceStatus.PARTIAL
    assert collected.inputs[0].rows == len(table["rows"])


def test_json_lines_cut_inside_the_last_record_keeps_the_others(tmp_path: Path) -> None:
    logs = _one_fixture(tmp_path)
    text = (logs / NDJSON).read_text().rstrip("\n")
    (logs / NDJSON).write_text(text[:-40])  # the last record loses its end (and newline)
    lines = text.count("\n") + 1
    collected = collect(logs)
    (raw,) = collected.raw_tables
    assert raw.frame.height == lines - 1 and raw.set_aside == (("truncated", 1),)
    assert raw.status is SourceStatus.PARTIAL
    assert [(i.line, i.reason) for i in collected.parse_issues] == [
        (lines, "the file ends inside this record")]
    assert collected.inputs[0].rows == lines
