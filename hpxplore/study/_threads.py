"""How a run shares the machine's cores between Ax's model and the evaluation workers.

BoTorch fits and optimizes in torch's thread pool, whose threads wait for each other at
every step: with more busy threads than cores (evaluation workers beside the model, or any
other work on the machine) a generation slows many times over, not by the share of the
cores it lost; and at a study's sizes more threads barely help even on idle cores
(``docs/benchmarks.md``, "What a user waits for"). So Ax's model runs on one thread while it fits and
generates (evaluations in the study's process keep torch's setting), the default pool
leaves it that core, and each worker starts with its share of the rest for its own OpenMP
and BLAS threads (unless the user set those variables).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["MODEL_THREADS", "THREAD_VARIABLES", "ThreadPlan", "cores", "model_threads"]

MODEL_THREADS = 1  # torch's threads while Ax's model fits and generates

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
    """A local pool's evaluation workers and each worker's threads, beside the model's."""

    workers: int
    per_worker: int

    @classmethod
    def for_pool(cls, workers: int | None = None, available: int | None = None) -> ThreadPlan:
        """``workers`` processes (default: one per core, less the model's)."""
        total = available or cores()
        workers = max(1, workers or total - MODEL_THREADS)
        return cls(workers, max(1, (total - MODEL_THREADS) // workers))

    def worker_environment(self) -> dict[str, str]:
        """The thread variables a worker starts with: its share, where the user set none."""
        return {name: str(self.per_worker) for name in THREAD_VARIABLES if name not in os.environ}


@contextlib.contextmanager
def model_threads() -> Iterator[None]:
    """Torch's intra-op threads at ``MODEL_THREADS`` while the block runs, then put back."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(MODEL_THREADS)
    try:
        yield
    finally:
        torch.set_num_threads(before)
