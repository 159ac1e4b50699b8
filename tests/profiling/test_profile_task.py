import json

import numpy as np
import pandas as pd
import pytest
from sklearn import datasets

import hpxplore as hpx
from hpxplore.exceptions import HpxploreError, InputError


def test_classification_profile_has_the_design_meta_features(sklearn_frames):
    profile = hpx.profile_task(
        sklearn_frames["iris"], target="target", name="iris", tags={"model": "hgb"}
    )
    mf = profile.meta_features
    assert profile.task_type == "classification"
    assert (mf["n_rows"], mf["n_features"], mf["n_classes"]) == (150, 4, 3)
    assert mf["class_entropy"] == pytest.approx(1.0)
    assert mf["numeric_share"] == 1.0 and mf["missing_share"] == 0.0
    # landmarkers are real CV scores: iris is easy for 1-NN and a linear model, hard for a stump
    assert mf["landmark_1nn"] > 0.9 and mf["landmark_linear"] > 0.9
    assert 0.5 < mf["landmark_stump"] < 0.75
    assert 0 <= mf["label_noise"] < 0.1
    assert profile.fingerprint.startswith("sha256:") and profile.tags == {"model": "hgb"}


def test_regression_profile_reports_target_shape():
    df = datasets.load_diabetes(as_frame=True).frame
    profile = hpx.profile_task(df, target="target", name="diabetes")
    assert profile.task_type == "regression"
    assert "target_skew" in profile.meta_features and "n_classes" not in profile.meta_features
    assert 0.3 < profile.meta_features["landmark_linear"] < 0.6  # ridge R² on diabetes


def test_label_noise_estimate_rises_with_flipped_labels(sklearn_frames):
    df = sklearn_frames["breast_cancer"]
    rng = np.random.default_rng(0)
    noisy = df.copy()
    flip = rng.random(len(df)) < 0.25
    noisy.loc[flip, "target"] = 1 - noisy.loc[flip, "target"]
    clean = hpx.profile_task(df, target="target").meta_features["label_noise"]
    dirty = hpx.profile_task(noisy, target="target").meta_features["label_noise"]
    assert dirty > clean + 0.1


def test_mixed_types_missing_values_and_dates():
    rng = np.random.default_rng(1)
    n = 300
    df = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "city": rng.choice(["a", "b", "c"], n),
            "when": pd.date_range("2026-01-01", periods=n, freq="h"),
            "y": rng.choice(["yes", "no"], n, p=[0.2, 0.8]),
        }
    )
    df.loc[::10, "x"] = np.nan
    profile = hpx.profile_task(df, target="y")
    mf = profile.meta_features
    assert mf["categorical_share"] == pytest.approx(1 / 3)
    assert mf["missing_share"] == pytest.approx(30 / (3 * n))
    assert mf["rows_with_missing_share"] == pytest.approx(0.1)
    assert mf["minority_share"] == pytest.approx((df.y == "yes").mean())
    assert any("datetime column 'when'" in note for note in profile.notes)


def test_fingerprint_changes_with_the_data_and_is_stable(sklearn_frames):
    df = sklearn_frames["wine"]
    a = hpx.profile_task(df, target="target")
    b = hpx.profile_task(df.copy(), target="target")
    changed = df.copy()
    changed.iloc[0, 0] += 1
    assert a.fingerprint == b.fingerprint == a.to_dict()["fingerprint"]
    assert hpx.profile_task(changed, target="target").fingerprint != a.fingerprint
    assert a.meta_features == b.meta_features  # seeded: same profile twice


def test_large_frame_profiles_from_a_subsample():
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(100_000, 50)), columns=[f"f{i}" for i in range(50)])
    df["y"] = (df["f0"] + rng.normal(size=len(df)) > 0).astype(int)
    profile = hpx.profile_task(df, target="y", name="big")
    assert profile.meta_features["n_rows"] == 100_000
    assert 0.6 < profile.meta_features["landmark_stump"] < 0.8  # f0 explains it, with noise


def test_profile_is_json_and_frozen(sklearn_frames):
    profile = hpx.profile_task(sklearn_frames["iris"], target="target", name="iris")
    again = hpx.TaskProfile.from_json(json.dumps(json.loads(profile.to_json())))
    assert again == profile
    with pytest.raises(TypeError):
        profile.meta_features["n_rows"] = 1
    with pytest.raises(AttributeError):
        profile.name = "other"


def test_profile_from_meta_features_only():
    p = hpx.TaskProfile.from_meta_features(
        "openml-31", {"n_rows": 1000, "n_features": 20, "x": None}
    )
    assert dict(p.meta_features) == {"n_rows": 1000.0, "n_features": 20.0}
    with pytest.raises(InputError, match="Leave it out"):
        hpx.TaskProfile.from_meta_features("t", {"n_rows": float("nan")})
    with pytest.raises(InputError, match="must be a number"):
        hpx.TaskProfile.from_meta_features("t", {"n_rows": "many"})
    with pytest.raises(InputError, match="no meta-features"):
        hpx.TaskProfile.from_meta_features("t", {})


BAD_FRAMES = {
    "empty frame": (pd.DataFrame(), "y", {}, "frame is empty"),
    "not a frame": ([[1, 2]], "y", {}, "needs a pandas DataFrame"),
    "missing target": (
        pd.DataFrame({"x": range(20), "label": [0, 1] * 10}),
        "lable",
        {},
        r"did you mean \['label'\]",
    ),
    "missing target among many columns": (
        pd.DataFrame({f"f{i}": range(3) for i in range(30)}),
        "zzz",
        {},
        r"its 30 columns are \['f0', .*'f19', … and 10 more\]",
    ),
    "target all missing": (
        pd.DataFrame({"x": range(20), "y": [np.nan] * 20}),
        "y",
        {},
        "all missing",
    ),
    "single class": (pd.DataFrame({"x": range(20), "y": ["a"] * 20}), "y", {}, "single class"),
    "non-numeric regression target": (
        pd.DataFrame({"x": range(20), "y": list("ab") * 10}),
        "y",
        {"task": "regression"},
        "not numeric",
    ),
    "all-NaN column, strict": (
        pd.DataFrame({"x": range(20), "z": [np.nan] * 20, "y": [0, 1] * 10}),
        "y",
        {"drop_useless": False},
        r"'z': all missing",
    ),
    "constant column, strict": (
        pd.DataFrame({"x": range(20), "c": [3] * 20, "y": [0, 1] * 10}),
        "y",
        {"drop_useless": False},
        r"'c': constant",
    ),
    "nothing to profile": (
        pd.DataFrame({"c": [3] * 20, "z": [np.nan] * 20, "y": [0, 1] * 10}),
        "y",
        {},
        r"No feature column can be profiled",
    ),
    "too few rows": (pd.DataFrame({"x": range(4), "y": [0, 1] * 2}), "y", {}, "at least 10"),
    "no features": (pd.DataFrame({"y": [0, 1] * 10}), "y", {}, "no feature columns"),
    "bad task": (
        pd.DataFrame({"x": range(20), "y": [0, 1] * 10}),
        "y",
        {"task": "ranking"},
        "'task' parameter",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FRAMES))
def test_bad_input_gets_an_error_with_a_fix(case):
    df, target, kwargs, fragment = BAD_FRAMES[case]
    with pytest.raises(HpxploreError, match=fragment) as info:
        hpx.profile_task(df, target=target, **kwargs)
    assert info.value.hint, "every error says how to fix it"


def test_useless_columns_are_skipped_and_the_profile_and_a_warning_say_so():
    df = pd.DataFrame({"x": np.arange(30.0), "c": 1, "z": np.nan, "y": [0, 1, 1] * 10})
    with pytest.warns(hpx.HpxploreWarning, match="skipped 2 feature column"):
        profile = hpx.profile_task(df, target="y")
    assert profile.meta_features["n_features"] == 1
    assert any("'c': constant" in n and "'z': all missing" in n for n in profile.notes)


def test_a_frame_made_from_an_array_profiles_as_its_named_twin():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    unnamed = pd.DataFrame(X).assign(target=y)  # integer column names
    named = pd.DataFrame(X, columns=[str(i) for i in range(4)]).assign(target=y)
    mixed = pd.DataFrame(X, columns=[0, "b", 2, "d"]).assign(target=y)
    expected = hpx.profile_task(named, target="target").meta_features
    for frame in (unnamed, mixed):
        got = hpx.profile_task(frame, target="target").meta_features
        assert got.keys() == expected.keys()
        assert got == pytest.approx(expected)


def test_missing_target_rows_are_left_out_noted_and_warned_about():
    df = pd.DataFrame({"x": np.arange(30.0), "y": [0, 1, np.nan] * 10})
    with pytest.warns(hpx.HpxploreWarning, match=r"left out 10 of 30 rows \(10 with a missing"):
        profile = hpx.profile_task(df, target="y")
    assert profile.meta_features["n_rows"] == 20
    assert profile.notes == ("10 row(s) left out: 10 with a missing target",)


def test_an_infinite_target_is_counted_once_as_infinite():
    df = pd.DataFrame({"x": np.arange(30.0), "y": [0.5, 1.5, np.inf, 2.5, np.nan] * 6})
    with pytest.warns(hpx.HpxploreWarning) as said:
        profile = hpx.profile_task(df, target="y", task="regression")
    assert profile.notes == (
        "12 row(s) left out: 6 with a missing target and 6 with an infinite target",
    )
    assert len([w for w in said if "left out" in str(w.message)]) == 1
