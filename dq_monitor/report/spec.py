"""The `report:` config section: where the report lives, so the Dagster UI can link to it."""

from __future__ import annotations

from urllib.parse import quote

from pydantic import Field, field_validator

from dq_monitor.core.models import StrictModel

DEFAULT_FILE = "report.html"


class ReportConfig(StrictModel):
    """Where `dq-monitor report` writes by default and where `dq-monitor serve` runs, for links from Dagster."""

    path: str | None = Field(default=None, description="`dq-monitor report`'s default --out; default <home>/report.html")
    url: str | None = Field(default=None, description="base URL of a running `dq-monitor serve` (e.g. "
                                                      "http://127.0.0.1:8765); when set, snapshot assets link "
                                                      "to the dataset's page there instead of to the report file")

    @field_validator("url")
    @classmethod
    def _http(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"report.url {value!r}: expected an http:// or https:// URL")
        return value.rstrip("/") if value else value


def dataset_path(name: str) -> str:
    """The path of a dataset's page in `dq-monitor serve`."""
    return f"/datasets/{quote(name, safe='')}"


def dataset_url(base_url: str, name: str) -> str:
    return base_url.rstrip("/") + dataset_path(name)
