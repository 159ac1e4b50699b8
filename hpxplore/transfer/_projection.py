"""Projected values and gains over the baseline, with 95 % intervals.

A projection is the similarity-weighted mean of the neighbours' predictions. Its interval
adds two sources of doubt: how much the neighbours disagree (``neighbour_sd``) and how
wrong each neighbour's calibrated surrogate is on its own task (``model_sd``). Gains are
taken tree by tree against the baseline, so what both configs share cancels out.
"""

from __future__ import annotations

import numpy as np

from hpxplore.transfer._ranking import Ranking
from hpxplore.transfer._surrogates import StudySurrogate

__all__ = ["Interval", "project"]

_Z = 1.96
Interval = dict[str, float]  # {"mean", "low", "high", "neighbour_sd", "model_sd"}


def interval(means: np.ndarray, model_sds: np.ndarray, weights: np.ndarray) -> Interval:
    mean = float(np.average(means, weights=weights))
    neighbour_sd = float(np.sqrt(np.average((means - mean) ** 2, weights=weights)))
    model_sd = float(np.sqrt(np.average(model_sds**2, weights=weights)))
    half = _Z * float(np.hypot(neighbour_sd, model_sd))
    return {
        "mean": mean,
        "low": mean - half,
        "high": mean + half,
        "neighbour_sd": neighbour_sd,
        "model_sd": model_sd,
    }


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
