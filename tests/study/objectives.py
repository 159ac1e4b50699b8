"""Cheap real objectives for Study tests: scikit-learn models on bundled datasets.

Module-level functions so that worker processes (spawn, Dask) can run them too.
"""

from __future__ import annotations

import math
import os
import time

from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.preprocessing import StandardScaler

import hpxplore as hpx

SPACE = {"C": hpx.Float(1e-4, 100.0, log=True), "max_iter": hpx.Int(5, 200, log=True)}
_DATA = None


def data():
    global _DATA
    if _DATA is None:
        frame = load_breast_cancer(as_frame=True).frame
        X = StandardScaler().fit_transform(frame.drop(columns="target"))
        _DATA = (X, frame["target"].to_numpy())
    return _DATA


def logistic(config):
    """Accuracy (3-fold CV) and fit time of a logistic regression on breast cancer."""
    import warnings

    X, y = data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        model = LogisticRegression(C=config["C"], max_iter=int(config["max_iter"]))
        accuracy = cross_val_score(model, X, y, cv=3).mean()
    return {
        "accuracy": float(accuracy),
        "fit_ms": (time.perf_counter() - start) * 1000 / 3,
        "complexity": math.log10(config["C"]) + 4,
    }


def flaky(config):
    """Fails in three different ways depending on the config."""
    if config["C"] > 10:
        raise RuntimeError("diverged")
    if config["C"] < 1e-3:
        return {"accuracy": float("nan"), "fit_ms": 1.0, "complexity": 0.0}
    if config["max_iter"] > 150:
        return {"accuracy": 0.9}
    return logistic(config)


def slow_when_large(config):
    if config["C"] > 1.0:
        time.sleep(120)
    return logistic(config)


def crashes_when_large(config):
    if config["C"] > 1.0:
        os._exit(3)
    return logistic(config)


def curve(config, report):
    """A learning curve: accuracy rises towards a config-dependent plateau over 8 steps."""
    plateau = 1 - abs(math.log10(config["C"]) - 0.5) / 10
    value = 0.0
    for step in range(1, 9):
        value = plateau * (1 - 0.5**step)
        report(step, {"accuracy": value})
    return {"accuracy": value, "fit_ms": 1.0, "complexity": 0.0}


def slowly(config):
    time.sleep(1.5)
    return logistic(config)
