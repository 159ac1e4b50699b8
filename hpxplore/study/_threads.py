"""How a run shares the machine's cores between Ax's model and the evaluation workers.

BoTorch fits and optimizes in torch's thread pool, whose threads wait for each other at
every step: with more busy threads than cores (evaluation workers beside the model, or any
other work on the machine) a generation slows many times over, not by the share of the
cores it lost. So the default pool leaves the model a core, the model takes only the cores
the workers leave (at least one), and each worker starts with its share of the rest for
its own OpenMP and BLAS threads (unless the user set those variables).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["THREAD_VARIABLES", "ThreadPlan", "cores", "model_threads"]

THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def cores() -> int:
    """The cores this process may use: its CPU affinity, within a container's CPU quota."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        count = os.cpu_count() or 1
    with contextlib.suppress(OSError, ValueError):  # cgroup v2: "max 100000" or "150000 100000"
        with open("/sys/fs/cgroup/cpu.max") as limits:
            quota, period = limits.read().split()[:2]
        if quota != "max":
            count = min(count, max(1, int(int(quota) // int(period))))
    return max(1, count)


@dataclass(frozen=True)
class ThreadPlan:
    """Evaluation workers, the model's threads, and each worker's threads, for one run."""

    workers: int
    model: int
    per_worker: int

    @classmethod
    def for_pool(cls, workers: int | None = None, available: int | None = None) -> ThreadPlan:
        """A local pool of ``workers`` processes (default: one per core, less the model's)."""
        total = available or cores()
        workers = max(1, workers or total - 1)
        model = max(1, total - workers)
        return cls(workers, model, max(1, (total - model) // workers))

    @classmethod
    def inline(cls, available: int | None = None) -> ThreadPlan:
        """Evaluations in the study's process, one at a time: the model has every core."""
        total = available or cores()
        return cls(0, total, total)

    def worker_environment(self) -> dict[str, str]:
        """The thread variables a worker starts with: its share, where the user set none."""
        return {name: str(self.per_worker) for name in THREAD_VARIABLES if name not in os.environ}


@contextlib.contextmanager
def model_threads(count: int) -> Iterator[None]:
    """Torch's intra-op threads set to ``count`` while the block runs, then put back."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)
