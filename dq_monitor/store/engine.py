"""Engine, sessions and where the findings store lives.

Which database: `resolve_database_url` is the one answer, in this order:

1. an explicit URL (the CLI's `--database-url`),
2. `$DQ_MONITOR_DATABASE_URL`,
3. `storage.database_url` in the YAML -- a literal URL, or `${VAR}` to read it from the
   environment variable `VAR` so a password never has to sit in the file,
4. a SQLite file `findings.db` under the config's `storage.home` (`./.dq_monitor` without a config).

Opening a `Store` never changes the schema; `Store.upgrade()` does (called by `dq-monitor db
upgrade`, at code-location load and by the write commands). Nothing here imports dagster.
"""

from __future__ import annotations

import importlib.util
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import create_engine, event, make_url
from sqlalchemy.engine import Engine
from sqlalchemy.exc import (
    ArgumentError,
    IntegrityError,
    NoSuchModuleError,
    OperationalError,
)
from sqlalchemy.orm import Session, sessionmaker

from dq_monitor.store import fresh, migrate
from dq_monitor.store.urls import (
    DATABASE_URL_ENV,
    StoreUnavailable,
    env_reference,
    sqlite_url,
)


class _ProjectLike(Protocol):
    @property
    def home_dir(self) -> Path: ...

    @property
    def storage(self) -> Any: ...


def resolve_database_url(explicit: str | None = None, project: _ProjectLike | None = None) -> str:
    """The findings store's URL, in the documented order (see the module docstring)."""
    if explicit:
        return checked_url(explicit, "--database-url")
    from_env = os.environ.get(DATABASE_URL_ENV)
    if from_env:
        return checked_url(from_env, f"${DATABASE_URL_ENV}")
    configured = project.storage.database_url if project is not None else None
    if configured:
        var = env_reference(configured)
        if var is None:
            return checked_url(configured, "storage.database_url")
        value = os.environ.get(var)
        if not value:
            raise StoreUnavailable(f"storage.database_url is ${{{var}}} but {var} is not set")
        return checked_url(value, f"storage.database_url (${var})")
    return sqlite_url(project.home_dir if project is not None else Path(".dq_monitor"))


def checked_url(url: str, origin: str) -> str:
    """`url` when SQLAlchemy can parse it; else a clear error naming where it came from (password masked)."""
    try:
        make_url(url)
    except ArgumentError:
        shown = url.split("@")[-1][:40] if "@" in url else url[:40]
        raise StoreUnavailable(f"{origin} is not a database URL ({shown!r}...); expected e.g. "
                               "postgresql+psycopg2://user:PASSWORD@host:5432/db or sqlite:///path/findings.db") from None
    return url


def mask_url(url: str) -> str:
    """The URL with its password replaced by `***` (safe for logs and messages)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparsable database URL>"


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL (None for other backends and in-memory SQLite)."""
    if not url.startswith("sqlite"):
        return None
    database = make_url(url).database
    return Path(database) if database and database != ":memory:" else None


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreUnavailable(f"not a database URL: {url[:40]!r}...") from None
    if parsed.get_backend_name() == "sqlite":
        file = sqlite_file(url)
        if file is not None:
            file.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            # WAL lets Dagster's run processes write while the webserver/CLI reads.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.close()

        return engine
    if parsed.drivername == "postgresql" and importlib.util.find_spec("psycopg") is None:
        # SQLAlchemy 2.1 reads a driverless postgresql:// as psycopg 3; dq_monitor ships psycopg2.
        parsed = parsed.set(drivername="postgresql+psycopg2")
    try:
        return create_engine(parsed, pool_pre_ping=True)
    except (ImportError, NoSuchModuleError) as exc:
        raise StoreUnavailable(f"database URL {mask_url(url)}: its driver is not installed ({exc}); install it, "
                               "or use postgresql+psycopg2:// (shipped with dq_monitor)") from None


def unreachable_message(url: str, exc: OperationalError) -> str:
    """One readable line naming the host (never the password)."""
    host = make_url(url).host or "localhost"
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    reason = lines[0] if lines else "connection failed"
    return f"cannot reach the findings store on {host} ({mask_url(url)}): {reason}"


def insert_missing(s: Session, model: Any, values: dict[str, Any], keys: list[str]) -> None:
    """INSERT the row unless one with the same `keys` exists (a concurrent writer's insert wins, no error)."""
    dialect = s.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the store supports Postgres and SQLite
        raise StoreUnavailable(f"unsupported database backend {dialect!r}")
    s.execute(insert(model).values(**values).on_conflict_do_nothing(index_elements=keys))


class StoreBase:
    """Engine, sessions and migrations; the role mixins add the tables' operations."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._session = sessionmaker(self.engine, expire_on_commit=False)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.engine.url.render_as_string(hide_password=True)!r})"

    @property
    def masked_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def revision(self) -> str | None:
        """The schema revision, None for an empty database; StoreUnavailable when unreachable."""
        try:
            return migrate.current_revision(self.engine)
        except OperationalError as exc:
            raise StoreUnavailable(unreachable_message(self.url, exc)) from None

    def upgrade(self) -> None:
        """Migrate to the newest schema (idempotent; safe when several processes start at once)."""
        for attempt in range(5):
            try:
                if not fresh.ensure_head(self.engine):  # at head, or a new SQLite file: no Alembic needed
                    migrate.upgrade(self.engine)
                return
            except OperationalError as exc:
                if self.engine.dialect.name != "sqlite" or attempt == 4:
                    raise StoreUnavailable(unreachable_message(self.url, exc)) from None
            except IntegrityError:
                if attempt == 4:
                    raise
            # Two processes migrating one fresh SQLite file race on the version table.
            time.sleep(0.5 * (attempt + 1))
            if self.revision() == migrate.head_revision():
                return

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._session.begin() as s:
            yield s
