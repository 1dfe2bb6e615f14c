"""Writing a file atomically next to where it lands."""

from __future__ import annotations

import uuid
from pathlib import Path


def private_tmp(path: Path) -> Path:
    """A temporary name next to `path` that no other writer uses, to write and then `replace()` into `path`:
    with one shared `<name>.tmp`, two runs writing the same file at once (two checks of one snapshot) had the
    second rename find it gone (a step failure)."""
    return path.with_name(f"{path.name}.{uuid.uuid4().hex[:12]}.tmp")
