"""The audit's judgement of a transferred trial: feasible, and not dominated by the cold
trials on any objective, not just better on the first."""

from __future__ import annotations

from hpxplore.objectives import Constraint
from hpxplore.transfer._outcomes import transfer_outcomes
from hpxplore.trial import Trial

OBJECTIVES = {"accuracy": "maximize", "size_kb": "minimize"}
SMALL = [Constraint("size_kb", "<=", 100.0)]


def _trial(index, accuracy, size_kb, origin, rec=None, status="completed"):
    return Trial(
        index,
        {"x": index},
        {"accuracy": accuracy, "size_kb": size_kb} if status == "completed" else {},
        status=status,
        origin=origin,
        recommendation_id=rec,
        recommendation_kind="conservative" if rec else None,
    )


def test_a_feasible_pareto_optimal_transferred_trial_helped():
    """The quickstart's case: 0.771 at 44.6 KB against a quasi-random 0.78 at 180 KB that
    breaks the size bound; the old first-objective rule scored it a failure."""
    trials = [
        _trial(0, 0.771, 44.6, "transferred", rec=7),
        _trial(1, 0.780, 180.0, "quasi-random"),  # more accurate, but infeasible
        _trial(2, 0.760, 55.0, "quasi-random"),
    ]
    [(rec, index, outcome)] = transfer_outcomes(trials, OBJECTIVES, SMALL)
    assert (rec, index) == (7, 0)
    assert outcome["helped"] and outcome["feasible"]
    assert outcome["reference"] == 0.760 and round(outcome["gain"], 3) == 0.011
    # with two objectives: the share of the front's hypervolume it adds (it dominates
    # the feasible cold trial, so most of it)
    assert 0.5 < outcome["hv_share"] <= 1.0
    assert outcome["values"] == {"accuracy": 0.771, "size_kb": 44.6}


def test_a_trade_off_the_cold_trials_do_not_dominate_helped_and_a_dominated_one_did_not():
    trials = [
        _trial(0, 0.74, 20.0, "transferred", rec=1),  # less accurate, but much smaller
        _trial(1, 0.75, 60.0, "transferred", rec=2),  # dominated by trial 3
        _trial(2, 0.60, 120.0, "transferred", rec=3),  # infeasible
        _trial(3, 0.76, 50.0, "quasi-random"),
        _trial(4, 0.0, 0.0, "transferred", rec=4, status="failed"),
    ]
    outcomes = {rec: o for rec, _, o in transfer_outcomes(trials, OBJECTIVES, SMALL)}
    assert outcomes[1]["helped"] and outcomes[1]["gain"] < 0  # a new trade-off counts
    assert not outcomes[2]["helped"] and outcomes[2]["dominated_by"] == [3]
    assert not outcomes[3]["helped"] and not outcomes[3]["feasible"]
    assert not outcomes[4]["helped"] and outcomes[4]["status"] == "failed"


def test_with_one_objective_it_must_beat_the_best_feasible_cold_trial():
    one = {"accuracy": "maximize"}
    trials = [
        _trial(0, 0.80, 10.0, "transferred", rec=1),
        _trial(1, 0.80, 10.0, "quasi-random"),  # a tie is no help
        _trial(2, 0.90, 500.0, "quasi-random"),  # infeasible: not the reference
        _trial(3, 0.81, 10.0, "transferred", rec=2),
    ]
    outcomes = {rec: o for rec, _, o in transfer_outcomes(trials, one, SMALL)}
    assert not outcomes[1]["helped"] and outcomes[2]["helped"]
    assert outcomes[2]["reference"] == 0.80
