"""The XGBoost tables answer a proposal with the nearest configuration evaluated on that task."""

from __future__ import annotations

import pytest

from benchmarks.transfer.xgboost_tables import PARAMS, xgboost_tables

TASKS = {"heart", "w6a", "skin_nonskin", "svmguide1", "spambase", "australian", "madelon",
         "german.numer", "ijcnn1", "a6a"}  # fmt: skip


def test_ten_tasks_of_five_thousand_configs_and_a_space_that_holds_them(quantile_data):
    tables = xgboost_tables()
    assert set(tables.tasks) == TASKS
    assert all(len(tables.rows(t)) == 5000 for t in tables.tasks)
    space = tables.space
    assert list(space) == list(PARAMS) and space["max_depth_index"].type == "int"


def test_an_evaluated_config_gets_its_own_error_and_a_nearby_one_its_neighbours(quantile_data):
    tables = xgboost_tables()
    rows = tables.rows("heart")
    for i in (0, 17, 4999):
        config = {p: rows.loc[i, p] for p in PARAMS}
        assert tables.error("heart", config) == rows.loc[i, "metric_error"]
    config = {p: rows.loc[17, p] for p in PARAMS}
    nudged = {**config, "eta": config["eta"] + 1e-6}
    assert tables.error("heart", nudged) == rows.loc[17, "metric_error"]
    with pytest.raises(KeyError, match="No XGBoost task 'mnist'"):
        tables.rows("mnist")
