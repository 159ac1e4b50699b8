"""The cost benchmark's results: ratios to Ax's loop, and runs merged from later commands."""

from __future__ import annotations

import pytest

from benchmarks.cost import stored_runs, write


def _run(arm: str, machine: str, wall: float, seed: int = 0) -> dict:
    gens = [wall / 10] * 3
    return {
        "case": "xgboost", "objectives": 1, "trials": 3, "seed": seed, "machine": machine,
        "arm": arm, "wall_s": wall, "gen_median_s": gens[0], "gen_p90_s": gens[0],
        "gen_p99_s": gens[0], "gen_max_s": gens[0], "generations": gens,
    }  # fmt: skip


def test_ratios_are_to_ax_in_the_same_state_and_busy_runs_to_their_quiet_twin(tmp_path):
    runs = [
        _run("ax", "quiet", 10.0),
        _run("hpx_cold_inline", "quiet", 11.0),
        _run("ax", "busy", 30.0),
        _run("hpx_cold_inline", "busy", 12.0),
    ]
    table = write(runs, ["first"], tmp_path).set_index(["machine", "arm"])
    assert table.loc[("quiet", "hpx_cold_inline"), "wall_s_vs_ax"] == pytest.approx(1.1)
    assert table.loc[("busy", "hpx_cold_inline"), "wall_s_vs_ax"] == pytest.approx(0.4)
    assert table.loc[("busy", "ax"), "wall_vs_quiet"] == pytest.approx(3.0)


def test_a_merge_keeps_the_runs_and_commands_already_written(tmp_path):
    first = ".venv/bin/python -m benchmarks.cost --cases xgboost --trials 3"
    write([_run("ax", "quiet", 10.0), _run("hpx_warm", "quiet", 14.0)], [first], tmp_path)
    kept, commands = stored_runs(tmp_path)
    assert commands == [first]
    assert sorted(r["arm"] for r in kept) == ["ax", "hpx_warm"]
    assert kept[0]["generations"] == pytest.approx([1.0, 1.0, 1.0])
    later = [_run("hpx_warm", "quiet", 12.0)]
    merged = [r for r in kept if r["arm"] != "hpx_warm"] + later
    table = write(merged, [first, f"{first} --merge"], tmp_path).set_index("arm")
    assert table.loc["hpx_warm", "wall_s_vs_ax"] == pytest.approx(1.2)
