"""Importers read real Ax snapshots, real Optuna storages and CSV tables."""

import logging

import numpy as np
import pytest

import hpxplore as hpx
from hpxplore.exceptions import InputError
from tests.conftest import make_trials


@pytest.fixture(scope="module")
def ax_snapshot(tmp_path_factory):
    """A real Ax Client run: 4 trials (one failed), two objectives and a constraint."""
    from ax.api.client import Client
    from ax.api.configs import ChoiceParameterConfig, RangeParameterConfig
    from ax.utils.common.logger import set_stderr_log_level

    set_stderr_log_level(logging.WARNING)
    client = Client(random_seed=0)
    client.configure_experiment(
        name="ax-demo",
        parameters=[
            RangeParameterConfig(
                name="lr", parameter_type="float", bounds=(1e-3, 1.0), scaling="log"
            ),
            RangeParameterConfig(name="depth", parameter_type="int", bounds=(2, 12)),
            ChoiceParameterConfig(
                name="loss", parameter_type="str", values=["a", "b", "c"], is_ordered=False
            ),
        ],
    )
    client.configure_optimization(objective="acc, -ms", outcome_constraints=["size <= 50"])
    expected = {}
    for i, (index, params) in enumerate(client.get_next_trials(max_trials=4).items()):
        if i == 3:
            client.mark_trial_failed(index)
            continue
        acc = 0.5 + params["lr"] / 2
        client.complete_trial(
            index, raw_data={"acc": acc, "ms": (params["depth"] * 0.5, 0.1), "size": 10.0}
        )
        expected[index] = acc
    path = tmp_path_factory.mktemp("ax") / "study.json"
    client.save_to_json_file(str(path))
    return path, expected


def test_ax_json_snapshot_imports_space_objectives_and_trials(
    registry, sklearn_profiles, ax_snapshot
):
    path, expected = ax_snapshot
    record = registry.import_ax(path, sklearn_profiles["iris"])
    assert record.name == "ax-demo" and record.source == "ax"
    assert record.space == {
        "lr": hpx.Float(1e-3, 1.0, log=True),
        "depth": hpx.Int(2, 12),
        "loss": hpx.Choice(["a", "b", "c"]),
    }
    assert record.objectives == {"acc": "maximize", "ms": "minimize"}
    assert [str(c) for c in record.constraints] == ["size <= 50"]
    trials = record.trials.set_index("trial_index")
    assert list(trials["status"]) == ["completed"] * 3 + ["failed"]
    for index, acc in expected.items():
        assert trials.loc[index, "acc"] == pytest.approx(acc)
    assert record.provenance["imported_from"] == str(path)


def test_not_an_ax_snapshot(tmp_path, registry, sklearn_profiles):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(InputError, match="not an Ax Client snapshot: not JSON"):
        registry.import_ax(bad, sklearn_profiles["iris"])
    bad.write_text('{"hello": 1}')
    with pytest.raises(InputError, match="missing 'experiment'") as info:
        registry.import_ax(bad, sklearn_profiles["iris"])
    assert "save_to_json_file" in info.value.hint


def test_optuna_storage_imports_a_multi_objective_study(registry, sklearn_profiles, tmp_path):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    study = optuna.create_study(
        study_name="tpe",
        storage=storage,
        directions=["maximize", "minimize"],
        sampler=optuna.samplers.RandomSampler(seed=0),
    )

    def objective(trial):
        lr = trial.suggest_float("lr", 1e-3, 1.0, log=True)
        depth = trial.suggest_int("depth", 2, 12)
        kind = trial.suggest_categorical("kind", ["gbdt", "rf"])
        if depth == 12:
            raise RuntimeError("boom")
        return lr + (kind == "rf"), depth * 0.1

    study.optimize(objective, n_trials=12, catch=(RuntimeError,))
    study.set_metric_names(["acc", "ms"])
    record = registry.import_optuna(storage, "tpe", sklearn_profiles["wine"])
    assert record.objectives == {"acc": "maximize", "ms": "minimize"}
    assert record.space == {
        "lr": hpx.Float(1e-3, 1.0, log=True),
        "depth": hpx.Int(2, 12),
        "kind": hpx.Choice(["gbdt", "rf"]),
    }
    trials = record.trials
    assert len(trials) == 12
    done = trials[trials["status"] == "completed"]
    expected = done["lr"] + (done["kind"] == "rf")
    np.testing.assert_allclose(done["acc"], expected)
    assert (trials["status"] == "failed").sum() == sum(t.state.name == "FAIL" for t in study.trials)
    with pytest.raises(InputError, match="No Optuna study 'other'"):
        registry.import_optuna(storage, "other", sklearn_profiles["wine"])


def test_csv_trials_table(registry, sklearn_profiles, space, objectives, tmp_path):
    path = tmp_path / "trials.csv"
    make_trials(6).to_csv(path, index=False)
    record = registry.import_csv(path, "from-csv", sklearn_profiles["iris"], space, objectives)
    assert len(record.trials) == 6 and record.source == "csv"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(InputError, match="not a readable CSV"):
        registry.import_csv(path, "x", sklearn_profiles["iris"], space, objectives)


def test_importing_from_a_missing_sqlite_file_creates_nothing(tmp_path, monkeypatch):
    pytest.importorskip("optuna")
    monkeypatch.chdir(tmp_path)
    reg = hpx.Registry(tmp_path / "r.db")
    profile = hpx.TaskProfile.from_meta_features("t", {"n_rows": 100.0})
    with pytest.raises(hpx.InputError, match=r"the file .*nope\.db' does not exist") as missing:
        reg.import_optuna("sqlite:///nope.db", "churn-tpe", profile)
    assert "relative to the current folder" in missing.value.hint
    assert not (tmp_path / "nope.db").exists() and len(reg) == 0
