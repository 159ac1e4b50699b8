"""explore(): one dashboard over a study and its recommendations, with an Export button."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import ipywidgets as W
import plotly.graph_objects as go

from hpxplore.exceptions import ExportTargetExistsError, HpxploreWarning, InputError
from hpxplore.viz import escape
from hpxplore.widgets._cards import error_card, fill_width, guarded, note
from hpxplore.widgets._health_view import HealthView
from hpxplore.widgets._pareto_view import ParetoView
from hpxplore.widgets._progress_view import ProgressView
from hpxplore.widgets._rationale_view import RationaleView
from hpxplore.widgets._recommendation_board import RecommendationBoard
from hpxplore.widgets._sensitivity_view import SensitivityView
from hpxplore.widgets._similarity_view import SimilarityView

if TYPE_CHECKING:
    from hpxplore.study import Study
    from hpxplore.transfer import Recommendations

__all__ = ["Dashboard", "explore"]


class Dashboard(W.VBox):
    """Tabs: similarity, recommendations, Pareto, progress, sensitivity, health, rationale;
    then Export.

    A panel that cannot be built shows an error card; the others still work.
    """

    def __init__(
        self,
        study: Study | None = None,
        recs: Recommendations | None = None,
        *,
        path: str = "chosen.yaml",
    ) -> None:
        if study is None and recs is None:
            raise InputError(
                "explore() needs a study, recommendations, or both.",
                "Pass e.g. hpx.explore(study, recs) or hpx.explore(recs=recs).",
            )
        self.study, self.recs = study, recs
        self.similarity = self.board = self.pareto = self.progress = self.sensitivity = None
        self.health = None
        panels: list[tuple[str, W.Widget]] = []
        if recs is not None:
            self.similarity = guarded("Similarity", lambda: SimilarityView(recs.neighbours))
            self.board = guarded("Recommendations", lambda: RecommendationBoard(recs))
            panels += [("Similarity", self.similarity), ("Recommendations", self.board)]
        if study is not None:
            self.pareto = guarded("Pareto", lambda: ParetoView(study))
            self.progress = guarded("Progress", lambda: ProgressView(study, recs))
            self.sensitivity = guarded("Sensitivity", lambda: SensitivityView(study))
            self.health = guarded("Health", lambda: HealthView(study))
            panels += [
                ("Pareto", self.pareto),
                ("Progress", self.progress),
                ("Sensitivity", self.sensitivity),
                ("Health", self.health),
            ]
        self.rationale = guarded("Rationale", lambda: RationaleView(recs, study))
        panels.append(("Rationale", self.rationale))
        self.tabs = W.Tab(children=[w for _, w in panels], titles=[t for t, _ in panels])
        if study is not None:  # what a running study is watched on, drawn at its full width
            self.tabs.selected_index = [t for t, _ in panels].index("Pareto")
        self.tabs.observe(lambda change: self._shown(change["new"]), names="selected_index")
        self.path = W.Text(value=path, description="export to", layout=W.Layout(width="60%"))
        self.path.add_class("hpx-export-path")
        self.overwrite = W.Checkbox(value=False, description="overwrite", indent=False)
        self.export_button = W.Button(
            description="Export", icon="download", button_style="primary", disabled=study is None
        )
        self.export_button.add_class("hpx-export")
        self.export_button.on_click(lambda _: self.export())
        self.status = W.HTML()
        self.status.add_class("hpx-export-status")
        self.exported: dict[str, Any] | None = None
        super().__init__(
            [
                W.HTML(_STYLE),
                self.tabs,
                W.HBox([self.path, self.overwrite, self.export_button]),
                self.status,
            ]
        )
        self.add_class("hpx-dashboard")

    def _shown(self, index: int | None) -> None:
        """A panel was built hidden: its charts were sized for no room. Redraw them now."""
        if index is None:
            return
        for figure in _figures(self.tabs.children[index]):
            fill_width(figure)

    def export(self) -> dict[str, Any] | None:
        """Export the trial selected in the Pareto view (or the best, with one objective)."""
        from hpxplore.export import export_config

        trial = self.pareto.selected if isinstance(self.pareto, ParetoView) else None
        if trial is None and len(self.study.objectives) > 1:
            self.status.value = (
                "<b>Nothing was exported.</b> With several objectives no single trial is best: "
                "click a point in the Pareto tab first."
            )
            return None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", HpxploreWarning)  # said below, in the status
                self.exported = export_config(
                    self.study, trial, self.path.value, overwrite=self.overwrite.value
                )
        except ExportTargetExistsError as error:
            hint = "Tick 'overwrite' beside the file name, or change the name."
            exists = ExportTargetExistsError(error.message, hint)
            self.status.value = error_card("Nothing was exported", exists).value
            return None
        except Exception as error:
            self.status.value = error_card("Nothing was exported", error).value
            return None
        chosen = self.exported["provenance"]["trial"]
        text = (
            f"Exported trial {chosen} of {escape(self.study.name)} to "
            f"<code>{escape(self.path.value)}</code>."
        )
        broken = self.exported.get("broken_constraints")
        if broken:
            text += (
                f" <b>It is infeasible</b>: it breaks {escape('; '.join(broken))} "
                "(the file says so)."
            )
        self.status.value = note(text, "warning" if broken else "ok").value
        return self.exported


# Tab labels and buttons as wide as their words (JupyterLab's defaults cut "Recommendations"
# to "Recommendation:" and "Compute sensitivity" to "Compute sensi...").
_STYLE = """<style>
.hpx-dashboard .jupyter-widgets.jupyter-widget-tab > .lm-TabBar .lm-TabBar-tab {
  flex: 0 0 auto; min-width: fit-content; max-width: none; }
.hpx-dashboard .widget-button, .hpx-dashboard .jupyter-button { width: auto; min-width: fit-content; }
</style>"""


def _figures(widget: Any) -> list[go.FigureWidget]:
    """The plotly FigureWidgets inside ``widget``, however deep."""
    if isinstance(widget, go.FigureWidget):
        return [widget]
    return [f for child in getattr(widget, "children", ()) for f in _figures(child)]


def explore(
    study: Study | None = None, recs: Recommendations | None = None, *, path: str = "chosen.yaml"
) -> Dashboard:
    """The notebook dashboard: ``hpx.explore(study, recs)``.

    Similarity and recommendations (accept / reject, stored in the registry), the Pareto
    frontier (live while the study runs; click a point to select it), sensitivity, the
    rationale and the monitor's events, and an Export button that writes the selected
    trial's config with its provenance to ``path``.
    """
    return Dashboard(study, recs, path=path)
