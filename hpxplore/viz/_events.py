"""A study's events (``study.events``) as a headline and a plain sentence each.

The events are the run's record of what transfer did and why; the views show them as
sentences, never as raw JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["HEADLINES", "event_sentence"]

HEADLINES = {
    "transfer_off": "Transfer switched off",
    "rollback_advised": "Rollback to the baseline advised",
    "transfer_prior": "Transfer prior on",
    "prior_weights": "Prior studies re-weighted",
    "warm_start_capped": "Warm start capped",
    "thresholds_inferred": "Objective thresholds inferred",
    "thresholds_dropped": "Inferred thresholds dropped",
    "space_narrowed": "Search space narrowed",
    "trial_failed": "Trial failed",
    "listener_failed": "A live view failed",
    "run_finished": "Run finished",
}


def _names(values: Any) -> str:
    return ", ".join(str(v) for v in values) or "none"


def _shares(evidence: Mapping[str, Any]) -> str:
    """The prior studies' share of the weight per objective, as the decision read it."""
    shares = evidence.get("prior_share") or {}
    return (
        f"After {evidence.get('trials')} trials the prior studies kept "
        + ", ".join(f"{share:.0%} of the weight on {metric}" for metric, share in shares.items())
        + f" (switched off below {float(evidence.get('threshold', 0)):.0%} on every objective and constraint)."
    )


def event_sentence(event: Mapping[str, Any]) -> str:
    """What the event says, in a sentence or two (the facts it carries, nothing more)."""
    kind = event.get("event")
    if kind == "transfer_off":
        text = f"Transfer is off: {event.get('reason', 'no reason recorded')}."
        evidence = event.get("evidence")
        if evidence and "prior_share" in evidence:
            text += " " + _shares(evidence)
        if event.get("abandoned"):
            text += f" Transferred trials not yet run were dropped: {_names(event['abandoned'])}."
        if event.get("space_widened"):
            text += " The search space was widened back to the full one."
        if event.get("nearest"):
            text += f" Nearest studies: {_names(event['nearest'])}."
        return text
    if kind == "transfer_prior":
        studies = event.get("studies", [])
        who = (
            f"{len(studies)} similar prior stud{'y' if len(studies) == 1 else 'ies'} "
            f"({event.get('trials')} trials)"
        )
        names = f"{_names(studies[:5])}{' ...' if len(studies) > 5 else ''}"
        weight = "Each study's weight follows from how well it ranks this task's own trials"
        if event.get("in_model", True):
            return f"Ax's model of every metric starts from what {who} say: {names}. {weight}."
        return (
            f"{who[0].upper()}{who[1:]} judge the transfer: {names}. {weight}; transfer "
            "stops when they lose it. With several objectives Ax's own model steers after "
            "the transferred trade-offs (the prior inside it measured no better)."
        )
    if kind == "prior_weights":
        weights = dict(event.get("weights", {}))
        own = weights.pop("(this task)", 0.0)
        top = "; ".join(f"{name} {w:.2f}" for name, w in list(weights.items())[:4]) or "none"
        dropped = event.get("dropped", [])
        return (
            f"After {event.get('trials')} trials, the prior for {event.get('metric')}: {top}; "
            f"this task's own model {own:.2f}"
            + (
                f". Dropped (they rank this task's trials worse than its own model): "
                f"{len(dropped)} stud{'y' if len(dropped) == 1 else 'ies'}."
                if dropped
                else "."
            )
        )
    if kind == "thresholds_dropped":
        return (
            f"After {event.get('trials')} trials, dropped {_names(event.get('thresholds', []))}: "
            f"{event.get('reason', 'no trial reached them')}."
        )
    if kind == "thresholds_inferred":
        return (
            f"Ax measures the hypervolume above {_names(event.get('thresholds', []))}: "
            f"{event.get('reason', 'inferred from the close studies')}."
        )
    if kind == "warm_start_capped":
        return (
            f"Only the first {event.get('kept')} of {event.get('given')} transferred configs "
            f"are evaluated: {event.get('reason')}."
        )
    if kind == "space_narrowed":
        return str(event.get("rationale", "The search space was narrowed."))
    if kind == "trial_failed":
        return f"Trial {event.get('trial')} failed: {event.get('reason')}."
    if kind == "listener_failed":
        return (
            f"A live view stopped updating after trial {event.get('trial')}: {event.get('error')}."
        )
    if kind == "run_finished":
        return (
            f"{event.get('trials')} trial(s) in {float(event.get('seconds', 0)):.1f} s; "
            f"stopped because {event.get('reason')}."
        )
    if kind == "rollback_advised":
        return (
            f"{str(event.get('reason', 'nothing beats the baseline')).capitalize()}: the baseline "
            f"(trial {event.get('trial')}) scored {event.get('baseline'):.4g}, the best other "
            f"feasible trial {event.get('best'):.4g}. Consider keeping the baseline."
        )
    details = ", ".join(f"{k} {v}" for k, v in event.items() if k != "event")
    return f"{kind}: {details}" if details else str(kind)
