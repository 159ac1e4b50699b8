"""The registry model: how well a config ranks on a task with a given profile, learned from
every comparable prior study at once.

One random forest over the trials of all comparable studies (same tags and search space),
with each study's meta-features as extra inputs beside the config. Its target is the
trial's rank within its own study on the first objective (0 = that study's worst, 1 = its
best), so tasks whose metrics live on different scales pool. Asked about the new task's
profile, it predicts where each config would rank there.

The per-neighbour forests (``_surrogates``) see one study each, 20 or 30 trials in several
dimensions, and weigh every meta-feature alike through the distance. This model sees the
whole registry, and learns from it which task facts change which hyperparameters' effect
(its ``importances`` say which). On the benchmark's registries its first trials are
better than the per-neighbour consensus's and about level with the 3 nearest tasks' best
configs (``benchmarks/results/transfer_ceiling.md``, README). This is the meta-learning idea of a surrogate
conditioned on meta-features (e.g. Feurer et al., "Initializing Bayesian hyperparameter
optimization via meta-learning", AAAI 2015, and its successors), kept as a plain forest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import rankdata
from sklearn.ensemble import RandomForestRegressor

from hpxplore.profiling import TaskProfile
from hpxplore.similarity import transform
from hpxplore.space import Space
from hpxplore.transfer._mapping import encode
from hpxplore.transfer._surrogates import mapped_trials

__all__ = ["MIN_STUDIES", "RegistryModel"]

MIN_STUDIES = 4  # fewer comparable studies: too few tasks to learn what a profile changes
_MIN_TRIALS = 3  # per study, to rank its trials at all


@dataclass
class RegistryModel:
    """A forest from (config, task meta-features) to the config's within-study rank."""

    space: Space
    features: list[str]  # the meta-features it conditions on (every study has them)
    studies: list[str]
    n_trials: int
    model: RandomForestRegressor

    @classmethod
    def fit(
        cls,
        records: list[Any],
        profile: TaskProfile,
        space: Space,
        primary: str,
        direction: str,
        seed: int = 0,
    ) -> RegistryModel | None:
        """``records``: the comparable studies. ``None`` when fewer than ``MIN_STUDIES`` of
        them have ``primary`` on enough trials."""
        ranked = []
        for record in records:
            if primary in record.trials:
                observed = mapped_trials(record.trials, space, [primary])
                if len(observed) >= _MIN_TRIALS:
                    ranked.append((record, observed))
        if len(ranked) < MIN_STUDIES:
            return None
        shared = set(profile.meta_features).intersection(
            *(record.profile.meta_features for record, _ in ranked)
        )
        features = sorted(shared)
        X, y = [], []
        sign = 1.0 if direction == "maximize" else -1.0
        for record, observed in ranked:
            values = sign * observed[primary].to_numpy(dtype=float)
            y.append((rankdata(values) - 1.0) / (len(values) - 1.0))
            X.append(_inputs(observed.to_dict("records"), space, record.profile, features))
        model = RandomForestRegressor(
            n_estimators=200, min_samples_leaf=2, max_features=0.5, random_state=seed
        ).fit(np.vstack(X), np.concatenate(y))
        names = [record.name for record, _ in ranked]
        return cls(space, features, names, sum(map(len, y)), model)

    def predict(self, configs: list[Mapping[str, Any]], profile: TaskProfile) -> np.ndarray:
        """Each config's predicted rank on the task ``profile`` (1 = its best)."""
        return self.model.predict(_inputs(configs, self.space, profile, self.features))

    def importances(self) -> dict[str, float]:
        """The model's impurity importance of each meta-feature, largest first."""
        share = self.model.feature_importances_[-len(self.features) :] if self.features else []
        pairs = sorted(zip(self.features, map(float, share), strict=True), key=lambda p: -p[1])
        return dict(pairs)


def _inputs(
    configs: list[Mapping[str, Any]], space: Space, profile: TaskProfile, features: list[str]
) -> np.ndarray:
    task = [transform(f, profile.meta_features[f]) for f in features]
    return np.hstack([encode(list(configs), space), np.tile(task, (len(configs), 1))])
