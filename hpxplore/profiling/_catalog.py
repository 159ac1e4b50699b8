"""The meta-features hpxplore computes: their meaning and how similarity scales them.

``scale`` says how a value is transformed before distances are taken: ``"log"`` for
counts and ratios spanning orders of magnitude (``log10(1 + x)``), ``"linear"`` for
shares and scores. ``min_spread`` is the smallest robust spread similarity assumes
for the feature, so that a registry of near-identical tasks does not blow tiny
differences up into large distances.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["META_FEATURES", "MetaFeature"]


@dataclass(frozen=True)
class MetaFeature:
    name: str
    description: str
    scale: str = "linear"
    min_spread: float = 0.05


def _catalog(*features: MetaFeature) -> dict[str, MetaFeature]:
    return {f.name: f for f in features}


META_FEATURES: dict[str, MetaFeature] = _catalog(
    MetaFeature("n_rows", "rows with a known target", "log", 0.25),
    MetaFeature("n_features", "feature columns", "log", 0.15),
    MetaFeature("dimensionality", "features per row", "log", 0.001),
    MetaFeature("numeric_share", "share of numeric features"),
    MetaFeature("categorical_share", "share of categorical features"),
    MetaFeature("missing_share", "share of missing feature cells", "linear", 0.02),
    MetaFeature("rows_with_missing_share", "share of rows with a missing feature", "linear", 0.02),
    MetaFeature("mean_abs_skew", "mean |skewness| of numeric features", "log", 0.1),
    MetaFeature("mean_abs_corr", "mean |correlation| between numeric features"),
    MetaFeature("n_classes", "classes of the target (classification)", "log", 0.1),
    MetaFeature("class_entropy", "normalized entropy of the class distribution"),
    MetaFeature("majority_share", "share of the most frequent class"),
    MetaFeature("minority_share", "share of the least frequent class", "linear", 0.02),
    MetaFeature("imbalance_ratio", "majority over minority class count", "log", 0.1),
    MetaFeature("target_skew", "skewness of the target (regression)", "linear", 0.25),
    MetaFeature("target_kurtosis", "excess kurtosis of the target (regression)", "log", 0.25),
    MetaFeature("landmark_stump", "CV score of a depth-1 decision tree"),
    MetaFeature("landmark_1nn", "CV score of 1-nearest-neighbour"),
    MetaFeature("landmark_linear", "CV score of a linear model"),
    MetaFeature("landmark_nb", "CV score of naive Bayes (classification)"),
    MetaFeature("label_noise", "estimated share of noisy labels (residual share for regression)"),
)
