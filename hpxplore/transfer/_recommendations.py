"""Recommendations: the ranked, explained configurations, and the user's decisions on them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from hpxplore.exceptions import HpxploreError, InputError
from hpxplore.profiling import TaskProfile
from hpxplore.transfer._prior import TransferPrior
from hpxplore.transfer._rationale import source_label, summary

__all__ = ["KINDS", "Recommendation", "Recommendations"]

KINDS = ("generated", "conservative", "trade-off", "aggressive", "exploratory", "baseline")


@dataclass
class Recommendation:
    """One transferred (or baseline) configuration and every fact behind it."""

    rank: int
    kind: str
    config: dict[str, Any]
    sources: list[dict[str, Any]]  # [{"study", "trial_index", "similarity"}]
    projected: dict[str, dict[str, float]]  # metric -> {"mean", "low", "high"}
    gain: dict[str, dict[str, float]]  # metric -> {"mean", "low", "high"} over the baseline
    support: float  # share of neighbours on which it is predicted in their top quarter
    guardrails: dict[str, dict[str, Any]]  # name -> {"passed": bool, "detail": str}
    drivers: list[str]  # the meta-features that made the source study close
    rationale: str
    mapping: dict[str, Any] = field(default_factory=dict)  # clipped / filled / dropped
    id: int | None = None
    decision: str | None = None
    reason: str = ""
    registry_rank: float | None = None  # the registry model's predicted rank here (1 = best)

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
            "registry_rank": self.registry_rank,
        }


class Recommendations:
    """The list ``recommend`` returns: inspect ``table``, then ``accept`` / ``reject``.

    Decisions are stored in the registry's audit log at once (with time and user), and
    ``Study.warm_start(recs)`` takes the accepted ones in rank order (all but the rejected
    ones if nothing was accepted).
    """

    def __init__(
        self,
        profile: TaskProfile,
        items: list[Recommendation],
        neighbours: pd.DataFrame,
        registry: Any,
        *,
        cold_start: bool,
        reason: str,
    ) -> None:
        self.profile, self.items, self.neighbours = profile, items, neighbours
        self.registry, self.cold_start, self.reason = registry, cold_start, reason
        self.narrowed: Any = None  # a NarrowedSpace when the neighbours are close enough
        self.surrogates: list[Any] = []  # the neighbours' fitted models, for the monitor
        self.similarities: list[float] = []
        self.registry_model: Any = None  # the RegistryModel that ranked them, if one was fitted
        self.coverage: dict[str, int] = {}  # per parameter: how many close studies set it
        self.prior: TransferPrior | None = None  # the prior studies' data for the run's model

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
                registry_rank=r.registry_rank,
                sources=", ".join(source_label(s) for s in r.sources),
                guardrails_tripped=[n for n, g in r.guardrails.items() if not g["passed"]],
                decision=r.decision,
                reason=r.reason,
                rationale=r.rationale,
            )
            rows.append(row)
        return pd.DataFrame(rows)

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
            raise HpxploreError(
                "This recommendation was not stored in a registry.",
                "Decide on recommendations that hpx.recommend(...) returned from a registry.",
            )
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
    def load(cls, registry: Any, profile: TaskProfile, batch: str | None = None) -> Recommendations:
        """The recommendations stored for ``profile``'s task (its latest batch by default),
        decisions included: reopen yesterday's board without recomputing anything."""
        task = profile.name
        stored = registry.recommendations(task=task)
        if stored.empty:
            raise HpxploreError(
                f"No recommendations for task {task!r} in the registry at {registry.url}.",
                "Run hpx.recommend(profile, registry, ...) first.",
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
                    int(row["rank"]),
                    row["kind"],
                    dict(row["config"]),
                    d.get("sources", []),
                    d.get("projected", {}),
                    d.get("gain", {}),
                    float(d.get("support", 0.0)),
                    d.get("guardrails", {}),
                    d.get("drivers", []),
                    d.get("rationale", ""),
                    d.get("mapping", {}),
                    id=int(row["id"]),
                    decision=_stored_text(row["decision"]),
                    reason=_stored_text(row["reason"]) or "",
                    registry_rank=d.get("registry_rank"),
                )
            )
        cold = len(items) == 1 and items[0].kind == "baseline"
        reason = "loaded from the registry" + (": cold start" if cold else "")
        return cls(profile, items, pd.DataFrame(), registry, cold_start=cold, reason=reason)

    def warm_start_items(self) -> list[Mapping[str, Any]]:
        """What ``Study.warm_start`` evaluates first: accepted ones, else all not rejected."""
        accepted = [r for r in self.items if r.decision == "accepted"]
        chosen = accepted or [r for r in self.items if r.decision != "rejected"]
        return [{"config": r.config, "recommendation_id": r.id, "kind": r.kind} for r in chosen]

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
