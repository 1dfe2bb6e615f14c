"""Where the findings store lives, without SQLAlchemy: the environment variable, `${VAR}` references,
the default SQLite file and the store's error type. Parsing and checking a URL is `store.engine`'s
(it needs SQLAlchemy); this is what loading a code location needs, and it imports nothing heavy.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from pathlib import Path

DATABASE_URL_ENV = "DQ_MONITOR_DATABASE_URL"
_ENV_REF = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")


class StoreUnavailable(Exception):
    """The store cannot be used: unreachable, an unparsable URL, or an unset variable. The message is safe to print."""


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def env_reference(value: str | None) -> str | None:
    """`VAR` when `value` is `${VAR}` (a URL to read from the environment), else None."""
    match = _ENV_REF.match(value.strip()) if value else None
    return match.group(1) if match else None


def sqlite_url(home: Path) -> str:
    return f"sqlite:///{(Path(home) / 'findings.db').resolve()}"


def default_database_url(home: Path) -> str:
    """`$DQ_MONITOR_DATABASE_URL`, else a SQLite file `findings.db` under `home`."""
    return os.environ.get(DATABASE_URL_ENV) or sqlite_url(home)
