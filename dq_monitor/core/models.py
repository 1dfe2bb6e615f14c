"""`StrictModel`: the pydantic base of every config section (unknown keys are errors, values are frozen)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
