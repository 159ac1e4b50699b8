"""ParetoView: trials in objective space, live while a study runs; click a point to pick it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as W
import plotly.graph_objects as go

from hpxplore.exceptions import InputError
from hpxplore.viz import escape, format_config, pareto_figure, pareto_info
from hpxplore.widgets._cards import error_card, fill_width, note

if TYPE_CHECKING:
    from hpxplore.study import Study

__all__ = ["ParetoView"]

_NO_COLOUR = "(none)"  # a Dropdown value of None shows as a blank control


class ParetoView(W.VBox):
    """Choose two objectives (and a colour); the frontier, constraints and origins are drawn.

    Args:
        study: a ``hpx.Study``; with ``live=True`` the view redraws after every trial.
        x, y, color: metrics for the axes and the colour (defaults: the objectives).
    """

    def __init__(
        self,
        study: Study,
        *,
        x: str | None = None,
        y: str | None = None,
        color: str | None = None,
        live: bool = True,
    ) -> None:
        self.study = study
        self.selected: int | None = None
        self.last_refresh_s = 0.0
        self._listeners: list[Callable[[int], Any]] = []
        metrics = list(study.metrics)
        axes = ["trial_index", *metrics] if len(study.objectives) == 1 else metrics
        first = pareto_info(study.trials, study.objectives, study.constraints, x=x, y=y)
        narrow = W.Layout(width="auto")
        self.x = W.Dropdown(options=axes, value=first.x, description="x", layout=narrow)
        self.y = W.Dropdown(options=axes, value=first.y, description="y", layout=narrow)
        self.log_x = W.Checkbox(value=False, description="log x", indent=False, layout=narrow)
        self.log_y = W.Checkbox(value=False, description="log y", indent=False, layout=narrow)
        self.color = W.Dropdown(
            options=[("none", _NO_COLOUR), *[(m, m) for m in metrics]],
            value=color or _NO_COLOUR,
            description="colour",
            layout=narrow,
        )
        self.color.add_class("hpx-pareto-colour")
        self._log_chosen = False  # the user set a log box: no more automatic choice
        self._syncing = False
        for control in (self.x, self.y, self.color):
            control.observe(lambda _: self.refresh(), names="value")
        for control in (self.log_x, self.log_y):
            control.observe(self._log_changed, names="value")
        self.figure = go.FigureWidget()
        self.figure.add_class("hpx-pareto-figure")
        self.message = W.HTML()
        self.selection = W.HTML("<i>Click a point to select its trial for export.</i>")
        self.selection.add_class("hpx-selected")
        controls = W.HBox([self.x, self.y, self.log_x, self.log_y, self.color])
        super().__init__([controls, self.message, self.figure, self.selection])
        self.add_class("hpx-pareto")
        self.refresh()
        self._unsubscribe = study.on_trial(lambda _study, _index: self.refresh()) if live else None

    def _log_changed(self, _change: Any) -> None:
        if not self._syncing:
            self._log_chosen = True
            self.refresh()

    def on_select(self, callback: Callable[[int], Any]) -> None:
        """Call ``callback(trial_index)`` when a point is clicked."""
        self._listeners.append(callback)

    def refresh(self) -> None:
        """Redraw from the study's observed trials (no model is fitted)."""
        start = time.perf_counter()
        try:
            info = pareto_info(
                self.study.trials,
                self.study.objectives,
                self.study.constraints,
                x=self.x.value,
                y=self.y.value,
                color=None if self.color.value == _NO_COLOUR else self.color.value,
                space=list(self.study.space),
                selected=self.selected,
                log_x=self.log_x.value if self._log_chosen else None,
                log_y=self.log_y.value if self._log_chosen else None,
            )
            figure = pareto_figure(info)
        except Exception as error:
            self.message.value = error_card("The Pareto view could not be drawn", error).value
            return
        self.info = info
        self._syncing = True  # the boxes show the axes chosen (by the user or for them)
        self.log_x.value, self.log_y.value = info.log
        self._syncing = False
        if not len(info.points):
            self.message.value = "<i>No completed trial yet: run the study.</i>"
        elif not info.points["feasible"].any():
            self.message.value = note(
                f"<b>No feasible trial yet</b>: each of the {len(info.points)} completed trials "
                f"breaks a constraint ({escape(', '.join(map(str, self.study.constraints)))}); "
                "they are the open markers. Run more trials or relax the constraint.",
                "warning",
            ).value
        else:
            self.message.value = ""
        with self.figure.batch_update():
            self.figure.data = ()
            self.figure.layout = figure.layout
            self.figure.add_traces(figure.data)
        fill_width(self.figure)  # a chart first drawn before it had room takes it now
        for trace in self.figure.data:
            if trace.customdata is not None:
                trace.on_click(self._clicked)
        self.last_refresh_s = time.perf_counter() - start

    def _clicked(self, trace: Any, points: Any, _selector: Any) -> None:
        if points.point_inds:
            self.select(int(trace.customdata[points.point_inds[0]]))

    def select(self, trial_index: int) -> None:
        """Pick ``trial_index`` (what a click does), e.g. for export."""
        rows = self.study.trials
        row = rows[rows["trial_index"] == trial_index]
        if row.empty:
            raise InputError(
                f"Study {self.study.name!r} has no trial {trial_index}.",
                "Pick a trial_index from study.trials.",
            )
        record = row.iloc[0].to_dict()
        self.selected = int(trial_index)
        values = {m: record[m] for m in self.study.metrics if m in record}
        config = {p: record[p] for p in self.study.space}
        self.selection.value = (
            f"<b>Selected trial {self.selected}</b> ({escape(record.get('origin', ''))}): "
            f"{format_config(values, sep=', ')}<br><code>{format_config(config, sep=', ')}</code>"
        )
        self.refresh()
        for callback in self._listeners:
            callback(self.selected)

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        super().close()
