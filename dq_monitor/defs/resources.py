"""Dagster resources: the findings store and the Parquet IO manager for snapshots."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dagster as dg
import pandas as pd

from dq_monitor.core.files import private_tmp
from dq_monitor.defs.frames import (
    StagedParquet,
    forget,
    place_staged,
    read_frame,
    write_frame,
)
from dq_monitor.store.urls import DATABASE_URL_ENV, env_reference, sqlite_url

if TYPE_CHECKING:
    from dq_monitor.store import Store

_STORES: dict[str, Store] = {}


def store_for(url: str) -> Store:
    """One Store per URL per process, migrated to the newest schema when first opened here."""
    store = _STORES.get(url)
    if store is None:
        # SQLAlchemy is imported by the first run that opens the store, not at code-location load.
        from dq_monitor.store import Store

        store = Store(url)
        store.upgrade()
        _STORES[url] = store
    return store


def build_store_resource(project: Any) -> "FindingsStoreResource":
    """The store resource in the order of `store.resolve_database_url`, without the CLI flag.

    A URL from the environment (`$DQ_MONITOR_DATABASE_URL`, or `${VAR}` in `storage.database_url`) is
    bound through `dg.EnvVar`, so it never lands in run config or logs.
    """
    configured = project.storage.database_url
    url: Any = configured or None
    if os.environ.get(DATABASE_URL_ENV):
        url = dg.EnvVar(DATABASE_URL_ENV)
    elif configured and env_reference(configured):
        url = dg.EnvVar(env_reference(configured))
    return FindingsStoreResource(database_url=url, home=str(project.home_dir))


class FindingsStoreResource(dg.ConfigurableResource):
    """Where findings, check evaluations and metric history are written.

    `database_url` comes from `DQ_MONITOR_DATABASE_URL` (or the variable named in
    `storage.database_url`) through `dg.EnvVar` (it may hold a password), or is the literal URL
    from the YAML; without one a SQLite file under `home` is used. Only Dagster resolves the
    EnvVar: code outside a run (the CLI) resolves the URL with `store.resolve_database_url`.
    """

    database_url: str | None = None
    home: str

    def get_store(self) -> Store:
        return store_for(self.database_url or sqlite_url(Path(self.home)))


def snapshot_parquet_path(base_dir: str | Path, asset_name: str, partition_key: str) -> Path:
    """Where the IO manager keeps one partition of a snapshot asset (pure; other features read it)."""
    return Path(base_dir) / asset_name / f"{partition_key}.parquet"


class SnapshotParquetIOManager(dg.ConfigurableIOManager):
    """Stores each partition of a DataFrame asset as `<base_dir>/<asset>/<partition>.parquet`."""

    base_dir: str

    def _path(self, context: Any) -> Path:
        key = context.asset_key.path[-1]
        partition = context.partition_key if context.has_partition_key else "__unpartitioned__"
        return snapshot_parquet_path(self.base_dir, key, partition)

    def handle_output(self, context: dg.OutputContext, obj: pd.DataFrame | StagedParquet) -> None:
        if obj is None:
            return
        path = self._path(context)
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(obj, StagedParquet):  # the snapshot asset wrote the file already (a plain Parquet source)
            place_staged(obj, path)
        else:
            tmp = private_tmp(path)
            try:
                write_frame(obj, tmp)
                forget(path)
                tmp.replace(path)  # atomic: readers never see half a file
            finally:
                tmp.unlink(missing_ok=True)
        context.add_output_metadata({"parquet_path": dg.MetadataValue.path(str(path))})

    def load_input(self, context: dg.InputContext) -> pd.DataFrame:
        path = self._path(context)
        if not path.exists():
            raise dg.Failure(f"snapshot data {path} is missing: materialize {context.asset_key.to_user_string()} "
                             f"for partition {context.partition_key} first")
        return read_frame(path)  # read once per process while unchanged: every downstream step loads it
