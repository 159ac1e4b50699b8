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

from benchmarks.transfer import dense, report  # noqa: E402
from benchmarks.transfer.bench_data import BenchDataMissing, bench_data, required  # noqa: E402
from benchmarks.transfer.methods import METHODS, REGISTRY_METHODS, run_method  # noqa: E402
from benchmarks.transfer.registries import (  # noqa: E402
    SMOKE_VAR,
    dense_prior_file,
    dense_registry,
    keel_registry,
    own_prior_best,
    table_registry,
)
from benchmarks.transfer.tasks import all_tasks, make_task  # noqa: E402

# The dense families of the smoke run (the two-objective and constrained variants of
# yahpo_rpart are checked task by task in tests/benchmarks/test_dense_families.py).
SMOKE_DENSE = ("yahpo_rpart", "yahpo_lcbench", "xgboost_tables")
# The unrelated case of a dense family: its tasks tuned against another model's registry,
# or (the two-objective families, whose metrics no other model records) against only the
# studies of its own registry least similar to the task.
UNRELATED_SOURCE = {"yahpo_lcbench": "yahpo_rpart"}
UNRELATED_FARTHEST = ("yahpo_rpart_mo", "yahpo_lcbench_mo")
UNRELATED = (*UNRELATED_SOURCE, *UNRELATED_FARTHEST)  # the families with an unrelated case


def _registry(task, scenario: str, folder: Path):
    """The registry a run of ``scenario`` tunes against (see registries.py)."""
    if task.family == "keel":
        return keel_registry(task, folder, scenario)
    if task.family not in dense.NAMES:
        return table_registry(task, folder)
    if scenario == "unrelated" and task.family in UNRELATED_SOURCE:
        return dense_registry(task, folder, source=UNRELATED_SOURCE[task.family])
    if scenario == "unrelated":
        return dense_registry(task, folder, farthest=True)
    return dense_registry(task, folder, size=_size(scenario))


def _size(scenario: str) -> int | None:
    """The registry size of a ``regN`` scenario (None: the whole registry)."""
    return int(scenario.removeprefix("reg")) if scenario.startswith("reg") else None


def _methods(family: str, scenario: str) -> list[str]:
    """The methods a scenario runs: a smaller or unrelated registry changes only the
    methods that read it (the report borrows the others' runs from the related case)."""
    if scenario == "related" or family == "keel":
        return METHODS
    if scenario == "unrelated" and family in UNRELATED_SOURCE:  # no shared parameters or
        return ["hpx_warm", "optuna_tpe_warm"]  # meta-features: no naive pick
    return REGISTRY_METHODS


def run_job(
    scenario: str, family: str, name: str, seed: int, budget: int, init: int, methods: list[str]
) -> list[dict]:
    task = make_task(family, name)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        reg = _registry(task, scenario, Path(folder))
        own = own_prior_best(task) if family == "keel" else None
        names_before = set(reg.names())
        same_model = scenario != "unrelated" or family not in UNRELATED_SOURCE
        for method in [m for m in METHODS if m in methods]:
            start = time.perf_counter()
            values = run_method(method, task, reg, budget, init, seed, same_model=same_model)
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
                    "registry_studies": len(names_before),
                }
            )
            assert set(reg.names()) == names_before, f"{method} left a study in the registry"
            print(
                f"{scenario:9s} {family}/{name} seed {seed} {method}: {rows[-1]['wall_s']} s",
                flush=True,
            )
    return rows


def _have_data(family: str) -> bool:
    """Whether a dense family's data is there; without it, say so and skip the family
    (or fail, with HPX_REQUIRE_BENCH_DATA=1)."""
    try:
        bench_data(dense.family(family).data)
    except BenchDataMissing as missing:
        if required():
            raise
        print(f"skipping {family}: {missing}", flush=True)
        return False
    return True


def _label(scenario: str, family: str) -> str:
    """The family name a run is reported under: ``keel_unrelated`` for the unrelated
    registry, ``yahpo_rpart_reg5`` for a registry of 5 studies."""
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
        wanted = [m for m in methods if m in _methods(family, scenario)]
        left = [m for m in wanted if (_label(scenario, family), name, m, seed) not in done]
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


def _jobs(args: argparse.Namespace) -> list[tuple]:
    """(scenario, family, task, seed, budget, init) of every run the arguments ask for."""
    jobs = []
    for family in [f for f in args.families if f not in dense.NAMES or _have_data(f)]:
        seeds = args.keel_seeds if family == "keel" else args.seeds
        scenarios = ["related"]
        if family == "keel" or (args.unrelated and family in UNRELATED):
            scenarios.append("unrelated")
        budget = args.budget
        if family in dense.NAMES:
            scenarios += [f"reg{n}" for n in args.registry_sizes]
            budget = args.mo_budget if family.endswith("_mo") else args.dense_budget
        for name in all_tasks(family)[: args.tasks]:
            for seed in range(seeds):
                jobs += [(s, family, name, seed, budget, args.init) for s in scenarios]
    return jobs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="hpxplore's transfer benchmark")
    parser.add_argument("--smoke", action="store_true", help="one task, tiny budget")
    parser.add_argument(
        "--families",
        nargs="+",
        default=["hpobench", "hpolib", "keel", "hpobench_mo", "hpobench_capped_mo"],
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
    parser.add_argument("--budget", type=int, default=20, help="trials per run (table families)")
    parser.add_argument(
        "--dense-budget", type=int, default=30, help="trials per run (dense families)"
    )
    parser.add_argument(
        "--mo-budget", type=int, default=60, help="trials per run (dense, two objectives)"
    )
    parser.add_argument(
        "--tasks", type=int, default=None, help="tune only the first N tasks of each family"
    )
    parser.add_argument(
        "--registry-sizes",
        nargs="*",
        type=int,
        default=[],
        help="dense families: also run the methods that read the registry with registries "
        "of these sizes (the whole registry is always run)",
    )
    parser.add_argument(
        "--unrelated",
        action="store_true",
        help="also tune yahpo_lcbench's tasks against yahpo_rpart's registry, and the "
        "two-objective families' against their 10 studies least similar to the task",
    )
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
    if "ax_cold" not in args.methods and not (args.out / "transfer_runs.csv").exists():
        parser.error(
            f"--methods without ax_cold needs the runs already in --out ({args.out} has no "
            "transfer_runs.csv): the report pairs every run with Ax cold's; copy the "
            "committed benchmarks/results/transfer_runs.csv and transfer_timing.json there"
        )
    if args.smoke:
        os.environ[SMOKE_VAR] = "1"  # small prior registries for the dense families
        jobs = [("related", "hpobench", "car", 0, 6, 4), ("related", "hpobench_mo", "car", 0, 6, 4)]
        for family in [f for f in SMOKE_DENSE if _have_data(f)]:
            jobs.append(("related", family, all_tasks(family)[0], 0, 6, 4))
    else:
        jobs = _jobs(args)
    for family in {job[1] for job in jobs} & set(dense.NAMES):
        dense_prior_file(family)  # built once here, not by every worker
    for family in {job[1] for job in jobs if job[0] == "unrelated"} & set(UNRELATED_SOURCE):
        dense_prior_file(UNRELATED_SOURCE[family])
    todo = [(job, [m for m in args.methods if m in _methods(job[1], job[0])]) for job in jobs]
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
