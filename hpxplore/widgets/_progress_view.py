"""ProgressView: the best feasible value (or hypervolume) so far, live while a study runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as W
import plotly.graph_objects as go

from hpxplore.viz import progress_figure, progress_info
from hpxplore.widgets._cards import error_card

if TYPE_CHECKING:
    from hpxplore.study import Study

__all__ = ["ProgressView"]


class ProgressView(W.VBox):
    """The study's progress over trials, transferred trials marked; redrawn after each trial
    with ``live=True`` (from the observed trials: no model is fitted)."""

    def __init__(self, study: Study, *, live: bool = True) -> None:
        self.study = study
        self.figure = go.FigureWidget()
        self.figure.add_class("hpx-progress-figure")
        self.message = W.HTML()
        super().__init__([self.message, self.figure])
        self.add_class("hpx-progress")
        self.refresh()
        self._unsubscribe = study.on_trial(lambda _study, _index: self.refresh()) if live else None

    def refresh(self) -> None:
        try:
            self.info = progress_info(
                self.study.trials, self.study.objectives, self.study.constraints
            )
            figure = progress_figure(self.info)
        except Exception as error:
            self.message.value = error_card("The progress view could not be drawn", error).value
            return
        self.message.value = (
            "<i>No completed trial yet: run the study.</i>" if not self.info.completed else ""
        )
        with self.figure.batch_update():
            self.figure.data = ()
            self.figure.layout = figure.layout
            self.figure.add_traces(figure.data)
