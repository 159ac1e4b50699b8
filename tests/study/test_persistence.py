"""A study is saved as it runs, and resumes after its process is killed."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

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
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_resume_after_the_process_is_killed(tmp_path, backend, request):
    db = (
        tmp_path / "r.db"
        if backend == "sqlite"
        else request.getfixturevalue("postgres_server").new_database()
    )
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
        if backend == "postgresql" or db.exists():
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


OUT_OF_ORDER = textwrap.dedent("""
    import os, sys, time
    from concurrent.futures import ThreadPoolExecutor
    import hpxplore as hpx
    from tests.study import objectives as obj
    reg = hpx.Registry(sys.argv[1])
    profile = hpx.TaskProfile.from_meta_features("t", {"n_rows": 569, "n_features": 30})
    study = hpx.Study("unordered", obj.SPACE, {"accuracy": "maximize"}, registry=reg,
                      profile=profile, seed=0, init_trials=2)
    class FirstIsSlow(ThreadPoolExecutor):  # trial 0 still runs when trial 1 has finished
        submitted = 0

        def submit(self, fn, *args):
            self.submitted += 1
            if self.submitted == 1:
                return super().submit(lambda *a: (time.sleep(30), fn(*a))[1], *args)
            return super().submit(fn, *args)

    def die(study, index):  # the process is killed before the next snapshot
        os._exit(1)

    study.on_trial(die)
    study.run(obj.logistic, n_trials=4, executor=FirstIsSlow(2), progress=False)
""")


def test_resume_after_trials_finished_out_of_order_and_the_process_died(tmp_path):
    reg = hpx.Registry(tmp_path / "r.db")
    script = tmp_path / "unordered.py"
    script.write_text(OUT_OF_ORDER)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "r.db")],
        cwd=root,
        env={**os.environ, "PYTHONPATH": root},
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr.decode()[-2000:]
    before = reg.trials("unordered").set_index("trial_index")
    assert before["status"].tolist() == ["running", "completed"]  # finished out of order
    study = hpx.Study.load("unordered", reg)  # used to fail: "trial 1 became Ax trial 0"
    assert study.events[-1] == {"event": "resumed", "requeued": [0]}
    after = study.run(obj.logistic, n_trials=2, executor="inline", progress=False)
    assert after["status"].eq("completed").all() and len(after) == 3
    assert after.set_index("trial_index").loc[1, "accuracy"] == before.loc[1, "accuracy"]


ORPHANS = textwrap.dedent("""
    import os, sys, time
    import hpxplore as hpx
    folder = sys.argv[1]

    def evaluate(config):
        open(os.path.join(folder, f"worker-{os.getpid()}"), "w").close()
        time.sleep(120)
        return {"y": config["x"]}

    study = hpx.Study("orphans", {"x": hpx.Float(0, 1)}, {"y": "maximize"}, seed=0)
    study.run(evaluate, n_trials=2, max_parallel=2, progress=False)
""")


@pytest.mark.slow
@pytest.mark.parametrize("reports", [False, True])
def test_every_process_of_a_killed_study_dies_with_it(tmp_path, reports):
    """Pool workers, and with ``evaluate(config, report)`` the manager that carries the
    reports and multiprocessing's resource tracker: nothing outlives the study."""
    script = tmp_path / "orphans.py"
    script.write_text(ORPHANS.replace("def evaluate(config)", "def evaluate(config, report)")
                      if reports else ORPHANS)  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path)], stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("worker-*"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    workers = [int(p.name.split("-")[1]) for p in tmp_path.glob("worker-*")]
    assert len(workers) == 2, "the workers never started"
    family = _descendants(process.pid)
    assert set(workers) <= family and len(family) >= (4 if reports else 3), family
    process.kill()  # SIGKILL, as when a notebook kernel dies
    process.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in family) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = {pid: Path(f"/proc/{pid}/cmdline").read_text() for pid in family if _alive(pid)}
    assert not left, f"processes outlived their study: {left}"


def _descendants(root: int) -> set[int]:
    """Every living process below ``root`` (children, their children, ...)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().split()[2] == "Z")  # a zombie is gone


KILLED_BEFORE_SNAPSHOT = textwrap.dedent("""
    import os, signal, sys
    import hpxplore as hpx
    from hpxplore.registry._store import Store
    from tests.study import objectives as obj

    def die(self, name, snapshot):  # SIGKILL just before Ax's first snapshot is written
        os.kill(os.getpid(), signal.SIGKILL)

    Store.save_snapshot = die
    reg = hpx.Registry(sys.argv[1])
    profile = hpx.TaskProfile.from_meta_features("breast-cancer", {"n_rows": 569, "n_features": 30})
    study = hpx.Study("early", obj.SPACE, {"accuracy": "maximize"}, registry=reg,
                      profile=profile, seed=0, init_trials=4)
    study.warm_start([{"C": 0.5, "max_iter": 50}, {"C": 2.0, "max_iter": 50}])
    study.run(obj.logistic, n_trials=5, executor="inline", progress=False)
""")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_study_killed_before_its_first_snapshot_resumes(tmp_path, backend, request):
    url = (
        str(tmp_path / "r.db")
        if backend == "sqlite"
        else request.getfixturevalue("postgres_server").new_database()
    )
    script = tmp_path / "early.py"
    script.write_text(KILLED_BEFORE_SNAPSHOT)
    root = str(_repo_root())
    done = subprocess.run(
        [sys.executable, str(script), url],
        cwd=root,
        env={**os.environ, "PYTHONPATH": root},
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == -9, done.stderr.decode()[-2000:]  # killed by SIGKILL
    reg = hpx.Registry(url)
    assert reg.record("early").state == "running"
    assert Store(reg).run_state("early")[1] is None  # no snapshot was saved
    with pytest.raises(hpx.RegistryError) as taken:  # the name is not taken for nothing
        hpx.Study("early", obj.SPACE, {"accuracy": "maximize"}, registry=reg, profile=PROFILE).run(
            obj.logistic, n_trials=1, executor="inline", progress=False
        )
    assert "hpx.Study.load('early', reg) resumes it" in taken.value.hint
    study = hpx.Study.load("early", reg)
    assert [e["event"] for e in study.events][-2:] == ["restarted", "resumed"]
    trials = study.run(obj.logistic, n_trials=4, executor="inline", progress=False)
    assert list(trials["origin"][:2]) == ["transferred", "transferred"]  # kept from the kill
    assert trials["status"].eq("completed").all() and len(trials) == 4
    assert reg.record("early").state == "completed"
