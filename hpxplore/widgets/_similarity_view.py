"""SimilarityView: the nearest prior studies, what drove each match, and the OOD warning."""

from __future__ import annotations

import ipywidgets as W
import pandas as pd
import plotly.graph_objects as go

from hpxplore.viz import escape, similarity_figure, similarity_info
from hpxplore.widgets._cards import html_table, note

__all__ = ["SimilarityView"]


class SimilarityView(W.VBox):
    """Neighbours ranked by similarity, meta-feature contributions as stacked bars.

    Args:
        neighbours: ``registry.similar(profile)`` or ``recs.neighbours``.
    """

    def __init__(self, neighbours: pd.DataFrame) -> None:
        self.info = similarity_info(neighbours)
        self.figure = go.FigureWidget(similarity_figure(self.info))
        parts: list[W.Widget] = []
        if self.info.out_of_distribution:
            threshold = neighbours.attrs.get("threshold", float("nan"))
            parts.append(
                note(
                    f"<b>No close analog</b> for {escape(self.info.query)}: every prior study "
                    f"is farther than the registry's threshold ({threshold:.2f}). Transfer is "
                    "off; start cold.",
                    "warning",
                    "hpx-ood-warning",
                )
            )
        rows = [
            (
                study,
                f"{sim:.3f}",
                "yes" if ok else "no",
                ", ".join(f"{f} ({dev.get(f, 0.0):+.2f})" for f in list(contrib)[:3]),
            )
            for study, sim, ok, contrib, dev in zip(
                neighbours.get("study", []),
                neighbours.get("similarity", []),
                neighbours.get("in_distribution", []),
                neighbours.get("contributions", []),
                neighbours.get("deviations", []),
                strict=True,
            )
        ]
        table = W.HTML(
            html_table(
                ["study", "similarity", "close analog", "largest gaps (new minus prior, scaled)"],
                rows,
            )
        )
        super().__init__([*parts, self.figure, table])
        self.add_class("hpx-similarity")
