"""Two real processes writing to one registry at once lose nothing."""

import subprocess
import sys
import textwrap

import pytest

import hpxplore as hpx

WRITER = textwrap.dedent("""
    import sys
    import numpy as np, pandas as pd
    import hpxplore as hpx
    from hpxplore.registry._store import Store
    from hpxplore.trial import Trial
    url, tag, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    reg = hpx.Registry(url)
    space = {"lr": hpx.Float(1e-3, 1.0, log=True), "depth": hpx.Int(2, 12)}
    profile = hpx.TaskProfile.from_meta_features(f"task-{tag}", {"n_rows": 100, "n_features": 5})
    rng = np.random.default_rng(0)
    for i in range(n):
        trials = pd.DataFrame({"lr": 10 ** rng.uniform(-3, 0, 5), "depth": rng.integers(2, 13, 5),
                               "acc": rng.uniform(size=5)})
        reg.add_study(f"{tag}-{i}", profile, space, {"acc": "max"}, trials)
        for j in range(5, 8):
            Store(reg).save_trial(f"{tag}-{i}", Trial(j, {"lr": 0.1, "depth": 3}, {"acc": 0.5}, status="completed"))
    reg.close()
""")


@pytest.mark.slow
def test_two_processes_writing_at_once_lose_nothing(registry_url, tmp_path):
    hpx.Registry(registry_url).close()  # create the schema first, as a user's first call would
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    writers = [
        subprocess.Popen(
            [sys.executable, str(script), registry_url, tag, "12"],
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("a", "b")
    ]
    errors = [w.communicate(timeout=300)[1] for w in writers]
    assert [w.returncode for w in writers] == [0, 0], errors
    reg = hpx.Registry(registry_url)
    table = reg.studies()
    assert len(table) == 24
    assert set(table["n_trials"]) == {8}
