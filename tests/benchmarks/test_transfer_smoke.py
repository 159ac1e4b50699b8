"""A small run of the transfer benchmark: every method, the files and columns it promises."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks.transfer import bench_data
from benchmarks.transfer.report import summarize

ROOT = Path(__file__).resolve().parents[2]
METHODS = {
    "ax_cold",
    "ax_naive_warm",
    "hpx_warm",
    "hpx_seeds",
    "random",
    "optuna_tpe",
    "optuna_tpe_warm",
}


def _bench(*args: str, out: Path, timeout: int) -> subprocess.CompletedProcess:
    """``python -m benchmarks.transfer ARGS --out OUT`` from the project's root."""
    return subprocess.run(
        [sys.executable, "-m", "benchmarks.transfer", *args, "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.slow
def test_smoke_run_writes_a_summary_for_every_method(tmp_path):
    run = _bench("--smoke", out=tmp_path, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    summary = pd.read_csv(tmp_path / "summary.csv")
    required = [
        "family",
        "task",
        "method",
        "seed",
        "budget",
        "trials_to_target",
        "final_regret",
        "wall_s",
    ]
    assert list(summary.columns[: len(required)]) == required
    single, multi = (
        summary[summary["family"] == "hpobench"],
        summary[summary["family"] == "hpobench_mo"],
    )
    assert set(single["method"]) == METHODS and (summary["budget"] == 6).all()
    if bench_data.required():  # the dense families' data is there: one task of each ran
        for family in ("yahpo_rpart", "yahpo_lcbench", "xgboost_tables"):
            ran = set(summary.loc[summary["family"] == family, "method"])
            assert ran == METHODS, family
    assert set(multi["method"]) == METHODS
    assert summary["final_regret"].between(0, 1).all() and (summary["wall_s"] >= 0).all()
    # the mean regret is the area under a best-so-far curve: never below its final value
    assert (summary["mean_regret"] >= summary["final_regret"] - 1e-9).all()
    cold = summary[summary["method"] == "ax_cold"]
    assert (cold["ttt_ratio_vs_cold"] == 1).all() and (cold["speedup_vs_cold"] == 1).all()
    # two objectives: curves are 1 - hypervolume ratios, starting below 1, never growing
    curves = summarize(pd.read_csv(tmp_path / "transfer_runs.csv"))
    for curve in curves.loc[curves["family"] == "hpobench_mo", "curve"]:
        assert len(curve) == 6 and curve[0] < 1 and (np.diff(curve) <= 1e-12).all()
    table, paired = (tmp_path / "transfer.md").read_text().split("## Paired with the naive")
    paired, with_cold = paired.split("## Paired with Ax cold")
    with_cold, tasks = with_cold.split("## Task by task")
    # task by task: the smoke task's row and its family's median, for either family
    rows = [line for line in tasks.splitlines() if line.startswith("| hpobench")]
    assert len(rows) == 4 and all("car" in line for line in rows[:2])
    assert table.count("| hpobench ") == len(METHODS)
    assert "| ax_naive_warm" not in paired  # paired against it: one row pooled, one per family
    assert paired.count("| hpx_warm") == 1 + summary["family"].nunique()
    # against Ax cold: one row per family, the naive warm start among them, not Ax cold
    assert "| ax_cold" not in with_cold
    assert with_cold.count("| hpx_warm") == with_cold.count("| ax_naive_warm")
    assert with_cold.count("| hpx_warm") == summary["family"].nunique()
    assert table.count("| hpobench_mo") == len(METHODS)  # every method, two objectives too
    assert (tmp_path / "transfer_regret.png").stat().st_size > 10_000
    # --report-only rebuilds the same tables from the raw runs, without running anything
    before = (tmp_path / "summary.csv").read_text()
    (tmp_path / "summary.csv").unlink()
    again = _bench("--report-only", out=tmp_path, timeout=120)
    assert again.returncode == 0, again.stderr[-3000:]
    assert (tmp_path / "summary.csv").read_text() == before


def test_paired_comparison_counts_wins_and_ratios_against_the_naive_warm_start():
    from benchmarks.transfer.report import versus

    rows = [
        # two tasks: hpx_warm halves the naive regret on one and doubles it on the other
        ("a", "ax_naive_warm", 0.02),
        ("a", "hpx_warm", 0.01),
        ("b", "ax_naive_warm", 0.01),
        ("b", "hpx_warm", 0.02),
        ("c", "ax_naive_warm", 0.03),
        ("c", "hpx_warm", 0.03),
    ]
    summary = pd.DataFrame(
        [{"family": "f", "task": t, "seed": 0, "method": m, "mean_regret": r} for t, m, r in rows]
    )
    row = versus(summary).set_index("method").loc["hpx_warm"]
    assert (row["runs"], row["better"], row["equal"], row["worse"]) == (3, 1, 1, 1)
    assert row["gmean_regret_ratio"] == pytest.approx(1.0)  # (0.5 * 2 * 1) ** (1 / 3)
    assert row["median_mean_regret"] == pytest.approx(0.02)


def test_task_by_task_ratios_are_geometric_means_over_seeds_then_medians_over_tasks():
    from benchmarks.transfer.report import by_task

    rows = []
    for task, ratios, regrets in (
        # task a: hpx_warm needs 2x, then 8x fewer trials than cold (gmean 4) and has half
        # the naive warm start's mean regret on both seeds; task b: level with cold
        ("a", (2.0, 8.0), (0.01, 0.01)),
        ("b", (1.0, 1.0), (0.04, 0.04)),
    ):
        for seed in (0, 1):
            for method, ratio_, regret in (
                ("ax_cold", 1.0, 0.05),
                ("ax_naive_warm", 1.0, 0.02 if task == "a" else 0.04),
                ("hpx_warm", ratios[seed], regrets[seed]),
            ):
                rows.append(
                    {
                        "family": "f",
                        "task": task,
                        "seed": seed,
                        "method": method,
                        "ttt_ratio_vs_cold": ratio_,
                        "mean_regret": regret,
                    }
                )
    tasks, medians = by_task(pd.DataFrame(rows))
    per_task = tasks.set_index("task")
    assert per_task.loc["a", "hpx_warm"] == pytest.approx(4.0)
    assert per_task.loc["a", "hpx_vs_naive"] == pytest.approx(0.5)
    assert per_task.loc["b", "hpx_vs_naive"] == pytest.approx(1.0)
    assert "ax_cold" not in tasks.columns  # every ratio is over Ax cold
    family = medians.set_index("family").loc["f"]
    assert family["tasks"] == 2 and family["hpx_warm"] == pytest.approx(2.5)


def test_report_only_without_runs_says_what_to_run(tmp_path):
    run = _bench("--report-only", out=tmp_path, timeout=120)
    assert run.returncode == 1 and "make bench" in run.stdout


def test_ceiling_row_scores_the_picks_inside_the_pool_they_come_from():
    from benchmarks.transfer.ceiling import task_row

    row = task_row("hpobench", "car")
    assert not row["cold_start"] and row["pool_size"] > 0
    regrets = ["naive_best_of_3", "hpx_best_of_3", "hpx_first", "pool_best"]
    assert all(0 <= row[k] <= 1 for k in regrets)
    # hpxplore's first picks are drawn from its pool, so the pool's best is at least as good
    assert row["pool_best"] <= row["hpx_best_of_3"] <= row["hpx_first"]
    assert 1 <= row["pool_best_rank"] <= row["pool_size"]
    # unlimited priors: the oracle's pick among all neighbours' optima is at least the 3 nearest's
    assert 0 <= row["exact_best_neighbour"] <= row["exact_naive_best_of_3"] <= 1
    assert 0 <= row["exact_top10_oracle"] <= row["exact_best_neighbour"]  # optima are in the tops
    assert 0 < row["target_share"] <= 1


def test_rerunning_some_methods_keeps_the_others_runs(tmp_path):
    from benchmarks.transfer.report import merged

    def runs(methods, tag):
        rows = [
            {"family": f, "task": "t", "method": m, "seed": 0, "values": tag}
            for f in ("a", "b")
            for m in methods
        ]
        return pd.DataFrame(rows)

    runs(["ax_cold", "hpx_warm"], "old").to_csv(tmp_path / "transfer_runs.csv", index=False)
    old_timing = [{"families": ["a", "b"], "runs": 4, "elapsed_s": 9, "workers": 2}]
    (tmp_path / "transfer_timing.json").write_text(json.dumps(old_timing))
    new_timing = [
        {"families": ["a"], "runs": 1, "elapsed_s": 1, "workers": 2, "methods": ["hpx_warm"]}
    ]
    both, timing = merged(runs(["hpx_warm"], "new").query("family == 'a'"), new_timing, tmp_path)
    tags = both.set_index(["family", "method"])["values"].to_dict()
    assert tags == {
        ("a", "ax_cold"): "old",
        ("a", "hpx_warm"): "new",
        ("b", "ax_cold"): "old",
        ("b", "hpx_warm"): "old",
    }
    assert timing == old_timing + new_timing  # the old entry still times ax_cold's runs


def test_methods_without_merge_is_refused(tmp_path):
    run = _bench("--methods", "hpx_warm", out=tmp_path, timeout=120)
    assert run.returncode == 2 and "add --merge" in run.stderr
    # with --merge into a folder without Ax cold's runs: refused before running anything,
    # not after the runs (the report pairs every run with Ax cold's)
    run = _bench("--methods", "hpx_warm", "--merge", out=tmp_path, timeout=120)
    assert run.returncode == 2 and "transfer_runs.csv" in run.stderr
    assert not any(tmp_path.iterdir())


def test_resume_runs_only_what_is_missing_and_keeps_the_rest(tmp_path):
    from benchmarks.transfer.__main__ import _missing
    from benchmarks.transfer.report import merged

    done = pd.DataFrame(
        [
            {"family": "keel", "task": "pima", "method": "ax_cold", "seed": 0, "budget": 20},
            {"family": "keel_unrelated", "task": "pima", "method": "ax_cold", "seed": 0},
        ]
    )
    done.to_csv(tmp_path / "transfer_runs.csv", index=False)
    (tmp_path / "transfer_timing.json").write_text(json.dumps([{"families": ["keel"]}]))
    jobs = [
        ("related", "keel", "pima", 0, 20, 6),
        ("unrelated", "keel", "pima", 0, 20, 6),
        ("related", "keel", "pima", 1, 20, 6),
    ]
    todo = _missing(jobs, ["ax_cold", "hpx_warm"], tmp_path)
    assert todo == [
        (jobs[0], ["hpx_warm"]),
        (jobs[1], ["hpx_warm"]),
        (jobs[2], ["ax_cold", "hpx_warm"]),
    ]
    numeric = pd.DataFrame(
        [{"family": "yahpo_rpart", "task": "1493", "method": "ax_cold", "seed": 0, "budget": 30}]
    )
    (tmp_path / "numeric").mkdir()
    numeric.to_csv(tmp_path / "numeric" / "transfer_runs.csv", index=False)
    job = ("related", "yahpo_rpart", "1493", 0, 30, 6)
    assert _missing([job], ["ax_cold"], tmp_path / "numeric") == []  # an OpenML id is a name
    new = pd.DataFrame([{"family": "keel", "task": "pima", "method": "hpx_warm", "seed": 1}])
    runs, timing = merged(new, [{"families": ["keel"]}], tmp_path, replace=False)
    assert len(runs) == 3  # nothing already there was dropped
    assert len(timing) == 2
