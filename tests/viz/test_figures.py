"""Figure data (the info step) on real registries and studies; no pixels compared."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hpxplore.exceptions import InputError
from hpxplore.objectives import Constraint
from hpxplore.viz import (
    comparison_note,
    pareto_figure,
    pareto_info,
    progress_figure,
    progress_info,
    recommendations_figure,
    sensitivity_figure,
    similarity_figure,
    similarity_info,
)

TRIALS = pd.DataFrame(
    {
        "trial_index": range(7),
        "acc": [0.80, 0.90, 0.85, 0.70, 0.95, 0.60, 0.99],
        "ms": [1.0, 3.0, 2.0, 0.5, 9.0, 0.2, np.nan],
        "lr": [0.1] * 7,
        "status": ["completed"] * 6 + ["failed"],
        "origin": ["transferred", "quasi-random", "model", "model", "model", "manual", "model"],
    }
)
OBJECTIVES = {"acc": "maximize", "ms": "minimize"}


def test_pareto_info_marks_front_infeasible_and_constraints():
    info = pareto_info(TRIALS, OBJECTIVES, [Constraint("ms", "<=", 5)], space=["lr"])
    assert list(info.points["trial_index"]) == [0, 1, 2, 3, 4, 5]  # the failed trial is not drawn
    assert set(info.front["trial_index"]) == {5, 3, 0, 2, 1}  # trial 4 breaks the constraint
    assert not info.points.set_index("trial_index").loc[4, "feasible"]
    assert info.points.set_index("trial_index").loc[5, "group"] == "other"
    assert info.constraint_lines == [("y", 5.0, "ms <= 5")]
    fig = pareto_figure(info)
    names = {t.name for t in fig.data}
    assert {"transferred", "model (Bayesian optimization), infeasible", "Pareto front"} <= names
    infeasible = next(t for t in fig.data if t.name.endswith("infeasible"))
    assert infeasible.marker.symbol == "square-open"  # keeps its origin's marker, open


def test_colour_applies_to_every_point_on_one_scale():
    info = pareto_info(TRIALS, OBJECTIVES, [Constraint("ms", "<=", 5)], color="acc")
    fig = pareto_figure(info)
    points = [t for t in fig.data if t.mode == "markers" and not t.name.startswith("selected")]
    assert any(t.name.endswith("infeasible") for t in points)
    assert {(t.marker.cmin, t.marker.cmax) for t in points} == {(0.6, 0.95)}
    assert sum(bool(t.marker.showscale) for t in points) == 1  # one colour bar
    assert all(t.marker.color is not None and len(t.marker.color) for t in points)


def test_log_axes_and_two_different_metrics():
    fig = pareto_figure(pareto_info(TRIALS, OBJECTIVES, log_y=True))
    assert fig.layout.yaxis.type == "log" and fig.layout.xaxis.type == "linear"
    with pytest.raises(ValueError, match="pick two different metrics"):
        pareto_info(TRIALS, OBJECTIVES, x="ms", y="ms")
    with pytest.raises(ValueError, match="values <= 0, so it cannot go on a log axis"):
        pareto_info(TRIALS.assign(ms=TRIALS["ms"] - 1), OBJECTIVES, log_y=True)


def test_one_outlier_gets_a_log_axis_by_default_and_the_user_has_the_last_word():
    assert pareto_info(TRIALS, OBJECTIVES).log == (False, False)  # an even spread: linear
    outlier = TRIALS.copy()
    outlier.loc[0, "ms"] = 715_000.0  # one model of 715 MB among ones of a few
    assert pareto_info(outlier, OBJECTIVES).log == (False, True)
    assert pareto_info(outlier, OBJECTIVES, log_y=False).log == (False, False)
    assert pareto_info(outlier.assign(ms=outlier["ms"] - 5), OBJECTIVES).log == (False, False)


def test_single_objective_front_is_the_best_so_far():
    info = pareto_info(TRIALS, {"acc": "maximize"})
    assert info.x == "trial_index"
    assert list(info.front["trial_index"]) == [0, 1, 4]


def test_unknown_axis_metric_is_named():
    with pytest.raises(InputError, match="latency"):
        pareto_info(TRIALS, OBJECTIVES, x="latency")


def test_similarity_segments_add_up_to_each_squared_distance(sklearn_profiles, tmp_path):
    import hpxplore as hpx

    reg = hpx.Registry(tmp_path / "r.db")
    trials = pd.DataFrame({"x": [0.1, 0.5, 0.9], "acc": [0.1, 0.5, 0.9]})
    for name in ("iris", "wine", "digits"):
        reg.add_study(
            name, sklearn_profiles[name], {"x": hpx.Float(0, 1)}, {"acc": "maximize"}, trials
        )
    table = reg.similar(sklearn_profiles["breast_cancer"])
    info = similarity_info(table)
    totals = np.sum(list(info.segments.values()), axis=0)
    assert np.allclose(totals, table["distance"] ** 2)
    assert info.threshold == pytest.approx(table.attrs["threshold"] ** 2)
    assert len(similarity_figure(info).data) == len(info.segments)


def test_sensitivity_and_recommendation_figures():
    indices = pd.DataFrame(
        {
            "metric": ["acc", "acc", "ms", "ms"],
            "parameter": ["lr", "depth", "lr", "depth"],
            "first_order": [0.6, 0.2, 0.1, 0.8],
            "total_order": [0.7, 0.3, 0.15, 0.85],
        }
    )
    fig = sensitivity_figure(indices)
    assert len(fig.data) == 4 and [a.text for a in fig.layout.annotations] == ["acc", "ms"]
    fitted = sensitivity_figure(indices.assign(fit_r2=[0.8, 0.8, 0.05, 0.05]))
    assert [a.text for a in fitted.layout.annotations] == [
        "acc (model fit R² 0.80)",
        "ms (model fit R² 0.05)",
    ]


def test_health_info_puts_the_few_facts_first_and_reads_the_fit():
    from hpxplore.viz import fit_verdict, health_info

    cards = [
        {"title": "Cross Validation for acc (R² = 0.26)", "subtitle": "", "kind": "plot"},
        {"title": "Cross Validation for ms (R² = 0.81)", "subtitle": "", "kind": "plot"},
        {"title": "Utility Progression", "subtitle": "", "kind": "plot"},
        {
            "title": "Best Trials",
            "subtitle": "No best trial(s) could be identified.",
            "kind": "error",
        },
        {"title": "Some failure", "subtitle": "Ax could not", "kind": "error"},
        {"title": "Slice", "subtitle": "", "kind": "plot"},
        {"title": "Baseline Improvement Healthcheck", "subtitle": "", "kind": "health"},
        {"title": "Generation Strategy Graph", "subtitle": "", "kind": "graph"},
    ]
    trials = pd.DataFrame(
        {"trial_index": [0, 1, 2], "status": ["completed"] * 3, "feasible": [True, False, True],
         "acc": [0.8, 0.95, 0.9], "ms": [1.0, 2.0, 3.0]}
    )  # fmt: skip
    info = health_info(cards, trials, {"acc": "maximize"})
    assert info.fit == {"acc": 0.26, "ms": 0.81} and info.feasible == (2, 3)
    assert info.best == "Best acc so far: 0.9, trial 2 of 2 feasible."  # 0.95 is infeasible
    assert [c["title"] for c in info.first] == [
        "Utility Progression",
        "Baseline Improvement Healthcheck",
    ]
    assert [c["title"] for c in info.others][-1] == "Some failure"  # errors last
    assert "Best Trials" not in [c["title"] for c in info.others]  # the study has a best
    assert fit_verdict(0.26)[0] == "warning" and fit_verdict(0.81)[0] == "ok"
    assert fit_verdict(0.02)[0] == "error" and "no better than their mean" in fit_verdict(0.02)[1]


def test_recommendation_figure_draws_each_interval():
    class Rec:
        def __init__(self, rank, kind, mean):
            self.rank, self.kind = rank, kind
            self.gain = {"acc": {"mean": mean, "low": mean - 0.1, "high": mean + 0.2}}

    recs = [Rec(0, "conservative", 0.05), Rec(1, "baseline", 0.0)]
    fig = recommendations_figure(recs)
    assert [t.error_x.array[0] for t in fig.data] == [pytest.approx(0.2), pytest.approx(0.2)]
    assert [t.error_x.arrayminus[0] for t in fig.data] == [pytest.approx(0.1)] * 2


def test_with_two_objectives_the_picks_sit_in_objective_space_over_the_fronts():
    class Rec:
        def __init__(self, rank, kind, acc, kb):
            self.rank, self.kind = rank, kind
            self.objectives = {"acc": "maximize", "size_kb": "minimize"}
            self.projected = {
                "acc": {"mean": acc, "low": acc - 0.02, "high": acc + 0.01},
                "size_kb": {"mean": kb, "low": kb - 50, "high": kb + 80},
            }
            self.gain = {m: {"mean": 0.0, "low": 0.0, "high": 0.0} for m in self.projected}

    recs = [Rec(0, "conservative", 0.95, 900.0), Rec(1, "trade-off", 0.9, 300.0)]
    front = pd.DataFrame({"acc": [0.96, 0.91, 0.85], "size_kb": [1000.0, 400.0, 100.0]})
    fig = recommendations_figure(recs, fronts={"<b>near</b>": front})
    lines, picks = fig.data[0], fig.data[1:]
    assert list(lines.x) == [0.85, 0.91, 0.96] and "&lt;b&gt;" in lines.name
    assert [t.x[0] for t in picks] == [0.95, 0.9] and [t.y[0] for t in picks] == [900.0, 300.0]
    assert picks[1].error_y.array[0] == pytest.approx(80) and picks[1].error_x.arrayminus[
        0
    ] == pytest.approx(0.02)
    assert "lower is better" in fig.layout.yaxis.title.text
    # asked for one metric, it is the gain chart
    assert fig.layout.title.text != recommendations_figure(recs, metric="acc").layout.title.text


def test_every_event_reads_as_a_sentence_with_its_facts():
    from hpxplore.viz import HEADLINES, event_sentence

    events = {
        "transfer_off": {
            "reason": "negative transfer: the prior studies' weight stayed below 10%",
            "evidence": {"trials": 7, "prior_share": {"accuracy": 0.0, "size_kb": 0.04},
                         "threshold": 0.1},
            "abandoned": [5],
            "space_widened": True,
        },
        "rollback_advised": {"reason": "no trial beats the proven baseline on accuracy",
                             "baseline": 0.9, "best": 0.85, "trial": 4},
        "transfer_prior": {"studies": ["a", "b"], "similarity": [0.8, 0.7], "trials": 80},
        "prior_weights": {"metric": "acc", "trials": 9, "weights": {"a": 0.7, "(this task)": 0.3},
                          "dropped": ["b"]},
        "warm_start_capped": {"kept": 3, "given": 8, "reason": "at most 50% of the 6-trial design"},
        "thresholds_inferred": {"thresholds": ["acc >= 0.8", "size_kb <= 300"],
                                "reason": "the worst value on the close studies' Pareto fronts"},
        "thresholds_dropped": {"thresholds": ["acc >= 0.8"], "trials": 6,
                               "reason": "no trial of this task reached them"},
        "space_narrowed": {"rationale": "Narrowed to the box around the top 3 configs."},
        "trial_failed": {"trial": 2, "reason": "ValueError: bad"},
        "listener_failed": {"trial": 3, "error": "KeyError: x"},
        "run_finished": {"reason": "trial budget of 8 reached", "trials": 8, "seconds": 12.345},
    }  # fmt: skip
    assert set(events) == set(HEADLINES)
    said = {kind: event_sentence({"event": kind, **facts}) for kind, facts in events.items()}
    assert (
        "After 7 trials the prior studies kept 0% of the weight on accuracy, 4% of the weight on "
        "size_kb (switched off below 10% on every objective and constraint)."
        in said["transfer_off"]
    )
    assert "dropped: 5" in said["transfer_off"] and "widened back" in said["transfer_off"]
    assert "scored 0.9, the best other feasible trial 0.85" in said["rollback_advised"]
    assert "first 3 of 8" in said["warm_start_capped"]
    assert said["thresholds_inferred"] == (
        "Ax measures the hypervolume above acc >= 0.8, size_kb <= 300: the worst value on the "
        "close studies' Pareto fronts."
    )
    assert said["thresholds_dropped"] == (
        "After 6 trials, dropped acc >= 0.8: no trial of this task reached them."
    )
    assert "2 similar prior studies (80 trials) say: a, b" in said["transfer_prior"]
    judged = event_sentence({"event": "transfer_prior", **events["transfer_prior"],
                             "in_model": False})  # fmt: skip
    assert judged.startswith("2 similar prior studies (80 trials) judge the transfer: a, b.")
    assert "Ax's own model steers" in judged
    assert said["prior_weights"] == (
        "After 9 trials, the prior for acc: a 0.70; this task's own model 0.30. Dropped (they "
        "rank this task's trials worse than its own model): 1 study."
    )
    assert (
        said["run_finished"] == "8 trial(s) in 12.3 s; stopped because trial budget of 8 reached."
    )
    assert all("{" not in text for text in said.values())


def test_progress_is_the_best_feasible_so_far_with_each_trial_marked():
    info = progress_info(TRIALS, {"acc": "maximize"}, [Constraint("ms", "<=", 5.0)])
    # trial 4 (0.95) breaks ms <= 5 and trial 6 failed: neither counts
    assert info.curve["value"].tolist() == [0.80, 0.90, 0.90, 0.90, 0.90, 0.90]
    assert info.feasible == 5 and info.completed == 6 and info.measure == "best acc"
    assert info.transferred_share == 0.0  # the transferred trial was the first, not the best
    fig = progress_figure(info)
    assert list(fig.data[0].y) == info.curve["value"].tolist() and "5 of 6" in fig.layout.title.text
    assert {trace.name for trace in fig.data[1:]} >= {
        "transferred",
        "model (Bayesian optimization)",
    }


def test_progress_with_two_objectives_is_the_hypervolume_so_far():
    info = progress_info(TRIALS, OBJECTIVES)
    curve = info.curve["value"].to_numpy()
    assert info.measure == "hypervolume" and np.all(np.diff(curve) >= 0) and curve[-1] > 0
    # reference point: the worst acc (0.60) and ms (9.0) seen; after trials 0 and 1 the
    # dominated area is (0.90 - 0.60) x (9 - 3) plus trial 0's strip (0.80 - 0.60) x (3 - 1)
    assert curve[1] == pytest.approx(0.30 * 6.0 + 0.20 * 2.0)


def _stored(tmp_path, name, trials, objectives, constraints=None):
    """A real stored study (a StudyRecord read back from a registry)."""
    from hpxplore import Float, Registry, TaskProfile

    with Registry(tmp_path / "progress.db") as reg:
        profile = TaskProfile.from_meta_features(name, {"n_rows": 100.0})
        reg.add_study(
            name, profile, {"lr": Float(0.01, 1.0)}, objectives, trials, constraints=constraints
        )
        return reg.record(name)


def test_progress_compares_with_similar_studies_each_on_its_own_scale(tmp_path):
    climbing = pd.DataFrame({"lr": 0.1, "acc": [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0]})
    similar = [
        _stored(tmp_path, "climbing", climbing, {"acc": "maximize"}),
        _stored(tmp_path, "other-way", climbing, {"acc": "minimize"}),  # not comparable
        _stored(tmp_path, "other-metric", climbing.rename(columns={"acc": "f1"}), {"f1": "maximize"}),
    ]  # fmt: skip
    info = progress_info(
        TRIALS, {"acc": "maximize"}, [Constraint("ms", "<=", 5.0)], similar=similar
    )
    shares = info.comparison.pivot(index="trials", columns="study", values="share")
    assert list(shares.columns) == ["climbing", "this study"]
    # this study: 0.80 first, which matches 3 of its 5 feasible trials (0.80, 0.70, 0.60);
    # 0.90 next, which matches them all
    assert shares["this study"].tolist() == pytest.approx([0.6, 1, 1, 1, 1, 1])
    # the similar study is judged on its first 6 trials (this study's completed trials)
    assert shares["climbing"].tolist() == pytest.approx([1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6, 1])
    assert info.trials_to(0.9) == {"this study": 2, "climbing": 6} and info.compared_on == "acc"
    fig = progress_figure(info)
    title = str(fig.layout.annotations[0].text)
    assert title.startswith("Trials to near-best: this study vs 1 similar<br>")
    assert "90% matched after 2 trials here; similar studies' median: 6" in title
    # every line of a title fits the chart (the old ones were cut at the notebook's width)
    for text in (title, fig.layout.title.text):
        assert all(len(_plain(line)) <= 70 for line in text.split("<br>")), text
    assert "its first 6 trials that its best acc so far matches" in comparison_note(info)
    assert {"similar studies", "this study (share)"} <= {t.name for t in fig.data}
    alone = progress_info(TRIALS, {"acc": "maximize"}, similar=similar[1:])
    assert alone.comparison.empty and not progress_figure(alone).layout.annotations
    assert comparison_note(alone) == ""


def _plain(text: str) -> str:
    import re

    return re.sub(r"<[^>]+>", "", text)


def test_progress_draws_the_same_tasks_studies_against_one_reference_point(tmp_path):
    done = TRIALS[TRIALS["status"] == "completed"].drop(columns=["status", "origin"])
    twin = _stored(tmp_path, "twin", done, OBJECTIVES)
    info = progress_info(TRIALS, OBJECTIVES, baselines=[twin])
    assert info.baselines["value"].tolist() == pytest.approx(info.curve["value"].tolist())
    worse = done.assign(acc=done["acc"] - 0.5)  # its worst acc, 0.10, moves the reference
    pooled = progress_info(
        TRIALS, OBJECTIVES, baselines=[_stored(tmp_path, "worse", worse, OBJECTIVES)]
    )
    # after trials 0 and 1 the area now reaches down to acc 0.10: 0.5 more on each strip
    assert pooled.curve["value"].iloc[1] == pytest.approx(0.80 * 6.0 + 0.70 * 2.0)
    assert pooled.baselines["value"].iloc[-1] < pooled.curve["value"].iloc[-1]
    assert "worse (same task)" in {t.name for t in progress_figure(pooled).data}
