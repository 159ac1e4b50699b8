"""Progress over trials: did the study get better, and did the transferred trials help?

One objective: the best feasible value so far. Two objectives: the hypervolume of the
feasible trials so far, against a reference point of the worst feasible values seen (the
objective thresholds where there are some); with more, the first objective's best. Every
completed trial is drawn with its origin's marker, so the transferred trials' part of the
curve is plain to see.

Two comparisons answer whether transfer paid. Studies of the *same task* (same data
fingerprint and objectives) are drawn on the same axis, one reference point for all. Studies
of *similar tasks* live on other scales, so each study's curve is put on its own: after n
trials, the share of its first N trials that its best so far matches or beats on the first
objective, N being this study's completed trials (a study that finds its best first is at
1 from the start; a random search climbs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from hpxplore.objectives import Constraint, primary
from hpxplore.pareto import feasible_mask, hypervolume
from hpxplore.viz._pareto import GROUPS, _group
from hpxplore.viz._text import escape

if TYPE_CHECKING:
    from hpxplore.registry import StudyRecord

__all__ = ["THIS_STUDY", "ProgressInfo", "comparison_note", "progress_figure", "progress_info"]

THIS_STUDY = "this study"  # the study's own row in ``ProgressInfo.comparison``
REACHED = 0.9  # the share the figure's summary counts trials to


@dataclass(frozen=True)
class ProgressInfo:
    measure: str  # what the curve is: "best <metric>" or "hypervolume"
    curve: pd.DataFrame  # trial_index, value (NaN before the first feasible trial)
    points: pd.DataFrame  # trial_index, value (the trial's own), group, feasible
    feasible: int
    completed: int
    transferred_share: float | None  # of the final improvement, reached by transferred trials
    # same task: study, trial_index, value (the same measure, the same reference point)
    baselines: pd.DataFrame = field(default_factory=lambda: _frame("study", "trial_index", "value"))
    # similar tasks and this study: study, trials (completed so far), share (see the module)
    comparison: pd.DataFrame = field(default_factory=lambda: _frame("study", "trials", "share"))
    compared_on: str | None = None  # the metric the comparison ranks by

    def trials_to(self, share: float = REACHED) -> dict[str, int | None]:
        """Per compared study (this one included): the trials it took to match or beat
        ``share`` of its first N trials; ``None`` if it never did."""
        out: dict[str, int | None] = {}
        for study, part in self.comparison.groupby("study", sort=False):
            reached = part.loc[part["share"] >= share - 1e-12, "trials"]
            out[str(study)] = int(reached.iloc[0]) if len(reached) else None
        return out


def _frame(*columns: str) -> pd.DataFrame:
    return pd.DataFrame({c: [] for c in columns})


def progress_info(
    trials: pd.DataFrame,
    objectives: Mapping[str, str],
    constraints: Sequence[Constraint] = (),
    *,
    baselines: Sequence[StudyRecord] = (),
    similar: Sequence[StudyRecord] = (),
) -> ProgressInfo:
    """What the progress view draws, from a study's ``trials`` table.

    ``baselines``: stored studies of the same task with the same objectives, judged by this
    study's constraints; ``similar``: stored studies of similar tasks, each judged by its
    own constraints (those without the first objective, in its direction, are left out).
    """
    done = _completed(trials)
    ok = feasible_mask(done, constraints).to_numpy() if len(done) else np.zeros(0, bool)
    names = list(objectives)
    others = [_completed(b.trials) for b in baselines]
    if len(names) > 1:
        measure = "hypervolume"
        seen = [(done, ok)] + [(o, feasible_mask(o, constraints).to_numpy()) for o in others]
        reference = _reference(seen, objectives, constraints)
        curves = [_hypervolumes(t, objectives, mask, reference) for t, mask in seen]
        own = [np.nan] * len(done)  # a trial has no hypervolume of its own
    else:
        metric, direction = primary(objectives)
        measure = f"best {metric}"
        curves = [_best_so_far(done, metric, direction, ok)] + [
            _best_so_far(o, metric, direction, feasible_mask(o, constraints).to_numpy())
            for o in others
        ]
        own = _numbers(done, metric)
    values = curves[0]
    curve = pd.DataFrame({"trial_index": done["trial_index"].astype(int), "value": values})
    points = pd.DataFrame(
        {
            "trial_index": done["trial_index"].astype(int),
            "value": own,
            "group": [_group(o) for o in done.get("origin", pd.Series([None] * len(done)))],
            "feasible": ok,
        }
    )
    baseline = pd.concat(
        [_frame("study", "trial_index", "value")]
        + [
            pd.DataFrame({"study": b.name, "trial_index": o["trial_index"].astype(int), "value": c})
            for b, o, c in zip(baselines, others, curves[1:], strict=True)
        ],
        ignore_index=True,
    )
    metric, direction = primary(objectives)
    comparison = _comparison(done, ok, metric, direction, similar)
    return ProgressInfo(
        measure,
        curve,
        points,
        int(ok.sum()),
        len(done),
        _transferred_share(curve, points),
        baseline,
        comparison,
        metric if not comparison.empty else None,
    )


def _completed(trials: pd.DataFrame) -> pd.DataFrame:
    done = trials[trials["status"] == "completed"].sort_values("trial_index", kind="stable")
    return done.reset_index(drop=True)


def _numbers(done: pd.DataFrame, metric: str) -> np.ndarray:
    if metric not in done:
        return np.full(len(done), np.nan)
    return pd.to_numeric(done[metric], errors="coerce").to_numpy(dtype=float)


def _best_so_far(done: pd.DataFrame, metric: str, direction: str, ok: np.ndarray) -> np.ndarray:
    sign = 1.0 if direction == "maximize" else -1.0
    masked = np.where(ok & np.isfinite(raw := _numbers(done, metric)), sign * raw, -np.inf)
    running = np.maximum.accumulate(masked) if len(masked) else masked
    return np.where(np.isfinite(running), sign * running, np.nan)


def _objective_values(done: pd.DataFrame, names: Sequence[str]) -> np.ndarray:
    return np.column_stack([_numbers(done, n) for n in names]) if len(done) else np.zeros((0, 2))


def _reference(
    seen: Sequence[tuple[pd.DataFrame, np.ndarray]],
    objectives: Mapping[str, str],
    constraints: Sequence[Constraint],
) -> list[float] | None:
    """The worst feasible value of each objective over every trial table given, or the
    objective's threshold where a constraint sets one; ``None`` with no feasible trial."""
    names, directions = list(objectives), list(objectives.values())
    usable = [
        values[ok & np.isfinite(values).all(axis=1)]
        for values, ok in ((_objective_values(t, names), mask) for t, mask in seen)
    ]
    pooled = np.vstack(usable) if usable else np.zeros((0, len(names)))
    if not len(pooled):
        return None
    worst = [
        pooled[:, j].min() if d == "maximize" else pooled[:, j].max()
        for j, d in enumerate(directions)
    ]
    for c in constraints:  # an objective threshold bounds the hypervolume where there is one
        if c.metric in names:
            worst[names.index(c.metric)] = c.bound
    return worst


def _hypervolumes(
    done: pd.DataFrame,
    objectives: Mapping[str, str],
    ok: np.ndarray,
    reference: list[float] | None,
) -> np.ndarray:
    names, directions = list(objectives), list(objectives.values())
    values = _objective_values(done, names)
    usable = ok & np.isfinite(values).all(axis=1)
    out = np.full(len(done), np.nan)
    if reference is None:
        return out
    for i in range(len(done)):
        seen = usable[: i + 1]
        if seen.any():
            out[i] = hypervolume(values[: i + 1][seen], directions, reference)
    return out


def _shares(values: np.ndarray, ok: np.ndarray, direction: str) -> np.ndarray | None:
    """After each trial: the share of the feasible trials that the best so far matches or
    beats; ``None`` without a feasible trial."""
    usable = ok & np.isfinite(values)
    if not usable.any():
        return None
    signed = (1.0 if direction == "maximize" else -1.0) * values
    running = np.maximum.accumulate(np.where(usable, signed, -np.inf))
    return (signed[usable][None, :] <= running[:, None]).mean(axis=1)


def _comparison(
    done: pd.DataFrame,
    ok: np.ndarray,
    metric: str,
    direction: str,
    similar: Sequence[StudyRecord],
) -> pd.DataFrame:
    horizon = len(done)
    rows = [_frame("study", "trials", "share")]
    own = _shares(_numbers(done, metric), ok, direction) if horizon else None
    if own is None:
        return rows[0]
    for record in similar:
        if record.objectives.get(metric) != direction:
            continue
        theirs = _completed(record.trials).head(horizon)
        mask = feasible_mask(theirs, record.constraints).to_numpy()
        shares = _shares(_numbers(theirs, metric), mask, direction)
        if shares is not None:
            rows.append(_share_rows(record.name, shares))
    if len(rows) == 1:  # nothing to compare with
        return rows[0]
    rows.insert(1, _share_rows(THIS_STUDY, own))
    return pd.concat(rows, ignore_index=True)


def _share_rows(study: str, shares: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"study": study, "trials": np.arange(1, len(shares) + 1), "share": shares})


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
    """The curve with every trial marked; the same task's other studies dashed on the same
    axis; below, when there are similar studies, the comparison on each study's own scale."""
    compared = not info.comparison.empty
    fig = (
        make_subplots(
            rows=2,
            cols=1,
            row_heights=[0.58, 0.42],
            vertical_spacing=0.2,
            subplot_titles=("", _comparison_title(info)),
        )
        if compared
        else go.Figure()
    )
    top = {"row": 1, "col": 1} if compared else {}
    fig.add_scatter(
        x=info.curve["trial_index"],
        y=info.curve["value"],
        mode="lines",
        line={"shape": "hv", "width": 3, "color": "#4c78a8"},
        name=escape(info.measure) + " so far",
        **top,
    )
    for study, part in info.baselines.groupby("study", sort=False):
        fig.add_scatter(
            x=part["trial_index"],
            y=part["value"],
            mode="lines",
            line={"shape": "hv", "width": 2, "dash": "dash"},
            name=f"{escape(study)} (same task)",
            **top,
        )
    _add_points(fig, info, top)
    if compared:
        _add_comparison(fig, info)
    share = (
        f" · transferred trials: {info.transferred_share:.0%} of the gain"
        if info.transferred_share is not None
        else ""
    )
    fig.update_layout(  # short lines: a long title is cut at the chart's width
        title=f"Progress: {escape(info.measure)}<br><sup>{info.feasible} of {info.completed} "
        f"trials feasible{share}</sup>",
        height=660 if compared else 420,
        margin={"l": 10, "r": 10, "t": 70, "b": 40},
    )
    fig.update_xaxes(title_text="trial", **top)
    fig.update_yaxes(title_text=escape(info.measure), **top)
    return fig


def _add_points(fig: go.Figure, info: ProgressInfo, where: dict[str, int]) -> None:
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
                **where,
            )
    else:  # several objectives: mark the transferred trials on the curve itself
        marked = info.points["group"] == "transferred"
        fig.add_scatter(
            x=info.curve["trial_index"][marked],
            y=info.curve["value"][marked],
            mode="markers",
            name="transferred",
            marker={"symbol": "diamond", "size": 10},
            **where,
        )


def _add_comparison(fig: go.Figure, info: ProgressInfo) -> None:
    others = info.comparison[info.comparison["study"] != THIS_STUDY]
    for i, (study, part) in enumerate(others.groupby("study", sort=False)):
        fig.add_scatter(
            x=part["trials"],
            y=part["share"],
            mode="lines",
            line={"shape": "hv", "width": 1, "color": "#b0b0b0"},
            name="similar studies",
            legendgroup="similar",
            showlegend=i == 0,
            hovertemplate=f"{escape(study)}<br>after %{{x}} trials: %{{y:.0%}}<extra></extra>",
            row=2,
            col=1,
        )
    if others["study"].nunique() > 1:
        median = others.groupby("trials")["share"].median()
        fig.add_scatter(
            x=median.index,
            y=median.to_numpy(),
            mode="lines",
            line={"shape": "hv", "width": 2, "dash": "dash", "color": "#555555"},
            name="similar studies (median)",
            row=2,
            col=1,
        )
    mine = info.comparison[info.comparison["study"] == THIS_STUDY]
    fig.add_scatter(
        x=mine["trials"],
        y=mine["share"],
        mode="lines",
        line={"shape": "hv", "width": 3, "color": "#4c78a8"},
        name="this study (share)",
        row=2,
        col=1,
    )
    fig.update_xaxes(title_text="trials completed", row=2, col=1)
    fig.update_yaxes(title_text="share matched", tickformat=".0%", range=[0, 1.05], row=2, col=1)


def _comparison_title(info: ProgressInfo) -> str:
    """Two short lines: what the panel compares, and how this study fared."""
    reached = info.trials_to()
    mine = reached.pop(THIS_STUDY, None)
    text = f"Trials to near-best: this study vs {len(reached)} similar"
    if mine is None:
        return text
    theirs = np.median([np.inf if n is None else n for n in reached.values()])
    said = f"similar studies' median: {theirs:g}" if np.isfinite(theirs) else "most never do"
    trials = "1 trial" if mine == 1 else f"{mine} trials"
    return f"{text}<br><sup>{REACHED:.0%} matched after {trials} here; {said}</sup>"


def comparison_note(info: ProgressInfo) -> str:
    """What the comparison panel measures, in words, for under the chart (plain text)."""
    if info.comparison.empty:
        return ""
    return (
        f"Each line is one study, on its own scale (tasks differ, so raw values cannot be "
        f"compared): after n trials, the share of its first {info.completed} trials that its "
        f"best {info.compared_on} so far matches or beats. A line that reaches 100 % early "
        f"found its near-best quickly; {REACHED:.0%} is marked in the title."
    )
