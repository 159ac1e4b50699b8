"""A light surrogate per prior study: a random forest per objective on the study's trials.

It predicts how any config (in the new space) would have done on that prior task, with
an uncertainty from the spread of its trees, so every candidate can be scored on every
neighbour, not only on the study it came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestRegressor

from hpxplore.space import Space
from hpxplore.transfer._mapping import encode, map_config

__all__ = ["StudySurrogate"]

_MIN_TRIALS = 3


@dataclass
class StudySurrogate:
    """Random forests (one per objective) fitted on one prior study's completed trials."""

    study: str
    space: Space
    objectives: dict[str, str]
    observed: pd.DataFrame  # the mapped configs and their metric values
    models: dict[str, RandomForestRegressor]

    @classmethod
    def fit(
        cls,
        study: str,
        trials: pd.DataFrame,
        space: Space,
        objectives: Mapping[str, str],
        seed: int = 0,
    ) -> StudySurrogate | None:
        metrics = [m for m in objectives if m in trials]
        done = trials[trials["status"] == "completed"].dropna(subset=metrics)
        rows = []
        for record in done.to_dict("records"):
            mapped = map_config({p: record.get(p) for p in space if p in record}, space)
            if mapped is not None:
                rows.append({**mapped.config, **{m: float(record[m]) for m in metrics}})
        if len(rows) < _MIN_TRIALS or not metrics:
            return None
        observed = pd.DataFrame(rows)
        X = encode(observed.to_dict("records"), space)
        models = {}
        for metric in metrics:
            model = RandomForestRegressor(n_estimators=64, min_samples_leaf=2, random_state=seed)
            models[metric] = model.fit(X, observed[metric].to_numpy())
        return cls(study, space, {m: objectives[m] for m in metrics}, observed, models)

    def predict(self, configs: list[Mapping[str, Any]]) -> dict[str, np.ndarray]:
        """``{metric: per-tree predictions}``, shape (trees, configs).

        Their mean is the prediction and their spread its uncertainty; keeping the trees
        lets a difference between two configs be taken tree by tree (paired).
        """
        X = encode(list(configs), self.space)
        return {
            metric: np.stack([tree.predict(X) for tree in model.estimators_])
            for metric, model in self.models.items()
        }

    def quantile(self, metric: str, values: np.ndarray) -> np.ndarray:
        """Where predicted values fall among this study's observed ones (1 = its best)."""
        observed = np.sort(self.observed[metric].to_numpy())
        q = np.searchsorted(observed, values, side="right") / len(observed)
        return q if self.objectives[metric] == "maximize" else 1.0 - q
