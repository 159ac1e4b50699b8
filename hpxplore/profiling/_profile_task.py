"""profile_task: a DataFrame and its target column -> TaskProfile."""

from __future__ import annotations

import difflib
import hashlib
import math
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from hpxplore.exceptions import HpxploreWarning, InputError
from hpxplore.profiling._meta_features import shape_features, target_features
from hpxplore.profiling._profile import TaskProfile

__all__ = ["MIN_ROWS", "data_fingerprint", "profile_task"]

MIN_ROWS = 10
_MAX_CLASSES_FOR_INT_TARGET = 20
_HUGE = 1e150  # a value this large overflows the models' sums of squares: treated as missing


def data_fingerprint(df: pd.DataFrame) -> str:
    """A SHA-256 of the frame's column names, dtypes and values (row order included)."""
    digest = hashlib.sha256()
    digest.update("\x1f".join(f"{c}:{t}" for c, t in df.dtypes.astype(str).items()).encode())
    try:
        hashed = pd.util.hash_pandas_object(df, index=False)
    except TypeError:  # lists, dicts, sets or arrays in a column: hashed by their text
        objects = df.select_dtypes("object").columns
        hashed = pd.util.hash_pandas_object(df.astype(dict.fromkeys(objects, str)), index=False)
    digest.update(hashed.to_numpy().tobytes())
    return "sha256:" + digest.hexdigest()


def _infer_task_type(y: pd.Series, target: str) -> str:
    if (
        isinstance(y.dtype, pd.CategoricalDtype)
        or y.dtype == bool
        or not pd.api.types.is_numeric_dtype(y)
    ):
        return "classification"
    values = y.to_numpy(dtype=float)
    if np.all(np.mod(values, 1) == 0) and y.nunique() <= _MAX_CLASSES_FOR_INT_TARGET:
        return "classification"
    return "regression"


def _column_list(columns: Any, shown: int = 20) -> str:
    """The first ``shown`` column names, and how many more there are."""
    names = ", ".join(repr(c) for c in list(columns)[:shown])
    rest = len(columns) - shown
    return f"[{names}, … and {rest} more]" if rest > 0 else f"[{names}]"


def _check_frame(df: Any, target: Any) -> None:
    if not isinstance(df, pd.DataFrame):
        raise InputError(
            f"profile_task needs a pandas DataFrame, got {type(df).__name__}.",
            "Wrap your data: pd.DataFrame(X).assign(y=y).",
        )
    if df.shape[0] == 0 or df.shape[1] == 0:
        raise InputError(
            f"The frame is empty ({df.shape[0]} rows x {df.shape[1]} columns).",
            "Pass the task's data: one row per example, the features and the target as columns.",
        )
    if target not in df.columns:
        close = difflib.get_close_matches(str(target), [str(c) for c in df.columns], n=3)
        raise InputError(
            f"The target column {target!r} is not in the frame"
            + (
                f" (did you mean {close}?)."
                if close
                else f"; its {len(df.columns)} columns are {_column_list(df.columns)}."
            ),
            "Pass target= the name of the column to predict.",
        )
    if df.columns.duplicated().any():
        dup = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        raise InputError(
            f"The frame has duplicate column names {dup}.", "Rename them so each is unique."
        )


def _string_columns(X: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """The feature columns named by unique, printable strings (``pd.DataFrame(array)`` has
    integer names; an empty or NUL name, or two that print alike, is renamed)."""
    names = [str(c) for c in X.columns]
    renamed = {}
    for i, name in enumerate(names):
        if not name.strip() or "\x00" in name or names.count(name) > 1:
            names[i] = f"column_{i}"
            renamed[repr(X.columns[i])] = names[i]
    if renamed:
        notes.append(f"renamed feature column(s) {renamed}")
    return X.set_axis(names, axis=1)


def _unusable_columns(X: pd.DataFrame) -> dict[str, str]:
    """Feature columns nothing can be learnt from, with the reason."""
    reasons = {}
    for column in X.columns:
        values = X[column]
        if pd.api.types.is_complex_dtype(values):
            reasons[column] = "complex numbers"
            continue
        try:
            distinct = values.nunique(dropna=False)
        except TypeError:  # lists, dicts, sets: no value can be compared
            reasons[column] = "values that are not single numbers or labels"
            continue
        if values.isna().all():
            reasons[column] = "all missing"
        elif distinct <= 1:
            reasons[column] = "constant"
    return reasons


def _prepare_features(X: pd.DataFrame, notes: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Datetimes become numbers, infinities become missing; returns numeric column names."""
    X = X.copy()
    for column in X.columns:
        if pd.api.types.is_datetime64_any_dtype(X[column]):
            X[column] = X[column].astype("int64").where(X[column].notna()) / 1e9
            notes.append(f"datetime column {column!r} used as seconds since the epoch")
    numeric = [
        c
        for c in X.columns
        if pd.api.types.is_numeric_dtype(X[c]) and not pd.api.types.is_bool_dtype(X[c])
    ]
    if numeric:
        values = X[numeric].astype(float)
        infinite = np.isinf(values.to_numpy())
        huge = np.abs(values.to_numpy()) > _HUGE
        if infinite.any():
            notes.append(f"{int(infinite.sum())} infinite value(s) treated as missing")
        if (huge & ~infinite).any():
            notes.append(
                f"{int((huge & ~infinite).sum())} value(s) beyond ±{_HUGE:.0e} treated as missing"
            )
        if huge.any():
            X[numeric] = values.mask(huge)
    return X, [str(c) for c in numeric]


def profile_task(
    df: pd.DataFrame,
    target: str,
    *,
    name: str | None = None,
    tags: Mapping[str, Any] | None = None,
    task: str = "auto",
    drop_useless: bool = True,
    landmarks: bool = True,
    seed: int = 0,
) -> TaskProfile:
    """Profile a task: meta-features, landmarkers and a data fingerprint.

    Args:
        df: one row per example; the features and the target as columns.
        target: the column to predict.
        name: the task's name (default: ``"task-<fingerprint prefix>"``).
        tags: free labels, e.g. ``{"model": "hgb", "dataset_version": "2026-11"}``.
        task: ``"classification"``, ``"regression"`` or ``"auto"`` (inferred from the target).
        drop_useless: skip the feature columns nothing can be learnt from (all missing,
            constant, complex or non-scalar values), saying so in the profile's notes and a
            warning (the default); ``False`` refuses such a frame.
        landmarks: compute the landmarkers (cheap models' CV scores) and label noise.
        seed: seed of the subsampling and cross-validation.

    Example:
        >>> from sklearn.datasets import load_iris
        >>> df = load_iris(as_frame=True).frame
        >>> p = profile_task(df, target="target", name="iris", tags={"model": "hgb"})
        >>> p.meta_features["n_classes"]
        3.0
    """
    _check_frame(df, target)
    if task not in ("auto", "classification", "regression"):
        raise InputError(
            f"The 'task' parameter of profile_task must be 'auto', 'classification' or "
            f"'regression'. Got {task!r} instead.",
            "Pass task='auto' to infer it from the target.",
        )
    notes: list[str] = []
    y = df[target]
    if isinstance(y.dtype, pd.CategoricalDtype):
        y = y.cat.remove_unused_categories()
    numeric = pd.api.types.is_numeric_dtype(y) and not pd.api.types.is_bool_dtype(y)
    infinite = np.zeros(len(y), dtype=bool)
    if numeric:
        if pd.api.types.is_complex_dtype(y):
            raise InputError(
                f"The target {target!r} holds complex numbers.",
                "Pass a real-valued target (e.g. its modulus) or class labels.",
            )
        infinite = np.isinf(y.to_numpy(dtype=float))
        if infinite.any():
            y = y.mask(infinite)
    try:
        y.nunique()
    except TypeError:
        raise InputError(
            f"The target {target!r} holds values that are not single numbers or labels.",
            "Pass one label or number per row as the target.",
        ) from None
    if y.isna().all():
        raise InputError(
            f"The target column {target!r} has no values (all missing).",
            "Pick the column that holds the labels, or fill it.",
        )
    known = y.notna().to_numpy()
    if not known.all():
        counts = {
            "a missing target": int((~known).sum()) - int(infinite.sum()),
            "an infinite target": int(infinite.sum()),
        }
        said = " and ".join(f"{n} with {kind}" for kind, n in counts.items() if n)
        notes.append(f"{int((~known).sum())} row(s) left out: {said}")
        warnings.warn(
            f"profile_task left out {int((~known).sum())} of {len(y)} rows ({said}): the "
            f"profile describes the other {int(known.sum())}. The profile's notes say so too.",
            HpxploreWarning,
            stacklevel=2,
        )
    X = df.loc[known].drop(columns=[target])
    y = y.loc[known]
    task_type = _infer_task_type(y, target) if task == "auto" else task

    numeric_target = pd.api.types.is_numeric_dtype(y) and not pd.api.types.is_bool_dtype(y)
    if task_type == "regression" and not numeric_target:
        raise InputError(
            f"The target {target!r} has dtype {y.dtype}, which is not numeric, but the task is regression.",
            "Convert the target to numbers, or pass task='classification'.",
        )
    if y.nunique() < 2:
        what = "a single class" if task_type == "classification" else "a constant value"
        raise InputError(
            f"The target {target!r} has {what} ({y.iloc[0]!r}): there is nothing to learn.",
            "Check the target column, or the filter that selected these rows.",
        )
    if len(y) < MIN_ROWS:
        raise InputError(
            f"The task has {len(y)} rows with a known target; profiling needs at least {MIN_ROWS}.",
            "Profile a larger sample, or use TaskProfile.from_meta_features for a tiny task.",
        )
    if X.shape[1] == 0:
        raise InputError(
            f"The frame has no feature columns besides the target {target!r}.",
            "Pass the frame with its feature columns, not the target alone.",
        )

    X = _string_columns(X, notes)
    unusable = _unusable_columns(X)
    if unusable:
        problems = "; ".join(f"{c!r}: {why}" for c, why in unusable.items())
        if not drop_useless:
            raise InputError(
                f"Feature columns carry no information ({problems}).",
                "Drop them, or leave drop_useless at its default (True) to skip them.",
            )
        if len(unusable) == X.shape[1]:
            raise InputError(
                f"No feature column can be profiled ({problems}).",
                "Pass the frame's informative feature columns beside the target.",
            )
        X = X.drop(columns=list(unusable))
        notes.append(f"skipped feature column(s) {problems}")
        warnings.warn(
            f"profile_task skipped {len(unusable)} feature column(s): {problems}. "
            "The profile's notes say so too.",
            HpxploreWarning,
            stacklevel=2,
        )

    X, numeric = _prepare_features(X, notes)
    meta = shape_features(X, numeric, seed)
    meta.update(target_features(y, task_type))
    if landmarks:
        from hpxplore.profiling._landmarkers import landmarkers  # scikit-learn loads here only

        meta.update(landmarkers(X, y, numeric, task_type, seed))
    failed = sorted(k for k, v in meta.items() if not math.isfinite(v))
    if failed:
        notes.append(f"meta-feature(s) {failed} could not be computed on this data: left out")
        meta = {k: v for k, v in meta.items() if k not in failed}
    fingerprint = data_fingerprint(df)
    return TaskProfile(
        name=name or f"task-{fingerprint[7:19]}",
        meta_features=meta,
        tags=dict(tags or {}),
        task_type=task_type,
        target=str(target),
        fingerprint=fingerprint,
        notes=tuple(notes),
    )
