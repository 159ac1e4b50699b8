"""The hypervolume a front dominates, for any number of objectives."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hpxplore.pareto import hypervolume, hypervolume_gains


def test_two_objectives_one_maximized_one_minimized():
    # accuracy up, seconds down; reference: accuracy 0.5, 10 s
    points = np.array([[0.9, 8.0], [0.7, 2.0], [0.6, 9.0]])  # the last is dominated
    area = hypervolume(points, ["maximize", "minimize"], [0.5, 10.0])
    assert np.isclose(area, 0.4 * 2.0 + 0.2 * 6.0)


def test_three_objectives_of_boxes_that_overlap():
    points = np.array([[2.0, 1.0, 1.0], [1.0, 2.0, 1.0]])
    # two 2x1x1 boxes sharing a 1x1x1 cube, from a reference at the origin
    assert np.isclose(hypervolume(points, ["maximize"] * 3, [0.0, 0.0, 0.0]), 3.0)


def test_points_beyond_the_reference_add_nothing():
    assert hypervolume(np.array([[0.1, 0.1]]), ["maximize"] * 2, [0.5, 0.5]) == 0.0
    assert hypervolume(np.zeros((0, 3)), ["maximize"] * 3, [0.0] * 3) == 0.0


@settings(max_examples=40, deadline=None)
@given(
    arrays(np.float64, st.tuples(st.integers(1, 6), st.just(3)), elements=st.floats(0, 1)),
)
def test_exact_volume_matches_a_sampled_one(points):
    rng = np.random.default_rng(0)
    draws = rng.random((40_000, 3))
    inside = (draws[:, None, :] <= points[None]).all(axis=2).any(axis=1)
    exact = hypervolume(points, ["maximize"] * 3, [0.0] * 3)
    assert abs(exact - inside.mean()) < 0.015


@settings(max_examples=40, deadline=None)
@given(
    arrays(np.float64, st.tuples(st.integers(0, 5), st.just(2)), elements=st.floats(-1, 1)),
    arrays(np.float64, st.tuples(st.integers(1, 5), st.just(2)), elements=st.floats(-1, 1)),
)
def test_a_gain_is_never_negative_and_adds_up(points, candidates):
    directions, reference = ["maximize", "minimize"], [-1.0, 1.0]
    gains = hypervolume_gains(candidates, points, directions, reference)
    assert (gains >= -1e-12).all()
    for candidate, gain in zip(candidates, gains, strict=True):
        together = hypervolume(np.vstack([points, candidate]), directions, reference)
        assert np.isclose(together, hypervolume(points, directions, reference) + gain)
