"""Projected gains: each recommendation's gain over the baseline with its 95 % interval; with
several objectives, each pick's projected place in objective space against the close
studies' Pareto fronts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd
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


def recommendations_figure(
    recs: Recommendations,
    metric: str | None = None,
    fronts: Mapping[str, pd.DataFrame] | None = None,
) -> go.Figure:
    """Gain on ``metric`` (default: the first projected one), one row per recommendation;
    with several objectives (and no ``metric``), the picks in the plane of the first two,
    over ``fronts`` (study name -> its Pareto-optimal trials)."""
    items = list(recs)
    objectives = next((r.objectives for r in items if getattr(r, "objectives", None)), {})
    if metric is None and len(objectives) > 1 and _projected(items, list(objectives)[:2]):
        return _objective_space(items, objectives, fronts or {})
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


def _projected(items: list[Any], metrics: list[str]) -> list[Any]:
    return [r for r in items if all(m in r.projected for m in metrics)]


def _better(direction: str) -> str:
    return "higher is better" if direction == "maximize" else "lower is better"


def _objective_space(
    items: list[Any], objectives: Mapping[str, str], fronts: Mapping[str, pd.DataFrame]
) -> go.Figure:
    """Each pick's projected values of the first two objectives with their 95 % intervals,
    over the close studies' fronts."""
    x, y = list(objectives)[:2]
    fig = go.Figure()
    for study, front in fronts.items():
        if x not in front or y not in front or front.empty:
            continue
        ordered = front.sort_values(x)
        fig.add_scatter(
            x=ordered[x],
            y=ordered[y],
            mode="lines+markers",
            line={"color": "#c7c7c7", "shape": "hv", "width": 1},
            marker={"size": 5, "color": "#c7c7c7"},
            name=f"front of {escape(study)}",
            hovertemplate=f"{escape(study)}: {escape(x)} %{{x:.4g}}, {escape(y)} %{{y:.4g}}"
            "<extra></extra>",
        )
    for r in _projected(items, [x, y]):
        px, py = r.projected[x], r.projected[y]
        fig.add_scatter(
            x=[px["mean"]],
            y=[py["mean"]],
            mode="markers+text",
            text=[f"#{r.rank}"],
            textposition="top center",
            marker={"size": 12, "color": _COLOURS.get(r.kind, "#333")},
            error_x={
                "type": "data", "symmetric": False,
                "array": [px["high"] - px["mean"]], "arrayminus": [px["mean"] - px["low"]],
            },
            error_y={
                "type": "data", "symmetric": False,
                "array": [py["high"] - py["mean"]], "arrayminus": [py["mean"] - py["low"]],
            },
            name=f"#{r.rank} {r.kind}",
            hovertemplate=(
                f"#{r.rank} {r.kind}<br>{escape(x)} %{{x:.4g}} ({px['low']:.4g} to "
                f"{px['high']:.4g})<br>{escape(y)} %{{y:.4g}} ({py['low']:.4g} to "
                f"{py['high']:.4g})<extra></extra>"
            ),
        )  # fmt: skip
    fig.update_layout(
        title="Projected place of each pick (95 % intervals) against the close studies' fronts",
        xaxis_title=f"{escape(x)} ({_better(objectives[x])})",
        yaxis_title=f"{escape(y)} ({_better(objectives[y])})",
        height=420,
        margin={"l": 10, "r": 10, "t": 50, "b": 40},
    )
    return fig
