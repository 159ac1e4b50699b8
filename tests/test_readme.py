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
    # the table the README shows is the one the tour prints, and so is the claim after it
    text = README.read_text()
    shown = re.search(r"```\n( +study +similarity.*?)\n\{", text, flags=re.S).group(1)
    printed = [line.split()[1:] for line in lines[1:4]]
    assert [line.split()[1:] for line in shown.splitlines()[1:]] == [
        [study, f"{float(sim):.6f}", f"{float(dist):.6f}", flag]
        for study, sim, dist, flag in printed
    ]
    flags = {row[3] for row in printed}
    assert flags == {"True"} and "All three count as in distribution" in text
