"""Study: a multi-objective, constrained Ax experiment, warm-started, saved as it runs."""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

import pandas as pd

from hpxplore.exceptions import HpxploreError, HpxploreWarning, InputError, count_parameter
from hpxplore.objectives import (
    Constraint,
    parse_constraints,
    parse_objectives,
    primary,
    required_metrics,
)
from hpxplore.pareto import best, feasible_mask, pareto_front
from hpxplore.profiling import TaskProfile
from hpxplore.registry import Registry
from hpxplore.registry._store import Store
from hpxplore.space import Space, parse_space, validate_config
from hpxplore.study import _ax
from hpxplore.study._budget import Budget
from hpxplore.study._events import EventLog
from hpxplore.study._health import MAX_FAILURES
from hpxplore.study._runner import Runner
from hpxplore.study._session import AxSession
from hpxplore.study._threads import model_threads
from hpxplore.study._transfer_policy import TransferPolicy
from hpxplore.study._trial_log import TrialLog
from hpxplore.trial import Trial

if TYPE_CHECKING:
    from hpxplore.transfer._prior import TransferPrior

__all__ = ["Study"]

AUTO_INIT = 5  # the default initial design when cold: Ax's own initialization budget
AUTO_WARM = 5  # the default initial design's transferred configs, at most
_SNAPSHOT_EVERY = 40  # times the last snapshot's cost, so snapshots take at most 1/40 of the run
_SNAPSHOT_MIN_S = 2.0


def _warm_items(source: Any) -> list[dict[str, Any]]:
    """Configs to warm-start from: dicts, a DataFrame, or Recommendations."""
    if hasattr(source, "warm_start_items"):
        return list(source.warm_start_items())
    if isinstance(source, pd.DataFrame):
        return [{"config": row} for row in source.to_dict("records")]
    if isinstance(source, Mapping):
        source = [source]
    if not isinstance(source, Sequence) or isinstance(source, str):
        raise InputError(
            f"warm_start takes a list of configs, a DataFrame or Recommendations; got "
            f"{type(source).__name__}.",
            "Pass e.g. [{'learning_rate': 0.1, 'max_depth': 4}].",
        )
    return [{"config": c} for c in source]


class Study:
    """A hyperparameter study on a new task, run by Ax and recorded in a registry.

    It is made of small parts: an Ax session (``_session``), the trial log (``_log``,
    saved to the registry through its store), the transfer policy (``_policy``: prior,
    model of the prior studies, switch-off) and, for each ``run``, a runner.

    Args:
        name: the study's name (unique in the registry).
        space: ``{name: hpx.Float | hpx.Int | hpx.Choice}`` (or Ax parameter configs).
        objectives: ``{"accuracy": "maximize", "predict_ms": "minimize"}``.
        constraints: ``["predict_ms <= 5", "size_mb <= 50"]``. With several objectives,
            Ax turns a constraint on an objective into that objective's threshold
            (see :attr:`objective_thresholds`); hpxplore counts both as feasibility rules.
        registry: where the study is saved as it runs (needs ``profile``).
        profile: the new task's profile.
        seed: seeds Ax's quasi-random initialization and models.
        init_trials: size of the initial design (transferred + quasi-random). By default it
            follows what the study starts from: cold, Ax's own 5 quasi-random trials; after
            a warm start, the transferred configs (at most ``AUTO_WARM``) and one
            quasi-random trial, so that Ax's model, and the transfer prior in it, takes
            over at once.
        warm_share: with an explicit ``init_trials``, the largest share of it given to
            transferred configs.
        method: Ax's generation method, ``"fast"`` or ``"quality"``.
        transfer: ``"prior"`` (the default): when the study is warm-started from
            ``Recommendations``, the similar prior studies, each weighted by how well it
            ranks this task's own trials (see :attr:`events`, ``prior_weights``), judge the
            transfer after every trial and switch it off when they lose their weight; with
            one objective they are also the prior mean of Ax's GP for the whole run (with
            several, Ax's own model steers: the prior in it measured no better). ``None``:
            after the warm start, Ax's cold model and no judge. (Ax's multi-task GP,
            ``"multitask"``, was removed: see ``docs/benchmarks.md``.)
    """

    def __init__(
        self,
        name: str,
        space: Any,
        objectives: Any,
        constraints: Sequence[str | Constraint] | str | None = None,
        *,
        registry: Registry | None = None,
        profile: TaskProfile | None = None,
        seed: int | None = None,
        init_trials: int | None = None,
        warm_share: float = 0.5,
        method: str = "fast",
        transfer: str | None = "prior",
        provenance: Mapping[str, Any] | None = None,
    ) -> None:
        if not isinstance(name, str) or not name.strip():
            raise InputError(
                f"A study needs a non-empty name, got {name!r}.", 'Pass e.g. "hgb-churn".'
            )
        self.name = name
        self.space: Space = parse_space(space)
        self.objectives = parse_objectives(objectives)
        self.constraints = parse_constraints(constraints)
        on_objective = [c for c in self.constraints if c.metric in self.objectives]
        if len(self.objectives) == 1 and on_objective:
            raise InputError(
                f"The constraint {str(on_objective[0])!r} is on the study's only objective: Ax "
                "cannot hold a constraint on the objective it optimizes.",
                "Drop it (the study already seeks the best value), or add a second objective, "
                "where a constraint on an objective becomes its threshold.",
            )
        if registry is not None and not isinstance(registry, Registry):
            raise InputError(
                f"registry must be an hpx.Registry, got {type(registry).__name__}.",
                "Pass registry=hpx.Registry(path_or_url), or leave it out to keep nothing.",
            )
        if registry is not None and profile is None:
            raise InputError(
                "A study saved to a registry needs the task's profile.",
                "Pass profile=hpx.profile_task(df, target=...) so later tasks can transfer from it.",
            )
        self._auto_init = init_trials is None
        if init_trials is None:
            init_trials = AUTO_INIT
        count_parameter(init_trials, "init_trials", "Study", AUTO_INIT)
        if not (isinstance(warm_share, (int, float)) and 0 < warm_share <= 1):
            raise InputError(
                f"The 'warm_share' parameter of Study must be a number in (0, 1]. Got {warm_share!r} instead.",
                "The default, 0.5, gives transferred configs at most half of the initial design.",
            )
        if method not in ("fast", "quality"):
            raise InputError(
                f"method must be 'fast' or 'quality', got {method!r}.",
                "'fast' (the default) is Ax's quicker model fit; 'quality' fits it more carefully.",
            )
        if transfer not in (None, "prior"):
            raise InputError(
                f"transfer must be 'prior' or None, got {transfer!r}.",
                "The default, 'prior', uses the prior studies that warm_start(recs) brings"
                + (
                    "; Ax's multi-task GP ('multitask') was removed: it did no better."
                    if transfer == "multitask"
                    else "."
                ),
            )
        self.transfer = transfer
        self.registry, self.profile, self.seed = registry, profile, seed
        self.init_trials, self.warm_share, self.method = init_trials, float(warm_share), method
        self.provenance = dict(provenance or {})
        self._store = Store(registry) if registry is not None else None
        self._log = TrialLog(name, self._store)
        self._events = EventLog()
        self._policy = TransferPolicy(name, self.objectives, self._events, self.constraints)
        self._session: AxSession | None = None  # made by the first run
        self._warm: list[dict[str, Any]] = []  # the configs to attach first
        self._inferred: list[Constraint] = []  # objective thresholds from the close studies
        self._refits: dict[str, tuple[int, Any]] = {}  # what a model refit gave, by kind
        self._snapshot_at, self._snapshot_cost = float("-inf"), 0.0
        self._listeners: list[Callable[[Study, int], Any]] = []
        self._off_saved = False  # the switch-off is in the registry's settings

    # -- setup ----------------------------------------------------------------------------
    @property
    def metrics(self) -> list[str]:
        """Metrics every evaluation must return: the objectives, then constrained metrics."""
        return required_metrics(self.objectives, self.constraints)

    @property
    def events(self) -> list[dict[str, Any]]:
        """What the study decided and why, in order (``{"event": name, ...}``)."""
        return self._events.items

    @property
    def prior(self) -> TransferPrior | None:
        """The prior studies in Ax's model (``None`` when cold, switched off or with several
        objectives)."""
        return self._policy.prior

    @property
    def transfer_active(self) -> bool:
        """False once the prior studies' weights have switched transfer off."""
        return self._policy.active

    @property
    def full_space(self) -> Space | None:
        """The whole space while a narrowed one is searched, else ``None``."""
        return self._policy.full_space

    @property
    def objective_thresholds(self) -> list[Constraint]:
        """What Ax holds as objective thresholds (the hypervolume's reference point): the
        constraints on objectives, then those ``warm_start`` inferred from the close studies'
        fronts for the other objectives (Ax's threshold only: not a feasibility rule)."""
        return _ax.split_constraints(self.objectives, self.constraints)[0] + self._inferred

    @property
    def outcome_constraints(self) -> list[Constraint]:
        """Constraints Ax holds as outcome constraints."""
        return _ax.split_constraints(self.objectives, self.constraints)[1]

    def warm_start(self, source: Any, *, share: float | None = None, narrow: bool = False) -> Study:
        """Make ``source``'s configs the first trials, in the order given (most promising first).

        ``source`` is a list of configs, a DataFrame of configs, or ``Recommendations``
        (their accepted ones; if none was accepted, all but the rejected ones). At most ``share`` (default
        ``warm_share``) of the initial design is transferred; the rest stays quasi-random.
        Each config is re-evaluated on the new task.
        """
        if self._session is not None:
            raise HpxploreError(
                "warm_start must come before the first run: this study has already started.",
                "Create a new Study, or call warm_start before study.run(...).",
            )
        share = self.warm_share if share is None else share
        if not (isinstance(share, (int, float)) and 0 < share <= 1):
            raise InputError(
                f"share must be a number in (0, 1], got {share!r}.",
                "Pass e.g. share=0.5 (half of the initial design), or leave it out.",
            )
        from hpxplore.transfer import Recommendations

        recs = source if isinstance(source, Recommendations) else None
        if recs is not None and self.registry is not None and recs.registry is not None:
            recs.save()  # the audit log records what seeded this study
        items, seen = [], set()
        for i, item in enumerate(_warm_items(source)):
            config = {k: v for k, v in dict(item["config"]).items() if not _is_nan(v)}
            try:
                config = validate_config(self.space, config)
            except InputError as exc:
                raise InputError(f"Warm-start config {i}: {exc.message}", exc.hint) from None
            key = tuple(sorted(config.items()))
            if key not in seen:
                seen.add(key)
                items.append({**item, "config": config})
        if self._auto_init:
            cap, reason = AUTO_WARM, f"at most {AUTO_WARM} (the default initial design)"
        else:
            cap = max(1, math.floor(share * self.init_trials))
            reason = f"at most {share:.0%} of the {self.init_trials}-trial initial design"
        if len(items) > cap:
            self._events.add("warm_start_capped", kept=cap, given=len(items), reason=reason)
        self._warm = items[:cap]
        if self._auto_init:  # the transferred configs, then one quasi-random trial
            self.init_trials = len(self._warm) + 1
        self._policy.adopt(
            None if recs is None else recs.transfer, use_prior=self.transfer == "prior"
        )
        if recs is not None:
            self._infer_thresholds(recs.thresholds)
        if narrow and recs is not None and recs.narrowed.space is not None:
            self._narrow(recs.narrowed.space, recs.narrowed.rationale)
        return self

    def _infer_thresholds(self, inferred: Mapping[str, float]) -> None:
        """Ax's thresholds for the objectives the user gave none, from the close studies."""
        given = {c.metric for c in _ax.split_constraints(self.objectives, self.constraints)[0]}
        self._inferred = [
            Constraint(m, ">=" if self.objectives[m] == "maximize" else "<=", float(v))
            for m, v in inferred.items()
            if m in self.objectives and m not in given and len(self.objectives) > 1
        ]
        if self._inferred:
            self._events.add(
                "thresholds_inferred",
                thresholds=[str(c) for c in self._inferred],
                reason="the worst value on the close studies' Pareto fronts (similarity-"
                "weighted median); give a constraint on an objective to set its own",
            )

    def _check_thresholds(self, trials: pd.DataFrame) -> None:
        """Once the initial design is in, drop each inferred threshold no trial of this task
        has reached: a reference point beyond every trial leaves Ax's hypervolume empty."""
        if not self._inferred:
            return
        done = trials[trials["status"] == "completed"]
        if len(done) < self.init_trials:
            return
        unreached = [c for c in self._inferred if not feasible_mask(done, [c]).any()]
        if not unreached:
            return
        self._inferred = [c for c in self._inferred if c not in unreached]
        self._session.set_goals(self.objectives, [*self.constraints, *self._inferred])
        if self._store is not None:
            self._store.update_settings(self.name, {"thresholds": [str(c) for c in self._inferred]})
        self._events.add(
            "thresholds_dropped",
            thresholds=[str(c) for c in unreached],
            trials=len(done),
            reason="no trial of this task reached them, so Ax takes the reference point from "
            "the trials instead",
        )

    def _narrow(self, narrowed: Space, rationale: str) -> None:
        """Search a smaller space; widened back to the full one if transfer is switched off."""
        box: Space = {}
        for name, param in narrowed.items():
            values = [w["config"][name] for w in self._warm]
            if hasattr(param, "values"):  # a Choice: keep the transferred values too
                kept = tuple(v for v in self.space[name].values if v in param.values or v in values)
                box[name] = (
                    type(param)(kept, ordered=param.ordered) if len(kept) > 1 else self.space[name]
                )
            else:  # the box must hold every transferred config
                low, high = min([param.low, *values]), max([param.high, *values])
                box[name] = type(param)(low, high, log=param.log)
        self._policy.full_space, self.space = self.space, box
        self._events.add(
            "space_narrowed", rationale=rationale, space={n: p.to_dict() for n, p in box.items()}
        )

    def on_trial(self, callback: Callable[[Study, int], Any]) -> Callable[[], None]:
        """Call ``callback(study, trial_index)`` each time a trial finishes (live views).

        Returns a function that unsubscribes. A callback that raises is unsubscribed and
        logged in :attr:`events`; it never stops the run.
        """
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    def _notify(self, index: int) -> None:
        for callback in list(self._listeners):
            try:
                callback(self, index)
            except Exception as exc:
                self._listeners.remove(callback)
                self._events.add(
                    "listener_failed", trial=index, error=f"{type(exc).__name__}: {exc}"
                )

    def _ensure_started(self) -> AxSession:
        if self._session is not None:
            return self._session
        self._session = self._new_session(len(self._warm))
        if self._store is not None:
            self._store.begin_study(
                self.name,
                self.profile,
                self.full_space or self.space,
                self.objectives,
                self.constraints,
                {**self.provenance, "seed": self.seed},
                {
                    "init_trials": self.init_trials,
                    "warm_share": self.warm_share,
                    "method": self.method,
                    "seed": self.seed,
                    "warm_count": len(self._warm),
                    "transfer": self.transfer,
                    "prior": self._policy.settings(),
                    "thresholds": [str(c) for c in self._inferred],
                },
            )
        for rank, item in enumerate(self._warm):
            config = item["config"]
            index = self._session.attach(config, arm_name=f"transferred_{rank}")
            self._log.add(
                Trial(
                    index,
                    dict(config),
                    origin="transferred",
                    gen_s=0.0,
                    recommendation_id=item.get("recommendation_id"),
                    recommendation_kind=item.get("recommendation_kind"),
                )
            )
        self._save_snapshot(force=True)
        return self._session

    def _new_session(self, warm_count: int) -> AxSession:
        """A new Ax session for this study, with the transfer prior when it has one."""
        settings = _ax.AxSettings(self.name, self.init_trials, warm_count, self.seed, self.method)
        session = AxSession.create(
            settings, self.space, self.objectives, [*self.constraints, *self._inferred]
        )
        self._policy.start(session, settings)
        return session

    def _save_snapshot(self, *, force: bool = False) -> None:
        """Save Ax's snapshot, at most once per ``_SNAPSHOT_EVERY`` times its own cost.

        Ax's snapshot serializes the whole experiment and generation strategy, growing with
        the trials, so it is saved at most once per ``_SNAPSHOT_EVERY`` times its own cost.
        Every trial is saved to the registry at once, and :meth:`load` brings a stale
        snapshot up to date from there.
        """
        if self._store is None or self._session is None:
            return
        now = time.monotonic()
        if not force and now - self._snapshot_at < max(
            _SNAPSHOT_MIN_S, _SNAPSHOT_EVERY * self._snapshot_cost
        ):
            return
        self._store.save_snapshot(self.name, self._session.snapshot())
        self._snapshot_at = time.monotonic()
        self._snapshot_cost = self._snapshot_at - now

    def _generate(self, count: int) -> None:
        """Ask Ax for up to ``count`` new trials at once (one batch) and queue them."""
        session = self._ensure_started()
        model_next = len(self.objectives) > 1 and self._log.count("completed") >= self.init_trials
        batch = session.generate(count, model_next=model_next)
        for trial in batch:
            self._log.add(trial)
        if batch:
            self._save_snapshot()

    def _finished(self, index: int) -> None:
        """Trial ``index`` has its outcome: save it, judge transfer, tell the listeners."""
        self._log.save(index)
        self._save_snapshot()
        trials = self.trials
        widened = self._policy.check(
            self._session,
            self._log,
            trials,
            {"init_budget": self.init_trials, "seed": self.seed, "method": self.method},
        )
        if widened is not None:
            self.space = widened
        self._check_thresholds(trials)
        if not self._policy.active and self._store is not None and not self._off_saved:
            off = next(e for e in reversed(self.events) if e["event"] == "transfer_off")
            self._store.update_settings(self.name, {"transfer_off": off})  # survives load
            self._off_saved = True
        self._notify(index)

    # -- running --------------------------------------------------------------------------
    def run(
        self,
        evaluate: Callable[..., Mapping[str, Any]],
        n_trials: int,
        *,
        executor: Executor | str | None = None,
        max_parallel: int | None = None,
        trial_timeout: float | None = None,
        budget: Budget | None = None,
        early_stopping: bool | Any = False,
        progress: bool = True,
        max_failures: int | None = MAX_FAILURES,
    ) -> pd.DataFrame:
        """Evaluate ``n_trials`` trials (transferred ones first) and return :attr:`trials`.

        Args:
            evaluate: ``evaluate(config) -> {metric: value or (mean, sem)}``. To report
                intermediate values for early stopping, take a second argument
                ``report`` and call ``report(step, {metric: value})``.
            n_trials: evaluations to run in this call.
            executor: ``None`` for a local process pool, ``"inline"`` to run in this
                process (no timeouts), or any ``concurrent.futures.Executor`` (e.g.
                ``dask.distributed.Client(...).get_executor()``).
            max_parallel: trials evaluated at once (default: the pool's workers).
            trial_timeout: seconds after which a trial is marked failed.
            budget: caps on trials, wall-clock seconds and evaluation cost.
            early_stopping: ``True`` for Ax's percentile early stopping, or an Ax
                early-stopping strategy.
            progress: show a progress bar with the best value so far.
            max_failures: stop the run when this many trials in a row have failed
                (``None``: never). Whether or not it stops, a run whose first trials all
                fail, or where no completed trial meets the constraints, warns at once.
        """
        session = self._ensure_started()
        Runner(
            evaluate,
            n_trials,
            name=self.name,
            session=session,
            log=self._log,
            events=self._events,
            objectives=self.objectives,
            metrics=self.metrics,
            constraints=self.constraints,
            generate=self._generate,
            finished=self._finished,
            executor=executor,
            max_parallel=max_parallel,
            trial_timeout=trial_timeout,
            budget=budget,
            early_stopping=early_stopping,
            progress=progress,
            max_failures=max_failures,
        ).run()
        trials = self.trials
        self._policy.advise_rollback(self._log, trials)
        if self._store is not None:
            self._policy.record_outcomes(self._store, self._log)
            finished = not self._log.queue and self._log.count("completed") > 0
            self._store.set_state(self.name, "completed" if finished else "stopped")
            self._store.update_settings(self.name, {"events": self.events})  # for its report
        return trials

    @classmethod
    def load(cls, name: str, registry: Registry) -> Study:
        """Reopen a study saved in ``registry`` (after a crash, a restart, another day).

        Completed and failed trials stay as they were; trials that were generated or
        running when the process stopped are evaluated again by the next ``run``.
        """
        record = registry.record(name)
        store = Store(registry)
        settings, snapshot = store.run_state(name)
        if not settings:
            raise HpxploreError(
                f"Study {name!r} in the registry has no optimizer state to resume from "
                f"(it was stored with add_study or imported).",
                "Start a new Study and warm_start it from this one instead.",
            )
        removed = settings.get("transfer") == "multitask"
        study = cls(
            record.name,
            record.space,
            record.objectives,
            list(record.constraints),
            registry=registry,
            profile=record.profile,
            seed=settings.get("seed"),
            init_trials=settings.get("init_trials"),
            warm_share=settings.get("warm_share", 0.5),
            method=settings.get("method", "fast"),
            transfer=None if removed else settings.get("transfer"),
        )
        off = settings.get("transfer_off")  # transfer was switched off: it stays off
        prior = settings.get("prior") if settings.get("transfer") == "prior" and not off else None
        if settings.get("transfer") == "prior":
            from hpxplore.study._prior_gp import model_class

            model_class()  # Ax's storage must know the model before it reads the snapshot
        if prior:
            study._policy.rebuild(registry, prior, study.space, study.metrics)
        study._inferred = [Constraint.parse(text) for text in settings.get("thresholds", [])]
        study._events.items = list(settings.get("events", []))  # as of its last run
        if snapshot is None:  # stopped before its first snapshot: Ax gets the stored trials
            study._session = session = study._new_session(settings.get("warm_count", 0))
            study._events.add(
                "restarted", reason="the study stopped before Ax's first snapshot was saved"
            )
        else:
            study._session = session = AxSession.from_snapshot(snapshot, study.space, study.metrics)
            study._policy.attach_to(session)
        if removed:  # a study saved with Ax's multi-task GP goes on with Ax's own model
            session.restore_default_strategy(study.init_trials, study.seed, study.method)
            study._events.add(
                "transfer_off", reason="transfer='multitask' was removed from hpxplore"
            )
        if off:  # Ax's own model in the whole space, as when it was switched off
            session.restore_default_strategy(study.init_trials, study.seed, study.method)
            session.set_space(study.space)
            study._policy.active, study._off_saved = False, True
            if off not in study._events.items:
                study._events.add("transfer_off", **{k: v for k, v in off.items() if k != "event"})
        for trial in store.trials(name):
            study._log.add(trial, queued=False)
        study._policy.recorded = store.recorded_outcomes(name)
        study._reconcile()
        study._events.add("resumed", requeued=list(study._log.queue))
        return study

    def _reconcile(self) -> None:
        """Bring Ax's (possibly older) snapshot up to date with the registry's trials.

        Every trial saved after the last snapshot is given to Ax again, in index order, so
        Ax numbers it as the registry does (trials finish out of order when they run in
        parallel); those that were running when the process stopped are queued to be
        evaluated again.
        """
        session = self._session
        for trial in list(self._log):
            index = trial.trial_index
            ax_status = session.status(index)
            if ax_status is None:  # saved after the snapshot: Ax gets it again, in order
                attached = session.attach(trial.config)
                if attached != index:
                    raise HpxploreError(
                        f"Study {self.name!r}: the registry's trial {index} became Ax trial "
                        f"{attached} on resume.",
                        "The registry and the Ax snapshot disagree; start a new study and "
                        "warm_start it from this one.",
                    )
                ax_status = "running"
            if trial.status == ax_status:
                if trial.status == "running":
                    self._log.queue.append(index)
                continue
            if trial.status == "completed":
                raw = {m: trial.metrics[m] for m in self.metrics if m in trial.metrics}
                session.complete(index, raw)
            elif trial.status == "failed":
                session.fail(index, trial.error)
            elif trial.status == "early_stopped":
                session.early_stop(index)
            elif trial.status == "abandoned":
                session.abandon(index)
            elif trial.status == "running":
                self._log.queue.append(index)

    # -- results --------------------------------------------------------------------------
    @property
    def trials(self) -> pd.DataFrame:
        """One row per trial: config, metrics, status, origin, the recommendation it
        evaluates, generation and evaluation time, feasibility (see :mod:`hpxplore.trial`);
        ``reg.add_study(name, profile, space, objectives, study.trials)`` stores it as is."""
        return self._log.frame(self.space, self.metrics, self.constraints)

    def pareto_frontier(self, *, use_model_predictions: bool = False) -> pd.DataFrame:
        """Feasible non-dominated trials (observed values by default).

        ``use_model_predictions=True`` asks Ax's model (a refit: seconds), cached until the
        next trial completes.
        """
        if len(self.objectives) == 1:
            metric = primary(self.objectives)[0]
            raise HpxploreError(
                f"Study {self.name!r} has one objective ({metric!r}): its Pareto frontier "
                "would be its best trial.",
                "Use study.best() for the best feasible trial, or study.trials for all of them.",
            )
        if not use_model_predictions:
            front = pareto_front(self.trials, self.objectives, self.constraints)
            if front.empty:
                warnings.warn(self._nothing_feasible(), HpxploreWarning, stacklevel=2)
            return front
        return self._refitted("frontier", lambda: self._ensure_started().predicted_frontier())

    def sensitivity(self) -> pd.DataFrame:
        """Sobol indices of each objective: ``metric, parameter, first_order, total_order``.

        Computed on Ax's surrogate (a refit: seconds) and cached until the next trial
        completes; choice parameters are aggregated back from their one-hot columns.
        """
        return self._refitted(
            "sensitivity",
            lambda: self._ensure_started().sensitivity(list(self.objectives)),
            needs="Sensitivity needs a fitted model",
        )

    def health(self) -> list[dict[str, Any]]:
        """Ax's own analyses of this study, as cards: model fit by cross-validation (with
        R²), health checks, utility progression, sensitivity, slices, the generation
        strategy; one that Ax could not compute is an ``error`` card saying why. Each card:
        ``title``, ``subtitle``, ``kind`` and its ``figure`` (plotly JSON), ``table`` or
        ``status``. Ax refits its models: seconds; cached until the next trial completes.
        """
        return self._refitted(
            "health",
            lambda: self._ensure_started().analyses(),
            needs="Ax's analyses need a fitted model",
        )

    def _refitted(self, kind: str, compute: Callable[[], Any], needs: str | None = None) -> Any:
        """``compute()`` (a model refit: seconds), kept until the next trial completes.
        ``needs``: what a model is needed for; fewer than 2 completed trials raise."""
        done = self._log.count("completed")
        if needs and done < 2:
            raise HpxploreError(
                f"{needs}: study {self.name!r} has {done} completed trial(s).",
                "Run a few trials first (study.run).",
            )
        kept = self._refits.get(kind)
        if kept is None or kept[0] != done:
            with model_threads():
                self._refits[kind] = kept = (done, compute())
        return kept[1]

    def best(self) -> pd.Series:
        """The best completed trial that meets every constraint (a study with one objective).

        With several objectives there is no single best: :meth:`pareto_frontier` holds
        the trade-offs.
        """
        if len(self.objectives) > 1:
            raise HpxploreError(
                f"Study {self.name!r} has {len(self.objectives)} objectives "
                f"({', '.join(self.objectives)}): no single trial is best on all of them.",
                "Use study.pareto_frontier() for the trade-offs and pick one of its trials.",
            )
        row = best(self.trials, self.objectives, self.constraints)
        if row is None:
            raise HpxploreError(
                self._nothing_feasible(), "Run more trials (study.run), or relax the constraints."
            )
        return row

    def _nothing_feasible(self) -> str:
        """Why no trial counts yet: none completed, or which constraints the completed broke."""
        trials = self.trials
        done = trials[trials["status"] == "completed"]
        if done.empty:
            return f"Study {self.name!r} has no completed trial yet ({len(trials)} in all)."
        broken = []
        for c in self.constraints:
            meets = feasible_mask(done, [c])
            if not meets.all():
                broken.append(f"{c} broken by {int((~meets).sum())}")
        return (
            f"Study {self.name!r} has no feasible trial yet: none of its {len(done)} completed "
            f"trial(s) meets every constraint ({'; '.join(broken)})."
        )

    def __repr__(self) -> str:
        counts = pd.Series([t.status for t in self._log]).value_counts().to_dict()
        return f"Study({self.name!r}, objectives={self.objectives}, trials={counts or 0})"


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)
