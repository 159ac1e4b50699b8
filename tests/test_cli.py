import json
import subprocess
import sys

import hpxplore as hpx
from tests.conftest import make_trials


def _run(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "hpxplore.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_profile_prints_json(tmp_path, sklearn_frames):
    path = tmp_path / "wine.csv"
    sklearn_frames["wine"].to_csv(path, index=False)
    out = _run("profile", str(path), "--target", "target", "--name", "wine", "--tag", "model=hgb")
    assert out.returncode == 0, out.stderr
    profile = hpx.TaskProfile.from_dict(json.loads(out.stdout))
    assert profile.meta_features["n_classes"] == 3 and profile.tags == {"model": "hgb"}


def test_studies_and_similar(tmp_path, sklearn_frames, sklearn_profiles, space, objectives):
    db = tmp_path / "r.db"
    reg = hpx.Registry(db)
    for name in ("iris", "wine", "breast_cancer"):
        reg.add_study(f"{name}-hgb", sklearn_profiles[name], space, objectives, make_trials(3))
    listing = _run("studies", "--registry", str(db))
    assert listing.returncode == 0 and "wine-hgb" in listing.stdout
    path = tmp_path / "wine.csv"
    sklearn_frames["wine"].sample(frac=0.7, random_state=0).to_csv(path, index=False)
    ranked = _run("similar", str(path), "--target", "target", "--registry", str(db), "--k", "2")
    assert ranked.returncode == 0, ranked.stderr
    assert ranked.stdout.splitlines()[1].split()[0] == "wine-hgb"


def test_errors_are_one_clear_line_not_a_traceback(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    out = _run("profile", str(path), "--target", "y")
    assert out.returncode == 2
    assert out.stderr.startswith("error: The target column 'y' is not in the frame")
    assert "Traceback" not in out.stderr
