"""`StrictModel`: the pydantic base of every config section (unknown keys are errors, values are frozen).

`AliasedStrictModel` also accepts the Python name of an aliased field (`from_` for `from`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AliasedStrictModel(StrictModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
