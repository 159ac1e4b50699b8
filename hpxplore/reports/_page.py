"""One self-contained HTML page: text escaped, tables, figures drawn by plotly.js inlined
once, a stylesheet for phones and for print, and a policy that forbids any network request."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import pandas as pd

import hpxplore
from hpxplore.viz import escape as text

__all__ = ["Page"]

# No request leaves the page: everything it needs is inline (plotly.js evaluates code).
_POLICY = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'unsafe-inline'; img-src data: blob:; font-src data:"
)

_STYLE = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328;
       max-width: 64rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.2rem; margin-top: 2rem;
  border-bottom: 1px solid #d0d7de; } h3 { font-size: 1rem; margin-bottom: .3rem; }
.meta { color: #57606a; } .note { color: #57606a; font-size: .9rem; }
.scroll { overflow-x: auto; } table { border-collapse: collapse; font-size: .85rem; }
th, td { border: 1px solid #d0d7de; padding: .2rem .45rem; text-align: left;
  vertical-align: top; } th { background: #f6f8fa; }
.card { border: 1px solid #d0d7de; border-radius: 6px; padding: .5rem .8rem; margin: .8rem 0; }
.accepted { border-left: 5px solid #1a7f37; } .rejected { border-left: 5px solid #cf222e; }
.flag { color: #9a6700; font-weight: 600; } .figure { width: 100%; min-height: 300px; }
code, pre { font-size: .85rem; white-space: pre-wrap; word-break: break-word; }
@media (max-width: 600px) { body { font-size: 14px; padding: .5rem; } }
@media print { body { max-width: none; } .card, .figure, table { break-inside: avoid; }
  h2 { break-after: avoid; } a { color: inherit; text-decoration: none; } }
"""


class Page:
    """Sections of escaped text, tables and figures; :meth:`render` makes the file."""

    def __init__(self, title: str, subtitle: str = "") -> None:
        self.title, self.subtitle = title, subtitle
        self.parts: list[str] = []
        self.figures = 0

    def heading(self, title: str, level: int = 2) -> None:
        self.parts.append(f"<h{level}>{text(title)}</h{level}>")

    def paragraph(self, words: str, css: str = "") -> None:
        attribute = f' class="{css}"' if css else ""
        self.parts.append(f"<p{attribute}>{text(words)}</p>")

    def items(self, lines: Iterable[str]) -> None:
        body = "".join(f"<li>{text(line)}</li>" for line in lines)
        self.parts.append(f"<ul>{body}</ul>")

    def pairs(self, facts: Mapping[str, Any]) -> None:
        """A two-column table: name, value."""
        rows = "".join(
            f"<tr><th>{text(k)}</th><td>{text(_shown(v))}</td></tr>" for k, v in facts.items()
        )
        self.parts.append(f'<div class="scroll"><table>{rows}</table></div>')

    def table(self, frame: pd.DataFrame, empty: str = "Nothing recorded.") -> None:
        if frame.empty:
            self.paragraph(empty, "note")
            return
        shown = frame.map(_shown)
        body = shown.to_html(index=False, escape=True, border=0, na_rep="")
        self.parts.append(f'<div class="scroll">{body}</div>')

    def figure(self, fig: Any) -> None:
        from hpxplore.viz import figure_html

        self.figures += 1
        self.parts.append(f'<div class="figure">{figure_html(fig)}</div>')

    def card(self, css: str, build: Callable[[Page], None]) -> None:
        """A bordered block; ``build(page)`` fills it."""
        start = len(self.parts)
        build(self)
        inner = "".join(self.parts[start:])
        del self.parts[start:]
        self.parts.append(f'<div class="card {text(css)}">{inner}</div>')

    def render(self) -> str:
        from hpxplore.viz import plotly_script

        made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        script = plotly_script() if self.figures else ""
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{_POLICY}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{text(self.title)}</title><style>{_STYLE}</style>{script}</head><body>"
            f"<h1>{text(self.title)}</h1>"
            f'<p class="meta">{text(self.subtitle)} Made {made} by hpxplore '
            f"{text(hpxplore.__version__)}; this file needs no network and no Jupyter.</p>"
            + "\n".join(self.parts)
            + "</body></html>\n"
        )


def _shown(value: Any) -> str:
    """A cell as text: floats to 4 significant digits, mappings as ``k = v`` lists."""
    if isinstance(value, float):
        return "" if value != value else f"{value:.4g}"
    if isinstance(value, Mapping):
        return "; ".join(f"{k} = {_shown(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_shown(v) for v in value)
    return "" if value is None else str(value)
