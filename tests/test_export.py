"""export_config: what a training job reads, with where it came from; nothing overwritten."""

from __future__ import annotations

import json

import pytest
import yaml

import hpxplore as hpx
from hpxplore.export import EXPORT_SCHEMA_VERSION
from tests.conftest import make_trials


@pytest.fixture
def record(tmp_path, sklearn_profiles, space):
    reg = hpx.Registry(tmp_path / "r.db")
    trials = make_trials(6)
    trials.loc[2, "status"] = "failed"
    objectives = {"accuracy": "maximize", "predict_ms": "minimize"}
    return reg.add_study("iris-hgb", sklearn_profiles["iris"], space, objectives, trials)


def test_export_json_and_yaml_round_trip(record, tmp_path, space):
    row = record.trials.set_index("trial_index").loc[3]
    for name in ("chosen.json", "chosen.yml"):
        document = hpx.export_config(record, trial=3, path=tmp_path / name, registry="sqlite:///r")
        text = (tmp_path / name).read_text()
        assert (json.loads(text) if name.endswith("json") else yaml.safe_load(text)) == document
    assert document["schema_version"] == EXPORT_SCHEMA_VERSION
    assert document["config"] == {p: row[p] for p in space}
    assert document["metrics"]["accuracy"] == row["accuracy"]
    provenance = document["provenance"]
    assert provenance["study"] == "iris-hgb" and provenance["trial"] == 3
    assert provenance["dataset_fingerprint"] == record.profile.fingerprint
    assert provenance["hpxplore_version"] == hpx.__version__ and provenance["ax_version"]
    assert provenance["registry"] == "sqlite:///r" and provenance["exported_at"]


def test_export_refuses_bad_requests_and_keeps_the_existing_file(record, tmp_path):
    path = tmp_path / "chosen.yaml"
    path.write_text("keep me\n")
    with pytest.raises(hpx.HpxploreError, match="already exists") as error:
        hpx.export_config(record, trial=3, path=path)
    assert "overwrite=True" in error.value.hint and path.read_text() == "keep me\n"
    with pytest.raises(hpx.InputError, match="2 objectives"):
        hpx.export_config(record, path=tmp_path / "a.yaml")  # several objectives: say which
    with pytest.raises(hpx.InputError, match="failed, not completed"):
        hpx.export_config(record, trial=2, path=tmp_path / "b.yaml")
    with pytest.raises(hpx.InputError, match="takes a Study or a StudyRecord"):
        hpx.export_config({"config": {}}, trial=0)
    with pytest.raises(hpx.InputError, match="no trial 99"):
        hpx.export_config(record, trial=99)
    with pytest.raises(hpx.InputError, match="export format"):
        hpx.export_config(record, trial=3, path=tmp_path / "c.txt")
    written = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("r.db"))
    assert written == ["chosen.yaml"]  # no half-written or refused file left behind
    hpx.export_config(record, trial=3, path=path, overwrite=True)
    assert yaml.safe_load(path.read_text())["provenance"]["trial"] == 3


def test_an_infeasible_trial_is_exported_with_a_warning_and_says_so(
    tmp_path, sklearn_profiles, space
):
    reg = hpx.Registry(tmp_path / "r.db")
    trials = make_trials(4).assign(predict_ms=[1.0, 9.0, 2.0, 3.0], accuracy=[0.8, 0.99, 0.7, 0.9])
    record = reg.add_study(
        "iris-hgb",
        sklearn_profiles["iris"],
        space,
        {"accuracy": "maximize"},
        trials,
        constraints=["predict_ms <= 5"],
    )
    with pytest.warns(hpx.HpxploreWarning, match=r"breaks predict_ms <= 5 \(measured 9\)"):
        document = hpx.export_config(record, trial=1, path=tmp_path / "slow.yaml")
    on_disk = yaml.safe_load((tmp_path / "slow.yaml").read_text())
    assert on_disk["constraints"] == ["predict_ms <= 5"] and on_disk["feasible"] is False
    assert (
        on_disk["broken_constraints"]
        == ["predict_ms <= 5 (measured 9)"]
        == document["broken_constraints"]
    )
    best = hpx.export_config(record)  # the best *feasible* trial, not the fastest-to-break one
    assert best["provenance"]["trial"] == 3 and best["feasible"] is True
    assert "broken_constraints" not in best


def test_an_exported_file_gets_the_users_usual_mode(record, tmp_path):
    import os
    import stat

    previous = os.umask(0o022)
    try:
        path = tmp_path / "chosen.yaml"
        hpx.export_config(record, 0, path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o644  # not mkstemp's 0600
    finally:
        os.umask(previous)
