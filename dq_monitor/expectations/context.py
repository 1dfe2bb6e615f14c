"""The one Great Expectations context of this process.

Importing GX and building a context is slow (seconds), so it happens once, lazily, on
the first validation, and every later validation reuses the same in-memory objects:
an ephemeral context (nothing written to disk), one pandas data source, one dataframe
asset and one whole-dataframe batch definition. Each validation hands its frame in as
a batch parameter. Analytics and progress bars are off; nothing here reaches the
network.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any

_LOCK = threading.RLock()
_RUNTIME: "GxRuntime | None" = None

DATASOURCE_NAME = "dq_monitor_frames"
ASSET_NAME = "snapshot"
BATCH_DEFINITION_NAME = "whole_snapshot"


@dataclass(frozen=True)
class GxRuntime:
    """The cached GX objects. `lock` serialises validations: GX's execution engine keeps
    per-context batch state, so two threads must not validate through it at once."""

    context: Any
    batch_definition: Any
    lock: threading.RLock


def _quiet_environment() -> None:
    # GX reads these when it builds a context; set them only if the user has not.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


def gx_runtime() -> GxRuntime:
    """Build (first call) or return the process-wide GX context and batch definition."""
    global _RUNTIME
    if _RUNTIME is not None:
        return _RUNTIME
    with _LOCK:
        if _RUNTIME is not None:
            return _RUNTIME
        _quiet_environment()
        import great_expectations as gx
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        config = DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        )
        context = gx.get_context(mode="ephemeral", project_config=config)
        source = context.data_sources.add_pandas(name=DATASOURCE_NAME)
        asset = source.add_dataframe_asset(name=ASSET_NAME)
        batch_definition = asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION_NAME)
        _RUNTIME = GxRuntime(context=context, batch_definition=batch_definition, lock=threading.RLock())
        return _RUNTIME


def gx_batch(frame: Any) -> Any:
    """A GX batch over `frame` (a pandas DataFrame), from the shared batch definition."""
    return gx_runtime().batch_definition.get_batch(batch_parameters={"dataframe": frame})
