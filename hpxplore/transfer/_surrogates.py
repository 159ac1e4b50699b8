"""A light surrogate per prior study: a random forest per objective on the study's trials.

It predicts how any config (in the new space) would have done on that prior task, with
an uncertainty from the spread of its trees, so every candidate can be scored on every
neighbour, not only on the study it came from.

The spread of a forest's trees is not its error: single trees are far noisier than their
mean, so the raw spread overstates the uncertainty several times over. Each forest is
therefore calibrated on its own study, out of bag (each trial predicted by the trees whose
bootstrap sample left it out, so no refit is needed): ``scale[metric]`` is the ratio of
the held-out error to the held-out tree spread, and ``sd`` multiplies by it.

A metric capped from above and not an objective (a size, a time, a memory under a bound)
that is positive and spans a decade or more over the close studies' trials
(``logged_metrics``) is modelled on its logarithm, where a config's effect is a factor:
fitted raw, a forest averages small configs with the large ones beside them, and its
normal spread puts a positive size below zero. Predictions, spreads and quantiles are
then in log units; ``units`` turns a value back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestRegressor

from hpxplore.space import Choice, Int, Space, space_key
from hpxplore.transfer._cache import remembered
from hpxplore.transfer._mapping import default_config, encode

if TYPE_CHECKING:
    from hpxplore.registry import StudyRecord

__all__ = ["StudySurrogate", "fitted_surrogate", "logged_metrics", "mapped_trials"]

_MIN_TRIALS = 3
_MIN_CALIBRATION_TRIALS = 8  # fewer: keep the raw tree spread (scale 1), the cautious side
_SCALE_RANGE = (0.05, 3.0)
_LOG_SPAN = 10.0  # a positive metric whose largest value is at least this times its smallest


def _forest(seed: int) -> RandomForestRegressor:
    return RandomForestRegressor(n_estimators=64, min_samples_leaf=2, random_state=seed)


def logged_metrics(trials: Sequence[pd.DataFrame], metrics: Sequence[str]) -> frozenset[str]:
    """Those of ``metrics`` (the capped non-objectives) to model on their logarithm: positive
    in every completed trial of ``trials`` (the close studies') and spanning a decade."""
    out = set()
    for metric in metrics:
        parts = [
            pd.to_numeric(t.loc[t["status"] == "completed", metric], errors="coerce").dropna()
            for t in trials
            if metric in t
        ]
        values = np.concatenate([p.to_numpy(dtype=float) for p in parts]) if parts else []
        if len(values) and values.min() > 0 and values.max() >= _LOG_SPAN * values.min():
            out.add(metric)
    return frozenset(out)


def _calibration_scale(
    model: RandomForestRegressor, X: np.ndarray, y: np.ndarray, better: np.ndarray
) -> float:
    """Held-out RMSE over held-out RMS tree spread, out of bag (each trial predicted by the
    trees that did not see it), measured on the study's better half (``better``): that is
    where transferred candidates come from, and a forest's error there differs from its
    error over the whole space."""
    if len(y) < _MIN_CALIBRATION_TRIALS:
        return 1.0
    held_out = np.full((len(model.estimators_), len(y)), np.nan)
    everything = np.arange(len(y))
    for t, (tree, seen) in enumerate(
        zip(model.estimators_, model.estimators_samples_, strict=True)
    ):
        unseen = np.setdiff1d(everything, seen)
        if unseen.size:
            held_out[t, unseen] = tree.predict(X[unseen])
    counted = (~np.isnan(held_out)).sum(axis=0) >= 2
    keep = better & counted
    if not keep.any():
        return 1.0
    mean = np.nanmean(held_out[:, keep], axis=0)
    r, s = y[keep] - mean, np.nanstd(held_out[:, keep], axis=0)
    if not np.mean(s**2) > 0:
        return _SCALE_RANGE[1] if np.mean(r**2) > 0 else 1.0
    return float(np.clip(np.sqrt(np.mean(r**2) / np.mean(s**2)), *_SCALE_RANGE))


def mapped_trials(trials: pd.DataFrame, space: Space, metrics: list[str]) -> pd.DataFrame:
    """A study's completed trials with every metric, their configs mapped into ``space``
    (as ``map_config`` maps one: ranges clipped, a missing parameter filled with the
    space's default, a trial whose choice value the space lacks left out)."""
    done = trials[trials["status"] == "completed"].dropna(subset=metrics)
    fill = default_config(space)
    keep = np.ones(len(done), dtype=bool)
    columns: dict[str, Any] = {}
    for name, param in space.items():
        if name not in done:
            columns[name] = [fill[name]] * len(done)
            continue
        values = done[name]
        missing = values.isna().to_numpy()
        if isinstance(param, Choice):
            mapped = [
                fill[name] if gap else param.clip(v) for v, gap in zip(values, missing, strict=True)
            ]
            keep &= np.array([v is not None for v in mapped], dtype=bool)
            columns[name] = mapped
            continue
        numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        numbers = np.where(missing, fill[name], numbers)
        if isinstance(param, Int):
            numbers = np.round(numbers)
        clipped = np.clip(numbers, param.low, param.high)
        columns[name] = clipped.astype(int) if isinstance(param, Int) else clipped
    for metric in metrics:
        columns[metric] = done[metric].to_numpy(dtype=float)
    frame = pd.DataFrame(columns, columns=[*space, *metrics])
    return frame[keep].reset_index(drop=True)


@dataclass
class StudySurrogate:
    """Random forests (one per objective) fitted on one prior study's completed trials."""

    study: str
    space: Space
    objectives: dict[str, str]
    observed: pd.DataFrame  # the mapped configs and their metric values
    models: dict[str, RandomForestRegressor]
    scale: dict[str, float]  # calibrates the tree spread into a held-out error (see module doc)
    logged: frozenset[str] = frozenset()  # metrics modelled in log units (module doc)

    @classmethod
    def fit(
        cls,
        study: str,
        trials: pd.DataFrame,
        space: Space,
        objectives: Mapping[str, str],
        seed: int = 0,
        logged: frozenset[str] = frozenset(),
    ) -> StudySurrogate | None:
        """``logged``: the metrics to model in log units (``logged_metrics``; only those
        positive in every trial of this study are)."""
        metrics = [m for m in objectives if m in trials]
        observed = mapped_trials(trials, space, metrics)
        if len(observed) < _MIN_TRIALS or not metrics:
            return None
        logged = frozenset(m for m in logged if m in metrics and (observed[m] > 0).all())
        surrogate = cls(study, space, {m: objectives[m] for m in metrics}, observed, {}, {}, logged)
        X = encode(observed.to_dict("records"), space)
        for metric in metrics:
            y = surrogate.fitted(metric)
            surrogate.models[metric] = _forest(seed).fit(X, y)
            sign = 1.0 if objectives[metric] == "maximize" else -1.0
            better = sign * y >= np.median(sign * y)
            surrogate.scale[metric] = _calibration_scale(surrogate.models[metric], X, y, better)
        return surrogate

    def fitted(self, metric: str) -> np.ndarray:
        """The study's observed values of ``metric`` in model units."""
        values = self.observed[metric].to_numpy(dtype=float)
        return np.log(values) if metric in self.logged else values

    def units(self, metric: str, values: np.ndarray) -> np.ndarray:
        """Values in model units (predictions, their means) in ``metric``'s own units."""
        return np.exp(values) if metric in self.logged else values

    def predict(self, configs: list[Mapping[str, Any]]) -> dict[str, np.ndarray]:
        """``{metric: per-tree predictions}`` in model units, shape (trees, configs).

        Their mean is the prediction and their spread, times ``scale[metric]``, its
        uncertainty (``sd``); keeping the trees lets a difference between two configs be
        taken tree by tree (paired).
        """
        X = encode(list(configs), self.space)
        return {
            metric: np.stack([tree.predict(X) for tree in model.estimators_])
            for metric, model in self.models.items()
        }

    def sd(self, metric: str, trees: np.ndarray) -> np.ndarray:
        """The calibrated uncertainty of per-tree predictions (or of paired differences)."""
        return trees.std(axis=0) * self.scale[metric]

    def quantile(self, metric: str, values: np.ndarray) -> np.ndarray:
        """Where predicted values (model units) fall among this study's observed ones (1 =
        its best)."""
        observed = np.sort(self.fitted(metric))
        q = np.searchsorted(observed, values, side="right") / len(observed)
        return q if self.objectives[metric] == "maximize" else 1.0 - q


def fitted_surrogate(
    record: StudyRecord,
    space: Space,
    objectives: Mapping[str, str],
    seed: int = 0,
    logged: frozenset[str] = frozenset(),
) -> StudySurrogate | None:
    """``StudySurrogate.fit`` on a stored study, fitted once per state of the study."""
    key = (
        "surrogate", record.version, space_key(space), tuple(objectives.items()), seed,
        tuple(sorted(logged)),
    )  # fmt: skip
    return remembered(
        key,
        lambda: StudySurrogate.fit(record.name, record.trials, space, objectives, seed, logged),
    )
