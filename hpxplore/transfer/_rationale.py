"""Plain-language rationales, built only from a recommendation's stored facts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hpxplore._numbers import signed_difference
from hpxplore.transfer._guardrails import tripped, unchecked

if TYPE_CHECKING:
    from hpxplore.transfer._recommendations import Recommendation

__all__ = [
    "BatchFacts",
    "cold_start_reason",
    "coverage_gap",
    "coverage_sentence",
    "evidence_sentence",
    "rationale",
    "source_label",
    "summary",
]


@dataclass(frozen=True)
class BatchFacts:
    """What every rationale of one ``recommend`` call may cite beside its own facts."""

    primary: str  # the first objective
    base_label: str  # what the baseline is, in words
    n_neighbours: int  # the close studies modelled
    n_prior: int = 0  # the studies of the prior model, which ordered the picks
    feasible: tuple[int, int] | None = None  # (projected to meet every cap, candidates), if not all
    coverage: Mapping[str, Sequence[str]] | None = None  # per parameter: close studies that set it


def rationale(
    rec: Recommendation, facts: BatchFacts, balance: Mapping[str, float] | None = None
) -> str:
    """The rationale of ``rec`` from its own facts and the batch's. ``balance``: for a
    trade-off, its predicted rank on each objective (1 = the best). A parameter no close
    study sets is said first."""
    kind, sources, drivers, guardrails = rec.kind, rec.sources, rec.drivers, rec.guardrails
    primary, projected, gain = facts.primary, rec.projected, rec.gain
    transferred = kind != "baseline"
    expected = rec.expected if transferred else {}
    feasible = facts.feasible if transferred else None
    coverage = facts.coverage if transferred else None
    p, g = projected[primary], gain[primary]
    if kind == "baseline":
        head = (
            f"Baseline: {facts.base_label}, kept as the reference every gain is measured against."
        )
    else:
        s = sources[0]
        where = "" if s.get("neighbour", True) else ", not one of the close neighbours"
        if s.get("trial_index") is None:
            found = (
                "the close studies' forests project the most hypervolume added"
                if balance
                else f"the model of {_most_similar(facts.n_prior)} (a GP on each study's "
                "normal scores, weighted by similarity) expects the most, its doubt counted"
            )
            head = (
                "Generated, not observed: no prior study tried this config. It is where "
                f"{found}, near the prior trials; the nearest is in {s['study']!r} (similarity "
                f"{s['similarity']:.2f}{where}; closest on {', '.join(drivers)}), "
                f"{s['distance']:.2f} away in the unit cube. "
            )
        else:
            head = (
                f"{kind.capitalize()}: trial {s['trial_index']} of {s['study']!r} (similarity "
                f"{s['similarity']:.2f}{where}; closest on {', '.join(drivers)}). "
            )
        head += _support(rec.support, facts.n_neighbours)
        if expected:
            head += " " + evidence_sentence(expected, facts.n_prior)
        if balance:
            ranks = ", ".join(f"{q:.0%} on {metric}" for metric, q in balance.items())
            chosen = (
                "of all candidates it holds the most hypervolume on its own"
                if rec.rank == 0
                else "of the candidates left, it adds the most to the hypervolume of the "
                "picks before it"
            )
            head += (
                f" Chosen to balance the objectives: {chosen}, in their projected values "
                "(where none adds any, it is the best left on the first objective); "
                f"predicted to rank above {ranks}."
            )
        if feasible:
            ok, count = feasible
            tripped_guard = any(
                name.startswith(("constraint", "budget")) for name in tripped(guardrails)
            )
            if not ok:
                head += " No candidate is projected to meet every constraint and budget cap."
            elif tripped_guard:
                head += (
                    f" Projected to break a constraint or budget cap: only {ok} of {count} "
                    "candidates are projected to meet them all, and they were picked first."
                )
            else:
                head += (
                    f" Picked among the {ok} of {count} candidates projected to meet every "
                    "constraint and budget cap."
                )
    body = (
        f" Projected {primary} on the neighbours {p['mean']:.4g} (95 % interval {p['low']:.4g} to "
        f"{p['high']:.4g}); "
        f"{_gain(g['mean'], p)} vs the baseline (interval {_gain(g['low'], p)} to "
        f"{_gain(g['high'], p)})."
    )
    tail = _guardrail_sentence(guardrails)
    unset = [name for name, studies in (coverage or {}).items() if not studies]
    lead = (
        f"Transfers {len(coverage) - len(unset)} of the {len(coverage)} parameters: "
        f"{', '.join(unset)} {'is' if len(unset) == 1 else 'are'} set by no close study and "
        f"{'keeps' if len(unset) == 1 else 'keep'} the baseline's value, so the projection "
        "does not account for "
        f"{'it' if len(unset) == 1 else 'them'}. "
        if coverage and unset
        else ""
    )
    return lead + head + body + tail


def _expects(expected: Mapping[str, float]) -> str:
    """Where the prior model expects a pick to rank, with its interval, in words."""
    return (
        f"expects it above {expected['quantile']:.0%} of a similar study's trials (95 % "
        f"interval {expected['low']:.0%} to {expected['high']:.0%})"
    )


def _most_similar(n: int) -> str:
    return f"the {n} most similar stud{'y' if n == 1 else 'ies'}"


def evidence_sentence(expected: Mapping[str, float], n_prior: int) -> str:
    """What the prior model says of a pick, as its card cites it."""
    text = f"The model of {_most_similar(n_prior)} (weighted by similarity) {_expects(expected)}"
    beats = expected.get("beats_best_observed")
    if beats is not None:
        text += f"; chance it beats the best observed candidate: {beats:.0%}"
    return text + "."


def source_label(source: Mapping[str, Any]) -> str:
    """Where a recommendation came from, in a few words: a prior trial, or generated."""
    if source.get("trial_index") is None:
        return f"generated near a trial of {source['study']}"
    return f"trial {source['trial_index']} of {source['study']}"


def coverage_sentence(coverage: Mapping[str, Sequence[str]]) -> str:
    """How many of the space's parameters the close studies set, in words."""
    unset = [name for name, studies in coverage.items() if not studies]
    if not unset:
        return f"which set all {len(coverage)} parameters of the space"
    return (
        f"which set {len(coverage) - len(unset)} of the {len(coverage)} parameters "
        f"({', '.join(unset)}: none)"
    )


def coverage_gap(coverage: Mapping[str, Sequence[str]]) -> str | None:
    """Why transfer is off when the close studies set half of the parameters or fewer."""
    unset = [name for name, studies in coverage.items() if not studies]
    if 2 * (len(coverage) - len(unset)) > len(coverage):
        return None
    set_ = [name for name in coverage if name not in unset]
    return (
        f"the close studies set only {len(set_)} of the space's {len(coverage)} parameters "
        f"({', '.join(set_) or 'none'}); {', '.join(unset)} {'is' if len(unset) == 1 else 'are'} "
        "in none of them, so their best configs say little about this space"
    )


def _support(support: float, n_neighbours: int) -> str:
    """How many close neighbours' forests put the config in their study's top quarter."""
    if n_neighbours == 1:
        where = "in" if support >= 0.5 else "outside"
        return f"The close neighbour's forest predicts it {where} that study's top quarter."
    return (
        f"The forests of close neighbours holding {support:.0%} of the similarity weight (of "
        f"{n_neighbours} neighbours) predict it in their study's top quarter."
    )


def cold_start_reason(neighbours: Any, close: Any, unmeasured: Sequence[str] = ()) -> str:
    """Why transfer is off, from the similarity table's facts."""
    if len(neighbours) == 0:
        return "the registry holds no comparable study (same tags and search space)"
    if close.empty:
        nearest = neighbours.iloc[0]
        return (
            f"no close analog: the nearest study, {nearest['study']!r}, is at distance "
            f"{nearest['distance']:.2f}, beyond the registry's {neighbours.attrs['threshold']:.2f}"
        )
    if unmeasured:
        return f"no close study measures {', '.join(repr(m) for m in unmeasured)}"
    return "the close studies have too few completed trials on these objectives"


_WHY = {
    "generated": "where the similar studies' models agree the optimum lies, between their trials",
    "conservative": "an observed config the prior studies' model expects to do well here",
    "trade-off": "gives up some of the first objective for the others",
    "aggressive": "the closest study's best config, by its own model",
    "exploratory": "the least certain of the good ones, worth a look",
}


def summary(rec: Any) -> str:
    """One plain sentence: what the recommendation is, where it comes from, and why."""
    if rec.kind == "baseline":
        return "The baseline: the reference every gain is measured against."
    source = rec.sources[0] if rec.sources else None
    where = "no prior trial"
    if source is not None:
        closeness = "a close study" if source.get("neighbour", True) else "a far study"
        where = f"{source_label(source)} ({closeness}, similarity {source['similarity']:.2f})"
    why = _WHY.get(rec.kind, rec.kind)
    if rec.kind in ("generated", "conservative") and not _expected_good(rec.expected):
        why = (
            "the prior studies' model cannot tell it from a typical trial of theirs here"
            if rec.expected
            else "no model of the prior studies rates it"
        )
    text = f"{rec.kind.capitalize()}, from {where}: {why}"
    expected = rec.expected
    if expected and rec.kind in ("generated", "conservative", "trade-off"):
        text += f"; the prior studies' model {_expects(expected)}"
    text += _gains(rec)
    tripping, blind = tripped(rec.guardrails), unchecked(rec.guardrails)
    text += f"; trips {', '.join(tripping)}" if tripping else "; passes every guardrail checked"
    return text + (f"; not checked: {', '.join(blind)}." if blind else ".")


def _gains(rec: Any) -> str:
    """What it is projected to gain or give up over the baseline: the first objective's, or
    with several objectives each one's, with its direction."""
    objectives = getattr(rec, "objectives", None) or {}
    metrics = [m for m in objectives if m in rec.gain] or list(rec.gain)[:1]
    if not metrics:
        return ""
    parts = []
    for metric in metrics:
        g = rec.gain[metric]
        p = rec.projected.get(metric) or {"mean": g["mean"]}
        side = "higher" if g["mean"] > 0 else "lower"
        verdict = ""
        if len(metrics) > 1:
            larger = objectives[metric] == "maximize"
            better = (g["mean"] > 0) == larger
            verdict = (
                f"{'better' if better else 'worse'}, {'larger' if larger else 'smaller'} is "
                "better; "
            )
        parts.append(
            f"{metric}: {_gain(abs(g['mean']), p, sign=False)} {side} than the baseline's "
            f"({verdict}95 % interval {_gain(g['low'], p)} to {_gain(g['high'], p)})"
        )
    return f". Projected {'; '.join(parts)}"


def _gain(delta: float, projected: Mapping[str, float], sign: bool = True) -> str:
    """A gain over the baseline, to the decimals of the projection it comes from."""
    return signed_difference(delta, projected.get("mean", delta), sign)


def _expected_good(expected: Mapping[str, float]) -> bool:
    """Whether the prior studies' model is 95 % sure the pick ranks in a study's upper half."""
    return bool(expected) and expected.get("low", 0.0) > 0.5


def _guardrail_sentence(guards: Mapping[str, Mapping[str, Any]]) -> str:
    """The guardrails in one sentence: tripped, not checked (and why), or all passed."""
    tripping, blind = tripped(guards), unchecked(guards)
    text = f" Guardrails tripped: {', '.join(tripping)}." if tripping else ""
    if blind:
        text += (
            f" Not checked: {', '.join(blind)}, as no close study measured "
            f"{'its metric' if len(blind) == 1 else 'their metrics'}; evaluate before relying "
            f"on {'it' if len(blind) == 1 else 'them'}."
        )
    elif not tripping:
        text = " All guardrails passed."
    return text
