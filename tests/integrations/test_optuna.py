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
    with pytest.raises(hpx.InputError, match="no name of its own") as unnamed:
        store(study, reg, task, metric_names=["loss"])  # "no-name-...": never found again
    assert "name=" in unnamed.value.hint
    with pytest.raises(hpx.InputError, match="have no names") as unnamed:
        store(study, reg, task, name="new-optuna")  # "value": transfers to no task
    assert "metric_names=" in unnamed.value.hint
    assert "new-optuna" not in reg
    stored = store(study, reg, task, name="new-optuna", metric_names=["loss"])
    assert len(stored.trials) == len(expected) + 3 and stored.source == "optuna"
    assert list(stored.objectives) == ["loss"]
    seeded = stored.trials.iloc[: len(expected)]
    assert seeded["origin"].eq("transferred").all()
    assert seeded["recommendation_id"].tolist() == [r.id for r in recs if r.decision != "rejected"]
    assert stored.trials["origin"].iloc[len(expected) :].eq("optuna").all()
    outcomes = reg.outcomes()  # the audit log knows what each seeded config gave
    assert sorted(outcomes["recommendation_id"]) == sorted(seeded["recommendation_id"])
    assert set(outcomes["study"]) == {"new-optuna"} and outcomes["helped"].notna().all()
    assert len(reg.audit()) >= 1
    assert stored.best()["loss"] == pytest.approx(study.best_value)
    assert "new-optuna" in reg.similar(task, k=10)["study"].tolist()  # a prior study now
    with pytest.raises(hpx.InputError, match=r"needs an optuna\.Study"):
        enqueue(object(), recs)
