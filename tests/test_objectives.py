import pytest

from hpxplore.exceptions import InputError
from hpxplore.objectives import Constraint, parse_constraints, parse_objectives


def test_objectives_accept_short_directions():
    assert parse_objectives({"acc": "max", "ms": "Minimize"}) == {
        "acc": "maximize",
        "ms": "minimize",
    }


def test_bad_direction_is_named():
    with pytest.raises(InputError, match="direction must be 'maximize' or 'minimize', got 'up'"):
        parse_objectives({"acc": "up"})


def test_constraints_parse_like_ax_writes_them():
    (c,) = parse_constraints("latency_ms <= 5")
    assert c == Constraint("latency_ms", "<=", 5.0)
    assert c.satisfied(4.9) and not c.satisfied(5.1) and not c.satisfied(float("nan"))
    assert str(parse_constraints(["size_mb >= 1e-1"])[0]) == "size_mb >= 0.1"


@pytest.mark.parametrize("text", ["latency_ms < 5", "5 >= latency_ms", "latency_ms <= fast", ""])
def test_unreadable_constraints_show_the_expected_form(text):
    with pytest.raises(InputError, match="metric <= number"):
        parse_constraints(text)


@pytest.mark.parametrize("name", ["error", "status", "trial_index"])
def test_a_metric_named_like_a_schema_column_is_refused_with_a_new_name(name):
    # a metric called "error" used to vanish from the trials table ("lacks the metric
    # column(s) ['error'] ... metric columns found: []")
    with pytest.raises(InputError, match=f"(?s)cannot be called '{name}'.*Rename the metric"):
        parse_objectives({name: "minimize"})
    with pytest.raises(InputError, match=f"cannot be called '{name}'"):
        parse_constraints(f"{name} <= 1")
