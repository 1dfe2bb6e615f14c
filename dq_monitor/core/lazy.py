"""Package re-exports imported on first use (PEP 562 module `__getattr__`).

Importing any submodule runs its package's `__init__` first: a package that re-exported
everything eagerly made `import dq_monitor.store.records` (plain dataclasses) pay for SQLAlchemy,
and loading the config pay for the store, fsspec and the alert delivery machinery. A package
declares its public names and the module each comes from; each is imported when first used::

    __getattr__, __dir__, __all__ = lazy_exports(__name__, {"dq_monitor.store.base": ("Store",)})
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, tuple[str, ...]]
                 ) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """`__getattr__`, `__dir__` and `__all__` for `package`, exporting `exports` (module -> names)."""
    module_of = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name: str) -> Any:
        if name not in module_of:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(module_of[name]), name)
        setattr(sys.modules[package], name, value)  # the next access is a plain attribute
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *module_of})

    return __getattr__, __dir__, sorted(module_of)


def freeze_imported_objects() -> None:
    """Exclude every object alive now from the garbage collector's future scans (`gc.freeze()`).

    A full collection scans every tracked object: once Dagster and pandas are imported that is most of
    a second of a cold start in total, and the allocations of loading the definitions trigger one more
    on the whole heap. Called where everything alive is imported code meant to live as long as the
    process (the code location right after `import dagster`, a CLI command after its imports); frozen
    objects are never freed, so never call it where a long-lived process holds transient data.
    """
    import gc

    gc.freeze()
