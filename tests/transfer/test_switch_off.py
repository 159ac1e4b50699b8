"""The one negative-transfer decision, the prior studies' weights, catches a deliberately
misleading registry during the run and keeps a faithful one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hpxplore as hpx
from hpxplore.registry._store import Store
from hpxplore.transfer._prior_model import MIN_TRIALS_OFF, PRIOR_SHARE_OFF, STREAK
from tests.transfer import test_recommend as related
from tests.transfer.test_recommend import OBJECTIVES, SPACE, accuracy, task

registry, new_task = related.registry, related.new_task  # the related family's fixtures


@pytest.fixture(scope="module")
def misleading(tmp_path_factory):
    """Prior studies of the same family whose recorded accuracy is turned upside down:
    their 'best' configs are the worst ones on the new task."""
    reg = hpx.Registry(tmp_path_factory.mktemp("bad") / "r.db")
    rng = np.random.default_rng(5)
    for i, (frac, seed) in enumerate([(0.9, 1), (0.8, 2), (0.85, 3)]):
        frame = task(frac, seed)
        profile = hpx.profile_task(
            frame, target="target", name=f"bad-{i}", tags={"model": "logreg"}
        )
        configs = [
            {
                "C": float(10 ** rng.uniform(-4, 2)),
                "max_iter": int(np.exp(rng.uniform(0, np.log(300)))),
                "class_weight": str(rng.choice(["none", "balanced"])),
            }
            for _ in range(10)
        ]
        trials = pd.DataFrame([{**c, "accuracy": 1.5 - accuracy(frame, c)} for c in configs])
        reg.add_study(f"bad-{i}", profile, SPACE, OBJECTIVES, trials)
    frame = task(0.7, 11)
    return (
        reg,
        frame,
        hpx.profile_task(frame, target="target", name="victim", tags={"model": "logreg"}),
    )


@pytest.mark.slow
def test_the_weights_switch_transfer_off_and_the_result_matches_cold_start(misleading):
    reg, frame, profile = misleading
    recs = hpx.recommend(profile, reg, SPACE, OBJECTIVES, n=4, narrow_min_similarity=0.3)
    assert not recs.cold_start  # the registry looks close: only the run can tell
    assert recs.narrowed.space is not None

    def evaluate(config):
        return {"accuracy": accuracy(frame, config)}

    warm = hpx.Study(
        "victim-warm", SPACE, OBJECTIVES, registry=reg, profile=profile, seed=0, init_trials=8
    )
    warm.warm_start(recs, narrow=True)
    narrowed = warm.space
    assert narrowed != SPACE and warm.events[-1]["event"] == "space_narrowed"
    early: dict = {}  # Ax's snapshot after the first trial: the prior in it, not yet off
    warm.on_trial(lambda study, _i: early.setdefault("snapshot", study._session.snapshot()))
    warm.run(evaluate, n_trials=11, executor="inline", progress=False)
    off = [e for e in warm.events if e["event"] == "transfer_off"]
    assert len(off) == 1, warm.events
    evidence = off[0]["evidence"]
    share, trials = evidence["prior_share"]["accuracy"], evidence["trials"]
    assert share < PRIOR_SHARE_OFF == evidence["threshold"] and MIN_TRIALS_OFF <= trials <= 11
    # the reason names the rule that fired, with its figures
    assert (
        f"below {PRIOR_SHARE_OFF:.0%} on every metric for {STREAK} trials in a row, up to {trials} trials"
        in off[0]["reason"]
    )
    assert f"accuracy {share:.0%}" in off[0]["reason"]
    assert not warm.transfer_active
    assert off[0]["space_widened"] and warm.space == SPACE and warm.full_space is None
    ax_space = warm._session.client._experiment.search_space.parameters
    assert (ax_space["C"].lower, ax_space["C"].upper) == (SPACE["C"].low, SPACE["C"].high)

    # the decision survives a restart, even one whose last snapshot predates it: reopened,
    # the study is still cold, in the whole space
    Store(reg).save_snapshot("victim-warm", early["snapshot"])
    resumed = hpx.Study.load("victim-warm", reg)
    ax_space = resumed._session.client._experiment.search_space.parameters
    assert (ax_space["C"].lower, ax_space["C"].upper) == (SPACE["C"].low, SPACE["C"].high)
    assert not resumed.transfer_active and resumed.prior is None and resumed.space == SPACE
    restored = [e for e in resumed.events if e["event"] == "transfer_off"]
    assert restored and restored[0]["evidence"] == off[0]["evidence"]
    resumed.run(evaluate, n_trials=1, executor="inline", progress=False)
    assert resumed.trials["origin"].iloc[-1] == "model" and resumed.prior is None
    kinds = [e["event"] for e in resumed.events]
    assert "prior_weights" not in kinds[kinds.index("resumed") :]  # no longer judged

    cold = hpx.Study("victim-cold", SPACE, OBJECTIVES, seed=0, init_trials=8)
    cold.run(evaluate, n_trials=11, executor="inline", progress=False)
    best_warm, best_cold = warm.trials["accuracy"].max(), cold.trials["accuracy"].max()
    assert best_warm >= best_cold - 0.02  # no worse than cold start beyond CV noise


@pytest.mark.slow
def test_a_faithful_registry_keeps_transfer_on(registry, new_task):
    """The same task family, recorded the right way round: the prior keeps its weight."""
    frame, profile = new_task
    recs = hpx.recommend(profile, registry, SPACE, OBJECTIVES, n=4, progress=False)

    def evaluate(config):
        return {"accuracy": accuracy(frame, config)}

    study = hpx.Study("kept", SPACE, OBJECTIVES, seed=0, init_trials=6).warm_start(recs)
    study.run(evaluate, n_trials=10, executor="inline", progress=False)
    assert study.transfer_active and not any(e["event"] == "transfer_off" for e in study.events)
    weights = [e for e in study.events if e["event"] == "prior_weights"][-1]["weights"]
    assert 1.0 - weights.get("(this task)", 0.0) >= PRIOR_SHARE_OFF


def test_rollback_is_advised_when_nothing_beats_the_baseline():
    def evaluate(config):  # the baseline (C = 1) is the optimum
        return {"accuracy": 1.0 - abs(np.log10(config["C"])) / 10}

    class Baseline:  # what Recommendations hand over, reduced to the baseline
        def warm_start_items(self):
            return [
                {
                    "config": {"C": 1.0, "max_iter": 100, "class_weight": "none"},
                    "recommendation_kind": "baseline",
                }
            ]

    study = hpx.Study("rollback", SPACE, OBJECTIVES, seed=0, init_trials=3).warm_start(Baseline())
    study.run(evaluate, n_trials=3, executor="inline", progress=False)
    advice = [e for e in study.events if e["event"] == "rollback_advised"]
    assert advice and advice[0]["baseline"] == 1.0 and advice[0]["trial"] == 0


def test_no_rollback_when_a_trial_beats_the_baseline_on_another_objective():
    """With two objectives the baseline can be the most accurate trial while others are
    faster: they improve on it, so no rollback is advised."""

    def evaluate(config):  # the baseline (C = 1) is the most accurate, and the slowest
        c = config["C"]
        return {"accuracy": 1.0 - abs(np.log10(c)) / 10, "fit_s": 1.0 / (1.0 + abs(np.log10(c)))}

    class Baseline:
        def warm_start_items(self):
            return [
                {
                    "config": {"C": 1.0, "max_iter": 100, "class_weight": "none"},
                    "recommendation_kind": "baseline",
                }
            ]

    both = {"accuracy": "maximize", "fit_s": "minimize"}
    study = hpx.Study("no-rollback", SPACE, both, seed=0, init_trials=3).warm_start(Baseline())
    study.run(evaluate, n_trials=3, executor="inline", progress=False)
    trials = study.trials.set_index("trial_index")
    assert trials.loc[0, "accuracy"] == trials["accuracy"].max()  # the baseline, most accurate
    assert (trials["fit_s"] < trials.loc[0, "fit_s"]).any()  # yet others are faster
    assert not [e for e in study.events if e["event"] == "rollback_advised"]
