"""A Study's event log: what it decided and why (transfer kept or switched off, a capped
warm start, a failed trial, a finished run), as plain JSON records that the views word."""

from __future__ import annotations

from typing import Any

from hpxplore._jsonable import jsonable

__all__ = ["EventLog"]


class EventLog:
    """Events in order, each ``{"event": name, **details}``."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, name: str, **details: Any) -> None:
        self.items.append({"event": name, **jsonable(details)})
