"""The cap on BoTorch's mixed optimizer is set exactly where that optimizer alternates."""

from __future__ import annotations

import pytest

import hpxplore as hpx
from hpxplore.space import parse_space
from hpxplore.study import _ax
from hpxplore.study._session import AxSession

SPACES = {
    # every integer has more values than BoTorch keeps discrete: all relaxed, plain L-BFGS-B
    "wide integers": ({"x": hpx.Float(0, 1), "n": hpx.Int(1, 100), "m": hpx.Int(1, 60)}, False),
    "a narrow integer": ({"x": hpx.Float(0, 1), "n": hpx.Int(1, 5), "m": hpx.Int(1, 60)}, True),
    "few combinations": ({"x": hpx.Float(0, 1), "n": hpx.Int(1, 5)}, False),
    "ordered choice": (
        {"x": hpx.Float(0, 1), "c": hpx.Choice(["s", "m", "l"], ordered=True), "n": hpx.Int(1, 8)},
        True,
    ),
    "unordered choice": ({"x": hpx.Float(0, 1), "c": hpx.Choice(["a", "b", "c", "d"])}, False),
    # integers only: Ax enumerates or searches locally, unless there are too many and one is wide
    "few integers only": ({"n": hpx.Int(1, 5), "m": hpx.Int(1, 8)}, False),
    "many integers only": ({"n": hpx.Int(1, 200), "m": hpx.Int(1, 5), "k": hpx.Int(1, 20)}, True),
}


def _loss(config):
    return {
        "loss": (config.get("x", 0.5) - 0.3) ** 2
        + 0.01 * sum(len(str(v)) % 5 for v in config.values())
    }


@pytest.mark.parametrize("name", list(SPACES))
def test_the_cap_is_set_only_where_botorch_alternates(name, monkeypatch):
    """Where BoTorch does not alternate, a cap option would take its L-BFGS-B off the batched
    path: one 20-restart problem of up to 2,000 iterations (the 7-14 s generations)."""
    import botorch.optim.optimize_mixed as mixed

    space, alternates = SPACES[name]
    settings = _ax.AxSettings(name="cap", init_budget=4, warm_count=0, seed=0)
    session = AxSession.create(settings, parse_space(space), {"loss": "minimize"}, [])
    session.cap_optimizer()
    for trial in session.generate(4, model_next=False):
        session.complete(trial.trial_index, _loss(trial.config))
    steps = []
    real = mixed.continuous_step
    monkeypatch.setattr(mixed, "continuous_step", lambda *a, **k: steps.append(1) or real(*a, **k))
    session.generate(1, model_next=True)

    options = session.strategy._nodes[-1].generator_specs[0].generator_gen_kwargs
    capped = "maxiter_alternating" in options["model_gen_options"]["optimizer_kwargs"].get(
        "options", {}
    )
    assert bool(steps) == alternates == capped
    assert len(steps) <= _ax.MIXED_OPTIMIZER_ROUNDS


def test_a_narrowed_space_is_capped_again_when_widened():
    wide = parse_space({"x": hpx.Float(0, 1), "n": hpx.Int(1, 100), "m": hpx.Int(1, 60)})
    narrow = parse_space({"x": hpx.Float(0, 1), "n": hpx.Int(10, 20), "m": hpx.Int(1, 60)})
    settings = _ax.AxSettings(name="cap", init_budget=4, warm_count=0, seed=0)
    session = AxSession.create(settings, narrow, {"loss": "minimize"}, [])
    session.cap_optimizer()
    options = session.strategy._nodes[-1].generator_specs[0].generator_gen_kwargs
    options = options["model_gen_options"]["optimizer_kwargs"]["options"]
    assert options["maxiter_alternating"] == _ax.MIXED_OPTIMIZER_ROUNDS
    session.set_space(wide)
    assert "maxiter_alternating" not in options
