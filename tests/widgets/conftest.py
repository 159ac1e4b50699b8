"""A real registry, recommendations and a small run, for the views (no browser needed)."""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

import hpxplore as hpx
from tests.transfer.test_recommend import SPACE, accuracy, task

# Two objectives that do not depend on the machine's load: accuracy, and the iterations
# the solver ran (a fit-cost proxy), with a constraint on them.
OBJECTIVES = {"accuracy": "maximize", "n_iter": "minimize"}
CONSTRAINTS = ["n_iter <= 250"]


def evaluate(frame: pd.DataFrame):
    def run(config):
        X, y = frame.drop(columns="target").to_numpy(), frame["target"].to_numpy()
        weight = None if config["class_weight"] == "none" else "balanced"
        model = LogisticRegression(
            C=config["C"], max_iter=int(config["max_iter"]), class_weight=weight
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            n_iter = int(model.fit(X, y).n_iter_[0])
        return {"accuracy": accuracy(frame, config), "n_iter": n_iter}

    return run


def prior_registry(path) -> hpx.Registry:
    reg = hpx.Registry(path)
    rng = np.random.default_rng(0)
    for i, (frac, seed) in enumerate([(0.9, 1), (0.8, 2), (0.85, 3), (0.75, 4)]):
        frame = task(frac, seed)
        profile = hpx.profile_task(frame, target="target", name=f"bc-{i}", tags={"model": "logreg"})
        run = evaluate(frame)
        rows = []
        for _ in range(10):
            config = {
                "C": float(10 ** rng.uniform(-4, 2)),
                "max_iter": int(np.exp(rng.uniform(0, np.log(300)))),
                "class_weight": str(rng.choice(["none", "balanced"])),
            }
            rows.append({**config, **run(config)})
        reg.add_study(f"bc-{i}", profile, SPACE, OBJECTIVES, pd.DataFrame(rows))
    return reg


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A warm-started two-objective study of 6 trials (quasi-random and transferred only)."""
    folder = tmp_path_factory.mktemp("lab")
    reg = prior_registry(folder / "registry.db")
    frame = task(0.7, 11)
    profile = hpx.profile_task(frame, target="target", name="bc-new", tags={"model": "logreg"})
    recs = hpx.recommend(
        profile, reg, SPACE, OBJECTIVES, CONSTRAINTS, n=4, tags={"model": "logreg"}
    )
    study = hpx.Study(
        "bc-new-study", SPACE, OBJECTIVES, CONSTRAINTS, registry=reg, profile=profile, seed=0,
        init_trials=6,
    )  # fmt: skip
    study.warm_start(recs)
    study.run(evaluate(frame), n_trials=6, executor="inline", progress=False)
    return SimpleNamespace(
        registry=reg, profile=profile, recs=recs, study=study, frame=frame, folder=folder
    )
