"""Trials in objective space: the frontier, feasibility, constraints and where trials came from.

Two objectives on the axes (a third as colour); with a single objective, the objective
against the trial index, the frontier being the best-so-far line. Only observed values
are drawn: nothing here fits a model, so a redraw after each trial is cheap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from hpxplore.objectives import Constraint
from hpxplore.pareto import feasible_mask, pareto_mask
from hpxplore.viz._text import escape, format_config

__all__ = ["GROUPS", "ParetoInfo", "pareto_figure", "pareto_info"]

GROUPS = {  # origin -> (label, marker symbol)
    "transferred": ("transferred", "diamond"),
    "quasi-random": ("quasi-random", "circle"),
    "model": ("model (Bayesian optimization)", "square"),
    "other": ("other", "triangle-up"),
}


@dataclass(frozen=True)
class ParetoInfo:
    x: str  # a metric, or "trial_index" with a single objective
    y: str
    color: str | None
    directions: dict[str, str]
    points: pd.DataFrame  # trial_index, x, y, color, group, feasible, on_front, hover
    front: pd.DataFrame  # the frontier's points, in drawing order
    constraint_lines: list[tuple[str, float, str]]  # ("x" | "y", value, label)
    selected: int | None


def pareto_info(
    trials: pd.DataFrame,
    objectives: Mapping[str, str],
    constraints: Sequence[Constraint] = (),
    *,
    x: str | None = None,
    y: str | None = None,
    color: str | None = None,
    space: Sequence[str] = (),
    selected: int | None = None,
) -> ParetoInfo:
    """What the Pareto view draws, from a study's ``trials`` table."""
    names = list(objectives)
    if len(names) == 1:
        x, y = x or "trial_index", y or names[0]
    else:
        x, y = x or names[0], y or names[1]
    for axis, metric in (("x", x), ("y", y), ("color", color)):
        if metric is not None and metric != "trial_index" and metric not in trials:
            raise KeyError(f"No metric {metric!r} to put on {axis}; the trials have {names}.")
    done = trials[trials["status"] == "completed"].dropna(subset=[c for c in (x, y) if c])
    done = done.reset_index(drop=True)
    feasible = feasible_mask(done, constraints).to_numpy() if len(done) else np.array([], bool)
    directions = {m: objectives.get(m, "minimize") for m in (x, y) if m != "trial_index"}
    on_front = np.zeros(len(done), dtype=bool)
    if len(done) and feasible.any():
        if x == "trial_index":
            on_front = _best_so_far(done, y, directions[y], feasible)
        else:
            values = done.loc[feasible, [x, y]].to_numpy(dtype=float)
            on_front[np.flatnonzero(feasible)] = pareto_mask(values, [directions[x], directions[y]])
    metrics = [m for m in objectives if m in done] + [
        c.metric for c in constraints if c.metric in done and c.metric not in objectives
    ]
    points = pd.DataFrame(
        {
            "trial_index": done["trial_index"].astype(int) if len(done) else [],
            "x": done[x].astype(float) if len(done) else [],
            "y": done[y].astype(float) if len(done) else [],
            "color": done[color].astype(float) if color and len(done) else np.nan,
            "group": [_group(o) for o in done.get("origin", pd.Series(dtype=object))]
            if "origin" in done
            else ["other"] * len(done),
            "feasible": feasible,
            "on_front": on_front,
            "hover": [_hover(row, space, metrics) for row in done.to_dict("records")],
        }
    )
    front = points[points["on_front"]].sort_values("x")
    lines = [
        ("x" if c.metric == x else "y", c.bound, f"{escape(c.metric)} {c.op} {c.bound:g}")
        for c in constraints
        if c.metric in (x, y)
    ]
    return ParetoInfo(x, y, color, directions, points, front, lines, selected)


def _group(origin: Any) -> str:
    return origin if origin in GROUPS else "other"


def _best_so_far(done: pd.DataFrame, metric: str, direction: str, feasible: np.ndarray):
    """Trials that improved on every earlier feasible trial (a single objective's frontier)."""
    order = np.argsort(done["trial_index"].to_numpy(), kind="stable")
    out = np.zeros(len(done), dtype=bool)
    best = None
    for i in order:
        if not feasible[i]:
            continue
        value = float(done[metric].iloc[i])
        if best is None or (value > best if direction == "maximize" else value < best):
            best, out[i] = value, True
    return out


def _hover(row: Mapping[str, Any], space: Sequence[str], metrics: Sequence[str]) -> str:
    head = f"trial {int(row['trial_index'])} ({escape(row.get('origin', ''))})"
    config = format_config({p: row[p] for p in space if p in row})
    values = format_config({m: row[m] for m in metrics if m in row})
    return "<br>".join(part for part in (head, values, config) if part)


def pareto_figure(info: ParetoInfo) -> go.Figure:
    """Feasible trials by origin, infeasible ones as crosses, the frontier as a line."""
    fig = go.Figure()
    p = info.points
    colored = info.color is not None and p["color"].notna().any()
    shown_scale = False
    for origin, (label, symbol) in GROUPS.items():
        part = p[(p["group"] == origin) & p["feasible"]]
        if part.empty:
            continue
        marker: dict[str, Any] = {"symbol": symbol, "size": 10, "line": {"width": 1}}
        if colored:
            marker.update(
                color=part["color"],
                colorscale="Viridis",
                showscale=not shown_scale,
                colorbar={"title": escape(info.color)},
            )
            shown_scale = True
        fig.add_scatter(
            x=part["x"],
            y=part["y"],
            mode="markers",
            name=label,
            marker=marker,
            customdata=part["trial_index"],
            hovertext=part["hover"],
            hoverinfo="text",
        )
    bad = p[~p["feasible"]]
    if not bad.empty:
        fig.add_scatter(
            x=bad["x"],
            y=bad["y"],
            mode="markers",
            name="infeasible",
            marker={"symbol": "x", "size": 9, "color": "grey"},
            customdata=bad["trial_index"],
            hovertext=bad["hover"],
            hoverinfo="text",
        )
    if not info.front.empty:
        fig.add_scatter(
            x=info.front["x"],
            y=info.front["y"],
            mode="lines",
            line={"shape": "hv" if info.x == "trial_index" else "linear", "color": "crimson"},
            name="best so far" if info.x == "trial_index" else "Pareto front",
            hoverinfo="skip",
        )
    chosen = p[p["trial_index"] == info.selected] if info.selected is not None else p.iloc[:0]
    if not chosen.empty:
        fig.add_scatter(
            x=chosen["x"],
            y=chosen["y"],
            mode="markers",
            name=f"selected: trial {info.selected}",
            marker={"symbol": "star", "size": 20, "color": "gold", "line": {"width": 1.5}},
            customdata=chosen["trial_index"],
            hoverinfo="skip",
        )
    for axis, value, label in info.constraint_lines:
        add = fig.add_vline if axis == "x" else fig.add_hline
        add(value, line_dash="dot", line_color="firebrick", annotation_text=label)
    fig.update_layout(
        title="Trials in objective space" if info.x != "trial_index" else "Trials so far",
        xaxis_title=_axis_title(info.x, info.directions),
        yaxis_title=_axis_title(info.y, info.directions),
        legend={"orientation": "h", "y": -0.2},
        height=480,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        clickmode="event",
    )
    return fig


def _axis_title(metric: str, directions: Mapping[str, str]) -> str:
    if metric == "trial_index":
        return "trial"
    arrow = {"maximize": " (higher is better)", "minimize": " (lower is better)"}
    return escape(metric) + arrow.get(directions.get(metric, ""), "")
