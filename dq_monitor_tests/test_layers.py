"""The layer rules in `.importlinter` hold: pure packages never import dagster, no upward imports, no cycles."""

import shutil
import subprocess
import sys
from pathlib import Path

from dq_monitor_tests.support.paths import REPO_ROOT


def _lint_imports() -> str:
    found = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert found, "lint-imports (import-linter, a test extra) is not installed"
    return found


def test_import_linter_contracts_hold():
    result = subprocess.run([_lint_imports(), "--config", str(REPO_ROOT / ".importlinter"), "--no-cache"],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_the_wheel_ships_only_the_dq_monitor_package():
    import tomllib

    find = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    assert find["include"] == ["dq_monitor", "dq_monitor.*"]
