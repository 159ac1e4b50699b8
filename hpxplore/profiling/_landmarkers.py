"""Landmarkers: cross-validated scores of cheap models, and a label-noise estimate.

They run on a capped, stratified subsample so that profiling a 100,000-row frame
takes seconds. Classification scores are accuracies, regression scores are R²
(clipped to [-1, 1]).
"""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

__all__ = ["LANDMARK_ROWS", "landmarkers"]

LANDMARK_ROWS = 2000
_FOLDS = 3
_NOISE_NEIGHBOURS = 10


def _subsample(X: pd.DataFrame, y: pd.Series, task_type: str, seed: int):
    if len(X) <= LANDMARK_ROWS:
        return X, y
    rng = np.random.default_rng(seed)
    if task_type == "classification":
        # Stratified: each class keeps its share, and at least a few rows.
        picked = []
        for _, index in y.groupby(y, observed=True).indices.items():
            share = max(_FOLDS, round(len(index) * LANDMARK_ROWS / len(y)))
            picked.append(rng.choice(index, size=min(share, len(index)), replace=False))
        rows = np.sort(np.concatenate(picked))
    else:
        rows = np.sort(rng.choice(len(X), size=LANDMARK_ROWS, replace=False))
    return X.iloc[rows], y.iloc[rows]


def _encode(X: pd.DataFrame, numeric: list[str]) -> np.ndarray:
    categorical = [c for c in X.columns if c not in numeric]
    steps = []
    if numeric:
        steps.append(
            ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric)
        )
    if categorical:
        steps.append(
            (
                "cat",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"),
                    OneHotEncoder(
                        max_categories=10, handle_unknown="infrequent_if_exist", sparse_output=False
                    ),
                ),
                categorical,
            )
        )
    X = X.copy()
    if categorical:
        X[categorical] = (
            X[categorical].astype("object").where(X[categorical].notna(), np.nan).astype(str)
        )
    return ColumnTransformer(steps, sparse_threshold=0).fit_transform(X)


def _folds(y: np.ndarray, task_type: str, seed: int):
    if task_type == "classification":
        smallest = int(np.unique(y, return_counts=True)[1].min())
        if smallest >= _FOLDS:
            return StratifiedKFold(_FOLDS, shuffle=True, random_state=seed)
    return KFold(_FOLDS, shuffle=True, random_state=seed)


def _score(y: np.ndarray, predicted: np.ndarray, task_type: str) -> float:
    if task_type == "classification":
        return float(np.mean(predicted == y))
    variance = float(np.var(y))
    if variance == 0:
        return 0.0
    return float(np.clip(1 - np.mean((y - predicted) ** 2) / variance, -1.0, 1.0))


def _label_noise(y: np.ndarray, proba: np.ndarray, classes: np.ndarray) -> float:
    """Confident-learning estimate: rows whose out-of-fold probability favours another
    class above that class's own average self-confidence."""
    index = np.searchsorted(classes, y)
    thresholds = np.array(
        [proba[index == j, j].mean() if np.any(index == j) else 1.0 for j in range(len(classes))]
    )
    given = proba[np.arange(len(y)), index]
    confident_other = (proba >= thresholds) & (proba > given[:, None])
    confident_other[np.arange(len(y)), index] = False
    return float(confident_other.any(axis=1).mean())


def landmarkers(
    X: pd.DataFrame, y: pd.Series, numeric: list[str], task_type: str, seed: int
) -> dict[str, float]:
    """Cross-validated scores of a stump, 1-NN, a linear model (and naive Bayes), plus
    a label-noise estimate, on at most ``LANDMARK_ROWS`` rows."""
    X, y = _subsample(X, y, task_type, seed)
    encoded = _encode(X, numeric)
    target = y.to_numpy()
    if task_type == "classification":
        target = y.astype(str).to_numpy()
        models = {
            "landmark_stump": DecisionTreeClassifier(max_depth=1, random_state=seed),
            "landmark_1nn": KNeighborsClassifier(n_neighbors=1),
            "landmark_linear": LogisticRegression(max_iter=300),
            "landmark_nb": GaussianNB(),
        }
    else:
        target = target.astype(float)
        centre = np.median(target)
        target = (target - centre) / (np.max(np.abs(target - centre)) or 1.0)  # R² is scale-free
        models = {
            "landmark_stump": DecisionTreeRegressor(max_depth=1, random_state=seed),
            "landmark_1nn": KNeighborsRegressor(n_neighbors=1),
            "landmark_linear": Ridge(alpha=1.0),
        }
    folds = _folds(target, task_type, seed)
    features: dict[str, float] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tiny classes, convergence: the scores still stand
        for name, model in models.items():
            try:
                predicted = cross_val_predict(model, encoded, target, cv=folds)
            except ValueError:  # a fold with one class, a degenerate fit: no such landmark
                continue
            features[name] = _score(target, predicted, task_type)
        k = min(_NOISE_NEIGHBOURS, max(1, len(target) * (_FOLDS - 1) // _FOLDS - 1))
        # too few rows of a class for the neighbours: no noise estimate
        with contextlib.suppress(ValueError):
            if task_type == "classification":
                proba = cross_val_predict(
                    KNeighborsClassifier(n_neighbors=k),
                    encoded,
                    target,
                    cv=folds,
                    method="predict_proba",
                )
                features["label_noise"] = _label_noise(target, proba, np.unique(target))
            else:
                predicted = cross_val_predict(
                    KNeighborsRegressor(n_neighbors=k), encoded, target, cv=folds
                )
                features["label_noise"] = float(
                    np.clip(1 - _score(target, predicted, task_type), 0.0, 1.0)
                )
    return features
