"""Run the transfer benchmark and write its results (see benchmarks/transfer/__init__.py)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.transfer import report  # noqa: E402
from benchmarks.transfer.bench_data import BenchDataMissing, bench_data, required  # noqa: E402
from benchmarks.transfer.methods import METHODS, methods_for, run_method  # noqa: E402
from benchmarks.transfer.registries import (  # noqa: E402
    SMOKE_VAR,
    keel_registry,
    own_prior_best,
    table_registry,
    yahpo_prior_file,
    yahpo_registry,
)
from benchmarks.transfer.tasks import YAHPO_FAMILIES, all_tasks, make_task  # noqa: E402


def run_job(
    scenario: str, family: str, name: str, seed: int, budget: int, init: int, methods: list[str]
) -> list[dict]:
    task = make_task(family, name)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        if family == "keel":
            reg = keel_registry(task, Path(folder), scenario)
        elif family in YAHPO_FAMILIES:
            reg = yahpo_registry(task, Path(folder))
        else:
            reg = table_registry(task, Path(folder))
        own = own_prior_best(task) if family == "keel" else None
        names_before = set(reg.names())
        for method in [m for m in methods_for(task) if m in methods]:
            start = time.perf_counter()
            values = run_method(method, task, reg, budget, init, seed)
            rows.append(
                {
                    "family": _label(scenario, family),
                    "task": name,
                    "method": method,
                    "seed": seed,
                    "budget": budget,
                    "wall_s": round(time.perf_counter() - start, 2),
                    "values": json.dumps(np.round(np.asarray(values, float), 6).tolist()),
                    "direction": task.direction,
                    "directions": json.dumps(list(task.objectives.values())),
                    "front": json.dumps(task.front) if task.front else None,
                    "best_known": task.best,
                    "worst_known": task.worst,
                    "prior_best": own,
                }
            )
            assert set(reg.names()) == names_before, f"{method} left a study in the registry"
            print(
                f"{scenario:9s} {family}/{name} seed {seed} {method}: {rows[-1]['wall_s']} s",
                flush=True,
            )
    return rows


def _have_data(family: str) -> bool:
    """Whether a YAHPO family's data is there; without it, say so and skip the family
    (or fail, with HPX_REQUIRE_BENCH_DATA=1)."""
    try:
        bench_data("yahpo")
    except BenchDataMissing as missing:
        if required():
            raise
        print(f"skipping {family}: {missing}", flush=True)
        return False
    return True


def _label(scenario: str, family: str) -> str:
    """The family name a run is reported under (``keel_unrelated`` for the unrelated registry)."""
    return family if scenario == "related" else f"{family}_{scenario}"


def _missing(jobs: list[tuple], methods: list[str], out: Path) -> list[tuple[tuple, list[str]]]:
    """Each job with the methods whose run is not yet in ``out``; jobs with none left out."""
    runs_csv = out / "transfer_runs.csv"
    keys = ["family", "task", "method", "seed"]
    # task names are text: YAHPO's are OpenML ids, which pandas would read back as numbers
    old = (
        pd.read_csv(runs_csv, dtype={"task": str})
        if runs_csv.exists()
        else pd.DataFrame(columns=keys)
    )
    done = set(old[keys].itertuples(index=False, name=None))
    todo = []
    for job in jobs:
        scenario, family, name, seed = job[:4]
        left = [m for m in methods if (_label(scenario, family), name, m, seed) not in done]
        if left:
            todo.append((job, left))
    return todo


def _report_only(out: Path) -> int:
    runs_csv, timing_json = out / "transfer_runs.csv", out / "transfer_timing.json"
    if not runs_csv.exists() or not timing_json.exists():
        print(
            f"no benchmark runs in {out}: run `make bench` (or this module without --report-only) first"
        )
        return 1
    runs = pd.read_csv(runs_csv, dtype={"task": str})
    report.write(runs, out, timing=json.loads(timing_json.read_text()), smoke=False)
    print(f"{len(runs)} runs re-reported in {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="hpxplore's transfer benchmark")
    parser.add_argument("--smoke", action="store_true", help="one task, tiny budget")
    parser.add_argument(
        "--families", nargs="+", default=["hpobench", "hpolib", "keel", "hpobench_mo"]
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep the other families' runs already in --out (rerun only these families)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="run only the runs missing from --out (by family, task, method and seed), "
        "e.g. after raising --keel-seeds; keep every run already there",
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="rewrite the tables and plots from the raw runs already in --out; run nothing",
    )
    parser.add_argument(
        "--methods",
        nargs="+",
        choices=METHODS,
        default=METHODS,
        help="run only these methods; with --merge the other methods' runs are kept",
    )
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument(
        "--keel-seeds", type=int, default=1, help="seeds for the live KEEL tasks (slower)"
    )
    parser.add_argument("--budget", type=int, default=20)
    parser.add_argument("--init", type=int, default=6)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    if args.report_only:
        return _report_only(args.out)
    if args.methods != METHODS and not args.merge:
        parser.error(
            "--methods reruns some methods into the results already in --out: add --merge "
            "(the report compares every method with ax_cold and ax_naive_warm)"
        )
    if args.smoke:
        os.environ[SMOKE_VAR] = "1"  # small prior registries for the YAHPO family
        jobs = [("related", "hpobench", "car", 0, 6, 4), ("related", "hpobench_mo", "car", 0, 6, 4)]
        if _have_data("yahpo_rpart"):
            jobs.append(("related", "yahpo_rpart", all_tasks("yahpo_rpart")[0], 0, 6, 4))
    else:
        jobs = []
        for family in [f for f in args.families if f not in YAHPO_FAMILIES or _have_data(f)]:
            seeds = args.keel_seeds if family == "keel" else args.seeds
            for name in all_tasks(family):
                for seed in range(seeds):
                    jobs.append(("related", family, name, seed, args.budget, args.init))
                    if family == "keel":
                        jobs.append(("unrelated", family, name, seed, args.budget, args.init))
    for family in {job[1] for job in jobs} & set(YAHPO_FAMILIES):
        yahpo_prior_file(family)  # built once here, not by every worker
    todo = [(job, args.methods) for job in jobs]
    if args.resume:
        todo = _missing(jobs, args.methods, args.out)
    start = time.perf_counter()
    rows: list[dict] = []
    with ProcessPoolExecutor(max(1, args.workers)) as pool:
        futures = [pool.submit(run_job, *job, methods) for job, methods in todo]
        for future in futures:
            rows.extend(future.result())
    runs = pd.DataFrame(rows)
    elapsed = time.perf_counter() - start
    timing = [
        {
            "families": sorted({job[1] for job in jobs}),
            "runs": len(rows),
            "elapsed_s": round(elapsed),
            "workers": args.workers,
            **({"methods": args.methods} if args.methods != METHODS else {}),
            **({"resumed": True} if args.resume else {}),
        }
    ]
    if args.resume or args.merge:
        runs, timing = report.merged(runs, timing, args.out, replace=not args.resume)
    report.write(runs, args.out, timing=timing, smoke=args.smoke)
    print(f"{len(todo)} jobs, {len(rows)} runs in {elapsed:.0f} s; results in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
