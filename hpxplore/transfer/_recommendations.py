"""Recommendations: the ranked, explained configurations, and the user's decisions on them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hpxplore.exceptions import HpxploreError, InputError
from hpxplore.pareto import pareto_front
from hpxplore.profiling import TaskProfile
from hpxplore.registry._store import Store
from hpxplore.transfer._guardrails import tripped, unchecked
from hpxplore.transfer._narrowing import NarrowedSpace
from hpxplore.transfer._prior import TransferPrior
from hpxplore.transfer._prior_model import PriorModel
from hpxplore.transfer._rationale import source_label, summary
from hpxplore.transfer._state import TransferState
from hpxplore.transfer._surrogates import StudySurrogate

if TYPE_CHECKING:
    from hpxplore.registry import Registry

__all__ = ["KINDS", "Recommendation", "Recommendations"]

KINDS = ("generated", "conservative", "trade-off", "aggressive", "exploratory", "baseline")


@dataclass(kw_only=True)
class Recommendation:
    """One transferred (or baseline) configuration and every fact behind it."""

    rank: int  # its position in the list (0 = first)
    kind: str  # one of KINDS
    config: dict[str, Any]
    rationale: str
    sources: list[dict[str, Any]] = field(default_factory=list)  # [{"study", "trial_index", ...}]
    projected: dict[str, dict[str, float]] = field(default_factory=dict)  # metric -> mean/low/high
    gain: dict[str, dict[str, float]] = field(default_factory=dict)  # the same, over the baseline
    support: float = 0.0  # share of neighbours on which it is predicted in their top quarter
    guardrails: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> passed, detail
    drivers: list[str] = field(default_factory=list)  # meta-features that made the source close
    mapping: dict[str, Any] = field(default_factory=dict)  # clipped / filled / dropped
    # the prior model on it: expected quantile among a similar study's trials (1 = the best),
    # its 95 % interval, and its chance of beating the best observed candidate
    expected: dict[str, float] = field(default_factory=dict)
    objectives: dict[str, str] = field(default_factory=dict)  # the task's, with directions
    id: int | None = None  # its id in the registry's audit log, once saved
    decision: str | None = None
    reason: str = ""

    @property
    def feasibility(self) -> float | None:
        """The chance it meets every constraint and budget cap the close studies measured,
        from its projections (the guardrails' chances, taken as independent); ``None`` with
        nothing to meet."""
        chances = [g["probability"] for g in self.guardrails.values() if "probability" in g]
        return float(np.prod(chances)) if chances else None

    @property
    def summary(self) -> str:
        """One plain sentence: what it is, where it comes from, why (what a card leads with)."""
        return summary(self)

    def to_item(self) -> dict[str, Any]:
        """The JSON record the registry stores."""
        return {
            "config": self.config,
            "kind": self.kind,
            "sources": self.sources,
            "projected": self.projected,
            "gain": self.gain,
            "support": self.support,
            "guardrails": self.guardrails,
            "drivers": self.drivers,
            "rationale": self.rationale,
            "mapping": self.mapping,
            "expected": self.expected,
            "objectives": self.objectives,
        }


class Recommendations:
    """The list ``recommend`` returns: inspect ``table``, then ``accept`` / ``reject``.

    ``recommend`` only reads the registry. The recommendations are written to its audit
    log when they are used: ``accept`` / ``reject`` (the decision too, with time and
    user), ``Study.warm_start(recs)``, or ``save()``. ``Study.warm_start(recs)`` takes the
    accepted ones in rank order (all but the rejected ones if nothing was accepted).
    ``transfer`` holds what the warm-started Study goes on using (:class:`TransferState`).
    """

    def __init__(
        self,
        profile: TaskProfile,
        items: list[Recommendation],
        neighbours: pd.DataFrame,
        registry: Registry | None,
        *,
        cold_start: bool,
        reason: str,
        transfer: TransferState,
        batch: str | None = None,
    ) -> None:
        self.profile, self.items, self.neighbours = profile, items, neighbours
        self.registry, self.cold_start, self.reason = registry, cold_start, reason
        self.transfer = transfer
        self.batch = batch  # set once saved

    @property
    def narrowed(self) -> NarrowedSpace:
        """A smaller space around the neighbours' best configs (``.space`` None: not advised)."""
        return self.transfer.narrowed

    @property
    def coverage(self) -> dict[str, int]:
        """Per parameter: how many close studies set it."""
        return self.transfer.coverage

    @property
    def thresholds(self) -> dict[str, float]:
        """Several objectives: each one's hypervolume reference inferred from the close
        studies' fronts (where the user gave none); a warm-started Study hands them to Ax.
        Override one by giving a constraint on that objective."""
        return dict(self.transfer.thresholds)

    def neighbour_fronts(self) -> dict[str, pd.DataFrame]:
        """Each close study's Pareto-optimal trials on the task's objectives (those that met
        the constraints it measured): what the recommendations chart draws the picks over."""
        objectives = next((r.objectives for r in self.items if r.objectives), {})
        if self.registry is None or len(objectives) < 2:
            return {}
        names = [n for n, _ in self.transfer.neighbours if n in self.registry]
        fronts = {}
        for record in self.registry.records(names):
            if all(m in record.trials for m in objectives):
                guards = [c for c in record.constraints if c.metric in record.trials]
                fronts[record.name] = pareto_front(record.trials, objectives, guards)
        return fronts

    @property
    def prior(self) -> TransferPrior | None:
        """The prior studies' data: a warm-started Study's judge for the whole run, and with
        one objective the mean of Ax's model."""
        return self.transfer.prior

    @property
    def prior_model(self) -> PriorModel | None:
        """The one model of the prior studies, which ordered these picks."""
        return self.transfer.prior_model

    @property
    def surrogates(self) -> list[StudySurrogate]:
        """The close studies' fitted models (the projections in the metrics' units)."""
        return self.transfer.surrogates

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Recommendation]:
        return iter(self.items)

    def __getitem__(self, index: int) -> Recommendation:
        return self.items[index]

    @property
    def table(self) -> pd.DataFrame:
        """One row per recommendation: kind, config, projections, gain, guardrails, decision."""
        rows = []
        for r in self.items:
            row: dict[str, Any] = {"rank": r.rank, "kind": r.kind, **r.config}
            for metric, p in r.projected.items():
                row[f"{metric}_projected"] = p["mean"]
                row[f"{metric}_low"], row[f"{metric}_high"] = p["low"], p["high"]
            for metric, g in r.gain.items():
                row[f"{metric}_gain"] = g["mean"]
            row.update(
                support=r.support,
                expected_quantile=r.expected.get("quantile"),
                sources=", ".join(source_label(s) for s in r.sources),
                guardrails_tripped=tripped(r.guardrails),
                guardrails_unchecked=unchecked(r.guardrails),
                decision=r.decision,
                reason=r.reason,
                rationale=r.rationale,
            )
            rows.append(row)
        return pd.DataFrame(rows)

    def save(self) -> Recommendations:
        """Write these recommendations (those not yet written) to the registry's audit log,
        with what ``recommend`` modelled; each gets its ``id``. Returns ``self``."""
        if self.registry is None:
            raise HpxploreError(
                "These recommendations have no registry to be saved to.",
                "Make them with hpx.recommend(profile, registry, ...).",
            )
        new = [r for r in self.items if r.id is None]
        if new:
            ids = Store(self.registry).add_recommendations(
                self.profile, [r.to_item() | {"rank": r.rank} for r in new], self.transfer.to_json()
            )
            for item, rec_id in zip(new, ids, strict=True):
                item.id = rec_id
        return self

    def _decide(self, index: int, decision: str, reason: str, user: str | None) -> Recommendation:
        if (
            isinstance(index, bool)
            or not isinstance(index, int)
            or not 0 <= index < len(self.items)
        ):
            raise InputError(
                f"No recommendation {index!r}: there are {len(self.items)} (0 to {len(self.items) - 1}).",
                "Pick a rank from recs.table.",
            )
        item = self.items[index]
        if item.id is None:
            self.save()
        self.registry.decide(item.id, decision, reason=reason, user=user)
        item.decision, item.reason = decision, str(reason or "")
        return item

    def accept(self, index: int, *, reason: str = "", user: str | None = None) -> Recommendation:
        """Accept recommendation ``index`` (its rank); stored in the registry's audit log."""
        return self._decide(index, "accepted", reason, user)

    def reject(self, index: int, *, reason: str = "", user: str | None = None) -> Recommendation:
        """Reject recommendation ``index``, ideally saying why."""
        return self._decide(index, "rejected", reason, user)

    def refresh(self) -> Recommendations:
        """Read the latest decisions on these recommendations back from the registry."""
        ids = {r.id: r for r in self.items if r.id is not None}
        if not ids:
            return self
        stored = self.registry.recommendations(task=self.profile.name)
        for row in stored[stored["id"].isin(list(ids))].to_dict("records"):
            item = ids[int(row["id"])]
            item.decision = _stored_text(row["decision"])
            item.reason = _stored_text(row["reason"]) or ""
        return self

    @classmethod
    def load(
        cls, registry: Registry, profile: TaskProfile, batch: str | None = None
    ) -> Recommendations:
        """The recommendations stored for ``profile``'s task (its latest batch by default),
        decisions included: reopen yesterday's board without recomputing anything."""
        task = profile.name
        stored = registry.recommendations(task=task)
        if stored.empty:
            raise HpxploreError(
                f"No saved recommendations for task {task!r} in the registry at {registry.url}.",
                "recommend() only reads the registry: save its result with recs.save() "
                "(accept, reject and Study.warm_start(recs) save it too).",
            )
        batch = batch or stored["batch"].iloc[-1]
        rows = stored[stored["batch"] == batch].sort_values("rank")
        if rows.empty:
            raise InputError(
                f"No batch {batch!r} for task {task!r}.", "See registry.recommendations(task=...)."
            )
        items = []
        for row in rows.to_dict("records"):
            d = row["details"]
            items.append(
                Recommendation(
                    rank=int(row["rank"]),
                    kind=row["kind"],
                    config=dict(row["config"]),
                    rationale=d.get("rationale", ""),
                    sources=d.get("sources", []),
                    projected=d.get("projected", {}),
                    gain=d.get("gain", {}),
                    support=float(d.get("support", 0.0)),
                    guardrails=d.get("guardrails", {}),
                    drivers=d.get("drivers", []),
                    mapping=d.get("mapping", {}),
                    expected=d.get("expected") or {},
                    objectives=d.get("objectives") or {},
                    id=int(row["id"]),
                    decision=_stored_text(row["decision"]),
                    reason=_stored_text(row["reason"]) or "",
                )
            )
        cold = len(items) == 1 and items[0].kind == "baseline"
        reason = "loaded from the registry" + (": cold start" if cold else "")
        context = Store(registry).batch_context(batch)
        transfer = (
            TransferState.from_json(context, profile, registry)
            if context is not None
            else TransferState(  # a batch saved before its transfer state was stored
                profile,
                {},
                {},
                narrowed=NarrowedSpace(None, "Not narrowed: this batch was saved without it."),
                registry=registry,
            )
        )
        return cls(
            profile,
            items,
            pd.DataFrame(),
            registry,
            cold_start=cold,
            reason=reason,
            transfer=transfer,
            batch=batch,
        )

    def warm_start_items(self) -> list[Mapping[str, Any]]:
        """What ``Study.warm_start`` evaluates first: accepted ones, else all not rejected."""
        accepted = [r for r in self.items if r.decision == "accepted"]
        chosen = accepted or [r for r in self.items if r.decision != "rejected"]
        return [
            {"config": r.config, "recommendation_id": r.id, "recommendation_kind": r.kind}
            for r in chosen
        ]

    def __repr__(self) -> str:
        state = (
            f"cold start: {self.reason}"
            if self.cold_start
            else f"{len(self.items)} recommendations"
        )
        return f"Recommendations({self.profile.name!r}, {state})"


def _stored_text(value: Any) -> str | None:
    """A decision or reason read back from the registry: None when there is none (not NaN)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    return str(value)
