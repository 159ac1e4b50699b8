"""How a Study uses transfer: the model of the prior studies as the mean of Ax's GP (one
objective; with several, Ax's own model steers: the prior in it measured no better), the one
negative-transfer decision that model's weights make after every trial (transfer off when
the prior studies lose their weight on every objective and constrained metric), rollback
advice, and the outcomes of the transferred trials written back to the registry's audit log."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hpxplore.objectives import Constraint, primary
from hpxplore.pareto import best
from hpxplore.space import Space
from hpxplore.study._events import EventLog
from hpxplore.study._session import AxSession
from hpxplore.study._trial_log import TrialLog

if TYPE_CHECKING:
    from hpxplore.registry import Registry
    from hpxplore.registry._store import Store
    from hpxplore.study._ax import AxSettings
    from hpxplore.study._prior_gp import PriorHandle
    from hpxplore.transfer._prior import TransferPrior
    from hpxplore.transfer._prior_model import PriorModel
    from hpxplore.transfer._state import TransferState

__all__ = ["TransferPolicy"]


class TransferPolicy:
    """The transfer side of one study; ``active`` until the model's weights switch it off."""

    def __init__(
        self,
        name: str,
        objectives: Mapping[str, str],
        events: EventLog,
        constraints: Sequence[Constraint] = (),
    ) -> None:
        self.name, self.objectives, self.events = name, dict(objectives), events
        self.constraints = list(constraints)
        self.prior: TransferPrior | None = None  # the prior studies in Ax's model
        self.model: PriorModel | None = None  # their model: Ax's prior mean and the guard
        self._handle: PriorHandle | None = None  # the model as this study's Ax models read it
        self.active = True
        self._judged = 0  # completed trials at the last verdict
        self.full_space: Space | None = None  # the whole space, while a narrowed one is searched
        self.recorded: set[int] = set()  # recommendations whose outcome is in the audit log

    def adopt(self, state: TransferState | None, *, use_prior: bool) -> None:
        """Take what ``recommend`` learned (``None``: plain configs, nothing to judge with):
        its model of the prior studies judges transfer; with ``use_prior`` and one objective
        it is also the mean of Ax's GP."""
        self.model = None if state is None else state.prior_model
        if self.model is not None and use_prior and self._prior_in_ax:
            self.prior = self.model.prior

    @property
    def _prior_in_ax(self) -> bool:
        """The prior studies steer Ax's model with one objective. With several, inside
        Ax's model they measured no better than the seeds alone at a higher cost
        (docs/benchmarks.md): they pick the trade-offs and judge, Ax's own model steers."""
        return len(self.objectives) == 1

    # -- the prior in Ax's model ----------------------------------------------------------
    def start(self, session: AxSession, settings: AxSettings) -> None:
        """Ax's strategy with the transfer prior as the model of every metric (one
        objective; with several, Ax's own strategy, the prior studies judging)."""
        if self.prior is None:
            if self.model is not None:
                self._announce(self.model.prior, in_model=False)
            return
        from hpxplore.study._prior_gp import PriorHandle, prior_generation_strategy

        self._handle = PriorHandle(self._model(), session.log_scaled())
        session.use_strategy(prior_generation_strategy(settings, self._handle))
        self._announce(self.prior, in_model=True)

    def _announce(self, prior: TransferPrior, *, in_model: bool) -> None:
        """The ``transfer_prior`` event: which studies, and whether they are in Ax's model."""
        self.events.add(
            "transfer_prior",
            studies=prior.studies,
            similarity=[round(s.similarity, 3) for s in prior.sources],
            trials=sum(len(s.configs) for s in prior.sources),
            in_model=in_model,
        )

    def rebuild(
        self,
        registry: Registry,
        sources: Sequence[Sequence[Any]],
        space: Space,
        metrics: Sequence[str],
    ) -> None:
        """Rebuild a resumed study's prior studies from the registry (stored by name only):
        its model judges transfer, and with one objective is Ax's prior mean again."""
        from hpxplore.transfer._prior import rebuild_prior
        from hpxplore.transfer._prior_model import PriorModel

        prior = rebuild_prior(registry, sources, space, metrics)
        self.model = None if prior is None else PriorModel(prior)
        self.prior = prior if self._prior_in_ax else None

    def _model(self) -> PriorModel:
        from hpxplore.transfer._prior_model import PriorModel

        if self.model is None or self.model.prior is not self.prior:
            self.model = PriorModel(self.prior)
        return self.model

    def attach_to(self, session: AxSession) -> None:
        """Let the strategy of a session read from Ax's snapshot use this study's prior."""
        if self.prior is None:
            return
        from hpxplore.study._prior_gp import PriorHandle, point_to

        self._handle = PriorHandle(self._model(), session.log_scaled())
        point_to(session.strategy, self._handle)
        session.cap_optimizer()

    def settings(self) -> list[list[Any]]:
        """The prior's studies as stored with the study: (name, similarity) pairs."""
        prior = self.model.prior if self.model is not None else self.prior
        return [[s.study, s.similarity] for s in prior.sources] if prior else []

    def _log_weights(self, trials: int, weights: Mapping[str, Mapping[str, float]]) -> None:
        """One ``prior_weights`` event per judged metric: each study's weight now."""
        from hpxplore.transfer._prior_model import THIS_TASK

        for metric, entry in weights.items():
            ranked = sorted(entry.items(), key=lambda kv: -kv[1])
            self.events.add(
                "prior_weights",
                metric=metric,
                trials=trials,
                weights={name: round(w, 3) for name, w in ranked if w > 0},
                dropped=[name for name, w in ranked if w == 0 and name != THIS_TASK],
            )

    # -- the negative-transfer decision ---------------------------------------------------
    def check(
        self, session: AxSession, log: TrialLog, trials: pd.DataFrame, default: Mapping[str, Any]
    ) -> Space | None:
        """After each completed trial, let the model's weights decide whether transfer still
        helps; switch it off when they say not. ``default``: Ax's own strategy
        (``init_budget``, ``seed``, ``method``) to go back to. Returns the widened space when
        a narrowed one is given up."""
        if self.model is None or not self.active:
            return None
        done = trials[trials["status"] == "completed"].dropna(subset=list(self.objectives))
        if len(done) == self._judged:
            return None
        self._judged = len(done)
        space = list(self.model.space)
        configs = done[space].to_dict("records")
        judged = [*self.objectives, *(c.metric for c in self.constraints)]  # feasibility counts
        values = {
            m: v
            for m in dict.fromkeys(judged)
            if m in done and not np.isnan(v := pd.to_numeric(done[m]).to_numpy(float)).any()
        }
        verdict = self.model.verdict(list(values), configs, values, seed=len(done))
        self._log_weights(verdict.trials, verdict.weights)
        if not verdict.off:
            return None
        evidence = {
            "trials": verdict.trials,
            "prior_share": verdict.shares,
            "threshold": verdict.threshold,
        }
        return self._switch_off(
            session, log, evidence, default, "negative transfer: " + verdict.reason
        )

    def _switch_off(
        self,
        session: AxSession,
        log: TrialLog,
        evidence: Mapping[str, Any],
        default: Mapping[str, Any],
        reason: str = "negative transfer",
    ) -> Space | None:
        dropped = [i for i in log.queue if log[i].origin == "transferred"]
        for index in dropped:
            session.abandon(index)
            log[index].status, log[index].error = "abandoned", "transfer switched off"
            log.queue.remove(index)
            log.save(index)
        if self.prior is not None:  # back to Ax's own model
            session.restore_default_strategy(**default)
            self.prior, self._handle = None, None
        widened, self.full_space = self.full_space, None
        if widened is not None:
            session.set_space(widened)
        self.active = False
        self.events.add(
            "transfer_off",
            reason=reason,
            evidence=dict(evidence),
            abandoned=dropped,
            space_widened=widened is not None,
        )
        return widened

    # -- after a run ----------------------------------------------------------------------
    def advise_rollback(self, log: TrialLog, trials: pd.DataFrame) -> None:
        """If a baseline trial was evaluated and no feasible trial beats it on any objective
        (with several: not even a trade-off improves on it), say so."""
        metric, _ = primary(self.objectives)
        baseline = [
            t
            for t in log.with_status("completed")
            if t.recommendation_kind == "baseline"
            and all(t.metrics.get(m) is not None for m in self.objectives)
        ]
        top = best(trials[trials["feasible"]], self.objectives)
        if not baseline or top is None:
            return
        others = trials[trials["feasible"] & (trials["trial_index"] != baseline[0].trial_index)]
        beats = False
        for m, d in self.objectives.items():
            values, base = pd.to_numeric(others[m]), baseline[0].metrics[m]
            beats |= bool((values > base if d == "maximize" else values < base).any())
        base, found = baseline[0].metrics[metric], float(top[metric])
        if not beats:
            self.events.add(
                "rollback_advised",
                reason=f"no trial beats the proven baseline on {', '.join(self.objectives)}",
                baseline=base,
                best=found,
                trial=baseline[0].trial_index,
            )

    def record_outcomes(self, store: Store, log: TrialLog) -> None:
        """Link each evaluated recommendation to what it gave on this task
        (:func:`~hpxplore.transfer._outcomes.transfer_outcomes`)."""
        from hpxplore.transfer._outcomes import transfer_outcomes

        judged = transfer_outcomes(log, self.objectives, self.constraints, skip=self.recorded)
        for rec_id, index, outcome in judged:
            store.record_outcome(self.name, outcome, recommendation_id=rec_id, trial_index=index)
            self.recorded.add(rec_id)
        ids = [t.recommendation_id for t in log if t.recommendation_id is not None]
        if ids:
            store.link_recommendations(ids, self.name)
