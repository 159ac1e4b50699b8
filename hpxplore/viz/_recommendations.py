"""Projected gains: each recommendation's gain over the baseline with its 95 % interval."""

from __future__ import annotations

from typing import TYPE_CHECKING

import plotly.graph_objects as go

from hpxplore.viz._text import escape

if TYPE_CHECKING:
    from hpxplore.transfer import Recommendations

__all__ = ["recommendations_figure"]

_COLOURS = {
    "generated": "#54a24b",
    "conservative": "#4c78a8",
    "trade-off": "#b279a2",
    "aggressive": "#e45756",
    "exploratory": "#72b7b2",
    "baseline": "#9d9d9d",
}


def recommendations_figure(recs: Recommendations, metric: str | None = None) -> go.Figure:
    """Gain on ``metric`` (default: the first projected one), one row per recommendation."""
    items = list(recs)
    metric = metric or next((m for r in items for m in r.gain), None)
    fig = go.Figure()
    if metric is None:  # cold start: nothing was projected
        fig.update_layout(title=f"No projections: {escape(recs.reason)}", height=200)
        return fig
    for r in items:
        g = r.gain.get(metric)
        if g is None:
            continue
        fig.add_scatter(
            x=[g["mean"]],
            y=[f"#{r.rank} {r.kind}"],
            mode="markers",
            marker={"size": 12, "color": _COLOURS.get(r.kind, "#333")},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [g["high"] - g["mean"]],
                "arrayminus": [g["mean"] - g["low"]],
            },
            name=r.kind,
            showlegend=False,
            hovertemplate=(
                f"gain %{{x:+.4g}} (95 % interval {g['low']:+.4g} to {g['high']:+.4g})"
                "<extra></extra>"
            ),
        )
    fig.add_vline(x=0, line_color="grey", line_dash="dot")
    fig.update_layout(
        title=f"Projected gain in {escape(metric)} over the baseline (95 % interval)",
        yaxis={"autorange": "reversed"},
        xaxis_title=f"{escape(metric)} gain",
        height=max(240, 60 + 40 * len(items)),
        margin={"l": 10, "r": 10, "t": 50, "b": 40},
    )
    return fig
