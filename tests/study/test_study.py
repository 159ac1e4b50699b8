"""Study runs real Ax on real (cheap) scikit-learn objectives."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import hpxplore as hpx
from hpxplore.exceptions import HpxploreError, InputError
from tests.study import objectives as obj

OBJECTIVES = {"accuracy": "maximize", "fit_ms": "minimize"}


def make_study(name="s", **kwargs):
    kwargs.setdefault("seed", 0)
    kwargs.setdefault("init_trials", 4)
    return hpx.Study(name, obj.SPACE, OBJECTIVES, **kwargs)


def test_multi_objective_with_constraints(tmp_path):
    study = make_study(constraints=["fit_ms <= 200", "complexity <= 5"])
    assert [str(c) for c in study.objective_thresholds] == ["fit_ms <= 200"]
    assert [str(c) for c in study.outcome_constraints] == ["complexity <= 5"]
    trials = study.run(obj.logistic, n_trials=6, executor="inline", progress=False)
    assert len(trials) == 6 and set(trials["status"]) == {"completed"}
    assert trials["accuracy"].between(0.5, 1).all()
    assert list(trials["origin"][:4]) == ["quasi-random"] * 4 and set(trials["origin"][4:]) == {
        "model"
    }
    expected = (trials["fit_ms"] <= 200) & (trials["complexity"] <= 5)
    assert (trials["feasible"] == expected).all()
    front = study.pareto_frontier()
    assert len(front) >= 1 and front["feasible"].all()
    for _, row in front.iterrows():  # nothing feasible dominates a frontier point
        better = trials[
            trials.feasible
            & (trials.accuracy >= row.accuracy)
            & (trials.fit_ms <= row.fit_ms)
            & ((trials.accuracy > row.accuracy) | (trials.fit_ms < row.fit_ms))
        ]
        assert better.empty
    with pytest.raises(HpxploreError, match=r"2 objectives .* no single trial is best"):
        study.best()


def test_warm_start_fills_its_share_first_in_rank_order_and_wastes_no_sobol():
    configs = [{"C": c, "max_iter": 100} for c in (0.5, 1.0, 2.0, 4.0, 8.0)]
    study = make_study(init_trials=6).warm_start(configs)  # share 0.5: 3 of 6
    assert any(e["event"] == "warm_start_capped" for e in study.events)
    trials = study.run(obj.logistic, n_trials=7, executor="inline", progress=False)
    origins = list(trials["origin"])
    assert origins[:3] == ["transferred"] * 3
    assert list(trials["C"][:3]) == [0.5, 1.0, 2.0]  # most promising first, as given
    assert origins[3:6] == ["quasi-random"] * 3  # the rest of the 6-trial design, no extra Sobol
    assert origins[6] == "model"


def test_the_default_design_is_axs_when_cold_and_shrinks_after_a_warm_start():
    """Cold: Ax's own 5 quasi-random trials. Warm: the transferred configs (at most 5) and
    one quasi-random trial, then the model at once."""
    cold = hpx.Study("cold", obj.SPACE, {"accuracy": "maximize"}, seed=0)
    origins = list(cold.run(obj.logistic, n_trials=6, executor="inline", progress=False).origin)
    assert origins == ["quasi-random"] * 5 + ["model"]
    configs = [{"C": c, "max_iter": 100} for c in (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)]
    warm = hpx.Study("warm", obj.SPACE, {"accuracy": "maximize"}, seed=0).warm_start(configs)
    capped = [e for e in warm.events if e["event"] == "warm_start_capped"]
    assert capped and capped[0]["kept"] == 5 and capped[0]["given"] == 7
    origins = list(warm.run(obj.logistic, n_trials=7, executor="inline", progress=False).origin)
    assert origins == ["transferred"] * 5 + ["quasi-random", "model"]


def test_warm_start_share_and_validation():
    study = make_study(init_trials=10)
    study.warm_start(pd.DataFrame({"C": [0.1, 0.2, 0.1], "max_iter": [10, 20, 10]}), share=0.3)
    assert [w["config"]["C"] for w in study._warm] == [0.1, 0.2]  # duplicates dropped
    with pytest.raises(
        InputError, match=r"Warm-start config 0: Unknown parameter\(s\) \['gamma'\]"
    ):
        make_study().warm_start([{"C": 1.0, "max_iter": 10, "gamma": 2}])
    with pytest.raises(
        InputError, match=r"Warm-start config 1: Parameter 'C' = 1000.0 lies outside"
    ):
        make_study().warm_start([{"C": 1.0, "max_iter": 10}, {"C": 1000.0, "max_iter": 10}])
    started = make_study()
    started.run(obj.logistic, n_trials=1, executor="inline", progress=False)
    with pytest.raises(HpxploreError, match="warm_start must come before the first run"):
        started.warm_start([{"C": 1.0, "max_iter": 10}])


def test_failing_trials_are_recorded_and_the_run_goes_on():
    study = make_study(init_trials=8)
    study.warm_start(
        [
            {"C": 50.0, "max_iter": 20},
            {"C": 1e-4, "max_iter": 20},
            {"C": 1.0, "max_iter": 180},
            {"C": 1.0, "max_iter": 20},
        ],
        share=0.5,
    )
    trials = study.run(obj.flaky, n_trials=4, executor="inline", progress=False).set_index(
        "trial_index"
    )
    assert trials.loc[0, "status"] == "failed" and trials.loc[0, "error"].startswith(
        "RuntimeError: diverged"
    )
    assert (
        trials.loc[1, "status"] == "failed" and "metric 'accuracy' is nan" in trials.loc[1, "error"]
    )
    assert (
        trials.loc[2, "status"] == "failed"
        and "did not return the metric(s) ['fit_ms']" in trials.loc[2, "error"]
    )
    assert trials.loc[3, "status"] == "completed"
    assert [e["trial"] for e in study.events if e["event"] == "trial_failed"] == [0, 1, 2]


def test_parallel_pool_timeouts_and_crashes():
    study = make_study(init_trials=6)
    study.warm_start(
        [{"C": 50.0, "max_iter": 20}, {"C": 0.01, "max_iter": 20}, {"C": 0.1, "max_iter": 30}]
    )
    trials = study.run(
        obj.slow_when_large, n_trials=5, max_parallel=2, trial_timeout=8, progress=False
    )
    by_index = trials.set_index("trial_index")
    assert (
        by_index.loc[0, "status"] == "failed" and by_index.loc[0, "error"] == "timed out after 8 s"
    )
    assert by_index.loc[[1, 2], "status"].eq("completed").all()
    assert len(trials) == 5 and trials["status"].isin(["completed", "failed"]).all()
    crash = make_study(name="crash", init_trials=4)
    crash.warm_start([{"C": 50.0, "max_iter": 20}, {"C": 0.01, "max_iter": 20}])
    out = crash.run(obj.crashes_when_large, n_trials=3, max_parallel=1, progress=False).set_index(
        "trial_index"
    )
    assert out.loc[0, "status"] == "failed" and "worker process died" in out.loc[0, "error"]
    assert out.loc[[1, 2], "status"].eq("completed").all()


def test_budget_caps_stop_the_run():
    study = make_study()
    study.run(
        obj.slowly, n_trials=50, executor="inline", progress=False, budget=hpx.Budget(seconds=2)
    )
    assert 1 <= len(study.trials) <= 3
    assert study.events[-1]["reason"] == "time budget of 2 s reached"
    costly = make_study(name="cost")
    costly.run(
        obj.logistic,
        n_trials=50,
        executor="inline",
        progress=False,
        budget=hpx.Budget(cost=10, cost_metric="complexity"),
    )
    total = costly.trials["complexity"].sum()
    assert total >= 10 and total - costly.trials["complexity"].iloc[-1] < 10
    with pytest.raises(InputError, match="'seconds' cap of Budget must be a number > 0"):
        hpx.Budget(seconds=0)


def test_early_stopping_stops_poor_curves():
    study = hpx.Study("es", obj.SPACE, {"accuracy": "maximize"}, seed=0, init_trials=6)
    study.warm_start(
        [{"C": 3.0, "max_iter": 10}, {"C": 3.2, "max_iter": 10}, {"C": 2.8, "max_iter": 10}]
    )
    trials = study.run(
        obj.curve, n_trials=8, executor="inline", early_stopping=True, progress=False
    )
    assert (trials["status"] == "early_stopped").any()
    stopped = trials[trials.status == "early_stopped"]
    assert (stopped["accuracy"] < trials.loc[trials.status == "completed", "accuracy"].max()).all()
    with pytest.raises(InputError, match="needs evaluate\\(config, report\\)"):
        make_study().run(
            obj.logistic, n_trials=1, executor="inline", early_stopping=True, progress=False
        )


def test_an_early_stopped_trial_counts_against_a_cost_budget():
    # the epochs an early-stopped trial ran used to cost nothing: with a budget in epochs,
    # early stopping let a run spend more than the budget
    spent = []

    def curve(config, report):
        plateau = 1 - abs(math.log10(config["C"]) - 0.5) / 10
        for epoch in range(1, 9):
            spent.append(1)
            report(epoch, {"accuracy": plateau * (1 - 0.5**epoch), "epochs": epoch})
        return {"accuracy": plateau * (1 - 0.5**8), "epochs": 8}

    study = hpx.Study("es-cost", obj.SPACE, {"accuracy": "maximize"}, seed=0, init_trials=6)
    study.warm_start(
        [{"C": 3.0, "max_iter": 10}, {"C": 3.2, "max_iter": 10}, {"C": 2.8, "max_iter": 10}]
    )
    trials = study.run(
        curve, n_trials=30, executor="inline", early_stopping=True, progress=False,
        budget=hpx.Budget(cost=48, cost_metric="epochs"),
    )  # fmt: skip
    assert (trials["status"] == "early_stopped").any()
    assert 48 <= sum(spent) < 48 + 8  # the last trial may run past the cap, no more
    assert trials["epochs"].sum() == sum(spent)  # a stopped trial keeps its last epochs


def test_bad_arguments(tmp_path):
    with pytest.raises(InputError, match="'n_trials' parameter of run must be an int"):
        make_study().run(obj.logistic, n_trials=0)
    with pytest.raises(InputError, match="evaluate must be callable"):
        make_study().run("logistic", n_trials=1)
    with pytest.raises(InputError, match="inline run cannot interrupt"):
        make_study().run(obj.logistic, n_trials=1, executor="inline", trial_timeout=5)
    with pytest.raises(InputError, match="needs the task's profile"):
        hpx.Study("x", obj.SPACE, OBJECTIVES, registry=hpx.Registry(tmp_path / "r.db"))
    with pytest.raises(HpxploreError, match="no completed trial yet"):
        hpx.Study("one", obj.SPACE, {"accuracy": "max"}).best()


def test_single_objective_best():
    study = hpx.Study("single", obj.SPACE, {"accuracy": "maximize"}, seed=1, init_trials=3)
    trials = study.run(obj.logistic, n_trials=4, executor="inline", progress=False)
    assert study.best()["accuracy"] == pytest.approx(np.max(trials["accuracy"]))
    with pytest.raises(HpxploreError, match=r"one objective .*best trial"):
        study.pareto_frontier()


def test_nothing_feasible_is_said_not_returned_as_an_empty_frame():
    study = hpx.Study(
        "strict",
        obj.SPACE,
        {"accuracy": "maximize", "fit_ms": "minimize"},
        constraints=["complexity <= -1"],
        seed=0,
        init_trials=2,
    )
    study.run(obj.logistic, n_trials=2, executor="inline", progress=False)
    with pytest.warns(
        hpx.HpxploreWarning, match=r"none of its 2 completed .*complexity <= -1 broken by 2"
    ):
        front = study.pareto_frontier()
    assert front.empty and {"accuracy", "fit_ms"} <= set(front.columns)
    single = hpx.Study(
        "strict-1",
        obj.SPACE,
        {"accuracy": "maximize"},
        constraints=["complexity <= -1"],
        seed=0,
        init_trials=2,
    )
    single.run(obj.logistic, n_trials=2, executor="inline", progress=False)
    with pytest.raises(HpxploreError, match="no feasible trial yet"):
        single.best()


def test_a_fresh_python_running_a_study_prints_no_ax_log_lines():
    """Notebook users see Ax's INFO lines as red stderr boxes; one used to appear at import."""
    import subprocess
    import sys

    code = (
        "import hpxplore as hpx\n"
        "s = hpx.Study('q', {'a': hpx.Float(0, 1)}, {'m': 'minimize'}, seed=0, init_trials=2)\n"
        "s.run(lambda c: {'m': c['a']}, n_trials=3, executor='inline', progress=False)\n"
        "import logging; assert logging.root.manager.disable == logging.NOTSET\n"
        "print(len(s.trials))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "3"
    assert "[INFO" not in out.stderr, out.stderr


def test_an_evaluate_of_the_wrong_shape_is_refused_before_any_trial():
    def takes_data_first(df, config):
        return {"accuracy": 1.0}

    def takes_three(config, report, extra):
        return {"accuracy": 1.0}

    def takes_nothing():
        return {"accuracy": 1.0}

    for evaluate, message in [
        (takes_data_first, r"config first; takes_data_first\(df, config\) takes it as argument 2"),
        (
            takes_three,
            r"cannot be called with a config: it is takes_three\(config, report, extra\)",
        ),
        (takes_nothing, r"cannot be called with a config: it is takes_nothing\(\)"),
    ]:
        study = make_study()
        with pytest.raises(InputError, match=message) as caught:
            study.run(evaluate, n_trials=1, executor="inline", progress=False)
        assert "lambda config: evaluate(df, config)" in caught.value.hint
        assert study.trials.empty  # nothing was generated or run
