"""RecommendationBoard: a card per recommendation with Accept / Reject and a reason.

Decisions go straight to the registry's audit log (``recs.accept`` / ``recs.reject``); a
board opened later over the same recommendations reads them back from the registry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets as W
import plotly.graph_objects as go

from hpxplore.transfer._guardrails import percent
from hpxplore.transfer._rationale import source_label
from hpxplore.viz import escape, format_config, recommendations_figure
from hpxplore.widgets._cards import error_card, html_table, note

if TYPE_CHECKING:
    from hpxplore.transfer import Recommendations

__all__ = ["RecommendationBoard", "RecommendationCard"]


def _interval(values: dict[str, float]) -> str:
    return f"{values['mean']:+.4g} ({values['low']:+.4g} to {values['high']:+.4g})"


def _mark(passed: bool | None) -> str:
    """A coloured word, not an emoji (which renders as a box without an emoji font)."""
    colour, word = {True: ("#2e7d32", "passed"), False: ("#b26a00", "tripped")}.get(
        passed, ("#555", "not checked")
    )
    return f"<b style='color:{colour}'>{word}</b>"


def _details(r: Any) -> str:
    """What a click on 'Details' shows: config, projections, guardrails, sources, rationale."""
    config = html_table(["parameter", "value"], [(k, _shown(v)) for k, v in r.config.items()])
    projected = html_table(
        ["metric", "projected (95 % interval)", "gain over the baseline"],
        [
            (m, f"{p['mean']:.4g} ({p['low']:.4g} to {p['high']:.4g})", _interval(r.gain[m]))
            for m, p in r.projected.items()
            if m in r.gain
        ],
    )
    guards = "".join(
        f"<li>{escape(name)}: {_mark(g['passed'])}, {escape(g['detail'])}</li>"
        for name, g in r.guardrails.items()
    )
    sources = ", ".join(
        f"{escape(source_label(s))} (similarity {s['similarity']:.2f})" for s in r.sources
    )
    return (
        "<details class='hpx-details'><summary>Details</summary>"
        f"{config}{projected if r.projected else ''}"
        f"<p>Guardrails:</p><ul style='margin:2px 0'>{guards or '<li>none apply</li>'}</ul>"
        f"<p>Source: {sources or 'the baseline itself'}</p>"
        f"<p><small>{escape(r.rationale)}</small></p></details>"
    )


def _thresholds(recs: Any) -> str:
    """The objective thresholds a warm-started study will hand Ax, and how to override them."""
    if not recs.thresholds:
        return ""
    shown = escape(
        ", ".join(
            f"{m} {'>=' if recs.transfer.modelled.get(m) == 'maximize' else '<='} {v:.4g}"
            for m, v in recs.thresholds.items()
        )
    )
    return (
        f" Objective thresholds from the close studies' fronts: <b>{shown}</b> (a warm-started "
        "study measures the hypervolume above them; give a constraint on an objective to set "
        "your own)."
    )


def _feasibility(r: Any) -> str:
    """Its chance of meeting every constraint, where there are any to meet."""
    chance = r.feasibility
    if chance is None:
        return ""
    colour = "#2e7d32" if chance >= 0.5 else "#b26a00"
    return (
        f"<br><span class='hpx-feasibility' style='color:{colour}'>Projected to meet every "
        f"constraint: {percent(chance)} chance</span>"
    )


def _shown(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


class RecommendationCard(W.VBox):
    """One recommendation: a plain sentence, details a click away, the buttons that decide it."""

    def __init__(self, recs: Recommendations, index: int) -> None:
        self.recs, self.index = recs, index
        r = recs[index]
        self.facts = W.HTML(
            f"<b>#{r.rank} {escape(r.kind)}</b> "
            f"<code>{format_config(r.config, sep=', ')}</code><br>"
            f"<span class='hpx-summary'>{escape(r.summary)}</span>{_feasibility(r)}{_details(r)}"
        )
        self.reason = W.Text(placeholder="reason (optional)", layout=W.Layout(width="40%"))
        self.reason.add_class("hpx-reason")
        self.accept = W.Button(description="Accept", button_style="success", icon="check")
        self.reject = W.Button(description="Reject", button_style="danger", icon="times")
        self.accept.add_class("hpx-accept")
        self.reject.add_class("hpx-reject")
        self.status = W.HTML()
        self.status.add_class("hpx-decision")
        self.accept.on_click(lambda _: self._decide("accepted"))
        self.reject.on_click(lambda _: self._decide("rejected"))
        self._show()
        super().__init__(
            [self.facts, W.HBox([self.reason, self.accept, self.reject]), self.status],
            layout=W.Layout(border="1px solid #ddd", padding="6px", margin="4px 0"),
        )
        self.add_class("hpx-card")

    def _decide(self, decision: str) -> None:
        try:
            decide = self.recs.accept if decision == "accepted" else self.recs.reject
            decide(self.index, reason=self.reason.value)
        except Exception as error:
            self.status.value = error_card("The decision was not stored", error).value
            return
        self._show()

    def _show(self) -> None:
        r = self.recs[self.index]
        if r.decision is None:
            self.status.value = "<i>undecided</i>"
        else:
            reason = f": {escape(r.reason)}" if r.reason else ""
            self.status.value = f"<b>{escape(r.decision)}</b>{reason}"


class RecommendationBoard(W.VBox):
    """Every recommendation as a card, the projected gains as a chart, decisions stored.

    Args:
        recs: what ``hpx.recommend`` returned (or ``Recommendations.load`` read back).
    """

    def __init__(self, recs: Recommendations) -> None:
        self.recs = recs
        recs.refresh()  # decisions made earlier, in this or another session
        head = (
            note(
                f"<b>Cold start</b>: {escape(recs.reason)}. Only the baseline is proposed.",
                "warning",
                "hpx-cold-start",
            )
            if recs.cold_start
            else note(
                f"{len(recs)} recommendations ({escape(recs.reason)}).{_thresholds(recs)}",
                "info",
                "hpx-board-head",
            )
        )
        self.figure = go.FigureWidget(recommendations_figure(recs, fronts=recs.neighbour_fronts()))
        self.cards = [RecommendationCard(recs, i) for i in range(len(recs))]
        super().__init__([head, self.figure, *self.cards])
        self.add_class("hpx-board")
