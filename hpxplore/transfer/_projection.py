"""Projected values and gains over the baseline, with 95 % intervals.

A projection is the similarity-weighted mean of the neighbours' predictions. Its interval
adds two sources of doubt: how much the neighbours disagree (``neighbour_sd``) and how
wrong each neighbour's calibrated surrogate is on its own task (``model_sd``). Gains are
taken tree by tree against the baseline, so what both configs share cancels out. The
chance that a config meets a constraint is read off the same spread (a normal).

A metric the surrogates model in log units (``_surrogates``) is projected there: its
interval is a factor either side of the projection, never below zero, its gain the
baseline's projection times the projected ratio less one, and its chance of meeting a
bound a log-normal's. ``neighbour_sd`` and ``model_sd`` stay in log units (``log_scale``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.stats import norm

from hpxplore.objectives import Constraint
from hpxplore.transfer._surrogates import StudySurrogate

if TYPE_CHECKING:
    from hpxplore.transfer._ranking import Ranking

__all__ = ["Interval", "meets_probability", "project", "spread"]

_Z = 1.96
# {"mean", "low", "high", "neighbour_sd", "model_sd"}, and "log_scale" where it is logged
Interval = dict[str, float]


def spread(
    means: np.ndarray, model_sds: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The weighted mean over the neighbours (axis 0), their disagreement (``neighbour_sd``)
    and their surrogates' own error (``model_sd``)."""
    mean = np.average(means, axis=0, weights=weights)
    neighbour_sd = np.sqrt(np.average((means - mean) ** 2, axis=0, weights=weights))
    model_sd = np.sqrt(np.average(model_sds**2, axis=0, weights=weights))
    return mean, neighbour_sd, model_sd


def interval(
    means: np.ndarray,
    model_sds: np.ndarray,
    weights: np.ndarray,
    log: bool = False,
    base: float | None = None,
) -> Interval:
    """The projection of model-unit ``means`` in the metric's units; ``base``: the
    baseline's projection, making it a logged metric's gain (``means`` are log ratios)."""
    mean, neighbour_sd, model_sd = (float(v) for v in spread(means, model_sds, weights))
    half = _Z * float(np.hypot(neighbour_sd, model_sd))
    out = {"mean": mean, "low": mean - half, "high": mean + half}
    if log:
        out = {k: float(np.exp(v)) for k, v in out.items()}
        if base is not None:
            out = {k: base * (v - 1.0) for k, v in out.items()}
    spreads = {"neighbour_sd": neighbour_sd, "model_sd": model_sd}
    return {**out, **spreads, **({"log_scale": True} if log else {})}


def meets_probability(
    constraint: Constraint, mean: np.ndarray, sd: np.ndarray, log: bool = False
) -> np.ndarray:
    """The chance that a value projected as ``mean`` with ``sd`` meets ``constraint``
    (``log``: both in log units, the bound in the metric's)."""
    mean, sd = np.asarray(mean, dtype=float), np.asarray(sd, dtype=float)
    bound = constraint.bound
    if log:
        bound = np.log(bound) if bound > 0 else -np.inf
    room = bound - mean if constraint.op == "<=" else mean - bound
    sure = np.where(room >= 0, 1.0, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sd > 0, norm.cdf(room / np.where(sd > 0, sd, 1.0)), sure)


def project(
    ranking: Ranking,
    surrogates: list[StudySurrogate],
    weights: np.ndarray,
    metrics: list[str],
    index: int,
) -> tuple[dict[str, Interval], dict[str, Interval]]:
    """``(projected, gain)`` of config ``index``, per metric, over the neighbours that have it."""
    projected, gain = {}, {}
    base = ranking.baseline
    for metric in metrics:
        having = [j for j, p in enumerate(ranking.predictions) if metric in p]
        w = weights[having]
        trees = [ranking.predictions[j][metric][:, index] for j in having]
        diffs = [
            ranking.predictions[j][metric][:, index] - ranking.predictions[j][metric][:, base]
            for j in having
        ]
        sds = [surrogates[j].sd(metric, t) for j, t in zip(having, trees, strict=True)]
        diff_sds = [surrogates[j].sd(metric, d) for j, d in zip(having, diffs, strict=True)]
        log = metric in surrogates[having[0]].logged
        projected[metric] = interval(np.array([t.mean() for t in trees]), np.array(sds), w, log)
        base_mean = None
        if log:
            base_trees = [ranking.predictions[j][metric][:, base].mean() for j in having]
            base_mean = float(np.exp(np.average(base_trees, weights=w)))
        gain[metric] = interval(
            np.array([d.mean() for d in diffs]), np.array(diff_sds), w, log, base_mean
        )
    return projected, gain
