"""What ``recommend`` learned that a warm-started Study goes on using, as one typed value.

The neighbours' surrogates (projections), the model of the prior studies (the picks'
order, Ax's prior mean with one objective and the negative-transfer decision for the whole
run), the narrowed space and, with several objectives, the thresholds inferred from the
close studies' fronts. It is stored with its batch as plain JSON (study names,
similarities, the space), so a board reopened with ``Recommendations.load`` rebuilds the
models from the registry when they are first used.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hpxplore.profiling import TaskProfile
from hpxplore.space import Space, space_from_json, space_to_json
from hpxplore.transfer._narrowing import NarrowedSpace
from hpxplore.transfer._prior import TransferPrior, rebuild_prior
from hpxplore.transfer._prior_model import PriorModel
from hpxplore.transfer._surrogates import StudySurrogate, fitted_surrogate

if TYPE_CHECKING:
    from hpxplore.registry import Registry

__all__ = ["TransferState"]

_UNBUILT: Any = object()


@dataclass
class TransferState:
    """The transfer facts behind one batch of recommendations.

    ``neighbours`` are the close studies that were modelled (name, similarity), most
    similar first; ``prior_studies`` the studies of the transfer prior (name, similarity).
    """

    profile: TaskProfile
    space: Space
    modelled: dict[str, str]  # metric -> direction: the objectives, then guarded metrics
    seed: int = 0
    neighbours: list[tuple[str, float]] = field(default_factory=list)
    prior_studies: list[tuple[str, float]] = field(default_factory=list)
    prior_metrics: list[str] = field(default_factory=list)
    narrowed: NarrowedSpace = field(default_factory=lambda: NarrowedSpace(None, "Not narrowed."))
    coverage: dict[str, int] = field(
        default_factory=dict
    )  # per parameter: close studies that set it
    # several objectives: each one's hypervolume reference inferred from the close studies'
    # fronts (objectives the user gave a threshold for have none)
    thresholds: dict[str, float] = field(default_factory=dict)
    logged: list[str] = field(default_factory=list)  # capped metrics modelled in log units
    registry: Registry | None = field(default=None, repr=False)  # where the models are rebuilt from
    _surrogates: Any = field(default=_UNBUILT, repr=False)
    _prior: Any = field(default=_UNBUILT, repr=False)
    _prior_model: Any = field(default=None, repr=False)

    @property
    def similarities(self) -> list[float]:
        return [s for _, s in self.neighbours]

    @property
    def surrogates(self) -> list[StudySurrogate]:
        """One fitted surrogate per neighbour (in ``neighbours``' order)."""
        if self._surrogates is _UNBUILT:
            names = [
                n for n, _ in self.neighbours if self.registry is not None and n in self.registry
            ]
            records = self.registry.records(names) if names else []
            logged = frozenset(self.logged)
            fitted = [
                fitted_surrogate(r, self.space, self.modelled, self.seed, logged) for r in records
            ]
            self._surrogates = [s for s in fitted if s is not None]
        return self._surrogates

    @property
    def prior(self) -> TransferPrior | None:
        """The prior studies' trials as normal scores (what Ax's model starts from)."""
        if self._prior is _UNBUILT:
            self._prior = (
                rebuild_prior(self.registry, self.prior_studies, self.space, self.prior_metrics)
                if self.registry is not None and self.prior_studies
                else None
            )
        return self._prior

    @property
    def prior_model(self) -> PriorModel | None:
        """The one model of the prior studies (``_prior_model``): the picks were made with
        it, and a warm-started Study's GP and negative-transfer decision go on with it."""
        if self._prior_model is None and self.prior is not None:
            self._prior_model = PriorModel(self.prior)
        return self._prior_model

    def built(
        self,
        surrogates: Sequence[StudySurrogate],
        model: PriorModel | None,
    ) -> TransferState:
        """The same state with models already fitted (what ``recommend`` just made)."""
        self._surrogates = list(surrogates)
        self._prior, self._prior_model = (None if model is None else model.prior), model
        return self

    def to_json(self) -> dict[str, Any]:
        n = self.narrowed
        return {
            "space": space_to_json(self.space),
            "modelled": dict(self.modelled),
            "seed": self.seed,
            "neighbours": [list(x) for x in self.neighbours],
            "prior_studies": [list(x) for x in self.prior_studies],
            "prior_metrics": list(self.prior_metrics),
            "narrowed": {
                "space": None if n.space is None else space_to_json(n.space),
                "rationale": n.rationale,
                "sources": list(n.sources),
                "share_of_volume": n.share_of_volume,
            },
            "coverage": dict(self.coverage),
            "thresholds": dict(self.thresholds),
            "logged": list(self.logged),
        }

    @classmethod
    def from_json(
        cls, data: Mapping[str, Any], profile: TaskProfile, registry: Registry | None
    ) -> TransferState:
        n = data.get("narrowed") or {}
        return cls(
            profile,
            space_from_json(data["space"]),
            dict(data["modelled"]),
            int(data.get("seed", 0)),
            [(str(a), float(b)) for a, b in data.get("neighbours", [])],
            [(str(a), float(b)) for a, b in data.get("prior_studies", [])],
            list(data.get("prior_metrics", [])),
            NarrowedSpace(
                None if n.get("space") is None else space_from_json(n["space"]),
                n.get("rationale", "Not narrowed."),
                list(n.get("sources", [])),
                n.get("share_of_volume"),
            ),
            {k: int(v) for k, v in data.get("coverage", {}).items()},
            {k: float(v) for k, v in data.get("thresholds", {}).items()},
            list(data.get("logged", [])),
            registry,
        )
