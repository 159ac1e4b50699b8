import numpy as np
import pandas as pd
import pytest

import hpxplore as hpx
from hpxplore.exceptions import InputError
from hpxplore.similarity import SIMILARITY_COLUMNS, nearest
from tests.conftest import make_trials


@pytest.fixture(scope="module")
def prior_profiles(sklearn_frames):
    """Two studies per bundled dataset: on the full data and on a 80 % sample."""
    profiles = {}
    for name, df in sklearn_frames.items():
        for label, frame in (("full", df), ("sample", df.sample(frac=0.8, random_state=1))):
            profiles[f"{name}-{label}"] = hpx.profile_task(
                frame,
                target="target",
                name=f"{name}-{label}",
                tags={"model": "hgb"},
                drop_useless=True,
            )
    return profiles


@pytest.fixture
def filled_registry(tmp_path, prior_profiles, space, objectives):
    reg = hpx.Registry(tmp_path / "r.db")
    for name, profile in prior_profiles.items():
        reg.add_study(name, profile, space, objectives, make_trials(4))
    return reg


@pytest.mark.parametrize("dataset", ["iris", "wine", "breast_cancer", "digits"])
def test_a_new_sample_of_a_known_task_finds_that_task_first(
    filled_registry, sklearn_frames, dataset
):
    new = sklearn_frames[dataset].sample(frac=0.6, random_state=7)
    profile = hpx.profile_task(new, target="target", name=f"{dataset}-new", drop_useless=True)
    ranked = filled_registry.similar(profile, k=3)
    assert list(ranked.columns[: len(SIMILARITY_COLUMNS)]) == SIMILARITY_COLUMNS
    assert ranked.loc[0, "study"].startswith(dataset)
    assert ranked.loc[0, "in_distribution"] and ranked.attrs["in_distribution"]
    assert ranked["similarity"].is_monotonic_decreasing
    assert ranked["similarity"].between(0, 1).all()
    assert sum(ranked.loc[0, "contributions"].values()) == pytest.approx(1.0)


def test_identical_profile_has_similarity_one(prior_profiles):
    target = prior_profiles["wine-full"]
    ranked = nearest(target, prior_profiles, k=None)
    assert ranked.loc[0, "study"] == "wine-full"
    assert ranked.loc[0, "similarity"] == pytest.approx(1.0) and ranked.loc[0, "distance"] == 0
    assert len(ranked) == len(prior_profiles)


def test_contributions_name_the_feature_that_differs(prior_profiles):
    base = prior_profiles["breast_cancer-full"]
    changed = hpx.TaskProfile.from_meta_features(
        "bigger", {**base.meta_features, "n_rows": base.meta_features["n_rows"] * 500}
    )
    row = nearest(changed, {"bc": base, **prior_profiles}, k=None).set_index("study").loc["bc"]
    assert next(iter(row["contributions"])) == "n_rows"
    assert row["contributions"]["n_rows"] > 0.9
    assert row["deviations"]["n_rows"] > 0  # the new task is larger


def test_far_away_task_has_no_close_analog(filled_registry):
    alien = hpx.TaskProfile.from_meta_features(
        "alien",
        {
            "n_rows": 2_000_000,
            "n_features": 3000,
            "n_classes": 200,
            "numeric_share": 0.1,
            "categorical_share": 0.9,
            "missing_share": 0.4,
            "landmark_1nn": 0.05,
            "landmark_stump": 0.02,
            "landmark_linear": 0.04,
            "label_noise": 0.6,
            "class_entropy": 0.3,
        },
    )
    ranked = filled_registry.similar(alien, k=5)
    assert not ranked["in_distribution"].any()
    assert ranked.attrs["in_distribution"] is False
    assert ranked["distance"].min() > ranked.attrs["threshold"]
    assert ranked["similarity"].max() < 0.01


def test_partial_profiles_use_the_shared_meta_features(filled_registry):
    sized = hpx.TaskProfile.from_meta_features(
        "sized", {"n_rows": 170, "n_features": 13, "custom": 4}
    )
    ranked = filled_registry.similar(sized, k=2)
    assert set(ranked["n_shared"]) == {2}
    assert ranked.loc[0, "shared_features"] == ["n_features", "n_rows"]
    assert ranked.loc[0, "study"].startswith("wine")  # 178 rows, 13 features
    assert ranked.attrs["unused"] == ["custom"]


def test_weights_change_what_matters(prior_profiles):
    query = hpx.TaskProfile.from_meta_features(
        "q",
        {
            "n_rows": 150,
            "landmark_1nn": prior_profiles["digits-full"].meta_features["landmark_1nn"],
        },
    )
    by_size = nearest(query, prior_profiles, weights={"landmark_1nn": 0.0})
    by_landmark = nearest(query, prior_profiles, weights={"n_rows": 0.0})
    assert by_size.loc[0, "study"].startswith("iris")
    assert by_landmark.loc[0, "study"].startswith("digits")
    with pytest.raises(InputError, match=r"Unknown meta-feature\(s\) in weights: \['n_rowz'\]"):
        nearest(query, prior_profiles, weights={"n_rowz": 1.0})
    with pytest.raises(InputError, match=">= 0"):
        nearest(query, prior_profiles, weights={"n_rows": -1})


def test_filters_by_tag_and_search_space(filled_registry, prior_profiles, space, objectives):
    rf_space = {"n_estimators": hpx.Int(10, 500), "max_depth": hpx.Int(2, 30)}
    rf_trials = pd.DataFrame(
        {
            "n_estimators": [100, 200],
            "max_depth": [5, 9],
            "accuracy": [0.9, 0.8],
            "predict_ms": [1.0, 2.0],
        }
    )
    filled_registry.add_study(
        "iris-rf",
        prior_profiles["iris-full"].with_tags(model="rf"),
        rf_space,
        objectives,
        rf_trials,
    )
    query = prior_profiles["iris-full"]
    assert filled_registry.similar(query, k=1, tags={"model": "rf"})["study"].tolist() == [
        "iris-rf"
    ]
    by_space = filled_registry.similar(query, k=None, space=space)
    assert "iris-rf" not in set(by_space["study"])  # shares 1 of 3 parameters, and max_depth as int
    assert by_space["space_overlap"].eq(1.0).all()
    loose = filled_registry.similar(query, k=None, space=space, min_space_overlap=0.3)
    assert loose.set_index("study").loc["iris-rf", "space_overlap"] == pytest.approx(1 / 3)


def test_empty_registry_and_bad_arguments(tmp_path, prior_profiles):
    reg = hpx.Registry(tmp_path / "empty.db")
    ranked = reg.similar(prior_profiles["iris-full"])
    assert ranked.empty and list(ranked.columns[: len(SIMILARITY_COLUMNS)]) == SIMILARITY_COLUMNS
    assert ranked.attrs["in_distribution"] is False
    with pytest.raises(
        InputError, match=r"'k' parameter of similar must be an int in \[1, inf\). Got 0"
    ):
        reg.similar(prior_profiles["iris-full"], k=0)
    with pytest.raises(InputError, match="needs a TaskProfile"):
        reg.similar({"n_rows": 5})


def test_a_tight_registry_does_not_inflate_tiny_differences():
    twins = {
        f"t{i}": hpx.TaskProfile.from_meta_features(
            f"t{i}", {"n_rows": 1000 + i, "landmark_1nn": 0.9 + 1e-4 * i}
        )
        for i in range(6)
    }
    query = hpx.TaskProfile.from_meta_features("q", {"n_rows": 1100, "landmark_1nn": 0.91})
    ranked = nearest(query, twins)
    assert ranked["in_distribution"].all()  # spreads are floored: 10 % more rows is not "alien"


def test_a_small_registry_rarely_flags_a_task_drawn_like_its_own():
    """Leave one out of families of 8 tasks drawn alike: the held-out task must look in
    distribution (an empirical 95 % quantile of 7 distances flagged it ~1 time in 6),
    while the same task with 10,000x the rows and 3,000 features is still flagged."""
    rng = np.random.default_rng(0)

    def draw(name):
        facts = {
            "n_rows": float(10 ** rng.uniform(2.5, 4.5)),
            "n_features": float(int(10 ** rng.uniform(0.5, 1.5))),
            "n_classes": float(rng.integers(2, 8)),
            "categorical_share": float(rng.uniform(0, 1)),
        }
        return hpx.TaskProfile.from_meta_features(name, facts)

    flagged = alien_flagged = 0
    for _ in range(100):
        query, *others = [draw(f"t{i}") for i in range(8)]
        refs = {p.name: p for p in others}
        flagged += not nearest(query, refs, k=None).attrs["in_distribution"]
        alien = hpx.TaskProfile.from_meta_features(
            "alien",
            {
                **query.meta_features,
                "n_rows": query.meta_features["n_rows"] * 1e4,
                "n_features": 3000.0,
            },
        )
        alien_flagged += not nearest(alien, refs, k=None).attrs["in_distribution"]
    assert flagged <= 5
    assert alien_flagged >= 95


def test_the_nearest_distances_match_the_pairwise_ones_with_and_without_gaps():
    from hpxplore.similarity import _distances, _nearest_distances

    rng = np.random.default_rng(3)
    reference = rng.normal(size=(300, 5))
    w = np.array([1.0, 2.0, 0.0, 1.0, 0.5])
    pairwise, _ = _distances(reference[:, None, :], reference[None, :, :], w)
    np.fill_diagonal(pairwise, np.inf)
    np.testing.assert_allclose(_nearest_distances(reference, w), pairwise.min(axis=1))  # k-d tree
    gappy = reference.copy()
    gappy[rng.uniform(size=gappy.shape) < 0.2] = np.nan
    pairwise, _ = _distances(gappy[:, None, :], gappy[None, :, :], w)
    np.fill_diagonal(pairwise, np.inf)
    expected = np.nanmin(np.where(np.isnan(pairwise), np.inf, pairwise), axis=1)
    np.testing.assert_allclose(_nearest_distances(gappy, w), expected)  # blocks
