"""The negative-transfer monitor: is transfer helping this study, or hurting it?

Two pieces of evidence, both from the new task's own observations:

* **Arms**: once the initial design is evaluated, the probability that a transferred
  trial beats a quasi-random one (the share of winning pairs, ties counted half) on the
  first objective. Below ``hurt_below`` (0.25), transfer is judged to hurt.
* **Neighbours**: how well each neighbour's surrogate ranks the new task's observed
  configs (Spearman correlation). Each neighbour's weight becomes its similarity times
  the correlation (0 when negative): a neighbour that ranks the new task backwards no
  longer counts, and when no neighbour keeps any weight, transfer is judged to hurt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["Assessment", "TransferMonitor"]

MIN_EACH = 2  # observed trials of each kind before the arms are compared
MIN_FOR_RANKS = 4  # observed trials before neighbours' rank correlations are read


@dataclass(frozen=True)
class Assessment:
    """The verdict, its evidence, and each rule that fired, as a sentence with its figures."""

    hurting: bool
    evidence: dict[str, Any] = field(default_factory=dict)
    fired: tuple[str, ...] = ()


@dataclass
class TransferMonitor:
    """Judges transfer from a study's trials; ``surrogates`` are the neighbours' models."""

    primary: str
    direction: str
    surrogates: list[Any] = field(default_factory=list)
    similarities: list[float] = field(default_factory=list)
    hurt_below: float = 0.25

    def _win_probability(self, transferred: np.ndarray, cold: np.ndarray) -> float:
        sign = 1.0 if self.direction == "maximize" else -1.0
        diff = sign * (transferred[:, None] - cold[None, :])
        return float(((diff > 0) + 0.5 * (diff == 0)).mean())

    def neighbour_weights(self, trials: pd.DataFrame) -> dict[str, dict[str, float]]:
        done = trials[(trials["status"] == "completed")].dropna(subset=[self.primary])
        if len(done) < MIN_FOR_RANKS or not self.surrogates:
            return {}
        configs = done[list(self.surrogates[0].space)].to_dict("records")
        observed = done[self.primary].to_numpy(dtype=float)
        out = {}
        for surrogate, similarity in zip(self.surrogates, self.similarities, strict=True):
            if self.primary not in surrogate.models:
                continue
            predicted = surrogate.predict(configs)[self.primary].mean(axis=0)
            rho = stats.spearmanr(predicted, observed).statistic
            rho = 0.0 if not np.isfinite(rho) else float(rho)
            if surrogate.objectives[self.primary] != self.direction:
                rho = -rho
            out[surrogate.study] = {
                "rank_correlation": round(rho, 3),
                "weight": round(similarity * max(rho, 0.0), 4),
            }
        return out

    def assess(self, trials: pd.DataFrame) -> Assessment:
        done = trials[trials["status"] == "completed"].dropna(subset=[self.primary])
        transferred = done.loc[done["origin"] == "transferred", self.primary].to_numpy(dtype=float)
        cold = done.loc[done["origin"] == "quasi-random", self.primary].to_numpy(dtype=float)
        evidence: dict[str, Any] = {"transferred": len(transferred), "quasi_random": len(cold)}
        fired: list[str] = []
        if len(transferred) >= MIN_EACH and len(cold) >= MIN_EACH:
            p = self._win_probability(transferred, cold)
            evidence["p_transferred_beats_quasi_random"] = round(p, 3)
            if p < self.hurt_below:
                fired.append(
                    f"transferred trials beat quasi-random ones in {p:.0%} of pairs on "
                    f"{self.primary} (below {self.hurt_below:.0%}; {len(transferred)} "
                    f"transferred, {len(cold)} quasi-random)"
                )
        weights = self.neighbour_weights(trials)
        if weights:
            evidence["neighbours"] = weights
            if all(w["weight"] == 0 for w in weights.values()):
                evidence["all_neighbours_rank_backwards"] = True
                rhos = ", ".join(
                    f"{study} {w['rank_correlation']:+.2f}" for study, w in weights.items()
                )
                fired.append(
                    f"no neighbour ranks this task's {len(done)} completed trials the right way "
                    f"round (rank correlations: {rhos})"
                )
        return Assessment(bool(fired), evidence, tuple(fired))
