"""Metric names Ax's parser cannot read (``val-acc``, ``E``, ``lambda``, ``acc@5``) work."""

from __future__ import annotations

import numpy as np

import hpxplore as hpx
from hpxplore.objectives import Constraint

SPACE = {"x": hpx.Float(0.0, 1.0), "y": hpx.Float(0.0, 1.0)}


def evaluate(config):
    x, y = config["x"], config["y"]
    return {"val-acc": 1 - (x - 0.3) ** 2, "E": (y - 0.6) ** 2 + x, "lambda": x + y, "acc@5": y}


def test_a_study_with_names_sympy_cannot_parse_runs_reports_and_resumes(tmp_path):
    reg = hpx.Registry(tmp_path / "r.db")
    profile = hpx.TaskProfile.from_meta_features("t", {"n_rows": 100.0})
    study = hpx.Study(
        "odd",
        SPACE,
        {"val-acc": "maximize", "E": "minimize"},
        ["lambda <= 1.5", Constraint("acc@5", ">=", 0.1)],
        registry=reg,
        profile=profile,
        seed=0,
        init_trials=3,
    )
    trials = study.run(evaluate, n_trials=5, executor="inline", progress=False)
    assert trials["status"].eq("completed").all() and list(trials["origin"][-2:]) == ["model"] * 2
    assert np.isfinite(trials[["val-acc", "E", "lambda", "acc@5"]].to_numpy()).all()
    front = study.pareto_frontier()
    assert len(front) >= 1 and front["feasible"].all()
    predicted = study.pareto_frontier(use_model_predictions=True)
    assert {"val-acc", "E"} <= set(predicted.columns)
    assert set(study.sensitivity()["metric"]) == {"val-acc", "E"}
    titles = " ".join(card["title"] for card in study.health())  # Ax's cards, our names
    assert "val-acc" in titles and "m_val_acc" not in titles
    resumed = hpx.Study.load("odd", reg)
    more = resumed.run(evaluate, n_trials=1, executor="inline", progress=False)
    assert len(more) == 6 and more["status"].eq("completed").all()
