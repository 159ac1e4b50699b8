"""The committed notebooks: valid for nbformat (cell ids included) and without outputs."""

from __future__ import annotations

import warnings
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_the_four_numbered_notebooks():
    assert [p.name[:3] for p in NOTEBOOKS] == ["01_", "02_", "03_", "04_"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_a_notebook_validates_with_cell_ids_and_is_committed_without_outputs(path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nbformat's MissingIDFieldWarning fails the test
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
    ids = [cell.get("id") for cell in notebook.cells]
    assert all(ids) and len(set(ids)) == len(ids)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.slow
def test_every_quickstart_cell_runs_when_nothing_is_feasible(tmp_path):
    """A bound no model meets: the front is empty, and the cells say so instead of failing."""
    import os

    from nbclient import NotebookClient

    path = next(p for p in NOTEBOOKS if p.name.startswith("01_"))
    notebook = nbformat.read(path, as_version=4)
    env = {"HPX_SMALL_BUDGET": "1", "HPX_WORKDIR": str(tmp_path), "HPX_QUICKSTART_MAX_KB": "1"}
    previous = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        NotebookClient(
            notebook, timeout=900, resources={"metadata": {"path": str(path.parent)}}
        ).execute()
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    printed = "".join(
        output.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.get("output_type") == "stream"
    )
    assert "No feasible trial yet: none of the" in printed
    assert "No feasible trial yet, so nothing to export" in printed
    assert not (tmp_path / "chosen-in-code.yaml").exists()
