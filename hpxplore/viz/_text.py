"""User text shown in figures and widgets is escaped: names come from datasets and users."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

__all__ = ["escape", "format_config"]


def escape(value: Any) -> str:
    """``value`` as text that plotly and HTML show literally (no tags, no scripts)."""
    return html.escape(str(value), quote=True)


def format_config(config: Mapping[str, Any], sep: str = "<br>") -> str:
    """``name = value`` lines, each name and value escaped, joined by ``sep`` (trusted)."""

    def shown(v: Any) -> str:
        return f"{v:.4g}" if isinstance(v, float) else str(v)

    return sep.join(f"{escape(k)} = {escape(shown(v))}" for k, v in config.items())
