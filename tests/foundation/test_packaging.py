"""The wheel must carry the KQL templates and report templates that live outside the package."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_wheel_contains_kql_and_report_templates(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("netlogs-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    kql_files = sorted(p.name for p in (REPO / "kql").glob("*.kql"))
    assert kql_files, "the repository has KQL templates"
    for name in kql_files:
        assert f"netlogs/_data/kql/{name}" in names
    assert any(n.startswith("netlogs/_data/reports/") for n in names)
    assert "netlogs/py.typed" in names
    # the JSON Schemas are package data, read with importlib.resources
    assert "netlogs/json_schemas/topology.schema.json" in names
    assert "netlogs/json_schemas/trace-v1.schema.json" in names
    # `netlogs demo` works from an installed wheel: the sample scenario and the licence ship
    assert "netlogs/_data/sample_data/topology.yaml" in names
    assert any(n.startswith("netlogs/_data/sample_data/logs/") for n in names)
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)


def test_demo_copies_the_sample_and_traces_it(tmp_path: Path) -> None:
    from netlogs.testing import invoke

    run = invoke(["demo", str(tmp_path / "demo")])
    assert run.code == 1, run.stderr  # the sample holds violations on purpose
    for name in ("topology.yaml", "report.html", "trace.json"):
        assert (tmp_path / "demo" / name).is_file()
    assert not list((tmp_path / "demo").glob("*.py"))
    again = invoke(["demo", str(tmp_path / "demo")])
    assert again.code == 2
    assert again.stderr.strip().endswith("exists and is not an empty directory")


def test_readme_documents_every_command() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for command in ("trace", "report", "routes", "path", "kql", "fetch", "topology import", "demo"):
        assert f"netlogs {command}" in readme
