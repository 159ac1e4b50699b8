"""The audit's figure: per tag value, how often transfer helped and whether the projected
95 % intervals held (calibration), against the 95 % they promise."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from hpxplore.viz._text import escape

__all__ = ["audit_figure"]


def audit_figure(table: pd.DataFrame, by: str) -> go.Figure:
    """Bars of ``helped`` and ``coverage`` per value of ``by`` (a ``Registry.audit`` table
    over the whole time), the 95 % coverage an honest interval gives as a line."""
    fig = go.Figure()
    labels = [escape(v) for v in table[by]]
    fig.add_bar(x=labels, y=table["helped"], name="helped (share of transferred trials)")
    fig.add_bar(x=labels, y=table["coverage"], name="realized inside the projected 95 % interval")
    fig.add_hline(y=0.95, line_dash="dash", annotation_text="95 %: calibrated")
    fig.update_layout(
        barmode="group",
        title=f"Transfer per {escape(by)}: how often it helped, whether its intervals held",
        yaxis={"range": [0, 1.05], "tickformat": ".0%"},
        legend={"orientation": "h", "y": -0.2},
        height=380,
        margin={"l": 50, "r": 20, "t": 60, "b": 40},
    )
    return fig
