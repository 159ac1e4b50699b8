"""Progress over trials: did the study get better, and did the transferred trials help?

One objective: the best feasible value so far. Two objectives: the hypervolume of the
feasible trials so far, against a reference point of the worst feasible values seen (the
objective thresholds where there are some); with more, the first objective's best. Every
completed trial is drawn with its origin's marker, so the transferred trials' part of the
curve is plain to see.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from hpxplore.objectives import Constraint, primary
from hpxplore.pareto import feasible_mask, hypervolume_2d
from hpxplore.viz._pareto import GROUPS, _group
from hpxplore.viz._text import escape

__all__ = ["ProgressInfo", "progress_figure", "progress_info"]


@dataclass(frozen=True)
class ProgressInfo:
    measure: str  # what the curve is: "best <metric>" or "hypervolume"
    curve: pd.DataFrame  # trial_index, value (NaN before the first feasible trial)
    points: pd.DataFrame  # trial_index, value (the trial's own), group, feasible
    feasible: int
    completed: int
    transferred_share: float | None  # of the final improvement, reached by transferred trials


def progress_info(
    trials: pd.DataFrame, objectives: Mapping[str, str], constraints: Sequence[Constraint] = ()
) -> ProgressInfo:
    """What the progress view draws, from a study's ``trials`` table."""
    done = trials[trials["status"] == "completed"].sort_values("trial_index", kind="stable")
    done = done.reset_index(drop=True)
    ok = feasible_mask(done, constraints).to_numpy() if len(done) else np.zeros(0, bool)
    names = list(objectives)
    if len(names) == 2:
        measure, values = "hypervolume", _hypervolumes(done, objectives, constraints, ok)
        own = [np.nan] * len(done)  # a trial has no hypervolume of its own
    else:
        metric, direction = primary(objectives)
        measure = f"best {metric}"
        raw = (
            pd.to_numeric(done[metric], errors="coerce").to_numpy(dtype=float)
            if len(done)
            else np.zeros(0)
        )
        sign = 1.0 if direction == "maximize" else -1.0
        masked = np.where(ok & np.isfinite(raw), sign * raw, -np.inf)
        running = np.maximum.accumulate(masked) if len(masked) else masked
        values = np.where(np.isfinite(running), sign * running, np.nan)
        own = raw
    curve = pd.DataFrame({"trial_index": done["trial_index"].astype(int), "value": values})
    points = pd.DataFrame(
        {
            "trial_index": done["trial_index"].astype(int),
            "value": own,
            "group": [_group(o) for o in done.get("origin", pd.Series([None] * len(done)))],
            "feasible": ok,
        }
    )
    return ProgressInfo(
        measure, curve, points, int(ok.sum()), len(done), _transferred_share(curve, points)
    )


def _hypervolumes(
    done: pd.DataFrame,
    objectives: Mapping[str, str],
    constraints: Sequence[Constraint],
    ok: np.ndarray,
) -> np.ndarray:
    names, directions = list(objectives), list(objectives.values())
    values = (
        done[names].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        if len(done)
        else np.zeros((0, 2))
    )
    usable = ok & np.isfinite(values).all(axis=1)
    if not usable.any():
        return np.full(len(done), np.nan)
    worst = [
        values[usable, j].min() if d == "maximize" else values[usable, j].max()
        for j, d in enumerate(directions)
    ]
    for c in constraints:  # an objective threshold bounds the hypervolume where there is one
        if c.metric in names:
            worst[names.index(c.metric)] = c.bound
    out = np.full(len(done), np.nan)
    for i in range(len(done)):
        seen = usable[: i + 1]
        if seen.any():
            out[i] = hypervolume_2d(values[: i + 1][seen], directions, worst)
    return out


def _transferred_share(curve: pd.DataFrame, points: pd.DataFrame) -> float | None:
    """The part of the run's improvement (first feasible value to last) reached while only
    transferred trials had run; ``None`` without transferred trials or improvement."""
    values = curve["value"].to_numpy(dtype=float)
    seen = np.flatnonzero(np.isfinite(values))
    transferred = points["group"].to_numpy() == "transferred"
    if not seen.size or not transferred.any():
        return None
    first, last = values[seen[0]], values[-1]
    span = last - first
    after = np.flatnonzero(transferred)
    reached = values[after[-1]] if after[-1] >= seen[0] else np.nan
    if not np.isfinite(reached) or span == 0:
        return None
    return float(np.clip((reached - first) / span, 0.0, 1.0))


def progress_figure(info: ProgressInfo) -> go.Figure:
    fig = go.Figure()
    fig.add_scatter(
        x=info.curve["trial_index"],
        y=info.curve["value"],
        mode="lines",
        line={"shape": "hv", "width": 3, "color": "#4c78a8"},
        name=escape(info.measure) + " so far",
    )
    if info.points["value"].notna().any():
        for group, (label, symbol) in GROUPS.items():
            part = info.points[(info.points["group"] == group) & info.points["value"].notna()]
            if part.empty:
                continue
            fig.add_scatter(
                x=part["trial_index"],
                y=part["value"],
                mode="markers",
                name=escape(label),
                marker={
                    "symbol": [symbol if f else f"{symbol}-open" for f in part["feasible"]],
                    "size": 9,
                },
            )
    else:  # two objectives: mark the transferred trials on the curve itself
        marked = info.points["group"] == "transferred"
        fig.add_scatter(
            x=info.curve["trial_index"][marked],
            y=info.curve["value"][marked],
            mode="markers",
            name="transferred",
            marker={"symbol": "diamond", "size": 10},
        )
    share = (
        f"; transferred trials reached {info.transferred_share:.0%} of the improvement"
        if info.transferred_share is not None
        else ""
    )
    fig.update_layout(
        title=f"Progress: {escape(info.measure)} ({info.feasible} of {info.completed} "
        f"completed trials feasible{share})",
        xaxis_title="trial",
        yaxis_title=escape(info.measure),
        height=420,
        margin={"l": 10, "r": 10, "t": 60, "b": 40},
    )
    return fig
