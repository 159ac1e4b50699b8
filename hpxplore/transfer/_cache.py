"""Fitted models kept for the registry state they were fitted on: a second ``recommend``
on an unchanged registry (another ``n``, a new baseline, a rerun cell) does not refit them.

A key names every input of a fit: each study's ``StudyRecord.version`` (name, creation and
last change), the space, the metrics and the seed. A study that changes gets a new version,
so a stale model is never used; the oldest entries go first.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

__all__ = ["remembered"]

T = TypeVar("T")
_KEPT = 256
_FITTED: OrderedDict[Hashable, Any] = OrderedDict()


def remembered(key: Hashable, fit: Callable[[], T]) -> T:
    """``fit()``'s result, fitted once per ``key``."""
    if key in _FITTED:
        _FITTED.move_to_end(key)
        return _FITTED[key]
    value = fit()
    _FITTED[key] = value
    while len(_FITTED) > _KEPT:
        _FITTED.popitem(last=False)
    return value
