"""Outputs never clobber inputs or each other; `-` is standard output; writes are atomic."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from netlogs.cli import main
from netlogs.errors import ConfigError
from netlogs.fileio import atomic_output, refuse_clobbering, write_atomically

Estate = Any  # the `estate` fixture of conftest.py


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(args)
    out, err = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 0), out, err


def refused(code: int, out: str, err: str) -> str:
    """The run was refused with one `Error:` line and nothing on stdout; returns the line."""
    assert (code, out) == (2, ""), err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), err
    return lines[0]


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


@pytest.fixture
def ready(estate: Estate) -> Estate:
    estate.write_fw(estate.FW_ROWS)
    estate.write_kv(estate.KV_VIA_FIREWALL)
    return estate


def test_json_onto_a_log_file_is_refused_and_the_log_survives(
    ready: Estate, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(ready.root)
    line = refused(*run(ready.args("--json", str(ready.logs / "kv.json")), capsys))
    assert line == (f"Error: --json {ready.logs / 'kv.json'} is inside the input directory "
                    f"--logs {ready.logs}: netlogs would read its own output as input next time")
    assert snapshot(ready.root) == before


def test_a_new_file_inside_the_logs_tree_is_refused(
    ready: Estate, capsys: pytest.CaptureFixture[str]
) -> None:
    target = ready.logs / "sub" / "report.md"
    line = refused(*run(ready.args("--markdown", str(target)), capsys))
    assert f"--markdown {target} is inside the input directory --logs" in line
    assert not (ready.logs / "sub").exists()


def test_html_onto_the_topology_through_a_relative_path_and_a_symlink(
    ready: Estate, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(ready.root)
    alias = ready.root / "alias"
    alias.mkdir()
    (alias / "t.yaml").symlink_to(ready.topology)
    monkeypatch.chdir(alias)
    line = refused(*run(ready.args("--html", "../alias/./t.yaml"), capsys))
    assert line == (f"Error: --html ../alias/./t.yaml is the input --topology {ready.topology}: "
                    "netlogs never overwrites its inputs")
    assert snapshot(ready.root) == before | {"alias/t.yaml": before["topology.yaml"]}


def test_a_hard_link_to_the_topology_is_the_topology(
    ready: Estate, capsys: pytest.CaptureFixture[str]
) -> None:
    link = ready.root / "copy.yaml"
    os.link(ready.topology, link)
    line = refused(*run(ready.args("--json", str(link)), capsys))
    assert f"--json {link} is the input --topology" in line


def test_a_symlink_in_the_logs_tree_protects_its_target(
    ready: Estate, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = ready.root / "kept-elsewhere.json"
    (ready.logs / "kv.json").rename(outside)
    (ready.logs / "kv.json").symlink_to(outside)
    before = outside.read_bytes()
    line = refused(*run(ready.args("--json", str(outside)), capsys))
    assert f"is the input {ready.logs / 'kv.json'} (a link in --logs {ready.logs})" in line
    assert outside.read_bytes() == before


def test_two_outputs_on_one_path_are_refused(
    ready: Estate, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    line = refused(*run(ready.args("--json", str(out / "r"), "--html", f"{out}/x/../r"), capsys))
    assert line == (f"Error: --json {out / 'r'} and --html {out}/x/../r are the same file: "
                    "give each output its own path")
    assert not out.exists()
    line = refused(*run(ready.args("--json", "-", "--markdown", "-"), capsys))
    assert "--json - and --markdown - are standard output" in line


def test_json_dash_goes_to_stdout_and_no_file_named_dash(
    ready: Estate, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(ready.args("--json", "-"), capsys)
    assert (code, err) == (0, "")
    assert json.loads(out)["schema"] == "netlogs.trace/v1"  # only the document, no summary
    assert not (tmp_path / "-").exists()
    md = tmp_path / "r.md"
    code, out, _ = run(ready.args("--markdown", "-", "--json", "saved.json"), capsys)
    assert code == 0 and out.startswith("<!-- netlogs trace report (Markdown) -->\n\n## ")
    json.loads((tmp_path / "saved.json").read_text(encoding="utf-8"))
    code, again, _ = run(["report", "saved.json", "--markdown", "-"], capsys)
    assert code == 0 and again == out and not md.exists()


def test_html_dash_is_refused(ready: Estate, capsys: pytest.CaptureFixture[str]) -> None:
    line = refused(*run(ready.args("--html", "-"), capsys))
    assert "--html -: the HTML report needs a file name" in line


def test_report_never_overwrites_its_result_file(
    ready: Estate, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = ready.root / "trace.json"
    assert run(ready.args("--json", str(saved)), capsys)[0] == 0
    before = saved.read_bytes()
    line = refused(*run(["report", str(saved), "--html", str(saved)], capsys))
    assert line == (f"Error: --html {saved} is the input RESULT.json {saved}: "
                    "netlogs never overwrites its inputs")
    assert saved.read_bytes() == before


def test_refused_before_any_work(ready: Estate, capsys: pytest.CaptureFixture[str]) -> None:
    """The check comes before the topology is even read: a broken one is not reported."""
    ready.topology.write_text("not: [valid", encoding="utf-8")
    line = refused(*run(ready.args("--json", str(ready.topology)), capsys))
    assert "is the input --topology" in line


def test_topology_import_never_overwrites_the_az_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "topology" / "az"
    az = tmp_path / "az"
    az.mkdir()
    for source in fixtures.iterdir():
        (az / source.name).write_bytes(source.read_bytes())
    before = snapshot(az)
    line = refused(*run(["topology", "import", "--az-json", str(az), "--out",
                         str(az / "vnet-list.json")], capsys))
    assert f"--out {az / 'vnet-list.json'} is" in line
    line = refused(*run(["topology", "import", "--az-json", str(az), "--out",
                         str(az / "new.json")], capsys))
    assert "is inside the input directory --az-json" in line
    assert snapshot(az) == before
    code, _, err = run(["topology", "import", "--az-json", str(az), "--out",
                        str(az / "topology.yaml")], capsys)
    assert code == 0, err  # a YAML file next to the JSON is never read as input


# --------------------------------------------------------------------------- the helpers


def test_write_atomically_keeps_the_old_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o640)
    with pytest.raises(RuntimeError), atomic_output(target) as handle:
        handle.write(b"half a rep")
        raise RuntimeError("disk went away")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]
    write_atomically(target, b"new\n")
    assert target.read_bytes() == b"new\n"
    assert target.stat().st_mode & 0o777 == 0o640  # an existing file keeps its mode


def test_write_atomically_names_the_path_it_cannot_write(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        write_atomically(tmp_path / "none" / "x.json", "{}")
    assert str(caught.value) == f"{tmp_path / 'none' / 'x.json'}: cannot write: No such file or " \
                                "directory"
    write_atomically(tmp_path / "made" / "x.json", "{}", make_parents=True)
    assert (tmp_path / "made" / "x.json").read_text(encoding="utf-8") == "{}"


def test_a_directory_given_as_input_tree_may_not_be_an_output(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is inside the input directory --logs"):
        refuse_clobbering([("--json", str(tmp_path))], [], [("--logs", str(tmp_path))])
    refuse_clobbering([("--json", str(tmp_path / "a")), ("--markdown", str(tmp_path / "b"))],
                      [("--topology", str(tmp_path / "c"))], [("--logs", str(tmp_path / "d"))])


def test_every_error_line_is_bounded_and_on_one_line(
    ready: Estate, capsys: pytest.CaptureFixture[str]
) -> None:
    vault = "kv-" + "y" * 500_000 + "\nError: forged second line"
    args = ready.args()
    args[args.index("kv-test")] = vault
    line = refused(*run(args, capsys))
    assert len(line) < 2_200
    assert "characters left out]" in line and "\\nError: forged second line" in line


def test_write_atomically_writes_pieces_of_text_as_they_come(tmp_path: Path) -> None:
    target = tmp_path / "trace.json"
    write_atomically(target, (piece for piece in ["{", '"é": ', '"</script>"', "}\n"]))
    assert target.read_bytes() == '{"é": "</script>"}\n'.encode()


def test_a_failure_while_the_pieces_are_made_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "trace.json"
    target.write_text("old\n", encoding="utf-8")

    def pieces() -> Any:
        yield "x" * 100_000  # large enough to reach the temporary file before the failure
        raise RuntimeError("rendering failed")

    with pytest.raises(RuntimeError, match="rendering failed"):
        write_atomically(target, pieces())
    with pytest.raises(UnicodeEncodeError):
        write_atomically(target, iter(["new", " \udc80 cannot be encoded"]))
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["trace.json"]
