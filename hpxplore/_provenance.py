"""Provenance: who made a record, when, and with which code and library versions."""

from __future__ import annotations

import datetime as dt
import functools
import getpass
import platform
import sys
from collections.abc import Mapping
from importlib import metadata
from typing import Any

from hpxplore._jsonable import jsonable
from hpxplore._secrets import redact_values

__all__ = ["current_user", "now_utc", "provenance"]

_LIBRARIES = (
    "hpxplore",
    "numpy",
    "pandas",
    "scikit-learn",
    "sqlalchemy",
    "ax-platform",
    "botorch",
    "torch",
)


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


@functools.lru_cache(maxsize=1)
def _library_versions() -> tuple[tuple[str, str], ...]:
    versions = {}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return tuple(versions.items())  # read once per process: a lookup costs milliseconds


def _versions() -> dict[str, str]:
    return dict(_library_versions())


def provenance(extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The environment's provenance, with ``extra`` (dataset version, seed, ...) on top."""
    record = {
        "created_at": now_utc().isoformat(),
        "user": current_user(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "libraries": _versions(),
    }
    record.update(redact_values(jsonable(dict(extra or {}))))  # no credential is stored
    return record
