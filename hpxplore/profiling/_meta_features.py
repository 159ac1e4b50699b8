"""Simple meta-features: size, column types, missing values, target distribution."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["shape_features", "target_features"]

_CORR_SAMPLE_ROWS = 5000
_CORR_MAX_COLUMNS = 50


def shape_features(X: pd.DataFrame, numeric: list[str], seed: int) -> dict[str, float]:
    """Size, column types, missing share, skewness and correlation of the features."""
    n_rows, n_features = X.shape
    missing = X.isna()
    features = {
        "n_rows": float(n_rows),
        "n_features": float(n_features),
        "dimensionality": n_features / n_rows,
        "numeric_share": len(numeric) / n_features,
        "categorical_share": 1 - len(numeric) / n_features,
        "missing_share": float(missing.to_numpy().mean()),
        "rows_with_missing_share": float(missing.any(axis=1).mean()),
    }
    if numeric:
        sample = X[numeric]
        if n_rows > _CORR_SAMPLE_ROWS:
            sample = sample.sample(_CORR_SAMPLE_ROWS, random_state=seed)
        sample = sample.iloc[:, :_CORR_MAX_COLUMNS].astype(float)
        skew = sample.skew(numeric_only=True).abs().replace([np.inf, -np.inf], np.nan).dropna()
        if len(skew):
            features["mean_abs_skew"] = float(skew.mean())
        if sample.shape[1] >= 2:
            corr = sample.corr().abs().to_numpy()
            upper = corr[np.triu_indices_from(corr, k=1)]
            upper = upper[np.isfinite(upper)]
            if upper.size:
                features["mean_abs_corr"] = float(upper.mean())
    return features


def target_features(y: pd.Series, task_type: str) -> dict[str, float]:
    """Class count, balance and entropy; or skew and kurtosis for regression."""
    if task_type == "classification":
        counts = y.value_counts().to_numpy(dtype=float)
        counts = counts[counts > 0]  # a categorical target's unused categories
        shares = counts / counts.sum()
        k = len(counts)
        entropy = float(-(shares * np.log(shares)).sum() / np.log(k)) if k > 1 else 0.0
        return {
            "n_classes": float(k),
            "class_entropy": entropy,
            "majority_share": float(shares.max()),
            "minority_share": float(shares.min()),
            "imbalance_ratio": float(counts.max() / counts.min()),
        }
    from scipy import stats

    values = y.to_numpy(dtype=float)
    values = (values - np.median(values)) / (np.max(np.abs(values - np.median(values))) or 1.0)
    return {  # skew and kurtosis do not depend on the scale: taken where nothing overflows
        "target_skew": float(stats.skew(values)),
        "target_kurtosis": float(max(stats.kurtosis(values), -2.0) + 2.0),
    }
