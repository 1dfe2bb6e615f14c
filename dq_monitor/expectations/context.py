"""The one Great Expectations context of this process.

Importing GX and building a context is slow (seconds), so it happens once, lazily, on
the first validation, and every later validation reuses the same in-memory objects:
an ephemeral context (nothing written to disk), one pandas data source, one dataframe
asset and one whole-dataframe batch definition. Each validation hands its frame in as
a batch parameter. Analytics and progress bars are off; nothing here reaches the
network.

What does not change between snapshots is kept too (issue 16): a suite file is read and
its GX expectations built once per path and content (`cached_suite`: the file is read and
hashed each time, ~0.1 ms, so an edit is always seen), and the GX `ExpectationSuite` of
its runnable expectations once per such file version and subset
(`cached_gx_suite`), so each snapshot pays only the validation. GX's per-kwarg rebuilds
of an expectation's configuration are cut by `gx_speed.install()`.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_LOCK = threading.RLock()
_RUNTIME: "GxRuntime | None" = None
_SUITES: dict[tuple, Any] = {}  # (path, content digest, default_name, display) -> LoadedSuite
_GX_SUITES: dict[tuple, Any] = {}  # (that key, runnable expectation keys) -> GX ExpectationSuite
_CACHE_LOCK = threading.Lock()

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
        from dq_monitor.expectations import gx_speed

        gx_speed.install()
        context = gx.get_context(mode="ephemeral", project_config=config)
        source = context.data_sources.add_pandas(name=DATASOURCE_NAME)
        asset = source.add_dataframe_asset(name=ASSET_NAME)
        batch_definition = asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION_NAME)
        _RUNTIME = GxRuntime(context=context, batch_definition=batch_definition, lock=threading.RLock())
        return _RUNTIME


def gx_batch(frame: Any) -> Any:
    """A GX batch over `frame` (a pandas DataFrame), from the shared batch definition."""
    return gx_runtime().batch_definition.get_batch(batch_parameters={"dataframe": frame})


def _file_key(path: Path) -> tuple:
    """The file's path and a digest of its bytes: a rewrite within one mtime tick is still seen."""
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        digest = None
    return (str(path.resolve()), digest)


def cached_suite(path: str | Path, *, default_name: str | None, display: str | None) -> tuple[tuple, Any]:
    """(cache key, `load_suite(path, ...)`), parsed again only when the file's content changes."""
    from dq_monitor.expectations.suite import load_suite

    key = (*_file_key(Path(path)), default_name, display)
    with _CACHE_LOCK:
        suite = _SUITES.get(key)
    if suite is None:
        suite = load_suite(path, default_name=default_name, display=display)
        with _CACHE_LOCK:
            if len(_SUITES) > 256:  # bounded: a long-lived process may see many suite versions
                _SUITES.clear()
            _SUITES[key] = suite
    return key, suite


def cached_gx_suite(suite_key: tuple, suite: Any, expectations: list[Any]) -> Any:
    """`build_gx_suite(suite, expectations)`, built once per suite file version and expectation subset."""
    from dq_monitor.expectations.suite import build_gx_suite

    key = (suite_key, tuple(e.key for e in expectations))
    with _CACHE_LOCK:
        gx_suite = _GX_SUITES.get(key)
    if gx_suite is None:
        gx_suite = build_gx_suite(suite, expectations)
        with _CACHE_LOCK:
            if len(_GX_SUITES) > 1024:
                _GX_SUITES.clear()
            _GX_SUITES[key] = gx_suite
    return gx_suite
