"""One ``Study.run`` call: generate batches, evaluate in parallel, record every outcome.

A failure marks that trial failed with its reason (an exception, a NaN or missing metric,
a timeout, a dead worker) and the run goes on, unless ``max_failures`` trials in a row
fail (``_health``: it also warns early when every trial fails or none is feasible). Each
result is saved to the registry (trial + Ax snapshot) as soon as it arrives.
"""

from __future__ import annotations

import os
import queue as queue_module
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from hpxplore.exceptions import InputError, count_parameter
from hpxplore.objectives import Constraint, primary
from hpxplore.pareto import best
from hpxplore.study._budget import Budget
from hpxplore.study._evaluation import (
    Outcome,
    TrialFailure,
    call_evaluate,
    check_signature,
    parse_result,
    wants_reporter,
)
from hpxplore.study._events import EventLog
from hpxplore.study._executor import LocalPool
from hpxplore.study._health import MAX_FAILURES, RunHealth
from hpxplore.study._session import AxSession
from hpxplore.study._threads import model_threads
from hpxplore.study._trial_log import TrialLog

__all__ = ["Runner"]

_POLL_S = 0.05


def never_stop(step: int, metrics: Mapping[str, float]) -> bool:
    """The ``report`` callback where early stopping cannot reach (remote executors)."""
    return False


class Runner:
    """Runs ``n_trials`` evaluations of one study.

    It talks to Ax through ``session`` and keeps every trial in ``log``; ``generate(count)``
    asks the study for up to ``count`` new queued trials, and ``finished(index)`` tells it
    that trial ``index`` has its outcome (saved, snapshot, transfer check, listeners).
    """

    def __init__(
        self,
        evaluate: Callable[..., Any],
        n_trials: int,
        *,
        name: str,
        session: AxSession,
        log: TrialLog,
        events: EventLog,
        objectives: Mapping[str, str],
        metrics: list[str],
        constraints: list[Constraint],
        generate: Callable[[int], None],
        finished: Callable[[int], None],
        executor: Executor | str | None,
        max_parallel: int | None,
        trial_timeout: float | None,
        budget: Budget | None,
        early_stopping: bool | Any,
        progress: bool,
        max_failures: int | None = MAX_FAILURES,
    ) -> None:
        if not callable(evaluate):
            raise InputError(
                f"evaluate must be callable, got {type(evaluate).__name__}.",
                "Pass a function: evaluate(config) -> {metric: value}.",
            )
        check_signature(evaluate)
        count_parameter(n_trials, "n_trials", "run", 20)
        if max_failures is not None:
            count_parameter(max_failures, "max_failures", "run", MAX_FAILURES)
        if max_parallel is not None:
            count_parameter(max_parallel, "max_parallel", "run", 2)
        if trial_timeout is not None and not (
            isinstance(trial_timeout, (int, float)) and trial_timeout > 0
        ):
            raise InputError(
                f"trial_timeout must be a number of seconds > 0, got {trial_timeout!r}.",
                "Pass e.g. trial_timeout=600, or leave it out to let trials run as long as they take.",
            )
        if executor == "inline" and trial_timeout is not None:
            raise InputError(
                "trial_timeout needs worker processes; an inline run cannot interrupt a trial.",
                "Drop executor='inline' (the default is a local process pool).",
            )
        if isinstance(executor, str) and executor != "inline":
            raise InputError(
                f"executor must be None, 'inline' or an Executor, got {executor!r}.",
                "Leave it out for a local process pool, or pass e.g. "
                "dask.distributed.Client(...).get_executor().",
            )
        self.evaluate, self.n_trials = evaluate, n_trials
        self.name, self.session, self.log, self.events = name, session, log, events
        self.objectives, self.metrics, self.constraints = dict(objectives), metrics, constraints
        self.generate, self.finished = generate, finished
        self.budget = budget or Budget()
        self.trial_timeout = trial_timeout
        self.inline = executor == "inline"
        self.pool = LocalPool(max_parallel) if executor is None else None
        self.executor = executor if isinstance(executor, Executor) else None
        if self.inline:
            self.parallel = 1
        else:
            default = self.pool.workers if self.pool else getattr(executor, "_max_workers", None)
            self.parallel = max_parallel or default or os.cpu_count() or 1
        self.reports = wants_reporter(evaluate)
        self.early_stopping = early_stopping
        self.progress = progress
        self.in_flight: dict[Future, tuple[int, float]] = {}
        self.started = 0
        self.cost = 0.0
        self.stop_reason: str | None = None
        self.max_failures = max_failures
        self.health = RunHealth(name, constraints)
        self.payload: Any = None  # what the workers call: evaluate, pickled for a pool
        self.bar: Any = None  # the progress bar, while run() runs

    # -- plumbing -----------------------------------------------------------------------
    def _configure_early_stopping(self) -> None:
        strategy = self.early_stopping
        if strategy is False or strategy is None:
            return
        if not self.reports:
            raise InputError(
                "early_stopping needs evaluate(config, report) to report intermediate values.",
                "Add a second argument and call report(step, {metric: value}) as training goes.",
            )
        self.session.use_early_stopping(strategy, primary(self.objectives)[0])

    def _payload(self) -> Any:
        if self.inline:
            return self.evaluate
        import cloudpickle

        return cloudpickle.dumps(self.evaluate)

    def _reporter(self, index: int) -> Any:
        if not self.reports:
            return None
        if self.inline:
            return lambda step, metrics: self._report(index, step, metrics)
        if self.pool is not None:
            return self.pool.reporter(index)
        return never_stop

    def _report(self, index: int, step: int, metrics: Mapping[str, float]) -> bool:
        """An intermediate value arrived: give it to Ax and say whether to stop the trial."""
        self.log[index].curve.append((step, dict(metrics)))
        data = {m: float(v) for m, v in metrics.items() if m in self.metrics}
        if not data or self.early_stopping in (False, None):
            return False
        return self.session.report(index, data, step)

    def _drain_reports(self) -> None:
        if self.pool is None or self.pool.queue is None:
            return
        while True:
            try:
                index, step, metrics = self.pool.queue.get_nowait()
            except (queue_module.Empty, OSError, EOFError):
                return
            self.pool.answers[f"{index}:{step}"] = self._report(index, step, metrics)

    # -- the loop -----------------------------------------------------------------------
    def _submit(self, index: int, payload: Any) -> None:
        config = dict(self.log[index].config)
        self.started += 1
        if self.inline:
            self._finish(index, call_evaluate(payload, config, self._reporter(index)))
            return
        submitter = self.pool if self.pool is not None else self.executor
        future = submitter.submit(call_evaluate, payload, config, self._reporter(index))
        self.in_flight[future] = (index, time.monotonic())

    def _finish(self, index: int, outcome: Outcome) -> None:
        trial = self.log[index]
        trial.eval_s = outcome.seconds
        if outcome.stopped_early:
            self.session.early_stop(index)
            trial.status = "early_stopped"
            step, last = (trial.curve or [(0, {})])[-1]
            trial.metrics = dict(last)
            if self.budget.cost_metric:  # what it spent: its last reported cost, or its step
                self.cost += float(last.get(self.budget.cost_metric, step))
        elif not outcome.ok:
            self._fail(index, outcome.error or "evaluation failed")
        else:
            try:
                means, sems = parse_result(outcome.result, self.metrics)
            except TrialFailure as failure:
                self._fail(index, str(failure))
            else:
                raw = {m: (means[m], sems[m]) if m in sems else means[m] for m in self.metrics}
                self.session.complete(index, raw)
                trial.status, trial.metrics, trial.sems = "completed", means, sems
                cost_metric = self.budget.cost_metric
                self.cost += means.get(cost_metric, 0.0) if cost_metric else outcome.seconds
        if not self.budget.cost_metric and trial.status != "completed":
            self.cost += outcome.seconds
        self.finished(index)
        self.health.saw(trial)
        self._tick()

    def _fail(self, index: int, reason: str) -> None:
        self.session.fail(index, reason)
        self.log[index].status, self.log[index].error = "failed", reason
        self.events.add("trial_failed", trial=index, reason=reason)

    def _collect(self) -> None:
        done, _ = wait(list(self.in_flight), timeout=_POLL_S, return_when=FIRST_COMPLETED)
        self._drain_reports()
        broken = False
        for future in done:
            index, _start = self.in_flight.pop(future)
            try:
                outcome = future.result()
            except BrokenProcessPool:
                broken = True
                outcome = Outcome(
                    ok=False,
                    error="a worker process died (a crash, os._exit or out "
                    "of memory) while this trial was in the pool",
                )
            except Exception as exc:  # the executor itself failed (a lost Dask worker, ...)
                outcome = Outcome(ok=False, error=f"{type(exc).__name__}: {exc}")
            self._finish(index, outcome)
        if broken and self.pool is not None:
            self.pool.kill()  # the next submit starts a fresh pool
        self._check_timeouts()

    def _check_timeouts(self) -> None:
        if self.trial_timeout is None:
            return
        now = time.monotonic()
        late = [
            (f, i) for f, (i, start) in self.in_flight.items() if now - start > self.trial_timeout
        ]
        if not late:
            return
        for future, index in late:
            _index, start = self.in_flight.pop(future)
            future.cancel()
            self._finish(
                index,
                Outcome(
                    ok=False, error=f"timed out after {self.trial_timeout:g} s", seconds=now - start
                ),
            )
        if self.pool is not None:  # a hung call can only be stopped with its process
            pending = [index for index, _ in self.in_flight.values()]
            self.in_flight.clear()
            self.pool.kill()
            for index in pending:  # innocent bystanders start again in the new pool
                self.started -= 1
                self._submit(index, self.payload)

    def _tick(self) -> None:
        if self.bar is None:
            return
        self.bar.update(1)
        metric = primary(self.objectives)[0]
        trials = self.log.frame({}, self.metrics, self.constraints)
        top = best(trials, self.objectives, self.constraints)
        postfix = {"feasible": int(trials["feasible"].sum()), "failed": self.log.count("failed")}
        if top is not None:
            postfix = {f"best {metric}": f"{top[metric]:.4g}", **postfix}
        self.bar.set_postfix(postfix)

    def run(self) -> str | None:
        """Run until the trials or the budget are spent; the reason it stopped."""
        self._configure_early_stopping()
        if self.pool is not None and self.reports:
            self.pool.open_channel()
        self.payload = self._payload()
        if self.progress:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=self.n_trials, desc=self.name, unit="trial")
        start = time.monotonic()
        try:
            self._loop(start)
        finally:
            if self.bar is not None:
                self.bar.close()
            if self.pool is not None:
                self.pool.shutdown()
        self.events.add(
            "run_finished",
            reason=self.stop_reason,
            trials=self.started,
            seconds=round(time.monotonic() - start, 3),
        )
        return self.stop_reason

    def _loop(self, start: float) -> None:
        """Generate, submit and collect until the trials or the budget are spent."""
        while True:
            if self.in_flight:  # what finished is recorded before Ax is asked for more
                self._collect()
            cap = Budget(
                trials=min(self.n_trials, self.budget.trials or self.n_trials),
                seconds=self.budget.seconds,
                cost=self.budget.cost,
            )
            self.stop_reason = self.health.halt(self.max_failures) or cap.reason(
                self.started, time.monotonic() - start, self.cost
            )
            if self.stop_reason:
                break
            free = min(self.parallel - len(self.in_flight), cap.trials - self.started)
            if free > 0:
                if len(self.log.queue) < free:
                    with model_threads():
                        self.generate(free - len(self.log.queue))
                batch = self.log.take(free)
                if not batch and not self.in_flight:  # Ax has nothing more to give
                    self.stop_reason = "Ax generated no further trials"
                    break
                for index in batch:
                    self._submit(index, self.payload)
        while self.in_flight:  # let the trials already running finish
            self._collect()
