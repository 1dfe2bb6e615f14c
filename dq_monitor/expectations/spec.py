"""The `expectations:` section of a dataset's config.

YAML::

    datasets:
      - name: orders
        expectations:
          suite: expectations/orders.json   # default: expectations/<dataset>.json
          blocking: true                    # a failed critical expectation blocks downstream assets
          sample_size: 20                   # failing values / row keys kept as evidence per expectation

`suite` is resolved relative to the config file's folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dq_monitor.core import names
from dq_monitor.core.errors import ConfigError

SUITES_DIR = "expectations"


def check_name(dataset: str) -> str:
    """The asset check's name: `<dataset>_passes_expectation_suite`."""
    return names.expectation_suite_check(dataset)


def default_suite_path(dataset: str, base_dir: str | Path) -> Path:
    """`<base_dir>/expectations/<dataset>.json`."""
    return Path(base_dir) / SUITES_DIR / f"{dataset}.json"


class ExpectationsSpec(BaseModel):
    """How a dataset's Great Expectations suite is run."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    suite: str | None = Field(default=None, description="suite JSON path; default expectations/<dataset>.json")
    blocking: bool = Field(default=False, description="a failed ERROR-severity expectation blocks downstream")
    sample_size: int = Field(default=20, ge=1, le=1000,
                             description="failing values and row keys kept as evidence per expectation")

    def suite_path(self, dataset: str, base_dir: str | Path) -> Path:
        """The suite file for `dataset`, relative paths resolved against `base_dir` (the config's folder)."""
        if self.suite is None:
            return default_suite_path(dataset, base_dir)
        path = Path(self.suite).expanduser()
        return path if path.is_absolute() else Path(base_dir) / path


def parse_expectations_spec(raw: dict[str, Any] | None, dataset: str) -> ExpectationsSpec:
    """Validate a dataset's raw `expectations:` mapping; errors name the dataset and the field.

    Raises `ConfigError`.
    """
    try:
        return ExpectationsSpec.model_validate(raw or {})
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err.get("loc", ()))
            msg = "unknown key (not allowed here)" if err.get("type") == "extra_forbidden" else err.get("msg")
            lines.append(f"dataset {dataset!r}, field 'expectations.{field}': {msg}")
        raise ConfigError("invalid expectations section\n  " + "\n  ".join(lines)) from None
