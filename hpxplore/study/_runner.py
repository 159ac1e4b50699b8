"""One ``Study.run`` call: generate batches, evaluate in parallel, record every outcome.

Failures never stop the run: an exception, a NaN or missing metric, a timeout, or a
dead worker marks that trial failed with its reason. Each result is saved to the
registry (trial + Ax snapshot) as soon as it arrives.
"""

from __future__ import annotations

import os
import queue as queue_module
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

import pandas as pd

from hpxplore.exceptions import InputError, count_parameter
from hpxplore.study._budget import Budget
from hpxplore.study._evaluation import (
    Outcome,
    TrialFailure,
    call_evaluate,
    check_signature,
    parse_result,
    wants_reporter,
)
from hpxplore.study._executor import LocalPool

if TYPE_CHECKING:
    from hpxplore.study._study import Study

__all__ = ["Runner"]

_POLL_S = 0.05


def never_stop(step: int, metrics: Mapping[str, float]) -> bool:
    """The ``report`` callback where early stopping cannot reach (remote executors)."""
    return False


class Runner:
    def __init__(
        self,
        study: Study,
        evaluate: Callable[..., Any],
        n_trials: int,
        *,
        executor: Executor | str | None,
        max_parallel: int | None,
        trial_timeout: float | None,
        budget: Budget | None,
        early_stopping: bool | Any,
        progress: bool,
    ) -> None:
        if not callable(evaluate):
            raise InputError(
                f"evaluate must be callable, got {type(evaluate).__name__}.",
                "Pass a function: evaluate(config) -> {metric: value}.",
            )
        check_signature(evaluate)
        count_parameter(n_trials, "n_trials", "run", 20)
        if max_parallel is not None:
            count_parameter(max_parallel, "max_parallel", "run", 2)
        if trial_timeout is not None and not (
            isinstance(trial_timeout, (int, float)) and trial_timeout > 0
        ):
            raise InputError(
                f"trial_timeout must be a number of seconds > 0, got {trial_timeout!r}.", ""
            )
        if executor == "inline" and trial_timeout is not None:
            raise InputError(
                "trial_timeout needs worker processes; an inline run cannot interrupt a trial.",
                "Drop executor='inline' (the default is a local process pool).",
            )
        if isinstance(executor, str) and executor != "inline":
            raise InputError(
                f"executor must be None, 'inline' or an Executor, got {executor!r}.", ""
            )
        self.study, self.evaluate, self.n_trials = study, evaluate, n_trials
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

    # -- plumbing -----------------------------------------------------------------------
    def _configure_early_stopping(self, client: Any) -> None:
        strategy = self.early_stopping
        if strategy is False or strategy is None:
            return
        if strategy is True:
            from ax.early_stopping.strategies import PercentileEarlyStoppingStrategy

            strategy = PercentileEarlyStoppingStrategy(
                percentile_threshold=50.0,
                min_progression=1,
                min_curves=3,
                metric_signatures=[next(iter(self.study.objectives))],
            )
        client.set_early_stopping_strategy(strategy)
        if not self.reports:
            raise InputError(
                "early_stopping needs evaluate(config, report) to report intermediate values.",
                "Add a second argument and call report(step, {metric: value}) as training goes.",
            )

    def _payload(self) -> Any:
        if self.inline:
            return self.evaluate
        import cloudpickle

        return cloudpickle.dumps(self.evaluate)

    def _reporter(self, index: int) -> Any:
        if not self.reports:
            return None
        if self.inline:
            return lambda step, metrics: self.study_report(index, step, metrics)
        if self.pool is not None:
            return self.pool.reporter(index)
        return never_stop

    def study_report(self, index: int, step: int, metrics: Mapping[str, float]) -> bool:
        """An intermediate value arrived: give it to Ax and say whether to stop the trial."""
        client = self.study._client
        record = self.study._records[index]
        record.setdefault("curve", []).append((step, dict(metrics)))
        data = {m: float(v) for m, v in metrics.items() if m in self.study.metrics}
        if not data or self.early_stopping in (False, None):
            return False
        client.attach_data(index, data, progression=step)
        return bool(client.should_stop_trial_early(index))

    def _drain_reports(self) -> None:
        if self.pool is None or self.pool.queue is None:
            return
        while True:
            try:
                index, step, metrics = self.pool.queue.get_nowait()
            except (queue_module.Empty, OSError, EOFError):
                return
            self.pool.answers[f"{index}:{step}"] = self.study_report(index, step, metrics)

    # -- the loop -----------------------------------------------------------------------
    def _submit(self, index: int, payload: Any) -> None:
        record = self.study._records[index]
        config = dict(record["config"])
        self.started += 1
        if self.inline:
            self._finish(index, call_evaluate(payload, config, self._reporter(index)))
            return
        submitter = self.pool if self.pool is not None else self.executor
        future = submitter.submit(call_evaluate, payload, config, self._reporter(index))
        self.in_flight[future] = (index, time.monotonic())

    def _finish(self, index: int, outcome: Outcome) -> None:
        study, client = self.study, self.study._client
        record = study._records[index]
        record["eval_s"] = outcome.seconds
        if outcome.stopped_early:
            client.mark_trial_early_stopped(index)
            record["status"] = "early_stopped"
            step, last = (record.get("curve") or [(0, {})])[-1]
            record["metrics"] = dict(last)
            if self.budget.cost_metric:  # what it spent: its last reported cost, or its step
                self.cost += float(last.get(self.budget.cost_metric, step))
        elif not outcome.ok:
            self._fail(index, outcome.error or "evaluation failed")
        else:
            try:
                means, sems = parse_result(outcome.result, study.metrics)
            except TrialFailure as failure:
                self._fail(index, str(failure))
            else:
                raw = {m: (means[m], sems[m]) if m in sems else means[m] for m in study.metrics}
                client.complete_trial(index, raw_data=raw)
                record.update(status="completed", metrics=means, sems=sems)
                cost_metric = self.budget.cost_metric
                self.cost += means.get(cost_metric, 0.0) if cost_metric else outcome.seconds
        if not self.budget.cost_metric and record["status"] != "completed":
            self.cost += outcome.seconds
        study._persist(index)
        study._save_snapshot()
        study._check_transfer()
        self._tick(record)
        study._notify(index)

    def _fail(self, index: int, reason: str) -> None:
        self.study._client.mark_trial_failed(index, failed_reason=reason[:1000])
        self.study._records[index].update(status="failed", error=reason)
        self.study._event("trial_failed", trial=index, reason=reason)

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

    def _tick(self, record: Mapping[str, Any]) -> None:
        if self.bar is None:
            return
        self.bar.update(1)
        metric, direction = next(iter(self.study.objectives.items()))
        done = [
            r["metrics"].get(metric)
            for r in self.study._records.values()
            if r["status"] == "completed" and r["metrics"].get(metric) is not None
        ]
        if done:
            best = max(done) if direction == "maximize" else min(done)
            self.bar.set_postfix(
                {
                    f"best {metric}": f"{best:.4g}",
                    "failed": sum(r["status"] == "failed" for r in self.study._records.values()),
                }
            )

    def run(self) -> pd.DataFrame:
        study = self.study
        client = study._ensure_started()
        self._configure_early_stopping(client)
        if self.pool is not None and self.reports:
            self.pool.open_channel()
        self.payload = payload = self._payload()
        self.bar = None
        if self.progress:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=self.n_trials, desc=study.name, unit="trial")
        start = time.monotonic()
        try:
            while True:
                cap = Budget(
                    trials=min(self.n_trials, self.budget.trials or self.n_trials),
                    seconds=self.budget.seconds,
                    cost=self.budget.cost,
                )
                self.stop_reason = cap.reason(self.started, time.monotonic() - start, self.cost)
                if self.stop_reason:
                    break
                free = min(self.parallel - len(self.in_flight), cap.trials - self.started)
                if free > 0:
                    if len(study._queue) < free:
                        study._generate(free - len(study._queue))
                    batch = study._queue[:free]
                    if not batch and not self.in_flight:  # Ax has nothing more to give
                        self.stop_reason = "Ax generated no further trials"
                        break
                    for index in batch:
                        study._queue.remove(index)
                        self._submit(index, payload)
                if self.in_flight:
                    self._collect()
            while self.in_flight:  # let the trials already running finish
                self._collect()
        finally:
            if self.bar is not None:
                self.bar.close()
            if self.pool is not None:
                self.pool.shutdown()
        study._event(
            "run_finished",
            reason=self.stop_reason,
            trials=self.started,
            seconds=round(time.monotonic() - start, 3),
        )
        study._advise_rollback()
        if study.registry is not None:
            study._record_transfer_outcomes()
            study.registry.set_state(study.name, "completed" if not study._queue else "stopped")
        return study.trials
