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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.stats import rankdata
from sklearn.base import clone
from sklearn.ensemble import RandomForestRegressor
from sklearn.model_selection import GroupKFold

from hpxplore._progress import Progress
from hpxplore.profiling import TaskProfile
from hpxplore.similarity import transform
from hpxplore.space import Space
from hpxplore.transfer._mapping import encode
from hpxplore.transfer._surrogates import mapped_trials

if TYPE_CHECKING:
    from hpxplore.registry import StudyRecord

__all__ = ["MIN_STUDIES", "RegistryModel"]

MIN_STUDIES = 4  # fewer comparable studies: too few tasks to learn what a profile changes
_MIN_TRIALS = 3  # per study, to rank its trials at all


@dataclass
class RegistryModel:
    """A forest from (config, task meta-features) to the config's within-study rank."""

    space: Space
    features: list[str]  # the meta-features it conditions on (every study has them)
    studies: list[str]
    model: RandomForestRegressor
    inputs: np.ndarray = field(repr=False)  # what it was fitted on, for importances()
    target: np.ndarray = field(repr=False)
    groups: np.ndarray = field(repr=False)  # each row's study, as an index into studies

    @classmethod
    def fit(
        cls,
        records: list[StudyRecord],
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
        X, y, groups = [], [], []
        sign = 1.0 if direction == "maximize" else -1.0
        for record, observed in ranked:
            values = sign * observed[primary].to_numpy(dtype=float)
            y.append((rankdata(values) - 1.0) / (len(values) - 1.0))
            X.append(_inputs(observed.to_dict("records"), space, record.profile, features))
            groups.append(np.full(len(values), len(groups)))
        inputs, target = np.vstack(X), np.concatenate(y)
        model = RandomForestRegressor(
            n_estimators=200, min_samples_leaf=2, max_features=0.5, random_state=seed, n_jobs=-1
        ).fit(inputs, target)
        model.n_jobs = 1  # trees are fitted in parallel; summed in parallel they differ by 1e-17
        names = [record.name for record, _ in ranked]
        return cls(space, features, names, model, inputs, target, np.concatenate(groups))

    @property
    def n_trials(self) -> int:
        """The trials it was fitted on, over all its studies."""
        return len(self.target)

    def predict(self, configs: list[Mapping[str, Any]], profile: TaskProfile) -> np.ndarray:
        """Each config's predicted rank on the task ``profile`` (1 = its best)."""
        return self.model.predict(_inputs(configs, self.space, profile, self.features))

    def importances(
        self, folds: int = 5, repeats: int = 3, seed: int = 0, *, progress: bool = True
    ) -> dict[str, float]:
        """How much the model leans on each meta-feature, largest first.

        Measured on studies it did not see: the studies are split into ``folds``, a forest
        like this one is fitted on the others, and each meta-feature of the held-out studies
        is swapped for another study's value (``repeats`` times). The importance is the rise
        in the mean squared error of the predicted rank (0 to 1): about 0 for a fact the
        model does not use, below 0 for one it was misled by. Unlike a forest's impurity
        importance, it does not favour facts with many distinct values. A few forest fits:
        seconds on a registry of a few dozen studies (``progress`` shows a bar).
        """
        if not self.features:
            return {}
        rng = np.random.default_rng(seed)
        n_studies = len(self.studies)
        columns = range(self.inputs.shape[1] - len(self.features), self.inputs.shape[1])
        first_rows = np.unique(self.groups, return_index=True)[1]
        values = self.inputs[first_rows][:, columns]  # each study's facts (same on every row)
        rise = np.zeros(len(self.features))
        splits = GroupKFold(n_splits=min(folds, n_studies))
        with Progress(splits.n_splits, "importances", enabled=progress) as steps:
            for fold, (train, test) in enumerate(
                splits.split(self.inputs, self.target, self.groups)
            ):
                steps.step(f"held-out fold {fold + 1} of {splits.n_splits}")
                forest = clone(self.model).set_params(n_jobs=-1)
                forest.fit(self.inputs[train], self.target[train]).set_params(n_jobs=1)
                held_out, truth = self.inputs[test], self.target[test]
                base = np.mean((forest.predict(held_out) - truth) ** 2)
                studies = self.groups[test]
                for j, column in enumerate(columns):
                    for _ in range(repeats):
                        swapped = held_out.copy()
                        for g in np.unique(studies):
                            other = rng.choice([s for s in range(n_studies) if s != g])
                            swapped[studies == g, column] = values[other, j]
                        error = np.mean((forest.predict(swapped) - truth) ** 2)
                        rise[j] += (error - base) * len(test) / (repeats * len(self.target))
        pairs = sorted(zip(self.features, map(float, rise), strict=True), key=lambda p: -p[1])
        return dict(pairs)


def _inputs(
    configs: list[Mapping[str, Any]], space: Space, profile: TaskProfile, features: list[str]
) -> np.ndarray:
    task = [transform(f, profile.meta_features[f]) for f in features]
    return np.hstack([encode(list(configs), space), np.tile(task, (len(configs), 1))])
