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


def test_export_writes_the_config_and_refuses_to_overwrite(tmp_path, sklearn_profiles, space):
    import yaml

    db, out = tmp_path / "r.db", tmp_path / "chosen.yaml"
    reg = hpx.Registry(db)
    trials = make_trials(5)
    reg.add_study("iris-hgb", sklearn_profiles["iris"], space, {"accuracy": "maximize"}, trials)
    first = _run("export", "iris-hgb", "--registry", str(db), "--out", str(out))
    assert first.returncode == 0, first.stderr
    document = yaml.safe_load(out.read_text())
    best = trials.loc[trials["accuracy"].idxmax()]
    assert document["metrics"]["accuracy"] == best["accuracy"]
    assert document["config"] == {p: best[p] for p in space}
    assert document["provenance"]["registry"].endswith("r.db")
    again = _run("export", "iris-hgb", "--registry", str(db), "--out", str(out), "--trial", "0")
    assert again.returncode == 2 and "already exists" in again.stderr and "--force" in again.stderr
    assert yaml.safe_load(out.read_text()) == document  # untouched
    forced = _run(
        "export", "iris-hgb", "--registry", str(db), "--out", str(out), "--trial", "0", "--force"
    )
    assert forced.returncode == 0 and yaml.safe_load(out.read_text())["provenance"]["trial"] == 0
    missing = _run("export", "nope", "--registry", str(db), "--out", str(tmp_path / "x.json"))
    assert missing.returncode == 2 and "No study named 'nope'" in missing.stderr
