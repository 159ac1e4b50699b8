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
