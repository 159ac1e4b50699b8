import pytest

import hpxplore as hpx
from hpxplore.exceptions import InputError
from hpxplore.space import (
    parse_space,
    space_from_json,
    space_overlap,
    space_to_json,
    validate_config,
)


def test_space_round_trips_through_json(space):
    assert space_from_json(space_to_json(parse_space(space))) == space


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda: hpx.Float(1.0, 0.1), "`low < high` must hold"),
        (lambda: hpx.Float(0.0, 1.0, log=True), "needs `low > 0`"),
        (lambda: hpx.Float(0.0, float("nan")), "finite number"),
        (lambda: hpx.Int(1.5, 4), "must be an integer"),
        (lambda: hpx.Choice([]), "non-empty list"),
        (lambda: hpx.Choice(["a", "a"]), "distinct"),
    ],
)
def test_bad_specs_name_the_rule_and_values(make, fragment):
    with pytest.raises(InputError, match=fragment):
        make()


def test_config_validation_names_unknown_missing_and_out_of_range(space):
    good = {"learning_rate": 0.1, "max_depth": 3.0, "loss": "log_loss"}
    assert validate_config(space, good)["max_depth"] == 3
    with pytest.raises(InputError, match=r"Unknown parameter\(s\) \['n_estimators'\]"):
        validate_config(space, {**good, "n_estimators": 100})
    with pytest.raises(InputError, match=r"lacks parameter\(s\) \['loss'\]"):
        validate_config(space, {"learning_rate": 0.1, "max_depth": 3})
    with pytest.raises(InputError, match=r"'learning_rate' = 2.0 lies outside \[0.001, 1.0\]"):
        validate_config(space, {**good, "learning_rate": 2.0})
    with pytest.raises(InputError, match="is not one of"):
        validate_config(space, {**good, "loss": "hinge"})


def test_bool_choice_is_not_confused_with_integers():
    choice = hpx.Choice([True, False])
    assert choice.validate("early", True) is True
    with pytest.raises(InputError):
        choice.validate("early", 1)


def test_ax_parameter_configs_are_accepted():
    from ax.api.configs import ChoiceParameterConfig, RangeParameterConfig

    parsed = parse_space(
        [
            RangeParameterConfig(
                name="lr", parameter_type="float", bounds=(1e-3, 1.0), scaling="log"
            ),
            RangeParameterConfig(name="depth", parameter_type="int", bounds=(2, 12)),
            ChoiceParameterConfig(name="loss", parameter_type="str", values=["a", "b"]),
        ]
    )
    assert parsed == {
        "lr": hpx.Float(1e-3, 1.0, log=True),
        "depth": hpx.Int(2, 12),
        "loss": hpx.Choice(["a", "b"]),
    }


def test_space_overlap_counts_shared_parameters_of_the_same_kind(space):
    other = {"learning_rate": hpx.Float(0.01, 0.5), "max_depth": hpx.Float(1, 5)}
    assert space_overlap(space, other) == pytest.approx(1 / 3)


def test_not_a_space_gets_a_hint():
    with pytest.raises(InputError, match="non-empty dict"):
        parse_space({})
    with pytest.raises(InputError, match="is not a parameter spec"):
        parse_space({"lr": (0.1, 1.0)})


def test_sample_configs_are_valid_seeded_and_log_uniform():
    from hpxplore.space import sample_configs, validate_config

    space = {
        "lr": hpx.Float(1e-4, 1.0, log=True),
        "depth": hpx.Int(2, 12),
        "kind": hpx.Choice(["a", "b"]),
    }
    configs = sample_configs(space, 400, seed=3)
    assert configs == sample_configs(space, 400, seed=3)
    assert all(validate_config(space, c) == c for c in configs)
    below = sum(c["lr"] < 1e-2 for c in configs) / len(configs)
    assert 0.4 < below < 0.6  # half of a log-uniform draw falls in the lower half of the decades
    assert {c["kind"] for c in configs} == {"a", "b"}
