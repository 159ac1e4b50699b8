import json

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import create_engine, text

import hpxplore as hpx
from hpxplore.exceptions import (
    DuplicateStudyError,
    HpxploreError,
    InputError,
    RegistryError,
    StudyNotFoundError,
)
from hpxplore.registry._store import Store
from hpxplore.trial import Trial
from tests.conftest import make_trials


def test_add_and_read_back_a_study(registry, sklearn_profiles, space, objectives):
    trials = make_trials(8)
    record = registry.add_study(
        "iris-hgb",
        sklearn_profiles["iris"],
        space,
        objectives,
        trials,
        constraints=["predict_ms <= 5"],
        provenance={"dataset_version": "sklearn-1.9", "seed": 3},
    )
    assert record.profile == sklearn_profiles["iris"]
    assert record.space == space and record.objectives == objectives
    assert [str(c) for c in record.constraints] == ["predict_ms <= 5"]
    assert record.provenance["dataset_version"] == "sklearn-1.9" and record.provenance["seed"] == 3
    assert "scikit-learn" in record.provenance["libraries"] and record.provenance["user"]
    stored = record.trials
    assert len(stored) == 8 and set(stored["status"]) == {"completed"}
    pd.testing.assert_frame_equal(
        stored[list(trials.columns)].reset_index(drop=True), trials, check_dtype=False
    )
    assert record.best("predict_ms")["predict_ms"] == trials["predict_ms"].min()
    assert "iris-hgb" in registry and len(registry) == 1
    # a stored study can be copied as it is (its trials carry the registry's created_at)
    copy = registry.add_study("iris-hgb-copy", record.profile, record.space, objectives, stored)
    assert len(copy.trials) == 8


def test_a_records_best_is_its_best_feasible_trial(registry, sklearn_profiles, space, objectives):
    trials = make_trials(8)
    trials.loc[0, ["accuracy", "predict_ms"]] = [0.999, 7.0]  # the most accurate, too slow
    trials.loc[1:, "predict_ms"] = np.minimum(trials.loc[1:, "predict_ms"], 4.0)
    record = registry.add_study(
        "c", sklearn_profiles["iris"], space, objectives, trials, constraints=["predict_ms <= 5"]
    )
    best = record.best()
    assert best["predict_ms"] <= 5 and best["accuracy"] == trials.loc[1:, "accuracy"].max()
    slow = trials.assign(predict_ms=9.0)
    none = registry.add_study(
        "d", sklearn_profiles["iris"], space, objectives, slow, constraints=["predict_ms <= 5"]
    )
    with pytest.raises(HpxploreError, match="no feasible completed trial"):
        none.best()


def test_studies_lists_counts_and_filters_by_tag(registry, sklearn_profiles, space, objectives):
    trials = make_trials(5)
    trials.loc[[1, 3], "status"] = "failed"
    registry.add_study("a", sklearn_profiles["iris"], space, objectives, trials)
    registry.add_study(
        "b", sklearn_profiles["wine"].with_tags(model="rf"), space, objectives, make_trials(3)
    )
    table = registry.studies()
    assert list(table["study"]) == ["a", "b"]
    assert list(table["n_trials"]) == [5, 3] and list(table["n_completed"]) == [3, 3]
    assert list(registry.studies(tags={"model": "rf"})["study"]) == ["b"]


def test_failed_trials_keep_their_reason_and_missing_metrics(
    registry, sklearn_profiles, space, objectives
):
    trials = make_trials(4)
    trials.loc[2, ["accuracy", "predict_ms"]] = np.nan
    with pytest.raises(
        InputError, match=r"(?s)Row 2 \(trial 2\): metric\(s\).*NaN.*nan_metrics='failed'"
    ):
        registry.add_study("s", sklearn_profiles["iris"], space, objectives, trials)
    assert "s" not in registry  # nothing half-written
    registry.add_study(
        "s", sklearn_profiles["iris"], space, objectives, trials, nan_metrics="failed"
    )
    stored = registry.trials("s")
    assert stored.loc[2, "status"] == "failed" and "missing or NaN" in stored.loc[2, "error"]
    assert pd.isna(stored.loc[2, "accuracy"])


BAD_TRIALS = {
    "empty": (lambda t: t.iloc[0:0], "trials table is empty"),
    "missing parameter": (
        lambda t: t.drop(columns="loss"),
        r"lacks the parameter column\(s\) \['loss'\]",
    ),
    "missing objective": (
        lambda t: t.drop(columns="predict_ms"),
        r"lacks the metric column\(s\) \['predict_ms'\]",
    ),
    "text column": (lambda t: t.assign(notes="x"), r"\['notes'\] are neither parameters"),
    "out of range": (
        lambda t: t.assign(max_depth=[3, 4, 50, 5, 6, 7, 8, 9]),
        r"Row 2 \(trial 2\): Parameter 'max_depth' = 50 lies outside \[2, 12\]",
    ),
    "unknown choice": (lambda t: t.assign(loss="hinge"), "is not one of"),
    "bad status": (lambda t: t.assign(status="done"), "status 'done' is not one of"),
    "not a frame": (lambda t: t.to_dict(), "must be a pandas DataFrame"),
}


@pytest.mark.parametrize("case", list(BAD_TRIALS))
def test_bad_trials_are_refused_with_a_fix_and_nothing_stored(
    registry, sklearn_profiles, space, objectives, case
):
    change, fragment = BAD_TRIALS[case]
    registry.add_study("kept", sklearn_profiles["iris"], space, objectives, make_trials(3))
    with pytest.raises(InputError, match=fragment) as info:
        registry.add_study(
            "new", sklearn_profiles["wine"], space, objectives, change(make_trials(8))
        )
    assert info.value.hint
    assert registry.names() == ["kept"] and len(registry.trials("kept")) == 3


def test_constraint_on_an_unknown_metric_is_refused(registry, sklearn_profiles, space, objectives):
    with pytest.raises(InputError, match=r"lacks the metric column\(s\) \['size_mb'\]"):
        registry.add_study(
            "s",
            sklearn_profiles["iris"],
            space,
            objectives,
            make_trials(),
            constraints="size_mb <= 50",
        )


def test_duplicate_names_are_refused_and_the_original_kept(
    registry, sklearn_profiles, space, objectives
):
    registry.add_study("s", sklearn_profiles["iris"], space, objectives, make_trials(3))
    with pytest.raises(DuplicateStudyError, match="already in the registry") as info:
        registry.add_study("s", sklearn_profiles["wine"], space, objectives, make_trials(6))
    assert "delete_study" in info.value.hint
    assert registry.record("s").profile.name == "iris" and len(registry.trials("s")) == 3


def test_get_and_delete_unknown_study(registry, sklearn_profiles, space, objectives):
    registry.add_study("s", sklearn_profiles["iris"], space, objectives, make_trials(3))
    with pytest.raises(StudyNotFoundError, match="No study named 'nope'") as info:
        registry.record("nope")
    assert "['s']" in info.value.hint and isinstance(info.value, KeyError)
    with pytest.raises(StudyNotFoundError):
        registry.delete_study("nope")
    registry.delete_study("s")
    assert len(registry) == 0


def test_save_trial_inserts_and_replaces(registry, sklearn_profiles, space, objectives):
    registry.add_study(
        "run", sklearn_profiles["iris"], space, objectives, make_trials(2), state="running"
    )
    config = {"learning_rate": 0.1, "max_depth": 4, "loss": "log_loss"}
    store = Store(registry)
    store.save_trial("run", Trial(2, config, status="running", origin="transferred"))
    store.save_trial(
        "run",
        Trial(
            2,
            config,
            {"accuracy": 0.9, "predict_ms": 1.5},
            {"accuracy": 0.01},
            "completed",
            origin="transferred",
        ),
    )
    store.set_state("run", "completed")
    record = registry.record("run")
    row = record.trials.set_index("trial_index").loc[2]
    assert (row["status"], row["accuracy"], row["accuracy_sem"], row["origin"]) == (
        "completed",
        0.9,
        0.01,
        "transferred",
    )
    assert record.state == "completed" and len(record.trials) == 3


def test_values_are_stored_as_json(registry, sklearn_profiles, space, objectives, registry_url):
    registry.add_study("s", sklearn_profiles["iris"], space, objectives, make_trials(2))
    engine = create_engine(registry_url)
    with engine.connect() as conn:
        raw = conn.execute(text("SELECT config, metrics FROM hpx_trial")).first()
        profile = conn.execute(text("SELECT profile FROM hpx_study")).scalar_one()
    engine.dispose()
    decoded = [json.loads(v) if isinstance(v, str) else v for v in (*raw, profile)]
    assert set(decoded[0]) == set(space) and set(decoded[1]) == set(objectives)
    assert decoded[2]["name"] == "iris"


def test_audit_log_keeps_every_decision(registry, sklearn_profiles):
    task = sklearn_profiles["wine"]
    store = Store(registry)
    ids = store.add_recommendations(
        task,
        [
            {"config": {"max_depth": 3}, "kind": "conservative", "projected_gain": 0.02},
            {"config": {"max_depth": 9}, "kind": "aggressive"},
        ],
    )
    registry.decide(ids[0], "accepted", reason="robust on 4 neighbours", user="ana")
    registry.decide(ids[1], "accepted", user="ana")
    registry.decide(ids[1], "rejected", reason="too deep for latency", user="ana")
    log = registry.decisions(task="wine")
    assert list(log["decision"]) == ["accepted", "accepted", "rejected"]
    assert list(log["user"]) == ["ana"] * 3
    recs = registry.recommendations(task="wine").set_index("id")
    assert (
        recs.loc[ids[1], "decision"] == "rejected"
        and recs.loc[ids[1], "reason"] == "too deep for latency"
    )
    assert recs.loc[ids[0], "details"] == {"projected_gain": 0.02}
    store.link_recommendations(ids, "wine-study")
    store.record_outcome(
        "wine-study", {"accuracy": 0.93, "gain": 0.01}, recommendation_id=ids[0], trial_index=0
    )
    outcomes = registry.outcomes()
    assert outcomes.loc[0, "gain"] == 0.01 and outcomes.loc[0, "recommendation_id"] == ids[0]
    assert set(registry.recommendations()["study"]) == {"wine-study"}
    with pytest.raises(InputError, match="must be one of"):
        registry.decide(ids[0], "maybe")
    with pytest.raises(RegistryError, match="No recommendation with id 99999"):
        registry.decide(99999, "accepted")


def test_registry_reopens_with_everything(registry_url, sklearn_profiles, space, objectives):
    with hpx.Registry(registry_url) as reg:
        reg.add_study("s", sklearn_profiles["iris"], space, objectives, make_trials(4))
    with hpx.Registry(registry_url) as reg:
        assert reg.schema_version == 1
        assert len(reg.trials("s")) == 4


def test_opening_without_create_refuses_a_missing_registry_and_writes_nothing(tmp_path):
    from hpxplore.exceptions import NoRegistryError

    missing = tmp_path / "no" / "such.db"
    for location in (missing, f"sqlite:///{missing}"):
        with pytest.raises(NoRegistryError, match=r"No registry at .*such\.db"):
            hpx.Registry(location, create=False)
    assert not missing.parent.exists()
    hpx.Registry(tmp_path / "real.db").close()
    assert hpx.Registry(tmp_path / "real.db", create=False).studies().empty


@pytest.mark.parametrize(
    "change",
    [
        {"name": "n\x00ul"},
        {"name": "x" * 256},
        {"profile": hpx.TaskProfile.from_meta_features("t" * 300, {"n_rows": 10.0})},
        {"source": "s" * 40},
        {"state": "paused"},
        {"trials": make_trials(2).assign(trial_index=[0, 2**40])},
    ],
    ids=["NUL in the name", "long name", "long task name", "long source", "state", "index"],
)
def test_what_postgresql_would_refuse_is_refused_alike_on_both(
    registry, sklearn_profiles, space, objectives, change
):
    study = {
        "name": "ok",
        "profile": sklearn_profiles["iris"],
        "space": space,
        "objectives": objectives,
        "trials": make_trials(2),
        **change,
    }
    with pytest.raises(InputError) as refused:
        registry.add_study(**study)
    assert refused.value.hint and len(registry) == 0


def test_text_postgresql_cannot_hold_is_stored_escaped_on_both(
    registry, sklearn_profiles, space, objectives
):
    trials = make_trials(2).assign(
        status=["completed", "failed"], error=[None, "bad\x00byte"], origin=["o" * 40, "x"]
    )
    record = registry.add_study("s", sklearn_profiles["iris"], space, objectives, trials)
    assert record.trials["error"].tolist() == [None, "bad\\x00byte"]
    assert record.trials["origin"].tolist() == ["o" * 32, "x"]
