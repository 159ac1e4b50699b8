"""The registries a held-out task is tuned against: its family's other tasks, as prior studies.

Table families: a 30-trial random design on every other task (leave one out). Dense
families: the meta-train tasks, each with the study a user's tuning would have left
(Optuna's TPE, ``PRIOR_TPE_TRIALS`` trials), built once into a cache file and copied for
each run (recommend writes its audit rows into the registry it reads); optionally only
some of them, to measure how transfer grows with the registry.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pandas as pd

from benchmarks.transfer.tasks import all_tasks, make_task

ROOT = Path(__file__).resolve().parents[2]

PRIOR_TRIALS = 30
PRIOR_TPE_TRIALS = 40
REGISTRY_SHUFFLE_SEED = 5
SMOKE_VAR = "HPX_BENCH_SMOKE"
UNRELATED_KEEP = 10


def table_registry(task, folder: Path):
    """Prior studies: a 30-trial random design on every other task of the family."""
    import hpxplore as hpx
    from hpxplore.space import sample_configs

    reg = hpx.Registry(folder / "registry.db")
    for i, name in enumerate(all_tasks(task.family)):
        if name == task.name:
            continue
        other = make_task(task.family, name)
        configs = sample_configs(other.space, PRIOR_TRIALS, seed=1000 + i)
        rows = [{**c, **other.evaluate(c)} for c in configs]
        reg.add_study(name, other.profile, other.space, other.objectives, pd.DataFrame(rows))
    return reg


def keel_registry(task, folder: Path, scenario: str):
    """The demo registry without the held-out task; ``unrelated``: only its farthest tasks."""
    import hpxplore as hpx

    path = folder / "registry.db"
    source, copy = sqlite3.connect(ROOT / "data" / "demo-registry.db"), sqlite3.connect(path)
    source.backup(copy)
    source.close(), copy.close()
    reg = hpx.Registry(path)
    for name in list(reg.names()):
        if name.startswith(f"{task.name}-") or not name.endswith("-hgb"):
            reg.delete_study(name)
    if scenario == "unrelated":
        keep_farthest(reg, task, {"model": "hgb"})
    return reg


def keep_farthest(reg, task, tags: dict | None = None) -> None:
    """Delete all but the ``UNRELATED_KEEP`` studies least similar to ``task`` (by the
    registry's own similarity): the unrelated case of a family whose every study is of the
    same model, space and metrics."""
    ranked = reg.similar(task.profile, k=None, tags=tags)
    for name in list(ranked["study"])[:-UNRELATED_KEEP]:
        reg.delete_study(name)


def own_prior_best(task) -> float:
    """The held-out task's own 20-trial study in the demo registry: part of its best known."""
    import hpxplore as hpx

    record = hpx.Registry(ROOT / "data" / "demo-registry.db").record(f"{task.name}-hgb")
    return float(record.best(task.metric)[task.metric])


def dense_prior_file(family: str) -> Path:
    """The meta-train registry of a dense family, built once (seeded) and kept in a cache.

    With ``HPX_BENCH_SMOKE=1`` (the smoke run) only 8 meta-train tasks of 6 trials each."""
    import tempfile

    import hpxplore as hpx
    from benchmarks.transfer.dense import family as dense_family
    from benchmarks.transfer.methods import optuna_trials

    dense = dense_family(family)
    if dense.priors:
        return dense_prior_file(dense.priors)
    smoke = os.environ.get(SMOKE_VAR) == "1"
    trials = 6 if smoke else PRIOR_TPE_TRIALS
    train = dense.split()[0][: 8 if smoke else None]
    name = f"hpx-bench-{family}-{len(train)}x{trials}-tpe-v1.db"
    path = Path(tempfile.gettempdir()) / name
    if path.exists():
        return path
    building = path.with_suffix(f".{os.getpid()}.tmp")
    reg = hpx.Registry(building)
    for i, name in enumerate(train):
        task = dense.make(name)
        rows = optuna_trials(task, trials, seed=2000 + i)
        reg.add_study(
            task.profile.name, task.profile, task.space, task.objectives, pd.DataFrame(rows),
            constraints=list(task.constraints),
            provenance={"prior": f"Optuna TPE, {trials} trials, seed {2000 + i}"},
        )  # fmt: skip
    reg.close()
    os.replace(building, path)  # another process may have built it too: same content
    return path


def dense_registry(
    task, folder: Path, size: int | None = None, source: str | None = None, farthest: bool = False
):
    """A copy of the family's meta-train registry without the task it tunes; with ``size``,
    only that many of its studies: the first of a fixed shuffle, so that the registries of
    every size are nested (5 of them are in the 20) and the same for every method. With
    ``source``, another family's registry instead; with ``farthest``, only its studies least
    similar to the task (the two unrelated cases)."""
    import numpy as np

    import hpxplore as hpx

    path = folder / "registry.db"
    source, copy = sqlite3.connect(dense_prior_file(source or task.family)), sqlite3.connect(path)
    source.backup(copy)
    source.close(), copy.close()
    reg = hpx.Registry(path)
    if task.profile.name in reg:  # leave one out: the task's own study is a prior of the others
        reg.delete_study(task.profile.name)
    if size is not None:
        names = sorted(reg.names())
        keep = set(np.random.default_rng(REGISTRY_SHUFFLE_SEED).permutation(names)[:size])
        for name in names:
            if name not in keep:
                reg.delete_study(name)
    if farthest:
        keep_farthest(reg, task)
    return reg
