"""HealthView: what matters first about a study's health (the model's fit per metric with
a plain verdict, feasibility, progress), then Ax's other cards behind a click.

Ax refits its models to compute them (seconds), so the view computes when asked (the
button), never on a redraw. A card Ax could not compute shows as an error card with Ax's
reason, after the others.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import ipywidgets as W
import plotly.graph_objects as go

from hpxplore.viz import HealthInfo, escape, fit_verdict, health_info
from hpxplore.widgets._cards import error_card, html_table, note, verdict_html

if TYPE_CHECKING:
    from hpxplore.study import Study

__all__ = ["HealthView"]

_STATUS = {"pass": "ok", "warning": "warning", "fail": "error", "info": "info"}


class HealthView(W.VBox):
    """A button that computes ``study.health()`` and shows each card."""

    def __init__(self, study: Study, *, compute: bool = False) -> None:
        self.study = study
        self.cards: list[dict[str, Any]] = []
        self.info: HealthInfo | None = None
        self.button = W.Button(
            description="Compute health", icon="stethoscope", layout=W.Layout(width="auto")
        )
        self.button.add_class("hpx-health-compute")
        self.button.on_click(lambda _: self.compute())
        self.message = W.HTML(
            "<i>Ax's analyses of this study: model fit by cross-validation, health checks, "
            "progress. Press <b>Compute health</b> (Ax refits its models: seconds).</i>"
        )
        self.body = W.VBox()
        super().__init__([self.button, self.message, self.body])
        self.add_class("hpx-health")
        if compute:
            self.compute()

    def compute(self) -> None:
        try:
            self.cards = self.study.health()
        except Exception as error:
            self.message.value = error_card("Ax's analyses could not be computed", error).value
            return
        self.info = info = health_info(self.cards, self.study.trials, self.study.objectives)
        failed = sum(card["kind"] == "error" for card in info.others)
        self.message.value = (
            "What matters first: how well Ax's model fits, feasibility and progress. "
            f"{len(info.others)} more cards from Ax below"
            + (f" ({failed} could not be computed, with Ax's reasons)" if failed else "")
            + "."
        )
        more = W.Accordion([W.VBox([_card(card) for card in info.others])], selected_index=None)
        more.set_title(0, f"More from Ax ({len(info.others)} cards)")
        more.add_class("hpx-health-more")
        summary = _summary(info)
        self.body.children = [summary, *(_card(card) for card in info.first), more]


def _summary(info: HealthInfo) -> W.Widget:
    """Model fit per metric with a verdict, feasibility and the best trial, in a few lines."""
    rows = []
    for metric, r2 in info.fit.items():
        rows.append(f"<li>Ax's model of <b>{escape(metric)}</b>: {verdict_html(r2)}.</li>")
    if not info.fit:
        rows.append(
            "<li>Ax has not fitted its model yet (the initial design is still running), so "
            "there is no model fit to judge; it comes with the first model trials.</li>"
        )
    feasible, done = info.feasible
    rows.append(f"<li>{feasible} of {done} completed trials meet every constraint.</li>")
    rows.append(f"<li>{escape(info.best)}</li>")
    if info.later:
        rows.append(
            f"<li><small>Not available yet (after more trials or a fitted model): "
            f"{escape(', '.join(info.later))}.</small></li>"
        )
    worst = min((fit_verdict(r2)[0] for r2 in info.fit.values()), key=_LEVELS.index, default="ok")
    kind = "error" if feasible == 0 and done else worst
    return note(
        f"<ul style='margin:0;padding-left:18px'>{''.join(rows)}</ul>", kind, "hpx-health-summary"
    )


_LEVELS = ["error", "warning", "ok"]


def _card(card: dict[str, Any]) -> W.Widget:
    title = f"<b>{escape(card['title'])}</b>"
    subtitle = escape(card["subtitle"]).replace("\n", "<br>")
    if card["kind"] == "error":
        box = note(f"{title}<br>{subtitle}", "error", "hpx-health-card")
        box.add_class("hpx-error-card")
        return box
    if card["kind"] == "health":
        return note(
            f"{title} ({escape(card['status'])})<br>{subtitle}",
            _STATUS[card["status"]],
            "hpx-health-card",
        )
    parts: list[W.Widget] = [W.HTML(f"{title}<br><small>{subtitle}</small>")]
    if card["kind"] == "plot":
        figure = go.FigureWidget(json.loads(card["figure"]))
        figure.layout.height = figure.layout.height or 420
        figure.update_xaxes(automargin=True)  # long tick labels push the title, not overlap it
        figure.update_yaxes(automargin=True)
        parts.append(figure)
    elif card.get("table"):
        columns = list(card["table"][0])
        parts.append(W.HTML(html_table(columns, [[r[c] for c in columns] for r in card["table"]])))
    box = W.VBox(parts)
    box.add_class("hpx-health-card")
    return box
