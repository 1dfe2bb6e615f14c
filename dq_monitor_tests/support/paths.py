"""Where the repository and the shared labeled datasets are (`../shared/datasets` beside the project root)."""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DATASETS = Path(os.environ.get("DQ_MONITOR_SHARED_DATASETS", REPO_ROOT.parent / "shared" / "datasets"))
