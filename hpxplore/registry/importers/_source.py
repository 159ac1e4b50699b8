"""A database an importer reads from: there, and answering, before the other tool touches it.

MLflow and Optuna create a missing SQLite file (a read that writes) and retry a refused
connection for minutes; an import checks first and stops at once with the cause.
"""

from __future__ import annotations

import os

from hpxplore._secrets import redact
from hpxplore.exceptions import InputError

__all__ = ["check_database"]

_DATABASES = ("sqlite", "postgresql", "mysql", "mssql", "oracle")
_CONNECT_TIMEOUT_S = 10


def check_database(uri: str, what: str, example: str) -> None:
    """Refuse a missing SQLite file or a database that does not answer (other URIs, such
    as a tracking server's ``http://``, are left to their tool)."""
    scheme = uri.split("://", 1)[0].split("+", 1)[0].lower() if "://" in uri else ""
    if scheme not in _DATABASES:
        return
    from sqlalchemy import create_engine, make_url
    from sqlalchemy.exc import SQLAlchemyError

    shown = redact(uri)
    if scheme == "sqlite":
        path = make_url(uri).database
        if path and path != ":memory:" and not os.path.isfile(path):
            raise InputError(
                f"No {what} at {shown!r}: the file {os.path.abspath(path)!r} does not exist "
                "(nothing was created).",
                f"Check the path: it is relative to the current folder ({os.getcwd()}); "
                f"e.g. {example}.",
            )
        return
    engine = create_engine(uri, connect_args={"connect_timeout": _CONNECT_TIMEOUT_S})
    try:
        with engine.connect():
            pass
    except SQLAlchemyError as exc:
        reason = redact(str(getattr(exc, "orig", exc)).strip().splitlines()[0])
        raise InputError(
            f"Cannot connect to the {what} {shown!r}: {reason}.",
            "Check the user, password, host and database of the URI.",
        ) from None
    finally:
        engine.dispose()
