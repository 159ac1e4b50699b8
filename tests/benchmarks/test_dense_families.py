"""The dense families: fixed splits, registries without the tuned task, nested registry
sizes, and runs shared by the variants that change only the registry."""

from __future__ import annotations

import pandas as pd
import pytest

from benchmarks.transfer import dense
from benchmarks.transfer.report import base_family, registry_size, with_borrowed


def test_splits_are_fixed_and_keep_test_tasks_out_of_the_priors(yahpo_data, quantile_data):
    sizes = {}
    for name in dense.NAMES:
        train, test = dense.family(name).split()
        assert dense.family(name).split() == (train, test)  # the same split every time
        sizes[name] = (len(train), len(test))
        if not dense.family(name).leave_one_out:
            assert not set(train) & set(test)
    rpart, lcbench = (91, 23), (22, 12)  # the variants share their family's split
    assert sizes == {"yahpo_rpart": rpart, "yahpo_rpart_mo": rpart,
                     "yahpo_rpart_capped_mo": rpart, "yahpo_rpart_constrained": rpart,
                     "yahpo_lcbench": lcbench, "yahpo_lcbench_mo": lcbench,
                     "yahpo_lcbench_es": lcbench, "xgboost_tables": (10, 10)}  # fmt: skip
    with pytest.raises(KeyError, match="No dense family 'nope'"):
        dense.family("nope")


def test_each_family_scores_a_config_as_its_data_does(yahpo_data, quantile_data):
    from benchmarks.transfer.tasks import make_task
    from benchmarks.transfer.xgboost_tables import PARAMS, xgboost_tables
    from benchmarks.transfer.yahpo_tasks import lcbench_scores

    heart = make_task("xgboost_tables", "heart")
    row = xgboost_tables().rows("heart").iloc[42]
    assert heart.evaluate({p: row[p] for p in PARAMS}) == {"error_rate": row["metric_error"]}
    assert heart.best == xgboost_tables().rows("heart")["metric_error"].min()
    assert heart.profile.meta_features["n_rows"] == 270
    mlp = make_task("yahpo_lcbench", "3945")
    config = {"batch_size": 64, "learning_rate": 0.01, "max_dropout": 0.1, "max_units": 512,
              "momentum": 0.9, "num_layers": 2, "weight_decay": 0.001}  # fmt: skip
    full = lcbench_scores("3945", [config], epoch=52)["val_accuracy"].iloc[0]
    assert mlp.evaluate(config)["val_accuracy"] == pytest.approx(full)
    # landmarks differ between tasks: a profile tells tasks apart
    other = make_task("yahpo_lcbench", "126025")
    assert other.profile.meta_features != mlp.profile.meta_features


def test_registries_drop_the_tuned_task_and_smaller_ones_are_nested(
    yahpo_data, quantile_data, tmp_path, monkeypatch
):
    from benchmarks.transfer.registries import SMOKE_VAR, dense_registry
    from benchmarks.transfer.tasks import make_task

    monkeypatch.setenv(SMOKE_VAR, "1")  # 8 prior studies of 6 trials: quick to build
    task = make_task("xgboost_tables", "a6a")  # leave one out: a6a is a prior of the others
    names = {}
    for size in (None, 5, 2):
        folder = tmp_path / str(size)
        folder.mkdir()
        names[size] = set(dense_registry(task, folder, size=size).names())
    assert "a6a" not in names[None] and len(names[None]) == 7
    assert len(names[5]) == 5 and len(names[2]) == 2
    assert names[2] < names[5] < names[None]


def test_variants_borrow_the_runs_that_never_read_the_registry():
    runs = pd.DataFrame(
        [
            {"family": "f", "task": "t", "seed": 0, "method": "ax_cold", "values": "[1]"},
            {"family": "f", "task": "t", "seed": 0, "method": "hpx_warm", "values": "[2]"},
            {"family": "f", "task": "t", "seed": 1, "method": "ax_cold", "values": "[3]"},
            {"family": "f_reg5", "task": "t", "seed": 0, "method": "hpx_warm", "values": "[4]"},
        ]
    )
    out = with_borrowed(runs)
    borrowed = out[out["family"] == "f_reg5"].set_index("method")["values"].to_dict()
    # Ax cold of the same task and seed; not the base's hpx_warm, nor another seed's run
    assert borrowed == {"hpx_warm": "[4]", "ax_cold": "[1]"}
    assert base_family("yahpo_rpart_reg20") == "yahpo_rpart" == base_family("yahpo_rpart")
    assert base_family("keel_unrelated") == "keel" and base_family("hpobench_mo") == "hpobench_mo"
    assert registry_size("yahpo_rpart_reg20") == 20 and registry_size("yahpo_rpart") is None


def test_the_constrained_variant_counts_a_broken_cap_as_the_worst_accuracy(yahpo_data):
    from benchmarks.transfer.tasks import make_task

    task = make_task("yahpo_rpart_constrained", "3")
    ((metric, op, cap),) = [c.split() for c in task.constraints]
    assert (metric, op) == ("memory", "<=")
    plain = make_task("yahpo_rpart", "3")
    assert task.best <= plain.best and task.worst == plain.worst
    shallow = {"cp": 0.5, "maxdepth": 1, "minbucket": 50, "minsplit": 50, "impute": "impute.mean"}
    deep = {"cp": 0.001, "maxdepth": 30, "minbucket": 1, "minsplit": 2, "impute": "impute.hist"}
    seen = {}
    for name, config in (("shallow", shallow), ("deep", deep)):
        scores = task.evaluate(config)
        seen[name] = (scores["memory"] <= float(cap), task.record(scores), scores["acc"])
    assert {ok for ok, _, _ in seen.values()} == {True, False}  # the cap splits these two
    for ok, recorded, acc in seen.values():
        assert recorded == (acc if ok else task.worst)


def test_the_two_objective_variant_has_a_front_of_non_dominated_points(yahpo_data):
    import numpy as np

    from benchmarks.transfer.tasks import make_task

    task = make_task("yahpo_rpart_mo", "15")  # a task where accuracy costs time
    assert list(task.objectives.items()) == [("acc", "maximize"), ("log10_timepredict", "minimize")]
    front = np.asarray(task.front)
    assert len(front) >= 5
    order = np.argsort(front[:, 0])  # along the front, more accuracy costs more time
    assert (np.diff(front[order, 1]) >= 0).all()
    config = {"cp": 0.01, "maxdepth": 5, "minbucket": 7, "minsplit": 20, "impute": "impute.mean"}
    acc, log_time = task.record(task.evaluate(config))
    assert 0 < acc <= 1 and log_time < 0


def test_a_fidelity_run_is_read_per_full_training_of_epochs(yahpo_data):
    from benchmarks.transfer.tasks import make_task

    task = make_task("yahpo_lcbench_es", "3945")
    reported = []
    config = {"batch_size": 64, "learning_rate": 0.01, "max_dropout": 0.1, "max_units": 512,
              "momentum": 0.9, "num_layers": 2, "weight_decay": 0.001}  # fmt: skip
    final = task.evaluate(config, lambda epoch, metrics: reported.append((epoch, metrics)))
    assert [e for e, _ in reported] == list(range(1, 53)) and final["epochs"] == 52
    assert reported[-1][1]["val_accuracy"] == final["val_accuracy"]
    assert make_task("yahpo_lcbench", "3945").evaluate(config)["val_accuracy"] == pytest.approx(
        final["val_accuracy"]
    )  # the same surrogate at full fidelity
    trials = [
        {"val_accuracy": 80.0, "epochs": 52, "completed": True},
        {"val_accuracy": 30.0, "epochs": 4, "completed": False},  # stopped: costs, no value
        {"val_accuracy": 95.0, "epochs": 4, "completed": False},
        {"val_accuracy": 90.0, "epochs": 52, "completed": True},  # done after 112 epochs
    ]
    assert task.by_full_run(trials, 3) == [80.0, 80.0, 90.0]
    assert task.by_full_run(trials[1:2], 2) == [task.worst, task.worst]


def test_the_registry_curve_pairs_every_size_on_the_same_tasks_and_seeds():
    from benchmarks.transfer.report import registry_curve

    rows = []
    for task in ("a", "b"):
        for seed in (0, 1):
            for method, speedup in (("ax_cold", 1.0), ("hpx_warm", 4.0 if task == "a" else 1.0)):
                rows.append(("f", task, seed, method, speedup, 91))
    # the smaller registry ran task a, seed 0 only: the whole registry is read there too
    rows += [("f_reg5", "a", 0, "ax_cold", 1.0, None), ("f_reg5", "a", 0, "hpx_warm", 2.0, 5)]
    summary = pd.DataFrame(
        rows, columns=["family", "task", "seed", "method", "speedup_vs_cold", "registry_studies"]
    ).assign(mean_regret=0.1, regret_at_10=0.1)
    curve = registry_curve(summary).set_index(["studies", "method"])
    assert curve.loc[(91, "hpx_warm"), "runs"] == 1
    assert curve.loc[(91, "hpx_warm"), "gmean_speedup_vs_cold"] == 4.0  # not 2.0 over a, b
    assert curve.loc[(5, "hpx_warm"), "gmean_speedup_vs_cold"] == 2.0
