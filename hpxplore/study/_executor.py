"""Where evaluations run: the default local process pool, or any ``concurrent.futures.Executor``.

The default pool starts workers with ``spawn`` and ships ``evaluate`` with cloudpickle,
so functions defined in a notebook work. Its workers never import the caller's
``__main__``: cloudpickle already carries what ``evaluate`` needs from there, and a plain
script without ``if __name__ == "__main__":`` (or one read from standard input) would
otherwise run again, side effects and all, in every worker. When a trial hangs past its timeout, the pool
is killed and rebuilt (a hung Python call cannot be interrupted any other way); the
other trials in flight are resubmitted. Early-stopping reports travel through a
multiprocessing manager's queue. A worker, or the manager, whose study process dies exits
within a second. Workers and the model share the cores as ``_threads`` plans.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.context
import multiprocessing.spawn
import os
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any

from hpxplore.study._threads import ThreadPlan

__all__ = ["LocalPool", "RemoteReporter"]

_ANSWER_WAIT_S = 60.0
_ORPHAN_CHECK_S = 0.5
_MAIN_KEYS = ("init_main_from_path", "init_main_from_name")
_START_LOCK = threading.Lock()


@contextlib.contextmanager
def _worker_start(environment: Mapping[str, str]):
    """While a worker starts: its start-up data names no ``__main__`` to import again, and
    its environment holds ``environment`` (its share of the threads) on top of ours."""
    original = multiprocessing.spawn.get_preparation_data

    def without_main(name: str) -> dict[str, Any]:
        data = original(name)
        for key in _MAIN_KEYS:
            data.pop(key, None)
        return data

    with _START_LOCK:
        multiprocessing.spawn.get_preparation_data = without_main
        saved = {name: os.environ.get(name) for name in environment}
        os.environ.update(environment)  # a spawned process starts with this environment
        try:
            yield
        finally:
            multiprocessing.spawn.get_preparation_data = original
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


class _WorkerProcess(multiprocessing.context.SpawnProcess):
    environment: Mapping[str, str] = {}

    @staticmethod
    def _Popen(process_obj: Any) -> Any:
        with _worker_start(process_obj.environment):
            return multiprocessing.context.SpawnProcess._Popen(process_obj)


class _WorkerContext(multiprocessing.context.SpawnContext):
    """``spawn``, except that the children skip the parent's ``__main__`` and start with
    their share of the threads."""

    def __init__(self, environment: Mapping[str, str]) -> None:
        self.environment = dict(environment)

    def Process(self, *args: Any, **kwargs: Any) -> _WorkerProcess:
        process = _WorkerProcess(*args, **kwargs)
        process.environment = self.environment
        return process


class RemoteReporter:
    """The ``report(step, metrics)`` callback handed to a worker process."""

    def __init__(self, trial_index: int, queue: Any, answers: Any) -> None:
        self.trial_index, self.queue, self.answers = trial_index, queue, answers

    def __call__(self, step: int, metrics: Mapping[str, float]) -> bool:
        key = f"{self.trial_index}:{step}"
        self.queue.put((self.trial_index, int(step), dict(metrics)))
        deadline = time.monotonic() + _ANSWER_WAIT_S
        while time.monotonic() < deadline:
            if key in self.answers:
                return bool(self.answers.pop(key))
            time.sleep(0.01)
        return False  # the study did not answer in time: keep going


def _die_with_parent(parent: int) -> None:
    """In a worker: exit as soon as the study's process is gone (a killed notebook kernel
    must not leave workers evaluating, and holding memory, on their own)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_ORPHAN_CHECK_S)
        os._exit(1)

    threading.Thread(target=watch, name="hpxplore-parent-watch", daemon=True).start()


class LocalPool:
    """A restartable process pool with a channel for early-stopping reports."""

    def __init__(self, workers: int | None = None) -> None:
        self.plan = ThreadPlan.for_pool(workers)
        self.workers = self.plan.workers
        self._context = _WorkerContext(self.plan.worker_environment())
        self._pool: ProcessPoolExecutor | None = None
        self._manager: Any = None
        self.queue: Any = None
        self.answers: Any = None

    @property
    def executor(self) -> Executor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=self._context,
                initializer=_die_with_parent,
                initargs=(os.getpid(),),
            )
        return self._pool

    def open_channel(self) -> None:
        if self._manager is None:
            from multiprocessing.managers import SyncManager

            self._manager = SyncManager(ctx=self._context)  # it dies with the study, as workers do
            self._manager.start(initializer=_die_with_parent, initargs=(os.getpid(),))
            self.queue, self.answers = self._manager.Queue(), self._manager.dict()

    def reporter(self, trial_index: int) -> RemoteReporter | None:
        return RemoteReporter(trial_index, self.queue, self.answers) if self._manager else None

    def submit(self, fn: Any, *args: Any) -> Future:
        return self.executor.submit(fn, *args)

    def kill(self) -> None:
        """Stop every worker now (a trial hung) and forget the pool; the next submit makes one."""
        if self._pool is None:
            return
        processes = list(getattr(self._pool, "_processes", {}).values())
        for process in processes:
            with contextlib.suppress(Exception):
                process.kill()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = None

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._manager is not None:
            self._manager.shutdown()
            self._manager = None
