"""Study: a multi-objective, constrained Ax experiment, warm-started, saved as it runs."""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

import pandas as pd

from hpxplore._jsonable import jsonable
from hpxplore.exceptions import HpxploreError, HpxploreWarning, InputError, count_parameter
from hpxplore.objectives import Constraint, parse_constraints, parse_objectives
from hpxplore.pareto import feasible_mask, pareto_front
from hpxplore.profiling import TaskProfile
from hpxplore.registry import Registry, TrialData
from hpxplore.space import Space, parse_space, validate_config
from hpxplore.study import _ax
from hpxplore.study._budget import Budget
from hpxplore.study._build_lock import announce_build
from hpxplore.study._transfer_hooks import TransferHooks

if TYPE_CHECKING:
    from hpxplore.transfer._prior import TransferPrior

__all__ = ["Study"]

AUTO_INIT = 5  # the default initial design when cold: Ax's own initialization budget
AUTO_WARM = 5  # the default initial design's transferred configs, at most
_SNAPSHOT_EVERY = 40  # times the last snapshot's cost: at most 2.5 % of wall time
_SNAPSHOT_MIN_S = 2.0
_QUASI_RANDOM_NODES = {"Sobol", "CenterOfSearchSpace", "Center", "Random", "Uniform"}


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


class Study(TransferHooks):
    """A hyperparameter study on a new task, run by Ax and recorded in a registry.

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
            ``Recommendations``, Ax's GP for the whole run takes the similar prior studies
            as its prior mean, each weighted by how well it ranks this task's own trials
            (see :attr:`events`, ``prior_weights``). ``None``: after the warm start, Ax's
            cold model. (Ax's multi-task GP, ``"multitask"``, was measured and removed: no
            better than the warm start alone, at ten times its cost; ``docs/benchmarks.md``.)
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
        if registry is not None and not isinstance(registry, Registry):
            raise InputError(
                f"registry must be an hpx.Registry, got {type(registry).__name__}.", ""
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
        self.prior: TransferPrior | None = None  # set by warm_start(recs) when transfer="prior"
        self._weights_seen = 0
        self.registry, self.profile, self.seed = registry, profile, seed
        self.init_trials, self.warm_share, self.method = init_trials, float(warm_share), method
        self.provenance = dict(provenance or {})
        self.events: list[dict[str, Any]] = []
        self._warm: list[dict[str, Any]] = []
        self._client: Any = None
        self._records: dict[int, dict[str, Any]] = {}
        self._queue: list[int] = []  # attached or generated, not yet evaluated
        self._frontier_cache: tuple[int, pd.DataFrame] | None = None
        self._snapshot_at, self._snapshot_cost = float("-inf"), 0.0
        self._monitor: Any = None
        self.full_space: Space | None = None  # set while a narrowed space is searched
        self.transfer_active = True
        self._sensitivity_cache: tuple[int, pd.DataFrame] | None = None
        self._listeners: list[Callable[[Study, int], Any]] = []

    # -- setup ----------------------------------------------------------------------------
    @property
    def metrics(self) -> list[str]:
        """Metrics every evaluation must return: the objectives, then constrained metrics."""
        return list(self.objectives) + [
            c.metric for c in self.constraints if c.metric not in self.objectives
        ]

    @property
    def objective_thresholds(self) -> list[Constraint]:
        """Constraints Ax holds as objective thresholds (the hypervolume's reference point)."""
        return _ax.split_constraints(self.objectives, self.constraints)[0]

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
        if self._client is not None:
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
            self._event("warm_start_capped", kept=cap, given=len(items), reason=reason)
        self._warm = items[:cap]
        if self._auto_init:  # the transferred configs, then one quasi-random trial
            self.init_trials = len(self._warm) + 1
        from hpxplore.transfer import Recommendations, TransferMonitor

        if self.transfer == "prior" and isinstance(source, Recommendations):
            self.prior = source.prior
        narrowed = getattr(getattr(source, "narrowed", None), "space", None)
        if narrow and narrowed is not None:
            self._narrow(narrowed, source.narrowed.rationale)
        primary, direction = next(iter(self.objectives.items()))
        self._monitor = TransferMonitor(
            primary,
            direction,
            list(getattr(source, "surrogates", []) or []),
            list(getattr(source, "similarities", []) or []),
        )
        return self

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
        self.full_space, self.space = self.space, box
        self._event(
            "space_narrowed", rationale=rationale, space={n: p.to_dict() for n, p in box.items()}
        )

    def _event(self, kind: str, **details: Any) -> None:
        self.events.append({"event": kind, **jsonable(details)})

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
                self._event("listener_failed", trial=index, error=f"{type(exc).__name__}: {exc}")

    def _ensure_started(self) -> Any:
        if self._client is not None:
            return self._client
        settings = _ax.AxSettings(
            self.name, self.init_trials, len(self._warm), self.seed, self.method
        )
        self._client = _ax.make_client(settings, self.space, self.objectives, self.constraints)
        if self.prior is not None:
            self._start_prior(settings)
        if self.registry is not None:
            self.registry.begin_study(
                self.name,
                self.profile,
                self.full_space or self.space,
                self.objectives,
                constraints=self.constraints,
                provenance={**self.provenance, "seed": self.seed},
                settings={
                    "init_trials": self.init_trials,
                    "warm_share": self.warm_share,
                    "method": self.method,
                    "seed": self.seed,
                    "warm_count": len(self._warm),
                    "transfer": self.transfer,
                    "prior": [[s.study, s.similarity] for s in self.prior.sources]
                    if self.prior
                    else [],
                },
            )
        for rank, item in enumerate(self._warm):
            index = self._client.attach_trial(
                _ax.to_ax_config(self.space, item["config"]), arm_name=f"transferred_{rank}"
            )
            self._add_record(
                index,
                item["config"],
                "transferred",
                0.0,
                recommendation_id=item.get("recommendation_id"),
                kind=item.get("kind"),
            )
        self._save_snapshot(force=True)
        return self._client

    def _add_record(
        self, index: int, config: Mapping[str, Any], origin: str, gen_s: float, **extra: Any
    ) -> None:
        self._records[index] = {
            "trial_index": index,
            "config": dict(config),
            "metrics": {},
            "sems": {},
            "status": "running",
            "origin": origin,
            "error": None,
            "gen_s": gen_s,
            "eval_s": None,
            **{k: v for k, v in extra.items() if v is not None},
        }
        self._queue.append(index)
        self._persist(index)

    def _persist(self, index: int) -> None:
        if self.registry is None:
            return
        r = self._records[index]
        self.registry.save_trial(
            self.name,
            TrialData(index, r["config"], r["metrics"], r["status"], r["origin"], r["error"]),
            sems=r["sems"] or None,
            extra={k: r[k] for k in ("gen_s", "eval_s", "recommendation_id", "kind") if k in r},
        )

    def _save_snapshot(self, *, force: bool = False) -> None:
        """Save Ax's snapshot, at most once per ``_SNAPSHOT_EVERY`` times its own cost.

        Ax's snapshot serializes the whole experiment and generation strategy (0.23 s at
        15 trials here, growing with trials), so saving it after every trial would cost
        more than the 5 % of Ax's generation time we allow. Every trial is saved to the
        registry at once, and :meth:`load` brings a stale snapshot up to date from there.
        """
        if self.registry is None or self._client is None:
            return
        now = time.monotonic()
        if not force and now - self._snapshot_at < max(
            _SNAPSHOT_MIN_S, _SNAPSHOT_EVERY * self._snapshot_cost
        ):
            return
        self.registry.save_snapshot(self.name, _ax.snapshot(self._client))
        self._snapshot_at = time.monotonic()
        self._snapshot_cost = self._snapshot_at - now

    def _generate(self, count: int) -> list[int]:
        """Ask Ax for up to ``count`` new trials at once (one batch)."""
        client = self._ensure_started()
        done = sum(r["status"] == "completed" for r in self._records.values())
        if len(self.objectives) > 1 and done >= self.init_trials:  # a model trial is next
            announce_build()
        start = time.perf_counter()
        batch = client.get_next_trials(max_trials=count)
        gen_s = (time.perf_counter() - start) / max(1, len(batch))
        for index, params in batch.items():
            node = _node_name(client, index)
            origin = "quasi-random" if node in _QUASI_RANDOM_NODES else "model"
            self._add_record(
                index, _ax.from_ax_config(self.space, params), origin, gen_s, node=node
            )
        if batch:
            self._save_snapshot()
        self._log_prior_weights()
        return list(batch)

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
        """
        from hpxplore.study._runner import Runner

        return Runner(
            self,
            evaluate,
            n_trials,
            executor=executor,
            max_parallel=max_parallel,
            trial_timeout=trial_timeout,
            budget=budget,
            early_stopping=early_stopping,
            progress=progress,
        ).run()

    @classmethod
    def load(cls, name: str, registry: Registry) -> Study:
        """Reopen a study saved in ``registry`` (after a crash, a restart, another day).

        Completed and failed trials stay as they were; trials that were generated or
        running when the process stopped are evaluated again by the next ``run``.
        """
        record = registry.study(name)
        settings, snapshot = registry.run_state(name)
        if snapshot is None:
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
        if settings.get("transfer") == "prior" and settings.get("prior"):
            from hpxplore.study._prior_model import model_class

            model_class()  # Ax's storage must know the model before it reads the snapshot
        study._client = _ax.client_from_snapshot(snapshot)
        if removed:  # a study saved with Ax's multi-task GP goes on with Ax's own model
            _ax.restore_default_strategy(study._client, study.init_trials, study.seed, study.method)
            study._event("transfer_off", reason="transfer='multitask' was removed from hpxplore")
        if settings.get("transfer") == "prior" and settings.get("prior"):
            study._restore_prior(settings["prior"])
        for row in record.trials.to_dict("records"):
            index = int(row["trial_index"])
            metrics = {m: row[m] for m in record.objectives if m in row and not _is_nan(row[m])}
            extra_metrics = {
                k: v
                for k, v in row.items()
                if k not in record.space
                and k not in ("trial_index", "status", "origin", "error", "created_at")
                and not k.endswith("_sem")
                and not _is_nan(v)
                and v is not None
            }
            study._records[index] = {
                "trial_index": index,
                "config": {p: row[p] for p in record.space if not _is_nan(row[p])},
                "metrics": {**extra_metrics, **metrics},
                "sems": {
                    k[:-4]: v for k, v in row.items() if k.endswith("_sem") and not _is_nan(v)
                },
                "status": row["status"],
                "origin": row["origin"],
                "error": None if _is_nan(row["error"]) else row["error"],
                "gen_s": None,
                "eval_s": None,
            }
        for index, extra in registry.trial_extras(name).items():
            if index in study._records:
                study._records[index].update({k: v for k, v in extra.items() if v is not None})
        outcomes = registry.outcomes()
        if not outcomes.empty:
            mine = outcomes[outcomes["study"] == name]["recommendation_id"].dropna()
            study._outcomes_recorded = {int(i) for i in mine}
        study._reconcile()
        study._event("resumed", requeued=list(study._queue))
        return study

    def _reconcile(self) -> None:
        """Bring Ax's (possibly older) snapshot up to date with the registry's trials.

        Trials finished after the last snapshot are given to Ax again; trials that were
        running when the process stopped are queued to be evaluated again.
        """
        client = self._client
        trials = client._experiment.trials
        for index in sorted(self._records):
            record = self._records[index]
            if index not in trials:
                if record["status"] == "running":
                    del self._records[index]  # generated after the snapshot: Ax makes it anew
                    continue
                attached = client.attach_trial(_ax.to_ax_config(self.space, record["config"]))
                if attached != index:
                    raise HpxploreError(
                        f"Study {self.name!r}: the registry's trial {index} became Ax trial "
                        f"{attached} on resume.",
                        "The registry and the Ax snapshot disagree; start a new study and "
                        "warm_start it from this one.",
                    )
            ax_status = trials[index].status.name
            if record["status"] == "completed" and ax_status != "COMPLETED":
                raw = {m: record["metrics"][m] for m in self.metrics if m in record["metrics"]}
                client.complete_trial(index, raw_data=raw)
            elif record["status"] == "failed" and ax_status != "FAILED":
                client.mark_trial_failed(index, failed_reason=record["error"])
            elif record["status"] == "early_stopped" and ax_status != "EARLY_STOPPED":
                client.mark_trial_early_stopped(index)
            elif record["status"] == "running":
                self._queue.append(index)

    # -- results --------------------------------------------------------------------------
    @property
    def trials(self) -> pd.DataFrame:
        """One row per trial: config, metrics, status, origin, generation and evaluation time."""
        rows = []
        for r in sorted(self._records.values(), key=lambda r: r["trial_index"]):
            row = {"trial_index": r["trial_index"], **r["config"], **r["metrics"]}
            row.update({f"{m}_sem": s for m, s in r["sems"].items()})
            row.update(
                status=r["status"],
                origin=r["origin"],
                error=r["error"],
                gen_s=r["gen_s"],
                eval_s=r["eval_s"],
            )
            rows.append(row)
        columns = [
            "trial_index",
            *self.space,
            *self.metrics,
            "status",
            "origin",
            "error",
            "gen_s",
            "eval_s",
        ]
        frame = pd.DataFrame(rows) if rows else pd.DataFrame(columns=columns)
        for column in columns:
            if column not in frame:
                frame[column] = None
        frame = frame[columns + [c for c in frame.columns if c not in columns]]
        frame["feasible"] = feasible_mask(frame, self.constraints) if len(frame) else []
        return frame

    def pareto_frontier(self, *, use_model_predictions: bool = False) -> pd.DataFrame:
        """Feasible non-dominated trials (observed values by default).

        ``use_model_predictions=True`` asks Ax's model (a refit: seconds), cached until the
        next trial completes.
        """
        if len(self.objectives) == 1:
            metric = next(iter(self.objectives))
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
        done = sum(r["status"] == "completed" for r in self._records.values())
        if self._frontier_cache and self._frontier_cache[0] == done:
            return self._frontier_cache[1]
        client = self._ensure_started()
        rows = []
        for params, prediction, index, _arm in client.get_pareto_frontier(
            use_model_predictions=True
        ):
            row = {"trial_index": index, **_ax.from_ax_config(self.space, params)}
            for metric, value in prediction.items():
                mean, sem = value if isinstance(value, tuple) else (value, float("nan"))
                row[metric], row[f"{metric}_sem"] = mean, sem
            rows.append(row)
        frame = pd.DataFrame(rows)
        self._frontier_cache = (done, frame)
        return frame

    def sensitivity(self) -> pd.DataFrame:
        """Sobol indices of each objective: ``metric, parameter, first_order, total_order``.

        Computed on Ax's surrogate (a refit: seconds) and cached until the next trial
        completes; choice parameters are aggregated back from their one-hot columns.
        """
        done = sum(r["status"] == "completed" for r in self._records.values())
        if done < 2:
            raise HpxploreError(
                f"Sensitivity needs a fitted model: study {self.name!r} has {done} completed trial(s).",
                "Run a few trials first (study.run).",
            )
        if self._sensitivity_cache and self._sensitivity_cache[0] == done:
            return self._sensitivity_cache[1]
        from hpxplore.study._sensitivity import sobol_indices

        frame = sobol_indices(self._ensure_started(), self.space, list(self.objectives))
        self._sensitivity_cache = (done, frame)
        return frame

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
        front = pareto_front(self.trials, self.objectives, self.constraints)
        if front.empty:
            raise HpxploreError(
                self._nothing_feasible(), "Run more trials (study.run), or relax the constraints."
            )
        return front.iloc[0]

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
        counts = pd.Series([r["status"] for r in self._records.values()]).value_counts().to_dict()
        return f"Study({self.name!r}, objectives={self.objectives}, trials={counts or 0})"


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _node_name(client: Any, index: int) -> str | None:
    trial = client._experiment.trials[index]
    runs = trial.generator_runs
    if not runs:
        return None
    run = runs[0]
    return getattr(run, "_generation_node_name", None) or getattr(run, "generation_node_name", None)
