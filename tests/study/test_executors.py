"""Parallel evaluation on a real Dask LocalCluster and through the default process pool."""

from __future__ import annotations

import pytest

import hpxplore as hpx
from tests.study import objectives as obj


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("dask.distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1"
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.mark.slow
def test_dask_local_cluster_runs_trials_in_parallel(dask_client):
    study = hpx.Study(
        "dask", obj.SPACE, {"accuracy": "maximize", "fit_ms": "minimize"}, seed=0, init_trials=4
    )
    study.warm_start([{"C": 50.0, "max_iter": 20}])
    trials = study.run(
        obj.flaky, n_trials=5, executor=dask_client.get_executor(), max_parallel=2, progress=False
    )
    assert len(trials) == 5
    assert trials.loc[0, "status"] == "failed" and "diverged" in trials.loc[0, "error"]
    should_fail = (trials["C"] > 10) | (trials["C"] < 1e-3) | (trials["max_iter"] > 150)
    assert ((trials["status"] == "failed") == should_fail).all()
    assert trials.loc[~should_fail, "accuracy"].between(0.5, 1).all()
    workers = dask_client.run(lambda: __import__("os").getpid())
    assert len(workers) == 2


@pytest.mark.slow
def test_early_stopping_through_the_process_pool():
    study = hpx.Study("pool-es", obj.SPACE, {"accuracy": "maximize"}, seed=0, init_trials=6)
    study.warm_start(
        [{"C": 3.0, "max_iter": 10}, {"C": 3.2, "max_iter": 10}, {"C": 2.8, "max_iter": 10}]
    )
    trials = study.run(obj.curve, n_trials=8, max_parallel=1, early_stopping=True, progress=False)
    assert (trials["status"] == "early_stopped").any()
    assert (trials["status"] != "failed").all()


PLAIN_SCRIPT = """
import sys
import pandas as pd
import hpxplore as hpx

print("top level ran", flush=True)
reg = hpx.Registry(sys.argv[1] if len(sys.argv) > 1 else {registry!r})
space = {{"x": hpx.Float(0.0, 1.0)}}
profile = hpx.TaskProfile.from_meta_features("prior", {{"n_rows": 100}})
reg.add_study("prior", profile, space, {{"loss": "minimize"}},
              pd.DataFrame({{"x": [0.1, 0.5, 0.9], "loss": [0.1, 0.2, 0.3]}}))


def evaluate(config, report):
    report(1, {{"loss": config["x"]}})
    return {{"loss": (config["x"] - 0.3) ** 2}}


study = hpx.Study("new", space, {{"loss": "minimize"}}, registry=reg, profile=profile,
                  seed=0, init_trials=2)
print(study.run(evaluate, n_trials=3, max_parallel=2, progress=False)["status"].tolist())
"""


@pytest.mark.slow
@pytest.mark.parametrize("how", ["file", "stdin"])
def test_a_plain_script_without_a_main_guard_runs_once(tmp_path, how):
    """The default pool's workers never run the caller's script again (``spawn`` would)."""
    import subprocess
    import sys

    registry = tmp_path / "r.db"
    script = PLAIN_SCRIPT.format(registry=str(registry))
    if how == "file":
        (tmp_path / "tune.py").write_text(script)
        command, stdin = [sys.executable, "tune.py"], None
    else:
        command, stdin = [sys.executable, "-"], script
    done = subprocess.run(
        command, cwd=tmp_path, input=stdin, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("top level ran") == 1, done.stdout
    assert "['completed', 'completed', 'completed']" in done.stdout
    assert "DuplicateStudyError" not in done.stderr and "bootstrapping" not in done.stderr
    reg = hpx.Registry(registry)
    assert sorted(reg.studies()["study"]) == ["new", "prior"]
    assert reg.record("new").trials["status"].eq("completed").sum() == 3


@pytest.mark.parametrize(("cores", "workers", "plan"), [
    (2, None, (1, 1)), (8, None, (7, 1)), (1, None, (1, 1)), (8, 4, (4, 1)), (16, 3, (3, 5)),
])  # fmt: skip
def test_the_default_pool_and_the_model_together_fit_the_cores(cores, workers, plan):
    """Workers' threads + the model's never exceed the cores (one core has no choice)."""
    from hpxplore.study._threads import MODEL_THREADS, ThreadPlan

    made = ThreadPlan.for_pool(workers, available=cores)
    assert (made.workers, made.per_worker) == plan
    if cores > 1:
        assert made.workers * made.per_worker + MODEL_THREADS <= cores


def _threads_seen(config):
    import os

    import torch

    return {
        "y": config["x"],
        "omp": float(os.environ.get("OMP_NUM_THREADS", "0")),
        "torch": float(torch.get_num_threads()),
    }


@pytest.mark.slow
def test_a_run_gives_its_workers_their_share_and_leaves_torch_as_it_was(monkeypatch):
    """The default pool's workers start with their share of OpenMP/BLAS threads; Ax's model
    generates on one thread while an inline evaluation keeps torch's threads; torch's
    setting is as it was after the run."""
    import torch

    from hpxplore.study._threads import MODEL_THREADS, ThreadPlan

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    before = torch.get_num_threads()
    torch.set_num_threads(2)  # a user's setting the model must not take for itself
    try:
        space, objectives = {"x": hpx.Float(0, 1)}, {"y": "maximize"}
        pooled = hpx.Study("threads-pool", space, objectives, seed=0, init_trials=2)
        trials = pooled.run(_threads_seen, n_trials=3, progress=False)
        assert (trials["omp"] == ThreadPlan.for_pool().per_worker).all()
        inline = hpx.Study("threads-inline", space, objectives, seed=0, init_trials=2)
        inline.run(_threads_seen, n_trials=2, executor="inline", progress=False)
        client = inline._session.client
        asked, generating = client.get_next_trials, []

        def watched(*args, **kwargs):
            generating.append(torch.get_num_threads())
            return asked(*args, **kwargs)

        monkeypatch.setattr(client, "get_next_trials", watched)
        trials = inline.run(_threads_seen, n_trials=2, executor="inline", progress=False)
        assert generating and set(generating) == {MODEL_THREADS}
        assert (trials["torch"] == 2).all()
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
