"""The README's tour runs as written."""

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).parents[1] / "README.md"


def test_readme_tour_runs_and_ranks_studies(tmp_path):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    tour = next(b for b in blocks if "reg.similar(new" in b)
    out = subprocess.run(
        [sys.executable, "-c", tour], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split() == ["study", "similarity", "distance", "in_distribution"]
    assert {line.split()[1] for line in lines[1:4]} == {"wine", "breast_cancer", "iris"}
    assert (tmp_path / "tour-registry.db").exists()
