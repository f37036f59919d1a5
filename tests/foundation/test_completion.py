"""Shell completion through click's mechanism works for the `netlogs` program (docs/install.md)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _netlogs(tmp_path: Path) -> dict[str, str]:
    """An environment with a `netlogs` on PATH that runs this checkout."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "netlogs"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m netlogs "$@"\n', encoding="utf-8")
    script.chmod(0o755)
    env = dict(os.environ)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    return env


def _complete(env: dict[str, str], words: str, cword: int) -> list[str]:
    run = subprocess.run(
        ["netlogs"], env={**env, "_NETLOGS_COMPLETE": "bash_complete", "COMP_WORDS": words,
                          "COMP_CWORD": str(cword)},
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return run.stdout.splitlines()


def test_the_program_completes_commands_and_subcommands(tmp_path: Path) -> None:
    env = _netlogs(tmp_path)
    assert _complete(env, "netlogs to", 1) == ["plain,topology"]
    assert _complete(env, "netlogs topology v", 2) == ["plain,validate"]
    commands = {line.split(",", 1)[1] for line in _complete(env, "netlogs ", 1)}
    assert {"trace", "fetch", "routes", "path", "topology", "report", "demo"} <= commands


def test_the_bash_script_from_the_docs_completes_in_bash(tmp_path: Path) -> None:
    bash = shutil.which("bash")
    assert bash is not None, "bash is part of the test prerequisites"
    env = _netlogs(tmp_path)
    source = subprocess.run(
        ["netlogs"], env={**env, "_NETLOGS_COMPLETE": "bash_source"},
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    script = tmp_path / "netlogs-complete.bash"
    script.write_text(source.stdout, encoding="utf-8")
    run = subprocess.run(
        [bash, "-c", f'. "{script}"; COMP_WORDS=(netlogs topology v); COMP_CWORD=2; '
                     '_netlogs_completion netlogs; printf "%s\\n" "${COMPREPLY[@]}"'],
        env=env, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert run.stdout.split() == ["validate"], run.stderr


def test_completion_imports_no_log_processing_library(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from netlogs.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('polars', 'azure', 'plotly', 'jsonschema') if m in sys.modules),"
        " file=sys.stderr)\n"
    )
    env = {**_netlogs(tmp_path), "_NETLOGS_COMPLETE": "bash_complete",
           "COMP_WORDS": "netlogs tr", "COMP_CWORD": "1"}  # fmt: skip
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True, timeout=60)  # fmt: skip
    assert run.stdout.splitlines() == ["plain,trace"]
    assert run.stderr.strip() == "[]"
