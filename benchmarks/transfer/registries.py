"""The registries a held-out task is tuned against: its family's other tasks, as prior studies."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd

from benchmarks.transfer.tasks import all_tasks, make_task

ROOT = Path(__file__).resolve().parents[2]

PRIOR_TRIALS = 30
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
        ranked = reg.similar(task.profile, k=None, tags={"model": "hgb"})
        for name in list(ranked["study"])[:-UNRELATED_KEEP]:
            reg.delete_study(name)
    return reg


def own_prior_best(task) -> float:
    """The held-out task's own 20-trial study in the demo registry: part of its best known."""
    import hpxplore as hpx

    record = hpx.Registry(ROOT / "data" / "demo-registry.db").study(f"{task.name}-hgb")
    return float(record.best(task.metric)[task.metric])
