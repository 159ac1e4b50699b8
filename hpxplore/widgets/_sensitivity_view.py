"""SensitivityView: Sobol indices per objective (first and total order).

Sobol indices come from Ax's surrogate, which needs a refit: the view computes them when
asked (the button), never on a redraw, and the Study caches them until the next trial.
With few trials the view says the indices are a rough guide, and points to the Health
tab's cross-validation for how well the model fits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as W
import plotly.graph_objects as go

from hpxplore.viz import sensitivity_figure
from hpxplore.widgets._cards import error_card, html_table

if TYPE_CHECKING:
    from hpxplore.study import Study

__all__ = ["SensitivityView"]

_MIN_TRUSTED = (
    10  # completed trials before Sobol indices on the model say much (or 2 per parameter)
)


class SensitivityView(W.VBox):
    """A button that computes ``study.sensitivity()``, its chart and its table."""

    def __init__(self, study: Study, *, compute: bool = False) -> None:
        self.study = study
        self.button = W.Button(description="Compute sensitivity", icon="calculator")
        self.button.add_class("hpx-sensitivity-compute")
        self.button.on_click(lambda _: self.compute())
        self.figure = go.FigureWidget()
        # no empty axes before there is something to draw: the chart shows once computed
        self.chart = W.Box([self.figure], layout=W.Layout(display="none"))
        self.table = W.HTML(
            "<i>No sensitivity yet. Press <b>Compute sensitivity</b>: Sobol indices need a "
            "refit of Ax's model (a few seconds).</i>"
        )
        self.table.add_class("hpx-sensitivity-table")
        super().__init__([self.button, self.table, self.chart])
        self.add_class("hpx-sensitivity")
        if compute:
            self.compute()

    def compute(self) -> None:
        try:
            indices = self.study.sensitivity()
        except Exception as error:
            self.table.value = error_card("Sensitivity could not be computed", error).value
            return
        figure = sensitivity_figure(indices)
        with self.figure.batch_update():
            self.figure.data = ()
            self.figure.layout = figure.layout
            self.figure.add_traces(figure.data)
        self.chart.layout.display = None
        rows = [
            (r["metric"], r["parameter"], f"{r['first_order']:.3f}", f"{r['total_order']:.3f}")
            for r in indices.to_dict("records")
        ]
        done = int((self.study.trials["status"] == "completed").sum())
        trusted = max(_MIN_TRUSTED, 2 * len(self.study.space))
        caveat = (
            f"<p><b>A rough guide</b>: Ax's model has {done} completed trials, under the "
            f"{trusted} it takes to say much about {len(self.study.space)} parameters. The "
            "Health tab's cross-validation says how well the model fits each objective.</p>"
            if done < trusted
            else f"<p>From Ax's model of {done} completed trials; the Health tab's "
            "cross-validation says how well it fits each objective.</p>"
        )
        self.table.value = caveat + html_table(
            ["objective", "parameter", "first order", "total order"], rows
        )
