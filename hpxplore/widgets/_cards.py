"""Small HTML building blocks shared by the views; every user string is escaped."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as W

from hpxplore.exceptions import HpxploreError
from hpxplore.viz import escape, fit_verdict

__all__ = ["error_card", "fill_width", "guarded", "html_table", "note", "verdict_html"]


def note(text: str, kind: str = "info", css: str = "") -> W.HTML:
    """A coloured box; ``text`` is trusted HTML (escape what goes into it)."""
    colours = {"info": "#eef4fb", "warning": "#fff4e5", "error": "#fdecea", "ok": "#edf7ed"}
    box = W.HTML(
        f'<div style="background:{colours[kind]};padding:8px 12px;border-radius:4px">{text}</div>'
    )
    if css:
        box.add_class(css)
    return box


def error_card(title: str, error: BaseException) -> W.HTML:
    """A failing panel shows this instead of a traceback that kills the dashboard.

    ``title`` says what failed, e.g. "The Pareto view could not be drawn".
    """
    hint = getattr(error, "hint", "") if isinstance(error, HpxploreError) else ""
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    text = f"<b>{escape(title)}.</b><br>{escape(message)}"
    if hint:
        text += f"<br><i>{escape(hint)}</i>"
    return note(text, "error", "hpx-error-card")


def guarded(title: str, build: Callable[[], W.Widget]) -> W.Widget:
    """``build()``, or an error card saying the ``title`` panel could not be shown."""
    try:
        return build()
    except Exception as error:
        return error_card(f"The {title} panel could not be shown", error)


_LEVEL_COLOURS = {"ok": "#2e7d32", "warning": "#b26a00", "error": "#c62828"}


def verdict_html(r2: float) -> str:
    """A model's fit in words (``viz.fit_verdict``), coloured by how far to trust it."""
    level, words = fit_verdict(r2)
    return f"<span style='color:{_LEVEL_COLOURS[level]}'>{escape(words)}</span>"


def fill_width(figure: Any) -> None:
    """Size a plotly FigureWidget to its container: plotly does so on relayout({autosize:
    true}), as a window resize would. Set twice, since an unchanged value is never sent.
    Sent from the kernel, it reaches the page even while the kernel is busy running trials."""
    figure.layout.autosize = False
    figure.layout.autosize = True


def html_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """An HTML table; every cell is escaped."""
    head = "".join(f"<th style='text-align:left;padding:2px 8px'>{escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td style='padding:2px 8px'>{escape(v)}</td>" for v in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
