"""A run that is going nowhere says so early, and a streak of failures stops it."""

from __future__ import annotations

import warnings

import pytest

import hpxplore as hpx
from tests.study import objectives as obj

PROFILE = hpx.TaskProfile.from_meta_features("bc", {"n_rows": 569, "n_features": 30})


def broken(config):
    raise FileNotFoundError("train.csv")


def test_an_evaluate_that_always_raises_warns_then_stops_and_is_not_completed(tmp_path):
    reg = hpx.Registry(tmp_path / "r.db")
    study = hpx.Study("broken", obj.SPACE, {"accuracy": "max"}, registry=reg, profile=PROFILE)
    with pytest.warns(hpx.HpxploreWarning, match=r"all 3 trials so far failed: .*train\.csv"):
        trials = study.run(broken, n_trials=8, executor="inline", progress=False)
    assert len(trials) == 5 and trials["status"].eq("failed").all()  # max_failures=5
    finished = [e for e in study.events if e["event"] == "run_finished"][-1]
    assert finished["reason"].startswith("5 trials in a row failed (the last: FileNotFoundError")
    assert "max_failures=None" in finished["reason"]
    assert reg.record("broken").state == "stopped"  # no completed trial: not "completed"


def test_max_failures_none_runs_every_trial_and_still_warns_once():
    study = hpx.Study("broken", obj.SPACE, {"accuracy": "max"}, seed=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trials = study.run(broken, n_trials=7, executor="inline", progress=False, max_failures=None)
    assert len(trials) == 7
    said = [w for w in caught if issubclass(w.category, hpx.HpxploreWarning)]
    assert len(said) == 1 and "evaluate(" in str(said[0].message)
    with pytest.raises(hpx.InputError, match="max_failures"):
        study.run(broken, n_trials=1, executor="inline", max_failures=0)


def test_a_constraint_no_trial_meets_is_said_after_three_trials():
    study = hpx.Study("strict", obj.SPACE, {"accuracy": "max"}, ["fit_ms <= 1e-06"], seed=0)
    with pytest.warns(hpx.HpxploreWarning, match=r"none of the 3 completed trials meets") as said:
        study.run(obj.logistic, n_trials=3, executor="inline", progress=False)
    assert "fit_ms <= 1e-06 broken by 3 (closest miss" in str(said[0].message)
    with pytest.raises(hpx.InputError, match="only objective"):  # Ax would refuse it mid-run
        hpx.Study("goal", obj.SPACE, {"accuracy": "max"}, ["accuracy >= 0.9"])


def test_a_healthy_run_says_nothing():
    study = hpx.Study("fine", obj.SPACE, {"accuracy": "max"}, ["fit_ms <= 1e6"], seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", hpx.HpxploreWarning)
        study.run(obj.logistic, n_trials=4, executor="inline", progress=False)
