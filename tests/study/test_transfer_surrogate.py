"""transfer="multitask": Ax's multi-task GP over the nearest prior studies from the registry."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hpxplore as hpx

SPACE = {"x": hpx.Float(0, 1), "y": hpx.Float(0, 1)}


def bowl(shift):
    def evaluate(config):
        return {"obj": -((config["x"] - 0.7 - shift) ** 2) - (config["y"] - 0.2) ** 2}

    return evaluate


def source_trials(shift, n, seed):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"x": rng.uniform(size=n), "y": rng.uniform(size=n)})
    frame["obj"] = [bowl(shift)(row)["obj"] for row in frame.to_dict("records")]
    return frame


@pytest.fixture
def registry(tmp_path):
    reg = hpx.Registry(tmp_path / "r.db")
    near = hpx.TaskProfile.from_meta_features("near", {"n_rows": 1000, "n_features": 10})
    reg.add_study("near", near, SPACE, {"obj": "maximize"}, source_trials(0.0, 8, 0))
    return reg


@pytest.mark.slow
def test_multitask_surrogate_uses_the_nearest_study_and_resumes(registry):
    profile = hpx.TaskProfile.from_meta_features("new", {"n_rows": 1100, "n_features": 10})
    study = hpx.Study(
        "new",
        SPACE,
        {"obj": "maximize"},
        registry=registry,
        profile=profile,
        seed=0,
        init_trials=3,
        transfer="multitask",
    )
    trials = study.run(bowl(0.02), n_trials=4, executor="inline", progress=False)
    assert study.sources == ["near"]
    assert study.events[0]["event"] == "transfer_on"
    assert list(trials["origin"]) == ["quasi-random"] * 3 + ["model"]
    aux = study._client._experiment.auxiliary_experiments_by_purpose
    assert [a.experiment.name for a in next(iter(aux.values()))] == ["source:near"]
    assert registry.run_state("new")[0]["sources"] == ["near"]

    resumed = hpx.Study.load("new", registry)  # the snapshot may drop auxiliary experiments
    names = [
        a.experiment.name
        for a in next(iter(resumed._client._experiment.auxiliary_experiments_by_purpose.values()))
    ]
    assert names == ["source:near"] and resumed.sources == ["near"]


def test_no_close_analog_keeps_the_single_task_model(registry):
    alien = hpx.TaskProfile.from_meta_features("alien", {"n_rows": 5e7, "n_features": 9000})
    study = hpx.Study(
        "alien",
        SPACE,
        {"obj": "maximize"},
        registry=registry,
        profile=alien,
        seed=0,
        init_trials=2,
        transfer="multitask",
    )
    study.run(bowl(0.5), n_trials=2, executor="inline", progress=False)
    assert study.sources == []
    off = study.events[0]
    assert off["event"] == "transfer_off" and "out of distribution" in off["reason"]


def test_multitask_needs_a_registry():
    with pytest.raises(hpx.InputError, match="needs a registry"):
        hpx.Study("x", SPACE, {"obj": "maximize"}, transfer="multitask")


@pytest.mark.slow
def test_negative_transfer_turns_the_multitask_surrogate_off(registry):
    profile = hpx.TaskProfile.from_meta_features("new", {"n_rows": 1100, "n_features": 10})
    study = hpx.Study(
        "hurt",
        SPACE,
        {"obj": "maximize"},
        registry=registry,
        profile=profile,
        seed=0,
        init_trials=4,
        transfer="multitask",
    )
    study.warm_start([{"x": 0.0, "y": 1.0}, {"x": 0.05, "y": 0.95}])  # far from the optimum
    trials = study.run(bowl(0.02), n_trials=6, executor="inline", progress=False)
    off = next(e for e in study.events if e["event"] == "transfer_off")
    assert off["evidence"]["p_transferred_beats_quasi_random"] == 0.0
    assert off["sources_deactivated"] == ["near"] and not study.transfer_active
    aux = next(iter(study._client._experiment.auxiliary_experiments_by_purpose.values()))
    assert not any(a.is_active for a in aux)
    assert list(trials["status"]) == ["completed"] * 6
    assert list(trials["origin"][4:]) == ["model", "model"]  # Ax's own single-task model goes on
