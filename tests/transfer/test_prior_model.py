"""The one model of the prior studies: its GPs, its weights and its switch-off decision."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hpxplore as hpx
from hpxplore.space import parse_space, sample_configs
from hpxplore.transfer._mapping import encode
from hpxplore.transfer._prior import PriorSource, TransferPrior, normal_scores
from hpxplore.transfer._prior_model import (
    MIN_TRIALS_OFF,
    PRIOR_SHARE_OFF,
    STREAK,
    THIS_TASK,
    MetricGPs,
    PriorModel,
)

SPACE = parse_space(
    {"x": hpx.Float(0, 1), "lr": hpx.Float(1e-4, 1, log=True), "kind": hpx.Choice(["a", "b"])}
)


def f(config, shift=0.0):
    kind = 0.3 if config["kind"] == "a" else 0.0
    return -((config["x"] - 0.4 - shift) ** 2) - 0.1 * (np.log10(config["lr"]) + 2) ** 2 + kind


def _prior(shifts, n=30, flip=()):
    sources = []
    for i, shift in enumerate(shifts):
        configs = sample_configs(SPACE, n + 3 * i, seed=i)  # studies of different sizes
        scores = normal_scores([f(c, shift) for c in configs])
        sources.append(
            PriorSource(
                f"s{i}", 0.9 - 0.1 * i, configs, {"acc": list(-scores if i in flip else scores)}
            )
        )
    return TransferPrior(SPACE, sources)


def test_each_study_gets_its_own_fit_and_predicts_its_trials():
    gps = MetricGPs.fit(_prior([0.0, 0.2]), "acc")
    assert gps.lengthscale.shape == (2, 4) and not np.allclose(
        gps.lengthscale[0], gps.lengthscale[1]
    )
    for i, source in enumerate(_prior([0.0, 0.2]).sources):
        mean, var = gps.predict(encode(source.configs, SPACE))
        assert np.corrcoef(mean[i], source.scores["acc"])[0, 1] > 0.95
        assert (var >= 0).all()


def test_a_tuned_study_on_a_wide_space_predicts_the_region_it_tuned():
    """Ten parameters and 40 trials gathered near the best so far, as a tuner leaves them:
    the fit finds the structure around the best trial (it once settled on 'mostly noise'
    there, flattening the study's prediction where the picks are made)."""
    from scipy.stats import spearmanr

    wide = parse_space({f"p{j}": hpx.Float(0, 1) for j in range(10)})

    def g(c):
        return -((c["p0"] - 0.3) ** 2) - 0.5 * (c["p1"] - 0.7) ** 2 + 0.2 * c["p2"]

    def near(config, sd, rng):
        return {k: float(np.clip(v + rng.normal(0, sd), 0, 1)) for k, v in config.items()}

    rng = np.random.default_rng(3)
    trials = sample_configs(wide, 10, seed=3)
    for _ in range(30):
        trials.append(near(max(trials, key=g), 0.08, rng))
    unseen = [near(max(trials, key=g), 0.15, rng) for _ in range(200)]
    source = PriorSource("s", 0.9, trials, {"acc": list(normal_scores([g(c) for c in trials]))})
    gps = MetricGPs.fit(TransferPrior(wide, [source]), "acc")
    mean, _ = gps.predict(encode(unseen, wide))
    assert spearmanr(mean[0], [g(c) for c in unseen])[0] > 0.75
    assert gps.noise[0] < 0.1


def test_the_mixture_expects_most_where_the_studies_agree_the_optimum_is():
    model = PriorModel(_prior([0.0, 0.05, -0.05]))
    good = {"x": 0.4, "lr": 0.01, "kind": "a"}
    bad = {"x": 0.95, "lr": 1e-4, "kind": "b"}
    mean, sd = model.predict("acc", [good, bad], model.weights("acc"))
    assert mean[0] - sd[0] > mean[1] + sd[1]


def test_weights_start_from_similarity_and_follow_the_task():
    model = PriorModel(_prior([0.0, 0.0, 0.0], flip=(1,)))
    start = model.weights("acc")
    assert start[THIS_TASK] == 0 and start["s0"] > start["s1"] > start["s2"]
    trials = sample_configs(SPACE, 12, seed=50)
    after = model.weights("acc", trials, [f(c) for c in trials])
    assert after["s1"] == 0.0  # orders the task's trials upside down: dropped
    assert sum(after.values()) == pytest.approx(1.0)


def test_the_decision_switches_off_only_on_evidence_and_names_its_figures():
    objectives = {"acc": "maximize"}
    faithful, misleading = (
        PriorModel(_prior([0.0, 0.05])),
        PriorModel(_prior([0.0, 0.05], flip=(0, 1))),
    )
    trials = sample_configs(SPACE, 10, seed=60)
    values = {"acc": [f(c) for c in trials]}
    few = misleading.verdict(
        objectives, trials[: MIN_TRIALS_OFF - 1], {"acc": values["acc"][: MIN_TRIALS_OFF - 1]}
    )
    assert not few.off  # too few trials to judge
    assert not faithful.verdict(objectives, trials, values).off
    verdict = misleading.verdict(objectives, trials, values)
    assert verdict.off and verdict.shares["acc"] < PRIOR_SHARE_OFF
    assert (
        f"for {STREAK} trials in a row, up to 10 trials (acc {verdict.shares['acc']:.0%})"
        in verdict.reason
    )


def test_a_prior_that_still_predicts_the_constraint_keeps_transfer_on():
    """Feasibility counts: studies that mislead on the objective but still order the
    constrained metric (here the model's size) keep transfer on."""

    def size(config):
        return 10 * config["x"] + (5 if config["kind"] == "a" else 0)

    sources = []
    for i in range(2):
        configs = sample_configs(SPACE, 30, seed=i)
        scores = {
            "acc": list(-normal_scores([f(c) for c in configs])),  # upside down
            "size": list(normal_scores([size(c) for c in configs])),
        }
        sources.append(PriorSource(f"s{i}", 0.9, configs, scores))
    model = PriorModel(TransferPrior(SPACE, sources))
    trials = sample_configs(SPACE, 10, seed=60)
    values = {"acc": [f(c) for c in trials], "size": [size(c) for c in trials]}
    assert model.verdict(["acc"], trials, values).off
    verdict = model.verdict(["acc", "size"], trials, values)
    assert not verdict.off and verdict.shares["size"] > PRIOR_SHARE_OFF


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sizes=st.lists(st.integers(5, 25), min_size=1, max_size=4),
    trials=st.integers(0, 12),
    seed=st.integers(0, 1000),
)
def test_any_prior_gives_finite_predictions_and_weights_that_sum_to_one(sizes, trials, seed):
    rng = np.random.default_rng(seed)
    sources = []
    for i, size in enumerate(sizes):
        configs = sample_configs(SPACE, size, seed=seed + i)
        values = rng.normal(size=size) if i % 2 else [f(c) for c in configs]
        sources.append(
            PriorSource(
                f"s{i}", float(rng.uniform()), configs, {"acc": list(normal_scores(values))}
            )
        )
    model = PriorModel(TransferPrior(SPACE, sources))
    configs = sample_configs(SPACE, max(trials // 2, 1), seed=seed + 99)
    mean, sd = model.predict("acc", configs, model.weights("acc"))
    assert np.isfinite(mean).all() and (sd > 0).all()
    task = (configs + configs)[:trials]  # the same config twice: a singular covariance
    weights = model.weights("acc", task, rng.normal(size=len(task)))
    assert all(w >= 0 for w in weights.values()) and sum(weights.values()) == pytest.approx(1.0)
