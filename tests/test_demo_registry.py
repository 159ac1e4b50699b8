"""The committed demo registry holds prior studies only, as data/build_registry.py made them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo-registry.db"


def test_the_demo_registry_holds_the_built_studies_and_no_audit_rows():
    with sqlite3.connect(f"file:{DEMO}?mode=ro", uri=True) as db:
        names = [row[0] for row in db.execute("SELECT name FROM hpx_study")]
        audit = {
            table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("hpx_recommendation", "hpx_decision", "hpx_transfer_outcome")
        }
    # 42 KEEL datasets, each with HistGradientBoosting and logistic regression
    assert len(names) == 84 and len({n.rsplit("-", 1)[0] for n in names}) == 42
    # recommend() audits to the registry it reads: a script run on the committed file
    # instead of a copy leaves rows here (fix: git checkout data/demo-registry.db)
    assert audit == dict.fromkeys(audit, 0)
    assert not any(n.startswith("german") for n in names)  # the quickstart's new task
