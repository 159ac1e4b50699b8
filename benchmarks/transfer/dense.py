"""The dense benchmark families: many related tasks read from third-party benchmark data.

Each family has a fixed split of its tasks into meta-train tasks, whose studies make up
the prior registry, and meta-test tasks, the ones the methods tune. A family with few
tasks (``xgboost_tables``) is split leave-one-out instead: every task is tuned against
the studies of all the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from benchmarks.transfer.tasks import Task

__all__ = ["NAMES", "DenseFamily", "family"]

NAMES = (
    "yahpo_rpart",
    "yahpo_rpart_mo",
    "yahpo_rpart_capped_mo",
    "yahpo_rpart_constrained",
    "yahpo_lcbench",
    "yahpo_lcbench_mo",
    "yahpo_lcbench_es",
    "xgboost_tables",
)


@dataclass(frozen=True)
class DenseFamily:
    name: str
    data: str  # the part of the benchmark data folder it reads (bench_data.bench_data)
    tasks: Callable[[], list[str]]  # every task, in a fixed order
    make: Callable[[str], Task]
    test_every: int | None  # every n-th task is a meta-test task; None: leave one out
    priors: str | None = None  # another family whose prior registry it shares

    def split(self) -> tuple[list[str], list[str]]:
        """(meta-train, meta-test) tasks. Leave one out: every task is in both, and a run's
        registry drops the task it tunes."""
        tasks = self.tasks()
        if self.test_every is None:
            return tasks, tasks
        test = tasks[:: self.test_every]
        return [t for t in tasks if t not in test], test

    @property
    def leave_one_out(self) -> bool:
        return self.test_every is None


def family(name: str) -> DenseFamily:
    """The dense family called ``name``."""
    if name == "xgboost_tables":
        from benchmarks.transfer.xgboost_tables import FAMILY

        return FAMILY
    from benchmarks.transfer.yahpo_tasks import FAMILIES

    if name not in FAMILIES:
        raise KeyError(f"No dense family {name!r}; choose from {NAMES}.")
    return FAMILIES[name]
