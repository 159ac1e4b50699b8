"""The Optuna bridge: transferred configs as Optuna's first trials, and back into the registry."""

from __future__ import annotations

import pytest

import hpxplore as hpx
from hpxplore.integrations.optuna import enqueue, store
from tests.transfer.depth_family import SPACE, family_registry, measure, profile

optuna = pytest.importorskip("optuna")
LOSS = {"loss": "minimize"}


def test_recommendations_seed_an_optuna_study_and_the_study_goes_back_to_the_registry(tmp_path):
    reg = family_registry(tmp_path / "r.db")
    task = profile("new", 3000)
    recs = hpx.recommend(task, reg, SPACE, LOSS, n=4, progress=False)
    recs.reject(0, reason="not this one")
    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=0))
    expected = [item["config"] for item in recs.warm_start_items()]
    assert enqueue(study, recs) == len(expected) == len(recs) - 1

    def objective(trial):
        config = {
            "learning_rate": trial.suggest_float("learning_rate", 1e-3, 1.0, log=True),
            "depth": trial.suggest_int("depth", 2, 12),
        }
        return measure(config, 3000)["loss"]

    study.optimize(objective, n_trials=len(expected) + 3)
    first = study.trials[: len(expected)]
    assert [t.params for t in first] == expected
    assert [t.user_attrs["hpxplore_recommendation_id"] for t in first] == [
        r.id for r in recs if r.decision != "rejected"
    ]
    stored = store(study, reg, task, name="new-optuna", metric_names=["loss"])
    assert len(stored.trials) == len(expected) + 3 and stored.source == "optuna"
    assert stored.best()["loss"] == pytest.approx(study.best_value)
    assert "new-optuna" in reg.similar(task, k=10)["study"].tolist()  # a prior study now
    with pytest.raises(hpx.InputError, match=r"needs an optuna\.Study"):
        enqueue(object(), recs)
