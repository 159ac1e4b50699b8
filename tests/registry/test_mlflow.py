"""MLflow experiments become studies: a real MLflow tracking store (SQLite), no mock."""

from __future__ import annotations

import numpy as np
import pytest

import hpxplore as hpx

mlflow = pytest.importorskip("mlflow")


@pytest.fixture(scope="module")
def tracking(tmp_path_factory):
    """Two experiments as MLflow's hyperparameter-search examples log them: a parent run
    with one child run per config (params are text to MLflow), plus a failed child."""
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri)
    rng = np.random.default_rng(0)
    for name, shift in (("churn-hgb", 0.0), ("fraud-hgb", 0.3)):
        experiment = client.create_experiment(name, tags={"model": "hgb", "team": "risk"})
        parent = client.create_run(experiment, run_name="search")
        for i in range(12):
            child = client.create_run(experiment, tags={"mlflow.parentRunId": parent.info.run_id})
            lr, depth = float(10 ** rng.uniform(-3, 0)), int(rng.integers(2, 9))
            client.log_param(child.info.run_id, "learning_rate", lr)
            client.log_param(child.info.run_id, "max_depth", depth)
            client.log_param(child.info.run_id, "early_stop", i % 2 == 0)
            if i == 11:
                client.set_terminated(child.info.run_id, status="FAILED")
                continue
            accuracy = 0.9 - (np.log10(lr) + 1.5 + shift) ** 2 / 10 - abs(depth - 5) / 50
            client.log_metric(child.info.run_id, "val-accuracy", 0.5, step=0)
            client.log_metric(child.info.run_id, "val-accuracy", accuracy, step=1)
            client.log_metric(child.info.run_id, "fit_s", depth * 0.1)
            client.set_terminated(child.info.run_id)
        client.log_metric(parent.info.run_id, "val-accuracy", 0.99)  # the parent's summary
        client.set_terminated(parent.info.run_id)
    return uri


def test_mlflow_experiments_become_studies_with_their_runs_as_trials(tracking, tmp_path):
    reg = hpx.Registry(tmp_path / "r.db")
    profiles = {
        name: hpx.TaskProfile.from_meta_features(name, {"n_rows": n})
        for name, n in (("churn-hgb", 1e4), ("fraud-hgb", 3e4))
    }
    stored = reg.import_mlflow(
        tracking, ["churn-hgb", "fraud-hgb"], profiles, {"val-accuracy": "maximize"}
    )
    assert [s.name for s in stored] == ["churn-hgb", "fraud-hgb"]
    churn = stored[0]
    assert isinstance(churn.space["learning_rate"], hpx.Float) and churn.space["learning_rate"].log
    assert isinstance(churn.space["max_depth"], hpx.Int)
    assert churn.space["early_stop"] == hpx.Choice((False, True))
    trials = churn.trials
    assert len(trials) == 12  # the children, not the parent's summary
    assert trials["status"].value_counts().to_dict() == {"completed": 11, "failed": 1}
    done = trials[trials["status"] == "completed"]
    assert done["val-accuracy"].lt(0.95).all() and done["fit_s"].notna().all()  # latest values
    assert done["max_depth"].map(type).eq(int).all()  # types recovered from MLflow's text
    assert churn.profile.tags == {"model": "hgb", "team": "risk"}
    assert churn.source == "mlflow" and len(churn.provenance["run_ids"]) == 12
    assert churn.provenance["tracking_uri"] == tracking
    recs = hpx.recommend(
        hpx.TaskProfile.from_meta_features("new", {"n_rows": 2e4}, tags={"model": "hgb"}),
        reg,
        churn.space,
        {"val-accuracy": "maximize"},
        n=3,
        progress=False,
    )
    assert not recs.cold_start  # the imported studies transfer
    assert {r.sources[0]["study"] for r in recs if r.sources} <= {"churn-hgb", "fraud-hgb"}


def test_one_parent_runs_children_and_bad_names_say_how_to_fix(tracking, tmp_path):
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=tracking)
    experiment = client.get_experiment_by_name("churn-hgb")
    parent = client.search_runs(
        [experiment.experiment_id], filter_string="attributes.run_name = 'search'"
    )[0]
    reg = hpx.Registry(tmp_path / "r.db")
    profile = hpx.TaskProfile.from_meta_features("churn", {"n_rows": 1e4})
    (study,) = reg.import_mlflow(
        tracking, "churn-hgb", profile, {"val-accuracy": "max"}, parent_run=parent.info.run_id
    )
    assert len(study.trials) == 12 and study.provenance["parent_run"] == parent.info.run_id
    with pytest.raises(hpx.InputError, match="No MLflow experiment 'nope'") as missing:
        reg.import_mlflow(tracking, "nope", profile, {"val-accuracy": "max"})
    assert "churn-hgb" in missing.value.hint
    with pytest.raises(hpx.InputError, match="No task profile"):
        reg.import_mlflow(
            tracking, ["churn-hgb", "fraud-hgb"], {"churn-hgb": profile}, "val-accuracy"
        )
    assert len(reg) == 1  # nothing half-stored
