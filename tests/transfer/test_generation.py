"""Generated candidates: the config the similar studies agree on, though none of them tried it.

A family of related tasks sharing an optimum inside the space, each prior study a coarse
random design of 15 trials, so that no prior trial sits near the optimum.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hpxplore as hpx
from hpxplore.space import parse_space, sample_configs, validate_config
from hpxplore.transfer._generation import MIN_GAP, generate
from hpxplore.transfer._mapping import encode
from hpxplore.transfer._ranking import CONFIDENT

SPACE = {
    "learning_rate": hpx.Float(1e-3, 1.0, log=True),
    "depth": hpx.Int(2, 12),
    "booster": hpx.Choice(["gbtree", "dart"]),
}
OBJECTIVES = {"loss": "minimize"}


def loss(config: dict, shift: float, scale: float) -> float:
    gap = np.log10(config["learning_rate"]) - (-1.5 + shift)
    booster = 0.0 if config["booster"] == "gbtree" else 0.2
    return scale * (gap**2 + 0.02 * (config["depth"] - 7 - 10 * shift) ** 2 + booster)


def profile(name: str, shift: float) -> hpx.TaskProfile:
    return hpx.TaskProfile.from_meta_features(
        name, {"n_rows": 1000.0 * (1 + shift), "n_features": 20.0}, tags={"model": "gbm"}
    )


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    reg = hpx.Registry(tmp_path_factory.mktemp("reg") / "r.db")
    rng = np.random.default_rng(0)
    for i, shift in enumerate(np.linspace(-0.1, 0.1, 6)):
        configs = sample_configs(parse_space(SPACE), 15, seed=10 + i)
        scale = 10.0 ** rng.uniform(-1, 1)  # pooled as normal scores: the scale must not matter
        rows = [{**c, "loss": loss(c, shift, scale)} for c in configs]
        reg.add_study(f"t{i}", profile(f"t{i}", shift), SPACE, OBJECTIVES, pd.DataFrame(rows))
    return reg


def test_a_generated_config_beats_every_prior_trial_on_the_new_task(registry):
    recs = hpx.recommend(
        profile("new", 0.0), registry, SPACE, OBJECTIVES, n=6, max_deviation=0.9, progress=False
    )
    generated = [r for r in recs if r.kind == "generated"]
    assert generated
    first = generated[0]
    # it opens the list only when the prior studies' model is confident it beats the best
    # observed candidate, and every card says what the model expects of it
    confident = first.expected["beats_best_observed"] >= CONFIDENT
    assert (recs[0].kind == "generated") == confident
    assert (
        f"chance it beats the best observed candidate: {first.expected['beats_best_observed']:.0%}"
        in first.rationale
    )
    # the best observed candidate's card does not quote its chance of beating itself
    best_observed = next(r for r in recs if r.kind == "conservative")
    assert "beats_best_observed" not in best_observed.expected
    assert "chance it beats" not in best_observed.rationale
    tried = [
        {p: row[p] for p in SPACE}
        for name in registry.names()
        for row in registry.record(name).trials.to_dict("records")
    ]
    assert all(r.config not in tried for r in generated)  # not a prior trial
    best_tried = min(loss(c, 0.0, 1.0) for c in tried)
    assert loss(first.config, 0.0, 1.0) < best_tried  # evaluated on the task, not projected
    source = first.sources[0]
    assert source["trial_index"] is None and source["study"] in registry.names()
    assert "Generated, not observed" in first.rationale and repr(source["study"]) in first.rationale
    assert "generated near a trial of" in recs.table["sources"].iloc[first.rank]
    assert first.projected["loss"]["low"] <= first.projected["loss"]["mean"]
    assert first.guardrails and all(g["passed"] for g in first.guardrails.values())
    # the observed prior bests stay in the list beside them
    assert any(r.kind == "conservative" for r in recs)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(1, 5), trials=st.integers(2, 40))
def test_generated_configs_are_valid_apart_and_near_prior_data(seed, n, trials):
    space = parse_space(SPACE)
    prior_configs = sample_configs(space, trials, seed=seed)
    prior = encode(prior_configs, space)
    rng = np.random.default_rng(seed)
    weights = rng.normal(size=prior.shape[1])

    def scorer(configs):
        return encode(configs, space) @ weights

    picks = generate(prior_configs, space, scorer, prior, n, seed, fixed={"depth": 5})
    assert len(picks) <= n
    width = np.sqrt(prior.shape[1])
    points = encode([g.config for g in picks], space)
    for g, x in zip(picks, points, strict=True):
        assert validate_config(space, g.config) == g.config and g.config["depth"] == 5
        nearest = np.min(np.linalg.norm(prior - x, axis=1)) / width
        assert g.distance == pytest.approx(nearest)
    for i in range(len(points)):
        for j in range(i):
            assert np.linalg.norm(points[i] - points[j]) >= MIN_GAP * width - 1e-9
    assert [g.score for g in picks] == sorted((g.score for g in picks), reverse=True)


def test_recommend_leaks_no_warning_when_a_parameter_does_not_matter(tmp_path):
    """An idle parameter's lengthscale sits at its bound: that is the answer, not a
    problem for the user, and scikit-learn's ConvergenceWarning stays inside."""
    space = {"x": hpx.Float(0, 1), "idle": hpx.Float(0, 1), "n": hpx.Int(1, 10)}
    reg = hpx.Registry(tmp_path / "r.db")
    for i in range(4):
        configs = sample_configs(parse_space(space), 30, seed=i)
        rows = [{**c, "loss": (c["x"] - 0.3 - 0.02 * i) ** 2} for c in configs]
        task = hpx.TaskProfile.from_meta_features(
            f"s{i}", {"n_rows": 1e3 + 50 * i, "n_features": 5}
        )
        reg.add_study(f"s{i}", task, space, {"loss": "min"}, pd.DataFrame(rows))
    new = hpx.TaskProfile.from_meta_features("new", {"n_rows": 1020.0, "n_features": 5.0})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        recs = hpx.recommend(new, reg, space, {"loss": "min"}, n=4, progress=False)
    assert len(recs) >= 2 and [str(w.message)[:60] for w in caught] == []
