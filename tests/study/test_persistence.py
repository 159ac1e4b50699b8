"""A study is saved as it runs, and resumes after its process is killed."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest

import hpxplore as hpx
from hpxplore.registry._store import Store
from tests.study import objectives as obj

OBJECTIVES = {"accuracy": "maximize", "fit_ms": "minimize"}
PROFILE = hpx.TaskProfile.from_meta_features(
    "breast-cancer", {"n_rows": 569, "n_features": 30}, tags={"model": "logreg"}
)

RUNNER = textwrap.dedent("""
    import sys
    import hpxplore as hpx
    from tests.study import objectives as obj
    reg = hpx.Registry(sys.argv[1])
    profile = hpx.TaskProfile.from_meta_features("breast-cancer", {"n_rows": 569, "n_features": 30},
                                                 tags={"model": "logreg"})
    study = hpx.Study("resumable", obj.SPACE, {"accuracy": "maximize", "fit_ms": "minimize"},
                      ["fit_ms <= 500"], registry=reg, profile=profile, seed=0, init_trials=4)
    study.warm_start([{"C": 0.5, "max_iter": 50}, {"C": 2.0, "max_iter": 50}])
    study.run(obj.slowly, n_trials=20, executor="inline", progress=False)
""")


def test_study_is_in_the_registry_while_it_runs(tmp_path):
    reg = hpx.Registry(tmp_path / "r.db")
    study = hpx.Study(
        "saved",
        obj.SPACE,
        OBJECTIVES,
        ["fit_ms <= 500"],
        registry=reg,
        profile=PROFILE,
        seed=0,
        init_trials=3,
        provenance={"dataset_version": "v1"},
    )
    study.warm_start([{"C": 0.5, "max_iter": 50}])
    study.run(obj.logistic, n_trials=4, executor="inline", progress=False)
    record = reg.record("saved")
    assert record.state == "completed" and record.source == "hpxplore"
    assert record.provenance["dataset_version"] == "v1" and record.provenance["seed"] == 0
    stored = record.trials.set_index("trial_index")
    live = study.trials.set_index("trial_index")
    assert (
        list(stored["origin"])
        == list(live["origin"])
        == ["transferred", "quasi-random", "quasi-random", "model"]
    )
    assert stored["accuracy"].tolist() == pytest.approx(live["accuracy"].tolist())
    assert [str(c) for c in record.constraints] == ["fit_ms <= 500"]
    # one trial schema: the registry's table is the study's, and either can be stored as is
    assert list(record.trials.columns) == list(study.trials.columns)
    copy = reg.add_study("saved-copy", PROFILE, obj.SPACE, OBJECTIVES, study.trials)
    again = copy.trials.set_index("trial_index")
    for column in ("accuracy", "fit_ms", "eval_s", "gen_s"):
        assert again[column].tolist() == pytest.approx(live[column].tolist())
    assert again["origin"].tolist() == live["origin"].tolist()
    assert again["feasible"].tolist() == live["feasible"].tolist()


@pytest.mark.slow
def test_resume_after_the_process_is_killed(tmp_path):
    db = tmp_path / "r.db"
    script = tmp_path / "run.py"
    script.write_text(RUNNER)
    env = {**os.environ, "PYTHONPATH": str(_repo_root())}
    process = subprocess.Popen(
        [sys.executable, str(script), str(db)],
        cwd=str(_repo_root()),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    reg = None
    deadline = time.monotonic() + 240
    completed = 0
    while time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.5)
        if db.exists():
            reg = reg or hpx.Registry(db)
            if "resumable" in reg:
                completed = int((reg.trials("resumable")["status"] == "completed").sum())
                if completed >= 3:
                    break
    assert process.poll() is None, process.stderr.read().decode()[-2000:]
    process.kill()  # mid-run: a trial is being evaluated right now
    process.wait()
    before = reg.trials("resumable").set_index("trial_index")
    done_before = before[before.status == "completed"]
    assert len(done_before) >= 3

    _settings, snapshot = Store(reg).run_state("resumable")
    in_snapshot = [
        t for t in snapshot["experiment"]["trials"].values() if t["status"]["name"] == "COMPLETED"
    ]
    assert len(in_snapshot) <= len(done_before)  # snapshots are throttled; the registry has all

    study = hpx.Study.load("resumable", reg)
    assert [str(c) for c in study.constraints] == ["fit_ms <= 500"]
    assert study.events[-1]["event"] == "resumed"
    study.run(obj.logistic, n_trials=3, executor="inline", progress=False)
    after = study.trials.set_index("trial_index")
    # nothing completed before was lost or changed, and the interrupted trial was redone
    for index, row in done_before.iterrows():
        assert after.loc[index, "accuracy"] == pytest.approx(row["accuracy"])
        assert after.loc[index, "status"] == "completed"
    assert (after["status"] == "completed").sum() == len(done_before) + 3
    assert after.index.is_unique and "running" not in set(after["status"])
    assert list(after["origin"][:2]) == ["transferred", "transferred"]
    assert reg.record("resumable").state == "completed"


def test_load_refuses_a_study_without_optimizer_state(tmp_path):
    reg = hpx.Registry(tmp_path / "r.db")
    import pandas as pd

    reg.add_study(
        "imported",
        PROFILE,
        obj.SPACE,
        OBJECTIVES,
        pd.DataFrame({"C": [1.0], "max_iter": [10], "accuracy": [0.9], "fit_ms": [1.0]}),
    )
    with pytest.raises(hpx.HpxploreError, match="no optimizer state to resume from"):
        hpx.Study.load("imported", reg)


def _repo_root():
    from pathlib import Path

    return Path(__file__).parents[2]
