"""Similarity: neighbours ranked, and what each meta-feature contributed to the distance.

A bar per neighbour, split by meta-feature: each segment is that feature's share of the
squared distance (the similarity lost to it). The dashed line is the registry's
out-of-distribution threshold: bars past it are no close analog.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from hpxplore.viz._text import escape

__all__ = ["SimilarityInfo", "similarity_figure", "similarity_info"]

_TOP_FEATURES = 6


@dataclass(frozen=True)
class SimilarityInfo:
    query: str
    studies: list[str]  # most similar first
    similarity: list[float]
    in_distribution: list[bool]
    segments: dict[str, list[float]]  # feature -> its part of each study's squared distance
    threshold: float  # on the squared-distance axis
    out_of_distribution: bool  # no neighbour is close: transfer is off


def similarity_info(neighbours: pd.DataFrame) -> SimilarityInfo:
    """From ``Registry.similar``'s table (or ``recs.neighbours``)."""
    attrs = neighbours.attrs
    threshold = float(attrs.get("threshold", float("nan"))) ** 2
    if neighbours.empty:
        return SimilarityInfo(str(attrs.get("query", "")), [], [], [], {}, threshold, True)
    totals: dict[str, float] = {}
    for contributions, distance in zip(
        neighbours["contributions"], neighbours["distance"], strict=True
    ):
        for feature, share in contributions.items():
            totals[feature] = totals.get(feature, 0.0) + share * distance**2
    top = sorted(totals, key=lambda f: -totals[f])[:_TOP_FEATURES]
    segments: dict[str, list[float]] = {f: [] for f in [*top, "other features"]}
    for contributions, distance in zip(
        neighbours["contributions"], neighbours["distance"], strict=True
    ):
        d2 = float(distance) ** 2
        for feature in top:
            segments[feature].append(contributions.get(feature, 0.0) * d2)
        rest = sum(share for f, share in contributions.items() if f not in top)
        segments["other features"].append(rest * d2)
    if not any(segments["other features"]):
        del segments["other features"]
    return SimilarityInfo(
        query=str(attrs.get("query", "")),
        studies=[str(s) for s in neighbours["study"]],
        similarity=[float(s) for s in neighbours["similarity"]],
        in_distribution=[bool(x) for x in neighbours["in_distribution"]],
        segments=segments,
        threshold=threshold,
        out_of_distribution=not bool(neighbours["in_distribution"].any()),
    )


def similarity_figure(info: SimilarityInfo) -> go.Figure:
    labels = [
        f"{escape(s)} ({sim:.2f}){'' if ok else ' ⚠'}"
        for s, sim, ok in zip(info.studies, info.similarity, info.in_distribution, strict=True)
    ]
    fig = go.Figure()
    for feature, values in info.segments.items():
        fig.add_bar(
            y=labels,
            x=values,
            name=escape(feature),
            orientation="h",
            hovertemplate=f"{escape(feature)}: %{{x:.3f}}<extra>%{{y}}</extra>",
        )
    if info.threshold == info.threshold:  # not NaN
        fig.add_vline(
            x=info.threshold,
            line_dash="dash",
            line_color="firebrick",
            annotation_text="no close analog beyond",
            annotation_position="top",
        )
    title = f"Prior studies most similar to {escape(info.query)}"
    if info.out_of_distribution:
        title += " — no close analog: transfer is off"
    fig.update_layout(
        title=title,
        barmode="stack",
        xaxis_title="squared distance, split by meta-feature (smaller = more similar)",
        yaxis={"autorange": "reversed", "title": "study (similarity)"},
        legend_title="meta-feature",
        height=max(320, 60 + 36 * len(labels)),
        margin={"l": 10, "r": 10, "t": 60, "b": 40},
    )
    return fig
