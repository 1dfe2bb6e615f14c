"""Feature sub-commands of `dq-monitor`.

Every module in this package defines `register(subparsers)` adding its sub-command(s), each with
`set_defaults(func=...)` returning an exit code (0 ok, 1 findings/failure, 2 usage). `dq_monitor.cli`
discovers them.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def command_modules() -> list[ModuleType]:
    return [importlib.import_module(f"{__name__}.{m.name}") for m in sorted(pkgutil.iter_modules(__path__),
                                                                            key=lambda m: m.name)]
