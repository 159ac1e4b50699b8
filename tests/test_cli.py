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


def test_reading_commands_never_create_a_registry(tmp_path):
    typo = tmp_path / "missing" / "typo.db"
    for args in (["studies"], ["export", "x", "--out", str(tmp_path / "x.yaml")]):
        out = _run(*args, "--registry", str(typo))
        assert out.returncode == 2 and "No registry at" in out.stderr and "typo.db" in out.stderr
        assert "--registry" in out.stderr  # the hint is in the command's terms
    assert not typo.exists() and not typo.parent.exists()


def test_studies_is_a_compact_table_with_json_for_everything(tmp_path, sklearn_profiles, space):
    db = tmp_path / "r.db"
    reg = hpx.Registry(db)
    objectives = {"accuracy": "maximize", "fit_s": "minimize"}
    trials = make_trials(3).assign(fit_s=[1.0, 2.0, 3.0])
    profile = hpx.TaskProfile.from_meta_features("iris", {"n_rows": 150}, tags={"model": "hgb"})
    reg.add_study("iris-hgb-with-a-long-name", profile, space, objectives, trials)
    table = _run("studies", "--registry", str(db))
    assert table.returncode == 0, table.stderr
    header, row, _blank, footer = table.stdout.splitlines()
    assert max(len(header), len(row)) <= 100 and footer.startswith("1 study in ")
    assert "3/3" in row and "accuracy, -fit_s" in row and "model=hgb" in row
    records = json.loads(_run("studies", "--registry", str(db), "--json").stdout)
    assert records[0]["study"] == "iris-hgb-with-a-long-name"
    assert records[0]["objectives"] == objectives and "parameters" in records[0]


def test_version_and_did_you_mean(tmp_path, sklearn_profiles, space):
    assert _run("--version").stdout.strip() == f"hpxplore {hpx.__version__}"
    db = tmp_path / "r.db"
    hpx.Registry(db).add_study(
        "iris-hgb", sklearn_profiles["iris"], space, {"accuracy": "maximize"}, make_trials(3)
    )
    out = _run("export", "iris-hbg", "--registry", str(db), "--out", str(tmp_path / "x.yaml"))
    assert out.returncode == 2 and "did you mean 'iris-hgb'?" in out.stderr
    assert "hpxplore studies" in out.stderr


def test_the_cli_speaks_its_own_flags(tmp_path, sklearn_frames, sklearn_profiles, space):
    db = tmp_path / "r.db"
    reg = hpx.Registry(db)
    reg.add_study("wine-hgb", sklearn_profiles["wine"], space, {"accuracy": "max"}, make_trials(4))
    path = tmp_path / "wine.csv"  # a constant column, as real CSVs have: skipped, as the API does
    sklearn_frames["wine"].assign(constant=1.0).to_csv(path, index=False)
    ranked = _run("similar", str(path), "--target", "target", "--registry", str(db))
    assert ranked.returncode == 0, ranked.stderr
    header = ranked.stdout.splitlines()[0]
    assert "closest on" in header and "farthest on" in header and "drivers" not in header
    refused = _run(
        "similar", str(path), "--target", "target", "--registry", str(db), "--keep-useless"
    )
    assert refused.returncode == 2 and "--keep-useless" in refused.stderr
    assert "drop_useless" not in refused.stderr
    assert "``" not in _run("--help").stdout
    odd = _run("export", "wine-hgb", "--registry", str(db), "--out", str(tmp_path / "c.txt"))
    assert odd.returncode == 2 and ".json, .yaml or .yml" in odd.stderr
    assert "format=" not in odd.stderr


def test_closest_on_is_what_the_rationale_and_the_cli_both_name():
    from hpxplore.similarity import closest_on

    deviations = {"n_rows": 2.5, "n_classes": 0.0, "landmark_1nn": -0.1, "skew": 0.7, "x": 1.0}
    assert closest_on(deviations) == ["landmark_1nn", "skew", "x"]  # those that differ first
