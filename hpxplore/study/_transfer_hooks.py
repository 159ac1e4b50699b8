"""The transfer side of a Study: the transfer prior, the monitor's verdicts, rollback
advice and the outcomes of transferred trials. Mixed into :class:`~hpxplore.study.Study`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hpxplore.study import _ax

__all__ = ["TransferHooks"]


class TransferHooks:
    """Methods of ``Study`` that carry transfer; they use the study's own state."""

    def _start_prior(self, settings: Any) -> None:
        """Ax's strategy with the transfer prior as the model of every metric."""
        from hpxplore.study._prior_model import prior_generation_strategy, register_prior

        register_prior(self.name, self.prior, _ax.log_scaled(self._client))
        self._client.set_generation_strategy(prior_generation_strategy(settings, self.name))
        self._event(
            "transfer_prior",
            studies=self.prior.studies,
            similarity=[round(s.similarity, 3) for s in self.prior.sources],
            trials=sum(len(s.configs) for s in self.prior.sources),
        )

    def _restore_prior(self, sources: list[list[Any]]) -> None:
        """Rebuild a resumed study's prior from the registry (Ax's snapshot names it only)."""
        from hpxplore.study._prior_model import register_prior
        from hpxplore.transfer._prior import transfer_prior

        records = [(self.registry.study(n), float(s)) for n, s in sources if n in self.registry]
        self.prior = transfer_prior(records, self.space, self.metrics, max_studies=len(sources))
        register_prior(self.name, self.prior, _ax.log_scaled(self._client))

    def _log_prior_weights(self) -> None:
        """One ``prior_weights`` event per model fit since the last: each study's weight."""
        if self.prior is None:
            return
        from hpxplore.study._prior_model import THIS_TASK

        for entry in self.prior.weights[self._weights_seen :]:
            ranked = sorted(entry["weights"].items(), key=lambda kv: -kv[1])
            self._event(
                "prior_weights",
                metric=entry["metric"],
                trials=entry["trials"],
                weights={name: round(w, 3) for name, w in ranked if w > 0},
                dropped=[name for name, w in ranked if w == 0 and name != THIS_TASK],
            )
        self._weights_seen = len(self.prior.weights)

    def _check_transfer(self) -> None:
        """After the initial design, let the monitor judge transfer; switch it off if it hurts."""
        if self._monitor is None or not self.transfer_active:
            return
        initial = [
            r for r in self._records.values() if r["origin"] in ("transferred", "quasi-random")
        ]
        if any(r["status"] == "running" for r in initial):
            return
        assessment = self._monitor.assess(self.trials)
        if "p_transferred_beats_quasi_random" not in assessment.evidence:
            return
        if self.prior is not None and self.prior.weights:
            assessment.evidence["prior_weights"] = self.prior.weights[-1]["weights"]
        if assessment.evidence.get("neighbours"):
            self._event("neighbour_weights", neighbours=assessment.evidence["neighbours"])
        if assessment.hurting:
            self._switch_transfer_off(assessment.evidence)
        else:
            self._monitor = None  # judged once the initial design is in: transfer stays on
            self._event("transfer_kept", evidence=assessment.evidence)

    def _switch_transfer_off(self, evidence: Mapping[str, Any]) -> None:
        client = self._client
        dropped = [i for i in self._queue if self._records[i]["origin"] == "transferred"]
        for index in dropped:
            client.mark_trial_abandoned(index)
            self._records[index].update(status="abandoned", error="transfer switched off")
            self._queue.remove(index)
            self._persist(index)
        if self.prior is not None:  # back to Ax's own model
            from hpxplore.study._prior_model import register_prior

            _ax.restore_default_strategy(client, self.init_trials, self.seed, self.method)
            register_prior(self.name, None)
            self.prior = None
        widened = None
        if self.full_space is not None:
            _ax.set_search_space(client, self.full_space)
            self.space, self.full_space, widened = self.full_space, None, True
        self.transfer_active = False
        self._monitor = None
        self._event(
            "transfer_off",
            reason="negative transfer: transferred trials do worse than "
            "quasi-random ones on this task",
            evidence=dict(evidence),
            abandoned=dropped,
            space_widened=bool(widened),
        )

    def _advise_rollback(self) -> None:
        """If a baseline trial was evaluated and nothing found beats it, say so."""
        metric, direction = next(iter(self.objectives.items()))
        trials = self.trials
        baseline = [
            r
            for r in self._records.values()
            if r.get("kind") == "baseline" and r["status"] == "completed"
        ]
        feasible = trials[trials["feasible"]]
        if not baseline or feasible.empty:
            return
        base = baseline[0]["metrics"][metric]
        best = feasible[metric].max() if direction == "maximize" else feasible[metric].min()
        worse = best < base if direction == "maximize" else best > base
        if worse or best == base:
            self._event(
                "rollback_advised",
                reason=f"no trial beats the proven baseline on {metric}",
                baseline=base,
                best=float(best),
                trial=baseline[0]["trial_index"],
            )

    def _record_transfer_outcomes(self) -> None:
        """Link each evaluated recommendation to what it gave on this task.

        A transferred trial *helped* when it beat the best quasi-random trial of the
        initial design on the first objective (the cold-start alternative it displaced).
        """
        metric, direction = next(iter(self.objectives.items()))
        sign = 1.0 if direction == "maximize" else -1.0
        done = [r for r in self._records.values() if r["status"] == "completed"]
        cold = [r["metrics"][metric] for r in done if r["origin"] == "quasi-random"]
        reference = (max if sign > 0 else min)(cold) if cold else None
        recorded = self.__dict__.setdefault("_outcomes_recorded", set())
        for r in self._records.values():
            rec_id = r.get("recommendation_id")
            if rec_id is None or r["status"] == "running" or rec_id in recorded:
                continue
            value = r["metrics"].get(metric) if r["status"] == "completed" else None
            outcome: dict[str, Any] = {
                "status": r["status"],
                "kind": r.get("kind"),
                "metric": metric,
                "value": value,
                "error": r["error"],
            }
            if value is not None and reference is not None:
                outcome.update(
                    reference=reference,
                    gain=sign * (value - reference),
                    helped=sign * (value - reference) > 0,
                )
            elif r["status"] != "completed":
                outcome.update(helped=False)
            self.registry.record_outcome(
                self.name, outcome, recommendation_id=rec_id, trial_index=r["trial_index"]
            )
            recorded.add(rec_id)
        ids = [r["recommendation_id"] for r in self._records.values() if r.get("recommendation_id")]
        if ids:
            self.registry.link_recommendations(ids, self.name)
