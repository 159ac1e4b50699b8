"""The methods compared, each tuning one task at one budget and seed.

Every method returns the objective values in the order it evaluated them. The Ax-based
ones all run through ``hpx.Study`` with the same initial design size, so they differ only
in what they transfer:

* ``ax_cold``: Ax's default strategy (Sobol, then Bayesian optimization); nothing transferred.
* ``ax_naive_warm``: what a careful user does today: the best config of each of the 3
  nearest prior tasks by plain (z-scored Euclidean) meta-feature distance, attached first.
* ``hpx_warm``: ``hpx.recommend`` + ``study.warm_start(recs)``, hpxplore's default: the
  transferred configs first, then, with one objective, the transfer prior in Ax's model for
  the whole run (with several, Ax's own model, the prior studies judging the run).
* ``hpx_seeds``: the same warm start with ``Study(transfer=None)``: after the transferred
  configs, Ax's cold model and no judge (what ``hpx_warm`` was before the transfer prior).
* ``random``: uniform random search (log-uniform on log scales).
* ``optuna_tpe``: Optuna's TPE; ``optuna_tpe_warm``: TPE with hpxplore's transferred
  configs enqueued first (the same configs ``hpx_warm`` seeds with).

With two objectives (``hpobench_mo``) the naive warm start still takes each neighbour's
best config on the first objective, as a user would. (``hpx_multitask``, Ax's multi-task
GP over the 2 nearest prior studies, was measured and removed with ``transfer="multitask"``:
``docs/benchmarks.md``.)
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

import hpxplore as hpx
from hpxplore.space import Choice, Int, sample_configs

METHODS = [
    "ax_cold",
    "ax_naive_warm",
    "hpx_warm",
    "hpx_seeds",
    "random",
    "optuna_tpe",
    "optuna_tpe_warm",
]


# A fidelity run may start this many trials per full training of its budget (early
# stopping ends most of them after a few epochs); the epoch budget stops it first.
FIDELITY_TRIALS = 8
# The methods whose runs depend on the registry (the others never read it).
REGISTRY_METHODS = ["ax_naive_warm", "hpx_warm", "hpx_seeds", "optuna_tpe_warm"]


def naive_nearest(task: Any, registry: hpx.Registry, k: int = 3) -> list[str]:
    """The k nearest prior studies by plain z-scored Euclidean meta-feature distance."""
    profiles = registry.profiles(tags={"model": task.profile.tags["model"]})
    features = sorted(
        set(task.profile.meta_features).intersection(*(p.meta_features for p in profiles.values()))
    )
    names = list(profiles)
    matrix = np.array([[profiles[n].meta_features[f] for f in features] for n in names], float)
    query = np.array([task.profile.meta_features[f] for f in features], float)
    spread = matrix.std(axis=0)
    spread[spread == 0] = 1.0
    distance = np.sqrt((((matrix - query) / spread) ** 2).sum(axis=1))
    return [names[i] for i in np.argsort(distance)[:k]]


def naive_neighbours(task: Any, registry: hpx.Registry, k: int = 3) -> list[dict[str, Any]]:
    """Best configs of the k nearest prior tasks by plain z-scored Euclidean distance."""
    configs = []
    for name in naive_nearest(task, registry, k):
        best = registry.record(name).best(task.metric)
        configs.append({p: _plain(best[p]) for p in task.space})
    return configs


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _study_run(task, registry, budget, init, seed, *, warm=None, prior=True) -> list:
    study = hpx.Study(
        f"{task.name}-{seed}-st",
        task.space,
        task.objectives,
        constraints=list(task.constraints),
        seed=seed,
        init_trials=init,
        transfer="prior" if prior else None,
    )
    if warm is not None:
        study.warm_start(warm)
    fidelity = {}
    if task.epochs:  # early stopping, within budget full trainings' worth of epochs
        cap = hpx.Budget(cost=budget * task.epochs, cost_metric="epochs")
        fidelity = {"n_trials": budget * FIDELITY_TRIALS, "early_stopping": True, "budget": cap}
    study.run(task.evaluate, **{"n_trials": budget, **fidelity}, executor="inline", progress=False)
    trials = study.trials.sort_values("trial_index")
    if task.epochs:
        rows = trials[trials["status"].isin(["completed", "early_stopped"])]
        rows = rows.assign(completed=rows["status"] == "completed").to_dict("records")
        return task.by_full_run(rows, budget)
    done = trials.dropna(subset=list(task.objectives))
    return [task.record(row) for row in done.to_dict("records")]


def _random(task, budget, seed) -> list:
    return [task.record(task.evaluate(c)) for c in sample_configs(task.space, budget, seed)]


def optuna_trials(task, budget, seed, enqueue=()) -> list[dict[str, Any]]:
    """Optuna's TPE on ``task``: each trial's config and every metric it measured, in order."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        directions=list(task.objectives.values()),
        sampler=optuna.samplers.TPESampler(seed=seed),
    )
    for config in enqueue:
        study.enqueue_trial(dict(config))
    trials: list[dict[str, Any]] = []
    if task.epochs:
        return _optuna_pruned(task, budget, study)

    def objective(trial):
        config = _suggest(trial, task.space)
        measured = task.evaluate(config)
        trials.append({**config, **measured})
        scores = task.record(measured)
        return tuple(scores) if isinstance(scores, list) else scores

    study.optimize(objective, n_trials=budget)
    return trials


def _suggest(trial: Any, space: dict[str, Any]) -> dict[str, Any]:
    config = {}
    for name, p in space.items():
        if isinstance(p, Choice):
            config[name] = trial.suggest_categorical(name, list(p.values))
        elif isinstance(p, Int):
            config[name] = trial.suggest_int(name, p.low, p.high, log=p.log)
        else:
            config[name] = trial.suggest_float(name, p.low, p.high, log=p.log)
    return config


def _optuna_pruned(task, budget: int, study: Any) -> list[dict[str, Any]]:
    """TPE with Optuna's median pruner on a fidelity task, until ``budget`` full trainings'
    worth of epochs are spent: each trial's config, metrics and whether it completed."""
    import optuna

    study.pruner = optuna.pruners.MedianPruner(n_startup_trials=3)
    cap, trials = budget * task.epochs, []

    def objective(trial):
        config, last = _suggest(trial, task.space), {}

        def report(epoch, metrics):
            last.update(metrics)
            trial.report(metrics[task.metric], epoch)
            if trial.should_prune():
                raise optuna.TrialPruned

        try:
            measured = task.evaluate(config, report)
        except optuna.TrialPruned:
            trials.append({**config, **last, "completed": False})
            raise
        trials.append({**config, **measured, "completed": True})
        return task.record(measured)

    def enough(study, _trial):
        if sum(t["epochs"] for t in trials) >= cap:
            study.stop()

    study.optimize(objective, n_trials=budget * FIDELITY_TRIALS, callbacks=[enough])
    return trials


def _optuna(task, budget, seed, enqueue=()) -> list:
    trials = optuna_trials(task, budget, seed, enqueue)
    if task.epochs:
        return task.by_full_run(trials, budget)
    return [task.record(t) for t in trials]


def run_method(
    method: str,
    task: Any,
    registry: hpx.Registry,
    budget: int,
    init: int,
    seed: int,
    *,
    same_model: bool = True,
) -> list:
    """One run of ``method``. ``same_model``: recommend from the studies of the task's own
    model only (a tag filter, as a user would); False, from the whole registry (the
    unrelated case: every prior study is of another model)."""
    from ax.utils.common.logger import set_stderr_log_level

    set_stderr_log_level(logging.WARNING)
    recs: Callable[[], Any] = lambda: hpx.recommend(  # noqa: E731
        task.profile,
        registry,
        task.space,
        task.objectives,
        constraints=list(task.constraints),
        n=5,
        tags={"model": task.profile.tags["model"]} if same_model else None,
        seed=seed,
        progress=False,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "ax_cold":
            return _study_run(task, registry, budget, init, seed)
        if method == "ax_naive_warm":
            return _study_run(
                task, registry, budget, init, seed, warm=naive_neighbours(task, registry)
            )
        if method == "hpx_warm":
            return _study_run(task, registry, budget, init, seed, warm=recs())
        if method == "hpx_seeds":
            return _study_run(task, registry, budget, init, seed, warm=recs(), prior=False)
        if method == "random":
            return _random(task, budget, seed)
        if method == "optuna_tpe":
            return _optuna(task, budget, seed)
        if method == "optuna_tpe_warm":
            transferred = [item["config"] for item in recs().warm_start_items()]
            return _optuna(task, budget, seed, enqueue=transferred[: init // 2])
    raise ValueError(f"Unknown method {method!r}; choose from {METHODS}.")
