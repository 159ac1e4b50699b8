"""ProgressView: the best feasible value (or hypervolume) so far, live while a study runs,
against the registry's studies of the same task and of similar tasks."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as W
import plotly.graph_objects as go

from hpxplore.objectives import primary
from hpxplore.viz import comparison_note, escape, progress_figure, progress_info
from hpxplore.widgets._cards import error_card, fill_width

if TYPE_CHECKING:
    from hpxplore.registry import StudyRecord
    from hpxplore.study import Study
    from hpxplore.transfer import Recommendations

__all__ = ["ProgressView"]


class ProgressView(W.VBox):
    """The study's progress over trials, transferred trials marked; redrawn after each trial
    with ``live=True`` (from the observed trials: no model is fitted).

    With a registry, the study is compared with up to ``compare`` studies of similar tasks
    (the neighbours of ``recs`` when given, else the registry's most similar studies with
    an overlapping space) and with every stored study of the same task (same data
    fingerprint and objectives). They are read once, when the view is made.
    """

    def __init__(
        self,
        study: Study,
        recs: Recommendations | None = None,
        *,
        live: bool = True,
        compare: int = 5,
    ) -> None:
        self.study = study
        self.figure = go.FigureWidget()
        self.figure.add_class("hpx-progress-figure")
        self.message = W.HTML()
        self.explanation = W.HTML()  # under the chart: what the comparison panel measures
        self.explanation.add_class("hpx-progress-note")
        super().__init__([self.message, self.figure, self.explanation])
        self.add_class("hpx-progress")
        try:
            self.baselines, self.similar = _compared(study, recs, compare)
        except Exception as error:  # the study's own progress is still worth drawing
            self.baselines, self.similar = [], []
            self._compare_error: Exception | None = error
        else:
            self._compare_error = None
        self.refresh()
        self._unsubscribe = study.on_trial(lambda _study, _index: self.refresh()) if live else None

    def refresh(self) -> None:
        try:
            self.info = progress_info(
                self.study.trials,
                self.study.objectives,
                self.study.constraints,
                baselines=self.baselines,
                similar=self.similar,
            )
            figure = progress_figure(self.info)
        except Exception as error:
            self.message.value = error_card("The progress view could not be drawn", error).value
            return
        if self._compare_error is not None:
            self.message.value = error_card(
                "The registry's studies could not be read for comparison", self._compare_error
            ).value
        else:
            self.message.value = (
                "<i>No completed trial yet: run the study.</i>" if not self.info.completed else ""
            )
        with self.figure.batch_update():
            self.figure.data = ()
            self.figure.layout = figure.layout
            self.figure.add_traces(figure.data)
        fill_width(self.figure)  # a chart first drawn before it had room takes it now
        note = comparison_note(self.info)
        self.explanation.value = f"<small>{escape(note)}</small>" if note else ""


def _compared(
    study: Study, recs: Recommendations | None, k: int
) -> tuple[list[StudyRecord], list[StudyRecord]]:
    """The stored studies of the same task, then those of similar tasks, to compare with."""
    registry, profile = study.registry, study.profile
    if registry is None or profile is None:
        return [], []
    fingerprint = profile.fingerprint
    same = [
        name
        for name, stored in registry.profiles().items()
        if fingerprint and stored.fingerprint == fingerprint and name != study.name
    ]
    if recs is not None:
        near = [name for name, _ in recs.transfer.neighbours]
    else:
        near = list(registry.similar(profile, k=k + 1, space=study.space)["study"])
    near = [name for name in near if name != study.name and name not in same][:k]
    records = {r.name: r for r in registry.records([n for n in same + near if n in registry])}
    metric, direction = primary(study.objectives)
    baselines = [
        records[n] for n in same if n in records and records[n].objectives == study.objectives
    ]
    similar = [
        records[n] for n in near if n in records and records[n].objectives.get(metric) == direction
    ]
    return baselines, similar
