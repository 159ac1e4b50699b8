"""The transfer prior: what the prior studies say about the whole space, as plain data.

For each of the most similar comparable studies, its completed trials mapped into the new
space and, per modelled metric, their values turned into normal scores (a Gaussian copula:
the trial's rank within its study, through the inverse normal CDF), so that tasks whose
metrics live on different scales pool. ``study/`` turns this into the prior mean of the
GP that Ax fits for the whole run (one objective); the new task's own trials decide each
study's weight.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.stats import norm, rankdata

from hpxplore.space import Space
from hpxplore.transfer._surrogates import mapped_trials

if TYPE_CHECKING:
    from hpxplore.registry import Registry

__all__ = [
    "PRIOR_STUDIES",
    "PriorSource",
    "TransferPrior",
    "normal_scores",
    "rebuild_prior",
    "transfer_prior",
]

PRIOR_STUDIES = 20  # the most similar comparable studies the prior is built from
_MAX_TRIALS = 60  # per study: its best and an even spread of the rest
_MIN_TRIALS = 5


def normal_scores(values: Sequence[float]) -> np.ndarray:
    """Values as normal scores: the inverse normal CDF of (rank - 0.5) / n, ties averaged."""
    values = np.asarray(values, dtype=float)
    return norm.ppf((rankdata(values) - 0.5) / len(values))


@dataclass(frozen=True)
class PriorSource:
    """One prior study's trials in the new space, each metric as normal scores."""

    study: str
    similarity: float
    configs: list[dict[str, Any]]
    scores: dict[str, list[float]]  # metric -> one normal score per config (high = high value)


@dataclass
class TransferPrior:
    """The prior studies a run's model starts from."""

    space: Space
    sources: list[PriorSource]

    @property
    def studies(self) -> list[str]:
        return [s.study for s in self.sources]


def transfer_prior(
    records: Sequence[tuple[Any, float]],
    space: Space,
    metrics: Sequence[str],
    *,
    max_studies: int = PRIOR_STUDIES,
) -> TransferPrior | None:
    """The prior from ``records`` ((study record, similarity), most similar first).

    A study takes part with the metrics it measured on at least a few completed trials;
    ``None`` when no study does. A study's trials beyond ``_MAX_TRIALS`` are thinned to its
    best on the first metric it has and an even spread of the rest (the model's cost grows
    with the cube of the trials it holds).
    """
    sources = []
    for record, similarity in records:
        if len(sources) == max_studies:
            break
        have = [m for m in metrics if m in record.trials]
        if not have:
            continue
        observed = mapped_trials(record.trials, space, have)
        if len(observed) < _MIN_TRIALS:
            continue
        observed = _thinned(observed, have[0], record.objectives.get(have[0], "maximize"))
        configs = [{p: row[p] for p in space} for row in observed.to_dict("records")]
        scores = {m: normal_scores(observed[m]).tolist() for m in have}
        sources.append(PriorSource(record.name, float(similarity), configs, scores))
    return TransferPrior(space, sources) if sources else None


def _thinned(observed: pd.DataFrame, metric: str, direction: str) -> pd.DataFrame:
    """At most ``_MAX_TRIALS`` rows: the best ones on ``metric``, then an even spread."""
    if len(observed) <= _MAX_TRIALS:
        return observed
    ordered = observed.sort_values(metric, ascending=direction == "minimize")
    best = ordered.head(_MAX_TRIALS // 4)
    rest = ordered.iloc[len(best) :]
    step = len(rest) / (_MAX_TRIALS - len(best))
    spread = rest.iloc[[int(i * step) for i in range(_MAX_TRIALS - len(best))]]
    return pd.concat([best, spread])


def rebuild_prior(
    registry: Registry, sources: Sequence[Sequence[Any]], space: Space, metrics: Sequence[str]
) -> TransferPrior | None:
    """The prior of ``sources`` ((study, similarity) pairs, as stored), rebuilt from the
    registry: what a resumed Study and a reloaded batch of recommendations start from."""
    kept = [(name, float(s)) for name, s in sources if name in registry]
    records = registry.records([name for name, _ in kept])
    pairs = [(record, s) for record, (_, s) in zip(records, kept, strict=True)]
    return transfer_prior(pairs, space, metrics, max_studies=len(sources))
