"""SensitivityView: Sobol indices per objective (first and total order).

Sobol indices come from Ax's surrogate, which needs a refit: the view computes them when
asked (the button), never on a redraw, and the Study caches them until the next trial.
Beside them, the model's leave-one-out fit per objective says how far to trust them (a
model that predicts no better than the mean has indices about itself, not the task).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as W
import plotly.graph_objects as go

from hpxplore.viz import escape, sensitivity_figure
from hpxplore.widgets._cards import error_card, html_table, verdict_html

if TYPE_CHECKING:
    import pandas as pd

    from hpxplore.study import Study

__all__ = ["SensitivityView"]

_MIN_TRUSTED = (
    10  # completed trials before Sobol indices on the model say much (or 2 per parameter)
)


class SensitivityView(W.VBox):
    """A button that computes ``study.sensitivity()``, its chart and its table."""

    def __init__(self, study: Study, *, compute: bool = False) -> None:
        self.study = study
        self.button = W.Button(
            description="Compute sensitivity", icon="calculator", layout=W.Layout(width="auto")
        )
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
        self.table.value = self._caveat(indices) + html_table(
            ["objective", "parameter", "first order", "total order"], rows
        )

    def _caveat(self, indices: pd.DataFrame) -> str:
        """How far to trust the indices: the model's fit per objective, with a verdict, and
        what was clipped."""
        done = int((self.study.trials["status"] == "completed").sum())
        trusted = max(_MIN_TRUSTED, 2 * len(self.study.space))
        fits = indices.drop_duplicates("metric").set_index("metric")["fit_r2"]
        lines = []
        for metric, r2 in fits.items():
            lines.append(f"<li>{escape(metric)}: Ax's model fit is {verdict_html(float(r2))}.</li>")
        text = (
            f"<p>Sobol indices of Ax's model of {done} completed trials"
            + (f", under the {trusted} it takes to say much about "
               f"{len(self.study.space)} parameters" if done < trusted else "")
            + f":</p><ul style='margin:2px 0'>{''.join(lines)}</ul>"
        )  # fmt: skip
        clipped = indices.attrs.get("clipped", 0)
        if clipped:
            text += (
                f"<p><small>{clipped} estimate(s) clipped: a Monte-Carlo estimate can land "
                "past what an index can be (a total order above 1, or a first order above "
                "the total); they are shown at that limit.</small></p>"
            )
        return text
