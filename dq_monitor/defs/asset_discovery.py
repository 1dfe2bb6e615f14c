"""The assets a `DqChecksComponent` checks, found in the other definitions of its code location.

A YAML target names its asset by key only, so the component looks the key up in the definitions the
rest of the defs folder builds (every component but container folders and dq_monitor's own, through
`ComponentLoadContext.build_defs`, which Dagster caches: nothing is built twice) and takes the asset's
partitions definition -- and whether its value can be loaded -- from there. An asset defined outside the
defs folder (e.g. merged into `Definitions` in `definitions.py`) is not found: its target then needs
`partitions:` when the asset is partitioned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dagster as dg


@dataclass(frozen=True)
class FoundAsset:
    """What the code location defines for one key: the definition to check, its partitions, and where."""

    asset: Any  # AssetsDefinition (one key), AssetSpec, or the key of one asset of a multi-asset
    partitions_def: dg.PartitionsDefinition | None
    where: str


def _skipped(kind: Any, skip: tuple[type, ...]) -> bool:
    from dagster.components.core.defs_module import (
        CompositeYamlComponent,
        DefsFolderComponent,
    )

    containers = (DefsFolderComponent, CompositeYamlComponent, *skip)
    return not isinstance(kind, type) or issubclass(kind, containers) or kind.__name__ == "ComponentRootComponent"


def _add(found: dict[dg.AssetKey, FoundAsset], defs: dg.Definitions, where: str) -> None:
    for asset in defs.assets or []:
        if isinstance(asset, dg.AssetSpec):
            found[asset.key] = FoundAsset(asset, asset.partitions_def, where)
        elif isinstance(asset, dg.AssetsDefinition):
            for spec in asset.specs:
                target = asset if len(asset.keys) == 1 else spec.key
                found[spec.key] = FoundAsset(target, asset.partitions_def, where)


def _where(context: dg.ComponentLoadContext, loc: Any) -> str:
    path = getattr(loc, "file_path", None)
    if path is None:
        return str(loc)
    try:
        return str(path.relative_to(context.defs_module_path))
    except ValueError:
        return str(path)


def assets_in_code_location(context: dg.ComponentLoadContext,
                            skip: tuple[type, ...] = ()) -> dict[dg.AssetKey, FoundAsset]:
    """Every asset the other components of the code location define, by key (`skip`: component types not built
    here, dq_monitor's own: they define no user assets, and building one from another could recurse)."""
    found: dict[dg.AssetKey, FoundAsset] = {}
    root = context.component_tree.find_root_decl()
    for loc, decl in root.iterate_loc_component_decl_pairs():
        if loc == context.component_loc or _skipped(decl.component_type, skip):
            continue
        _add(found, context.build_defs(loc), _where(context, loc))
    return found
