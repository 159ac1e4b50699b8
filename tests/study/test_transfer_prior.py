"""The transfer prior inside Ax's model: similar prior studies as the GP's prior mean."""

from __future__ import annotations

import numpy as np
import pytest

import hpxplore as hpx
from hpxplore.registry._store import Store
from hpxplore.space import parse_space, sample_configs
from hpxplore.study import _ax as hpx_ax
from hpxplore.study._prior_gp import Encoder
from hpxplore.transfer._mapping import encode
from hpxplore.transfer._prior import PriorSource, TransferPrior, normal_scores, transfer_prior
from hpxplore.transfer._prior_model import THIS_TASK, MetricGPs
from tests.transfer.depth_family import SPACE, family_registry, measure, profile

LOSS = {"loss": "minimize"}


def _prior_for(space, configs, named_scores, similarity=0.9, metric="obj"):
    return TransferPrior(
        parse_space(space),
        [PriorSource(name, similarity, configs, {metric: list(s)}) for name, s in named_scores],
    )


def test_normal_scores_rank_values_onto_the_normal_scale():
    scores = normal_scores([3.0, 1.0, 2.0, 2.0])
    assert scores[1] < scores[2] == scores[3] < scores[0]
    assert abs(scores.mean()) < 1e-12


def test_prior_takes_similar_studies_first_and_thins_long_ones(tmp_path):
    reg = family_registry(tmp_path / "r.db")
    records = [(reg.record(n), s) for n, s in (("t3", 0.9), ("t0", 0.2), ("t5", 0.5))]
    prior = transfer_prior(records, parse_space(SPACE), ["loss", "fit_s"], max_studies=2)
    assert prior.studies == ["t3", "t0"]
    assert all(len(s.configs) == 30 and set(s.scores) == {"loss", "fit_s"} for s in prior.sources)
    short = transfer_prior(records, parse_space(SPACE), ["accuracy"])
    assert short is None  # no study measures it


def test_axs_inputs_reach_the_prior_model_in_its_own_encoding():
    """One encoding: what Ax's GP sees, mapped by the encoder, is what ``recommend``'s model
    of the prior studies was fitted on (log scales, one-hot and ordered choices)."""
    space = {
        "lr": hpx.Float(1e-3, 1.0, log=True),
        "depth": hpx.Int(2, 12),
        "kind": hpx.Choice(["a", "b", "c"]),
        "level": hpx.Choice([1, 2, 4], ordered=True),
    }

    def evaluate(c):
        return {"obj": -(np.log10(c["lr"]) ** 2) + 0.1 * c["depth"] + (c["kind"] == "b")}

    configs = sample_configs(parse_space(space), 12, seed=1)
    scores = normal_scores([evaluate(c)["obj"] for c in configs])
    study = hpx.Study("t", space, {"obj": "maximize"}, seed=0, init_trials=3)
    study._policy.prior = _prior_for(space, configs, [("s", scores)])
    study.run(evaluate, n_trials=5, executor="inline", progress=False)
    surrogate = study._session.client._generation_strategy.adapter.generator.surrogate
    model, data = surrogate.model, surrogate.training_data[0]
    assert type(model).__name__ == "PriorGP" and type(model.mean_module).__name__ == "PriorMean"
    seen = model.input_transform.untransform(model.train_inputs[0])
    done = study.trials.sort_values("trial_index")
    log = hpx_ax.log_scaled(study._session.client)
    mapped = Encoder(parse_space(space), data.feature_names, log)(seen).detach().numpy()
    ours = encode(done[list(space)].to_dict("records")[:4], parse_space(space))
    np.testing.assert_allclose(mapped, ours, atol=1e-9)
    assert study.events[0]["event"] == "transfer_prior" and study.events[0]["in_model"]


def test_a_study_that_contradicts_the_task_is_dropped_and_a_faithful_one_leads():
    space = {"x": hpx.Float(0, 1), "y": hpx.Float(0, 1)}

    def f(c):
        return -((c["x"] - 0.3) ** 2) - 0.5 * (c["y"] - 0.6) ** 2

    configs = sample_configs(parse_space(space), 40, seed=0)
    truth = normal_scores([f(c) for c in configs])
    prior = _prior_for(space, configs, [("faithful", truth), ("reversed", -truth)])
    gps = MetricGPs.fit(prior, "obj")
    trials = sample_configs(parse_space(space), 15, seed=3)
    weights = gps.weights(encode(trials, parse_space(space)), np.array([f(c) for c in trials]))
    assert weights["reversed"] == 0.0
    assert weights["faithful"] > 0.5 and weights["faithful"] > weights[THIS_TASK]
    assert sum(weights.values()) == pytest.approx(1.0)


@pytest.mark.slow
def test_a_warm_started_study_keeps_the_prior_for_the_whole_run_and_on_resume(tmp_path):
    reg = family_registry(tmp_path / "r.db")
    task = profile("new", 3000)
    recs = hpx.recommend(task, reg, SPACE, LOSS, n=3, progress=False)
    assert recs.prior is not None and len(recs.prior.studies) >= 4

    def evaluate(config):
        return {"loss": measure(config, 3000)["loss"]}

    study = hpx.Study("new", SPACE, LOSS, registry=reg, profile=task, seed=0, init_trials=4)
    study.warm_start(recs)
    study.run(evaluate, n_trials=6, executor="inline", progress=False)
    kinds = [e["event"] for e in study.events]
    judged = [e["trials"] for e in study.events if e["event"] == "prior_weights"]
    assert "transfer_prior" in kinds and judged == [3, 4, 5, 6]  # after every trial from 3
    assert list(study.trials["origin"])[-2:] == ["model", "model"]
    assert Store(reg).run_state("new")[0]["prior"][0][0] == recs.prior.studies[0]

    resumed = hpx.Study.load("new", reg)
    assert resumed.prior is not None and resumed.prior.studies == recs.prior.studies
    stored = [e["event"] for e in resumed.events].count("prior_weights")
    assert stored == 4  # the first run's events come back with the study
    resumed.run(evaluate, n_trials=1, executor="inline", progress=False)
    assert [e["event"] for e in resumed.events].count("prior_weights") == stored + 1


def test_transfer_none_keeps_axs_cold_model_after_the_warm_start(tmp_path):
    reg = family_registry(tmp_path / "r.db")
    recs = hpx.recommend(profile("new", 3000), reg, SPACE, LOSS, n=3, progress=False)
    study = hpx.Study("cold-after", SPACE, LOSS, seed=0, init_trials=2, transfer=None)
    study.warm_start(recs)
    assert study.prior is None
    with pytest.raises(hpx.InputError, match="transfer must be"):
        hpx.Study("bad", SPACE, LOSS, transfer="rgpe")
    with pytest.raises(hpx.InputError) as removed:  # measured, no better, removed
        hpx.Study("old", SPACE, LOSS, transfer="multitask")
    assert "was removed" in removed.value.hint


@pytest.mark.slow
def test_a_two_objective_study_is_judged_on_every_metric_and_steered_by_axs_model(tmp_path):
    reg = family_registry(tmp_path / "r.db")
    both = {"loss": "minimize", "fit_s": "minimize"}
    task = profile("new", 3000)
    recs = hpx.recommend(task, reg, SPACE, both, n=3, progress=False)
    study = hpx.Study(
        "two", SPACE, both, ["fit_s <= 1.0"], registry=reg, profile=task, seed=0, init_trials=3
    )
    study.warm_start(recs)
    study.run(lambda c: measure(c, 3000), n_trials=4, executor="inline", progress=False)
    said = next(e for e in study.events if e["event"] == "transfer_prior")
    assert study.prior is None and said == {
        "event": "transfer_prior",
        "studies": recs.prior.studies,
        "similarity": [round(s.similarity, 3) for s in recs.prior.sources],
        "trials": sum(len(s.configs) for s in recs.prior.sources),
        "in_model": False,
    }
    judged = [(e["metric"], e["trials"]) for e in study.events if e["event"] == "prior_weights"]
    assert sorted(judged) == [("fit_s", 3), ("fit_s", 4), ("loss", 3), ("loss", 4)]
    model = study._session.client._generation_strategy.adapter.generator.surrogate.model
    kinds = [type(m).__name__ for m in getattr(model, "models", [model])]
    assert "PriorGP" not in kinds  # Ax's own GP steers

    resumed = hpx.Study.load("two", reg)  # still judged by the same prior studies
    resumed.run(lambda c: measure(c, 3000), n_trials=1, executor="inline", progress=False)
    last = [e for e in resumed.events if e["event"] == "prior_weights"][-2:]
    assert sorted((e["metric"], e["trials"]) for e in last) == [("fit_s", 5), ("loss", 5)]
    assert set(last[0]["weights"]) <= {*recs.prior.studies, "(this task)"}


def _prior_studies_in_model(study) -> list[str]:
    """The prior studies the study's fitted Ax model reads (none when its GP is cold)."""
    model = study._session.client._generation_strategy.adapter.generator.surrogate.model
    mean = model.mean_module
    return list(mean.studies) if type(mean).__name__ == "PriorMean" else []


def test_two_studies_of_one_name_keep_their_own_prior(tmp_path):
    reg = family_registry(tmp_path / "r.db")
    task = profile("new", 3000)
    recs = hpx.recommend(task, reg, SPACE, LOSS, n=3, progress=False)

    def evaluate(config):
        return {"loss": measure(config, 3000)["loss"]}

    first = hpx.Study("same", SPACE, LOSS, registry=reg, profile=task, seed=0, init_trials=3)
    first.warm_start(recs)
    first.run(evaluate, n_trials=4, executor="inline", progress=False)
    configs = sample_configs(parse_space(SPACE), 20, seed=3)
    scores = normal_scores([evaluate(c)["loss"] for c in configs])
    second = hpx.Study("same", SPACE, LOSS, seed=1, init_trials=3)  # no registry: no clash
    second._policy.prior = _prior_for(SPACE, configs, [("elsewhere", scores)], metric="loss")
    second.run(evaluate, n_trials=4, executor="inline", progress=False)
    hpx.Study.load("same", reg)  # a third object of that name, in the same process

    first.run(evaluate, n_trials=1, executor="inline", progress=False)
    assert set(_prior_studies_in_model(first)) <= set(recs.prior.studies)
    assert _prior_studies_in_model(first)  # not the other study's prior, not cold
    assert _prior_studies_in_model(second) == ["elsewhere"]

    second._policy._switch_off(
        second._session, second._log, {}, {"init_budget": 3, "seed": 1, "method": "fast"}
    )
    first.run(evaluate, n_trials=1, executor="inline", progress=False)
    assert first.transfer_active
    assert _prior_studies_in_model(first)  # still warm after the other switched off
