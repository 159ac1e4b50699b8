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

from hpxplore.exceptions import InputError
from hpxplore.objectives import Constraint
from hpxplore.pareto import feasible_mask, pareto_mask
from hpxplore.trial import metric_columns
from hpxplore.viz._text import escape, format_config

__all__ = ["GROUPS", "ParetoInfo", "pareto_figure", "pareto_info"]

GROUPS = {  # origin -> (label, marker symbol)
    "transferred": ("transferred", "diamond"),
    "quasi-random": ("quasi-random", "circle"),
    "model": ("model (Bayesian optimization)", "square"),
    "other": ("other", "triangle-up"),
}


SPREAD = 20.0  # from the median: a log axis is chosen by default beyond it


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
    log: tuple[bool, bool] = (False, False)  # log scale on x, on y (only with positive values)


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
    log_x: bool | None = None,
    log_y: bool | None = None,
) -> ParetoInfo:
    """What the Pareto view draws, from a study's ``trials`` table.

    ``log_x`` / ``log_y``: a log axis (for latencies and sizes); an ``InputError`` when the
    axis has a value <= 0. ``None`` (the default) chooses: a log axis when the values are
    positive and one of them lies ``SPREAD`` times or more from their median (an outlier
    would squash the others into a corner on a linear axis)."""
    names = list(objectives)
    if len(names) == 1:
        x, y = x or "trial_index", y or names[0]
    else:
        x, y = x or names[0], y or names[1]
    if x == y:
        raise InputError(
            f"x and y are both {x!r}: pick two different metrics.",
            f"Pass e.g. x={names[0]!r}, y={(names[1:] or ['trial_index'])[0]!r}.",
        )
    for axis, metric in (("x", x), ("y", y), ("color", color)):
        if metric is not None and metric != "trial_index" and metric not in trials:
            measured = metric_columns(trials, space)
            raise InputError(
                f"No metric {metric!r} to put on {axis}; the trials have {measured}.",
                f"Pass {axis}= one of {measured}, or 'trial_index'.",
            )
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
    log_x = _spread(points["x"]) if log_x is None and x != "trial_index" else bool(log_x)
    log_y = _spread(points["y"]) if log_y is None else bool(log_y)
    for axis, wanted in (("x", log_x), ("y", log_y)):
        if wanted and len(points) and (points[axis] <= 0).any():
            metric = x if axis == "x" else y
            raise InputError(
                f"{metric!r} has values <= 0, so it cannot go on a log axis (its smallest is "
                f"{points[axis].min():.4g}).",
                f"Drop log_{axis}=True for this metric.",
            )
    return ParetoInfo(x, y, color, directions, points, front, lines, selected, (log_x, log_y))


def _spread(values: pd.Series) -> bool:
    """Positive values, one of them ``SPREAD`` times or more from their median."""
    values = values.to_numpy(dtype=float)
    if len(values) < 3 or not np.isfinite(values).all() or (values <= 0).any():
        return False
    median = float(np.median(values))
    return bool(values.max() >= SPREAD * median or values.min() <= median / SPREAD)


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
    """Trials by origin (filled: feasible, open: infeasible), the frontier as a line.

    With a colour metric every point is coloured on one scale (one colour bar), infeasible
    ones too; without, feasible points take their origin's colour and infeasible ones grey.
    """
    fig = go.Figure()
    p = info.points
    colored = info.color is not None and p["color"].notna().any()
    low, high = (p["color"].min(), p["color"].max()) if colored else (None, None)
    shown_scale = False
    for feasible in (True, False):
        for origin, (label, symbol) in GROUPS.items():
            part = p[(p["group"] == origin) & (p["feasible"] == feasible)]
            if part.empty:
                continue
            marker: dict[str, Any] = {
                "symbol": symbol if feasible else f"{symbol}-open",
                "size": 10 if feasible else 9,
                "line": {"width": 1 if feasible else 2},
            }
            if colored:
                marker.update(
                    color=part["color"],
                    colorscale="Viridis",
                    cmin=low,
                    cmax=high,
                    showscale=not shown_scale,
                    colorbar={"title": {"text": escape(info.color)}, "x": 1.02, "len": 0.8},
                )
                shown_scale = True
            elif not feasible:
                marker["color"] = "grey"
            fig.add_scatter(
                x=part["x"],
                y=part["y"],
                mode="markers",
                name=label if feasible else f"{label}, infeasible",
                legendgroup=origin,
                marker=marker,
                customdata=part["trial_index"],
                hovertext=part["hover"] if feasible else "infeasible: " + part["hover"],
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
        xaxis_type="log" if info.log[0] else "linear",
        yaxis_type="log" if info.log[1] else "linear",
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
