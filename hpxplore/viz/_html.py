"""Figures as HTML fragments for a page that needs no network: plotly's JavaScript inline,
once per page, and each figure a ``<div>`` that draws itself with it."""

from __future__ import annotations

import plotly.graph_objects as go

__all__ = ["figure_html", "plotly_script"]


def plotly_script() -> str:
    """A ``<script>`` element holding plotly.js itself."""
    from plotly.offline import get_plotlyjs

    return f'<script type="text/javascript">{get_plotlyjs()}</script>'


def figure_html(fig: go.Figure) -> str:
    """``fig`` as a ``<div>`` drawn by the page's :func:`plotly_script`, resizing with it."""
    return fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        include_mathjax=False,
        config={"responsive": True, "displaylogo": False},
    )
