"""The views over real objects: state a user sees, decisions stored, clicks, live updates."""

from __future__ import annotations

import sqlite3

import ipywidgets as W

import hpxplore as hpx
from hpxplore.transfer import Recommendations
from hpxplore.widgets import (
    ParetoView,
    ProgressView,
    RationaleView,
    RecommendationBoard,
    SensitivityView,
    SimilarityView,
)
from tests.transfer.test_recommend import SPACE
from tests.widgets.conftest import evaluate


def test_similarity_view_shows_neighbours_and_their_drivers(lab):
    view = SimilarityView(lab.recs.neighbours)
    assert view.info.studies == list(lab.recs.neighbours["study"])
    bars = [t for t in view.figure.data if t.type == "bar"]
    assert bars and all(len(t.x) == len(view.info.studies) for t in bars)
    assert "hpx-ood-warning" not in str([c._dom_classes for c in view.children])


def test_similarity_view_warns_when_no_close_analog(lab):
    alien = hpx.TaskProfile.from_meta_features(
        "alien", {"n_rows": 3e6, "n_features": 4000, "landmark_1nn": 0.1, "n_classes": 40}
    )
    view = SimilarityView(lab.registry.similar(alien))
    warning = view.children[0]
    assert "hpx-ood-warning" in warning._dom_classes and "No close analog" in warning.value


def test_board_accept_and_reject_persist_and_a_reopened_board_shows_them(lab):
    board = RecommendationBoard(lab.recs)
    first, second = board.cards[0], board.cards[1]
    first.reason.value = "robust on all neighbours"
    first.accept.click()
    second.reject.click()
    assert "accepted" in first.status.value and "robust on all neighbours" in first.status.value
    stored = lab.registry.recommendations(task="bc-new").set_index("id")
    assert stored.loc[lab.recs[0].id, "decision"] == "accepted"
    assert stored.loc[lab.recs[1].id, "decision"] == "rejected"
    reopened = RecommendationBoard(Recommendations.load(lab.registry, lab.profile))
    assert "accepted" in reopened.cards[0].status.value
    assert "rejected" in reopened.cards[1].status.value


def test_a_card_leads_with_one_sentence_and_keeps_the_details_a_click_away(lab):
    board = RecommendationBoard(lab.recs)
    for card, rec in zip(board.cards, lab.recs, strict=True):
        html = card.facts.value
        summary = html.index("hpx-summary")
        assert summary < html.index("<details")  # the sentence first, the details behind a click
        assert "<summary>Details</summary>" in html and "Guardrails:" in html
        assert "✅" not in html and "⚠" not in html  # no emoji: a box without an emoji font
        if rec.kind != "baseline":
            source = rec.sources[0]
            where = (
                f"generated near a trial of {source['study']}"
                if source["trial_index"] is None
                else f"from trial {source['trial_index']} of {source['study']}"
            )
            assert where in rec.summary
            assert "than the baseline's (" in rec.summary and "95 % interval" in rec.summary
    assert "recommendations (" in board.children[0].value


def test_undecided_cards_read_undecided_not_nan_after_a_decision_elsewhere(lab):
    recs = hpx.recommend(lab.profile, lab.registry, SPACE, {"accuracy": "maximize"}, n=3)
    recs.accept(0)
    for reread in (recs.refresh(), Recommendations.load(lab.registry, lab.profile)):
        assert [r.decision for r in reread] == ["accepted", None, None]
        assert [r.reason for r in reread][1:] == ["", ""]
        board = RecommendationBoard(reread)
        assert "undecided" in board.cards[1].status.value
        assert "nan" not in board.cards[1].status.value


def test_pareto_view_draws_origins_front_constraints_and_selects_on_click(lab):
    view = ParetoView(lab.study, live=False)
    names = {t.name for t in view.figure.data}
    assert {"transferred", "quasi-random", "Pareto front"} <= names
    assert any("n_iter <= 250" in str(a.text) for a in view.figure.layout.annotations)
    point = next(t for t in view.figure.data if t.name == "quasi-random")
    trial = int(point.customdata[0])
    view._clicked(point, type("Points", (), {"point_inds": [0]})(), None)  # what a click sends
    assert view.selected == trial and f"Selected trial {trial}" in view.selection.value
    assert any(t.name == f"selected: trial {trial}" for t in view.figure.data)


def test_pareto_view_updates_live_without_refitting(lab, tmp_path):
    study = hpx.Study("live", lab.study.space, lab.study.objectives, seed=1, init_trials=4)
    view = ParetoView(study)
    counts = []
    study.on_trial(lambda s, _i: counts.append(int(view.info.points.shape[0])))
    study.run(evaluate(lab.frame), n_trials=3, executor="inline", progress=False)
    assert counts == [1, 2, 3]  # the view had redrawn before the next listener ran
    assert view.last_refresh_s < 0.5


def test_sensitivity_view_computes_on_request_and_shows_no_empty_axes_before(lab):
    view = SensitivityView(lab.study)
    assert not view.figure.data  # nothing fitted until asked
    assert view.chart.layout.display == "none" and "Press <b>Compute sensitivity</b>" in (
        view.table.value
    )
    view.button.click()
    assert {t.name for t in view.figure.data} == {"first order", "total order"}
    assert view.chart.layout.display is None and "C" in view.table.value
    done = int((lab.study.trials["status"] == "completed").sum())
    assert f"{done} completed trials, under the 10 it takes" in view.table.value  # 6 trials
    indices = lab.study.sensitivity()
    for metric, r2 in indices.drop_duplicates("metric").set_index("metric")["fit_r2"].items():
        verdict = hpx.viz.fit_verdict(r2)[1].split(":")[0]  # "good (R² 0.73)", "poor (...)"
        assert f"{metric}: Ax's model fit is" in view.table.value and verdict in view.table.value
    titles = [a.text for a in view.figure.layout.annotations]
    assert all("model fit R²" in t for t in titles)


def test_pareto_view_controls_start_plain_and_say_when_nothing_is_feasible(lab):
    view = ParetoView(lab.study, live=False)
    assert view.color.label == "none"
    # the boxes show the axes chosen for the spread of the values (n_iter: 5 to 300)
    assert (view.log_x.value, view.log_y.value) == view.info.log
    chosen = not view.log_y.value
    view.log_y.value = chosen  # the user's word is final: no more automatic choice
    assert view.figure.layout.yaxis.type == ("log" if chosen else "linear")
    view.refresh()
    assert view.log_y.value is chosen
    view.y.value = view.x.value
    assert "pick two different metrics" in view.message.value
    strict = hpx.Study(
        "none-feasible", lab.study.space, lab.study.objectives, ["n_iter <= 0"], seed=0,
        init_trials=2,
    )  # fmt: skip
    strict.run(evaluate(lab.frame), n_trials=2, executor="inline", progress=False)
    nothing = ParetoView(strict, live=False)
    assert "No feasible trial yet" in nothing.message.value
    assert len([t for t in nothing.figure.data if t.name.endswith("infeasible")]) >= 1


def test_a_tab_shown_redraws_its_charts_at_the_same_size(lab):
    dashboard = hpx.explore(lab.study, lab.recs)
    # the Pareto tab is shown first: its chart is drawn visible, at full width, even while
    # the kernel is busy running the study (a redraw request would wait for it)
    assert dashboard.tabs.titles[dashboard.tabs.selected_index] == "Pareto"
    progress = dashboard.progress.figure
    sent = []
    progress.layout.on_change(lambda _layout, autosize: sent.append(autosize), "autosize")
    dashboard.tabs.selected_index = dashboard.tabs.titles.index("Progress")  # built hidden
    assert sent == [False, True]


def test_rationale_view_shows_stored_reasons_and_events_in_sentences(lab):
    view = RationaleView(lab.recs, lab.study, live=False)
    for r in lab.recs:
        assert r.kind in view.reasons.value
    assert "Monitor" in view.events.value and "Run finished" in view.events.value
    assert "trial(s) in" in view.events.value and "stopped because" in view.events.value
    assert "{" not in view.events.value and "{" not in view.reasons.value  # no raw structures
    if lab.recs.narrowed.space is not None:  # proposed, but lab's study searched the full space
        assert "proposed but not applied" in view.reasons.value


def test_dashboard_exports_the_clicked_trial_and_never_overwrites(lab):
    path = lab.folder / "dashboard-export.yaml"
    dashboard = hpx.explore(lab.study, lab.recs, path=str(path))
    assert [dashboard.tabs.get_title(i) for i in range(7)] == [
        "Similarity",
        "Recommendations",
        "Pareto",
        "Progress",
        "Sensitivity",
        "Health",
        "Rationale",
    ]
    progress = dashboard.progress.info  # the run's progress, drawn from its trials
    assert progress.completed == len(lab.study.trials) and progress.measure == "hypervolume"
    assert len(dashboard.progress.figure.data) >= 2
    compared = set(progress.comparison["study"])  # the neighbours the transfer drew on
    assert compared == {"this study", *lab.recs.neighbours["study"]}
    dashboard.export_button.click()
    assert "click a point" in dashboard.status.value and not path.exists()
    trial = int(lab.study.pareto_frontier().iloc[0]["trial_index"])
    dashboard.pareto.select(trial)
    dashboard.export_button.click()
    assert f"Exported trial {trial}" in dashboard.status.value
    assert dashboard.exported["provenance"]["trial"] == trial and path.exists()
    dashboard.export_button.click()  # a second press must not overwrite
    assert "already exists" in dashboard.status.value
    assert "Tick &#x27;overwrite&#x27;" in dashboard.status.value or "Tick 'overwrite'" in (
        dashboard.status.value
    )
    assert (
        "overwrite=True" not in dashboard.status.value and "--force" not in dashboard.status.value
    )
    dashboard.overwrite.value = True
    dashboard.export_button.click()
    assert "Exported trial" in dashboard.status.value


def test_dashboard_export_of_an_infeasible_trial_says_so(lab):
    study = hpx.Study(
        "strict", lab.study.space, lab.study.objectives, ["n_iter <= 0"], seed=0, init_trials=2
    )
    study.run(evaluate(lab.frame), n_trials=2, executor="inline", progress=False)
    path = lab.folder / "infeasible.yaml"
    dashboard = hpx.explore(study, path=str(path))
    dashboard.pareto.select(0)
    dashboard.export_button.click()
    assert (
        "Exported trial 0" in dashboard.status.value
        and "It is infeasible" in dashboard.status.value
    )
    assert "n_iter &lt;= 0" in dashboard.status.value and path.exists()


def test_a_failing_panel_shows_an_error_card_and_the_rest_works(lab):
    class Broken:
        neighbours = None  # not a DataFrame: the similarity panel cannot be drawn

        def __iter__(self):
            return iter(lab.recs)

        def __getattr__(self, name):
            return getattr(lab.recs, name)

    dashboard = hpx.explore(lab.study, Broken())
    assert "hpx-error-card" in dashboard.similarity._dom_classes
    assert "could not be shown" in dashboard.similarity.value
    assert len(dashboard.pareto.figure.data) > 0


def test_health_view_shows_axs_cards_and_says_which_could_not_be_computed(lab):
    import plotly.graph_objects as go

    from hpxplore.widgets import HealthView

    view = HealthView(lab.study)
    assert not view.body.children  # nothing is refitted until asked
    view.compute()
    summary, *first, more = view.body.children
    # first: the model's fit per metric with a verdict, feasibility and the best trial
    # the lab's 6 trials are all its initial design: no model to judge yet, and it says so
    assert view.info.fit == {} and "Ax has not fitted its model yet" in summary.value
    assert "CrossValidationPlot" in view.info.later
    feasible = int(lab.study.trials["feasible"].sum())
    assert f"{feasible} of 6 completed trials meet every constraint" in summary.value
    titles = [c["title"] for c in view.info.first]
    assert "Utility Progression" in titles and len(first) == len(view.info.first) <= 6
    # then the rest, closed until clicked
    assert isinstance(more, W.Accordion) and more.selected_index is None
    assert more.get_title(0) == f"More from Ax ({len(view.info.others)} cards)"
    figures = [w for card in more.children[0].children for w in getattr(card, "children", ())]
    assert any(isinstance(w, go.FigureWidget) and w.data for w in figures)
    kinds = [c["kind"] for c in view.info.others]
    assert kinds == sorted(kinds, key=lambda k: k == "error")  # errors last
    assert not any("No best trial" in c["subtitle"] for c in view.info.others if feasible)


def test_progress_view_compares_with_the_registrys_studies(lab, tmp_path):
    """Reopened from a registry that also holds a cold study of the same task, the view
    draws that study on the same axis and the most similar studies below."""
    copy = tmp_path / "registry.db"
    with sqlite3.connect(lab.folder / "registry.db") as source, sqlite3.connect(copy) as target:
        source.backup(target)
    with hpx.Registry(copy) as reg:
        cold = lab.study.trials.drop(columns=["origin"]).head(4)
        reg.add_study("bc-new-cold", lab.profile, SPACE, lab.study.objectives, cold)
        study = hpx.Study.load(lab.study.name, reg)
        view = ProgressView(study, live=False)
        assert [b.name for b in view.baselines] == ["bc-new-cold"]
        assert set(view.info.baselines["study"]) == {"bc-new-cold"}
        assert "bc-new-cold (same task)" in {t.name for t in view.figure.data}
        assert {s.name for s in view.similar} <= {f"bc-{i}" for i in range(4)} and view.similar
        assert view.info.compared_on == "accuracy"
        assert set(view.info.trials_to()) == {"this study", *(s.name for s in view.similar)}
        assert "similar studies" in str(view.figure.layout.annotations[0].text)
