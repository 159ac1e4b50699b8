"""Where the registry lives, and opening its database safely.

The default is an SQLite file (WAL mode) at ``$HPXPLORE_REGISTRY`` when set, else
``$XDG_DATA_HOME/hpxplore/registry.db`` (``~/.local/share/hpxplore/registry.db``).
Any SQLAlchemy URL works; ``postgresql+psycopg://`` is tested.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    IntegrityError,
    NoSuchModuleError,
    OperationalError,
)
from sqlalchemy.orm import Session

from hpxplore._secrets import is_secret_key, redact
from hpxplore.exceptions import (
    HpxploreError,
    NoRegistryError,
    NotARegistryError,
    RegistryConnectionError,
    RegistryDamagedError,
    RegistryReadOnlyError,
    SchemaVersionError,
)
from hpxplore.registry._schema import SCHEMA_VERSION, Base, MetaRow, StudyRow, TrialRow

__all__ = ["ENV_VAR", "default_location", "open_engine", "resolve_url", "secrets", "shown"]

ENV_VAR = "HPXPLORE_REGISTRY"
_SQLITE_TIMEOUT_S = 60

# Tables every registry has had since schema version 1: one missing was removed by hand.
REQUIRED_TABLES = frozenset({MetaRow.__tablename__, StudyRow.__tablename__, TrialRow.__tablename__})

# Migrations from version N to N + 1, run in order on open. Version 1 is the first.
MIGRATIONS: dict[int, object] = {}


def default_location() -> str:
    """``$HPXPLORE_REGISTRY``, else the per-user data folder's ``hpxplore/registry.db``."""
    if os.environ.get(ENV_VAR):
        return os.environ[ENV_VAR]
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return str(base / "hpxplore" / "registry.db")


def resolve_url(location: str | os.PathLike[str] | None, *, create: bool = True) -> URL:
    """A SQLAlchemy URL from a URL string, a file path, or ``None`` (the default).

    ``create=False`` refuses a registry file that does not exist instead of making it
    (and its folders)."""
    location = default_location() if location is None else location
    text = os.fspath(location)
    if text == ":memory:":  # SQLite's in-memory database: gone when the registry closes
        return URL.create("sqlite+pysqlite", database=":memory:")
    if "://" not in text:
        path = Path(text).expanduser()
        if path.is_dir():
            raise NotARegistryError(
                f"{str(path)!r} is a folder, not a registry file.",
                f"Pass a file path such as {str(path / 'registry.db')!r}.",
            )
        if not create:
            _must_exist(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        _must_be_writable(path)
        return URL.create("sqlite+pysqlite", database=str(path.resolve()))
    try:
        url = make_url(text)
    except (ArgumentError, ValueError) as exc:
        raise RegistryConnectionError(
            f"Cannot read the registry URL {redact(text)!r}: {redact(str(exc))}.",
            "Use a SQLAlchemy URL such as 'sqlite:///path/registry.db' or "
            "'postgresql+psycopg://user@host:5432/db', or a plain file path.",
        ) from None
    if (
        not create
        and url.get_backend_name() == "sqlite"
        and url.database not in (None, "", ":memory:")
    ):
        _must_exist(Path(url.database).expanduser())
    return url


def _must_exist(path: Path) -> None:
    if not path.is_file():
        raise NoRegistryError(
            f"No registry at {str(path.resolve())!r}: the file does not exist.",
            "Check the path or URL; hpx.Registry(path) creates a new registry.",
        )


def _must_be_writable(path: Path) -> None:
    """An SQLite registry in WAL mode writes beside its file (``-wal``, ``-shm``): on a
    read-only file system or folder, say so and how to open it for reading."""
    folder = path.resolve().parent
    read_only = bool(os.statvfs(folder).f_flag & os.ST_RDONLY) or not os.access(folder, os.W_OK)
    if path.is_file() and not os.access(path, os.W_OK):
        read_only = True
    if read_only:
        url = f"sqlite:///file:{path.resolve()}?immutable=1&uri=true"
        raise RegistryReadOnlyError(
            f"The registry {str(path.resolve())!r} is on a read-only file system or in a folder "
            "this user cannot write to; an SQLite registry writes its journal beside the file.",
            f"To read it without writing, open hpx.Registry({url!r}) (nothing may change it "
            "meanwhile); to write, copy the file to a writable folder.",
        )


def _read_only(url: URL) -> bool:
    """An SQLite URL opened for reading only (``?mode=ro`` or ``?immutable=1``)."""
    return url.query.get("mode") == "ro" or url.query.get("immutable") == "1"


def shown(url: URL) -> str:
    """The URL as messages, ``repr`` and stored records show it: every credential hidden."""
    return redact(url.render_as_string(hide_password=True))


def secrets(url: URL) -> list[str]:
    """The URL's credentials (its password, secret query values), to hide wherever they
    appear, also in a database driver's own messages."""
    found = [url.password or ""]
    for key, value in url.query.items():
        if is_secret_key(key):
            found += [value] if isinstance(value, str) else list(value)
    return [str(s) for s in found if s]


def _reason(exc: DatabaseError, url: URL) -> str:
    """A driver's error message, credentials hidden."""
    return redact(str(exc.orig).strip(), secrets(url))


def _configure_sqlite(engine: Engine, read_only: bool) -> None:
    """WAL, foreign keys, and BEGIN IMMEDIATE so concurrent writers queue instead of failing
    (a read-only registry: plain BEGIN, nothing that writes)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself, below
        cursor = dbapi_connection.cursor()
        if not read_only:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={_SQLITE_TIMEOUT_S * 1000}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _init_schema(engine: Engine, url: URL, create: bool = True) -> int:
    """Create the tables in an empty database, migrate an older one, refuse a foreign one."""
    with Session(engine) as session, session.begin():
        tables = set(inspect(session.connection()).get_table_names())
        if MetaRow.__tablename__ not in tables:
            if not tables and not create:
                raise NoRegistryError(
                    f"The database {shown(url)} is empty: no registry has been written there.",
                    "Check the URL; hpx.Registry(url) creates a new registry.",
                )
            if tables:
                raise NotARegistryError(
                    f"The database {shown(url)} has tables {sorted(tables)[:8]} but is not an "
                    "hpxplore registry.",
                    "Point hpx.Registry at a new file or an empty database.",
                )
            Base.metadata.create_all(session.connection())
            session.add_all(
                [
                    MetaRow(key="schema_version", value=str(SCHEMA_VERSION)),
                    MetaRow(key="created_at", value=dt.datetime.now(dt.UTC).isoformat()),
                ]
            )
            return SCHEMA_VERSION
        row = session.get(MetaRow, "schema_version")
        version = _version(row.value if row is not None else "0", url)
        if version > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"The registry {shown(url)} has schema version {version}; this hpxplore "
                f"reads up to {SCHEMA_VERSION}.",
                "Upgrade hpxplore (pip install -U hpxplore).",
            )
        if version < 1:
            raise NotARegistryError(
                f"The registry {shown(url)} has no readable schema version.", "Use a new file."
            )
        while version < SCHEMA_VERSION:
            MIGRATIONS[version](session)  # type: ignore[operator]
            version += 1
            session.merge(MetaRow(key="schema_version", value=str(version)))
        missing = sorted(REQUIRED_TABLES - tables)
        if missing:
            raise RegistryDamagedError(
                f"The registry {shown(url)} has lost table(s) {missing}: its studies or trials "
                "are gone from it, so it is not opened (nothing was changed).",
                "Restore the registry from a backup; hpx.Registry(new_path) starts a new one.",
            )
        Base.metadata.create_all(session.connection())  # tables added by this release
        return version


def _version(text: str, url: URL) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        raise RegistryDamagedError(
            f"The registry {shown(url)} has an unreadable schema version {text!r}.",
            "Restore the registry from a backup; hpx.Registry(new_path) starts a new one.",
        ) from None


def open_engine(
    location: str | os.PathLike[str] | None, *, create: bool = True
) -> tuple[Engine, URL]:
    """Open (creating if needed and ``create``) the registry; errors name the location and fix."""
    url = resolve_url(location, create=create)
    kwargs: dict = {"json_serializer": functools.partial(json.dumps, allow_nan=False)}
    if url.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"timeout": _SQLITE_TIMEOUT_S}
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(url, **kwargs)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise RegistryConnectionError(
            f"No database driver for {shown(url)}: {exc}.",
            "Install the driver, e.g. pip install 'hpxplore[postgres]' for PostgreSQL.",
        ) from None
    if url.get_backend_name() == "sqlite":
        _configure_sqlite(engine, _read_only(url))
    try:
        try:
            _init_schema(engine, url, create)
        except IntegrityError:  # another process created the tables at the same moment
            _init_schema(engine, url, create)
    except HpxploreError:
        engine.dispose()
        raise
    except OperationalError as exc:
        engine.dispose()
        raise RegistryConnectionError(
            f"Cannot connect to the registry at {shown(url)}: {_reason(exc, url)}",
            "Check that the server is running and the URL (host, port, user, database) is right.",
        ) from None
    except DatabaseError as exc:
        engine.dispose()
        if "malformed" in str(exc.orig):
            raise RegistryDamagedError(
                f"The registry at {shown(url)} is damaged: {_reason(exc, url)}.",
                "Restore it from a backup, or keep what is readable with the sqlite3 shell's "
                "'.recover' into a new file (the damaged one is left untouched).",
            ) from None
        raise NotARegistryError(
            f"{shown(url)} is not an hpxplore registry: {_reason(exc, url)}.",
            "Point hpx.Registry at a new file (the damaged one is left untouched).",
        ) from None
    return engine, url
