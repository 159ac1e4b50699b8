"""Projected values and gains over the baseline, with 95 % intervals.

A projection is the similarity-weighted mean of the neighbours' predictions. Its interval
adds two sources of doubt: how much the neighbours disagree (``neighbour_sd``) and how
wrong each neighbour's calibrated surrogate is on its own task (``model_sd``). Gains are
taken tree by tree against the baseline, so what both configs share cancels out. The
chance that a config meets a constraint is read off the same spread (a normal).
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
Interval = dict[str, float]  # {"mean", "low", "high", "neighbour_sd", "model_sd"}


def spread(
    means: np.ndarray, model_sds: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The weighted mean over the neighbours (axis 0), their disagreement (``neighbour_sd``)
    and their surrogates' own error (``model_sd``)."""
    mean = np.average(means, axis=0, weights=weights)
    neighbour_sd = np.sqrt(np.average((means - mean) ** 2, axis=0, weights=weights))
    model_sd = np.sqrt(np.average(model_sds**2, axis=0, weights=weights))
    return mean, neighbour_sd, model_sd


def interval(means: np.ndarray, model_sds: np.ndarray, weights: np.ndarray) -> Interval:
    mean, neighbour_sd, model_sd = (float(v) for v in spread(means, model_sds, weights))
    half = _Z * float(np.hypot(neighbour_sd, model_sd))
    return {
        "mean": mean,
        "low": mean - half,
        "high": mean + half,
        "neighbour_sd": neighbour_sd,
        "model_sd": model_sd,
    }


def meets_probability(constraint: Constraint, mean: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """The chance that a value projected as ``mean`` with ``sd`` meets ``constraint``."""
    mean, sd = np.asarray(mean, dtype=float), np.asarray(sd, dtype=float)
    room = constraint.bound - mean if constraint.op == "<=" else mean - constraint.bound
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
        projected[metric] = interval(np.array([t.mean() for t in trees]), np.array(sds), w)
        gain[metric] = interval(np.array([d.mean() for d in diffs]), np.array(diff_sds), w)
    return projected, gain
