"""`bash .ci/run` needs no torch: it installs the test extras only, and without torch the detectors
(and their tests) work, minus the autoencoder of the optional `deep` extra."""

import re
import subprocess
import sys

from dq_monitor_tests.support.paths import REPO_ROOT

WITHOUT_TORCH = """
import importlib.util
import sys

# As if torch were not installed: find_spec says so and `import torch` fails.
_find_spec = importlib.util.find_spec
importlib.util.find_spec = lambda name, *a: None if name.split(".")[0] == "torch" else _find_spec(name, *a)


class NoTorch:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "torch":
            raise ModuleNotFoundError(f"No module named {name!r}")


sys.meta_path.insert(0, NoTorch())
import numpy as np
from dq_monitor.detectors import DEFAULT_DETECTOR, available, build
assert "autoencoder" not in available(), available()
try:
    build("autoencoder")
except Exception as exc:
    assert "dq-monitor[deep]" in str(exc), exc
else:
    raise AssertionError("autoencoder built without torch")
X = np.random.default_rng(0).normal(size=(200, 3))
build(DEFAULT_DETECTOR).fit(X)
import pytest
sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", "--collect-only", "dq_monitor_tests/anomalies"]))
"""


def test_ci_installs_the_test_extras_without_the_deep_extra_by_default() -> None:
    script = (REPO_ROOT / ".ci/run").read_text()
    default = [line for line in script.splitlines() if "pip install" in line and "-e" in line]
    assert '.venv/bin/python -m pip install -q -e ".[test]"' in [line.strip() for line in default]
    # The deep extra is installed only behind the opt-in, after the CPU-only torch build.
    deep = script.index('".[test,deep]"')
    assert re.search(r'DQ_MONITOR_CI_DEEP.*\n.*download\.pytorch\.org/whl/cpu', script[:deep])


def test_detectors_and_the_anomaly_tests_load_without_torch() -> None:
    out = subprocess.run([sys.executable, "-c", WITHOUT_TORCH], cwd=REPO_ROOT, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "autoencoder" not in out.stdout.split("tests collected")[0].split("\n")[-1]
