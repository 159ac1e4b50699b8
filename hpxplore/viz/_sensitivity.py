"""Sensitivity: Sobol indices per objective, first and total order, one panel per objective."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from hpxplore.viz._text import escape

__all__ = ["sensitivity_figure"]


def sensitivity_figure(indices: pd.DataFrame) -> go.Figure:
    """From ``Study.sensitivity()``: columns ``metric, parameter, first_order, total_order``
    and, when known, ``fit_r2`` (each panel's title gives the model's fit)."""
    metrics = list(dict.fromkeys(indices["metric"])) or [""]
    fit = indices.drop_duplicates("metric").set_index("metric").get("fit_r2", pd.Series())
    titles = [
        escape(m) + (f" (model fit R² {fit[m]:.2f})" if m in fit and fit[m] == fit[m] else "")
        for m in metrics
    ]
    fig = make_subplots(rows=1, cols=len(metrics), subplot_titles=titles, shared_yaxes=True)
    for col, metric in enumerate(metrics, 1):
        part = indices[indices["metric"] == metric].sort_values("total_order")
        for order, colour in (("first_order", "#4c78a8"), ("total_order", "#f58518")):
            fig.add_bar(
                x=part[order],
                y=[escape(p) for p in part["parameter"]],
                orientation="h",
                name=order.replace("_", " "),
                marker_color=colour,
                showlegend=col == 1,
                legendgroup=order,
                row=1,
                col=col,
            )
    fig.update_layout(
        title="Which parameters matter (Sobol indices on Ax's model)",
        barmode="group",
        height=max(300, 80 + 40 * indices["parameter"].nunique()),
        margin={"l": 10, "r": 10, "t": 70, "b": 30},
    )
    fig.update_xaxes(range=[0, 1], title_text="share of variance")
    return fig
