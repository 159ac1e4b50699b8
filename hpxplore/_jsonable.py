"""Turn values into plain JSON: numpy scalars to Python, NaN and infinities to None."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = ["jsonable"]


def jsonable(value: Any) -> Any:
    """A copy of ``value`` that ``json.dumps(..., allow_nan=False)`` accepts."""
    if (
        hasattr(value, "item")
        and not isinstance(value, (str, bytes))
        and getattr(value, "ndim", 0) == 0
    ):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)) or hasattr(value, "tolist"):
        items = value.tolist() if hasattr(value, "tolist") else list(value)
        return [jsonable(v) for v in items]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
