"""HealthView: Ax's own analyses of a study as cards (model fit, health checks, progress).

Ax refits its models to compute them (seconds), so the view computes when asked (the
button), never on a redraw. A card Ax could not compute shows as an error card with Ax's
reason; the others still show.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import ipywidgets as W
import plotly.graph_objects as go

from hpxplore.viz import escape
from hpxplore.widgets._cards import error_card, html_table, note

if TYPE_CHECKING:
    from hpxplore.study import Study

__all__ = ["HealthView"]

_STATUS = {"pass": "ok", "warning": "warning", "fail": "error", "info": "info"}


class HealthView(W.VBox):
    """A button that computes ``study.health()`` and shows each card."""

    def __init__(self, study: Study, *, compute: bool = False) -> None:
        self.study = study
        self.cards: list[dict[str, Any]] = []
        self.button = W.Button(description="Compute health", icon="stethoscope")
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
        failed = sum(card["kind"] == "error" for card in self.cards)
        self.message.value = (
            f"{len(self.cards)} cards from Ax"
            + (f"; {failed} could not be computed (their reasons below)" if failed else "")
            + "."
        )
        self.body.children = [_card(card) for card in self.cards if card["kind"] != "graph"]


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
        parts.append(figure)
    elif card.get("table"):
        columns = list(card["table"][0])
        parts.append(W.HTML(html_table(columns, [[r[c] for c in columns] for r in card["table"]])))
    box = W.VBox(parts)
    box.add_class("hpx-health-card")
    return box
