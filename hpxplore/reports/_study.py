"""The report of one study: the task, the similar studies, every recommendation with its
projections and the decision taken on it, the run, the transfer's events, the exported
config and the outcome (what each evaluated recommendation projected against what it got)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from hpxplore._numbers import signed_difference
from hpxplore.reports._page import Page

if TYPE_CHECKING:
    from hpxplore.study import Study
    from hpxplore.transfer import Recommendation, Recommendations

__all__ = ["study_page"]


def study_page(study: Study, recs: Recommendations | None, trial: int | None) -> Page:
    objectives = ", ".join(f"{m} ({d})" for m, d in study.objectives.items())
    page = Page(
        f"Transfer report: {study.name}",
        f"Objectives {objectives}; constraints "
        f"{', '.join(map(str, study.constraints)) or 'none'}; {len(study.trials)} trials.",
    )
    _task(page, study)
    _similar(page, study, recs)
    _recommendations(page, study, recs)
    _run(page, study)
    _events(page, study)
    _export(page, study, trial)
    _outcome(page, study, recs)
    return page


def _task(page: Page, study: Study) -> None:
    page.heading("The task")
    profile = study.profile
    if profile is None:
        page.paragraph("The study was run without a task profile.", "note")
        return
    page.pairs({"task": profile.name, **{f"tag {k}": v for k, v in profile.tags.items()}})
    features = pd.DataFrame(
        {"meta-feature": list(profile.meta_features), "value": list(profile.meta_features.values())}
    )
    page.heading("Meta-features (what similarity is computed from)", 3)
    page.table(features)


def _similar(page: Page, study: Study, recs: Recommendations | None) -> None:
    from hpxplore.viz import similarity_figure, similarity_info

    page.heading("Similar prior studies")
    neighbours = recs.neighbours if recs is not None else pd.DataFrame()
    if neighbours.empty and study.registry is not None and study.profile is not None:
        found = study.registry.similar(study.profile, k=6)
        neighbours = found[found["study"] != study.name].head(5)
    if neighbours.empty:
        page.paragraph("No similar studies recorded: nothing was transferred.", "note")
        return
    columns = [c for c in ("study", "similarity", "in_distribution", "drivers") if c in neighbours]
    page.table(neighbours[columns])
    if "contributions" in neighbours:
        page.paragraph(
            "The bars split each study's distance to the task by meta-feature: the features "
            "with the smallest share drove the similarity.",
            "note",
        )
        page.figure(similarity_figure(similarity_info(neighbours)))


def _recommendations(page: Page, study: Study, recs: Recommendations | None) -> None:
    from hpxplore.viz import recommendations_figure

    page.heading("Recommendations and the decisions taken")
    if recs is None:
        page.paragraph(
            "No recommendations: the study was not warm-started from a registry.", "note"
        )
        return
    page.paragraph(f"{len(recs)} recommendations ({recs.reason}).", "note")
    decided = _decisions(study, recs)
    for rec in recs:
        page.card(rec.decision or "", lambda p, rec=rec: _card(p, rec, decided.get(rec.id, [])))
    fronts = recs.neighbour_fronts() if recs.registry is not None else {}
    page.figure(recommendations_figure(recs, fronts=fronts))


def _decisions(study: Study, recs: Recommendations) -> dict[Any, list[str]]:
    """Per recommendation id, every decision taken on it, oldest first, as sentences."""
    registry = recs.registry or study.registry
    if registry is None:
        return {}
    out: dict[Any, list[str]] = {}
    for row in registry.decisions(task=recs.profile.name).to_dict("records"):
        why = f": {row['reason']}" if row["reason"] else " (no reason given)"
        out.setdefault(row["recommendation_id"], []).append(
            f"{row['decision']} by {row['user']} at {row['decided_at']}{why}"
        )
    return out


def _card(page: Page, rec: Recommendation, decisions: list[str]) -> None:
    page.heading(f"#{rec.rank} {rec.kind}: {rec.decision or 'no decision'}", 3)
    page.paragraph(rec.summary)
    page.items(decisions or ["No decision recorded."])
    page.pairs(rec.config)
    rows = [
        {"metric": m, "projected": p.get("mean"), "95 % low": p.get("low"),
         "95 % high": p.get("high"), "gain vs baseline": _gain(rec, m)}
        for m, p in rec.projected.items()
    ]  # fmt: skip
    page.table(pd.DataFrame(rows), "No projections (a cold start).")
    guards = [
        {"guardrail": name, "passed": g.get("passed"), "detail": g.get("detail", "")}
        for name, g in rec.guardrails.items()
    ]
    page.table(pd.DataFrame(guards), "No guardrails.")
    if rec.feasibility is not None:
        page.paragraph(f"Projected to meet every constraint: {rec.feasibility:.0%} chance.")
    page.paragraph(rec.rationale, "note")


def _gain(rec: Recommendation, metric: str) -> str:
    """The projected gain over the baseline, to the projection's decimals (as the card)."""
    gain = rec.gain.get(metric, {}).get("mean")
    like = rec.projected[metric].get("mean")
    if gain is None or gain != gain or like is None:
        return ""
    return signed_difference(gain, like)


def _run(page: Page, study: Study) -> None:
    from hpxplore.viz import pareto_figure, pareto_info, progress_figure, progress_info

    page.heading("The run")
    trials = study.trials
    if trials.empty:
        page.paragraph("No trials yet.", "note")
        return
    counts = trials.groupby(["origin", "status"]).size().rename("trials").reset_index()
    page.table(counts)
    page.figure(progress_figure(progress_info(trials, study.objectives, study.constraints)))
    page.paragraph("Transferred trials are marked ◆; infeasible ones are drawn open.", "note")
    info = pareto_info(trials, study.objectives, study.constraints, space=list(study.space))
    page.figure(pareto_figure(info))


def _events(page: Page, study: Study) -> None:
    from hpxplore.viz import HEADLINES, event_sentence

    page.heading("What the transfer did, and why")
    shown = [e for e in study.events if e["event"] in HEADLINES]
    page.items(f"{HEADLINES[e['event']]}: {event_sentence(e)}" for e in shown)
    if not shown:
        page.paragraph("No transfer events recorded.", "note")


def _export(page: Page, study: Study, trial: int | None) -> None:
    from hpxplore.exceptions import HpxploreError
    from hpxplore.export import export_document

    page.heading("The exported config")
    if trial is None and len(study.objectives) > 1:
        page.paragraph(
            "No config chosen: with several objectives pass trial= (a point of the front).",
            "note",
        )
        return
    try:
        document = export_document(study, trial)
    except HpxploreError as error:
        page.paragraph(f"Nothing to export: {error}", "note")
        return
    page.pairs(document["config"])
    page.heading("Its measurements and provenance", 3)
    page.pairs({**document.get("metrics", {}), **document.get("provenance", {})})


def _outcome(page: Page, study: Study, recs: Recommendations | None) -> None:
    page.heading("Outcome: what each evaluated recommendation projected, and what it got")
    if recs is None:
        page.paragraph("Nothing was transferred.", "note")
        return
    trials = study.trials.dropna(subset=["recommendation_id"])
    by_id = {r.id: r for r in recs}
    rows = []
    for trial in trials.to_dict("records"):
        rec = by_id.get(trial["recommendation_id"])
        if rec is None:
            continue
        for metric, p in rec.projected.items():
            got = trial.get(metric)
            inside = None if got is None or pd.isna(got) else p["low"] <= got <= p["high"]
            rows.append(
                {"trial": trial["trial_index"], "kind": rec.kind, "metric": metric,
                 "projected": p["mean"], "95 % interval": f"{p['low']:.4g} to {p['high']:.4g}",
                 "got": got, "inside the interval": inside, "status": trial["status"]}
            )  # fmt: skip
    page.table(pd.DataFrame(rows), "No recommendation has been evaluated yet.")
