# Executes every notebooks/*.ipynb with nbclient (STYLE.md habit 12: the notebooks users read always
# run), with the parameters shrunk so the run stays fast; outputs land in a temporary folder, never in
# the source tree. Also checks that the committed notebooks carry no outputs.
import functools
import os
import pathlib
import re
import sys

import pytest

import guanxi as gx

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

SOURCE_DIR = pathlib.Path(os.environ.get("GUANXI_SOURCE_DIR") or pathlib.Path(__file__).resolve().parents[2])
NOTEBOOK_DIR = SOURCE_DIR / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))

# Small values for the names a notebook's "parameters" cell assigns (a cell injected after it
# overrides them, as papermill does).
SMALL = {"N": 20_000, "REPLICATES": 20, "TRIALS": 8, "PARTICLES": 40}
CELL_TIMEOUT = 300  # seconds per cell


def read(path: pathlib.Path):
    return nbformat.read(path, as_version=4)


def tagged(nb, tag: str):
    return [cell for cell in nb.cells if tag in cell.get("metadata", {}).get("tags", [])]


def shrink(nb) -> None:
    """Insert, after the cell tagged "parameters" (else the first code cell), a cell assigning
    SMALL's values to the names that cell assigns."""
    cells = tagged(nb, "parameters") or [cell for cell in nb.cells if cell.cell_type == "code"][:1]
    if not cells:
        return
    assigned = set(re.findall(r"^([A-Za-z_]\w*)\s*=", cells[0].source, flags=re.M))
    lines = [f"{name} = {value!r}" for name, value in SMALL.items() if name in assigned]
    if lines:
        injected = nbformat.v4.new_code_cell("\n".join(["# injected by tests/python/test_notebooks.py"] + lines))
        injected.metadata["tags"] = ["injected-parameters"]
        nb.cells.insert(nb.cells.index(cells[0]) + 1, injected)


def output_text(cell) -> str:
    """Everything a cell showed as text: streams, results and displays (markdown, plain, html)."""
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type in ("execute_result", "display_data"):
            for mime in ("text/markdown", "text/plain", "text/html"):
                if mime in output.get("data", {}):
                    parts.append(output["data"][mime])
    return "\n".join(parts)


@functools.lru_cache(maxsize=None)
def executed(path: pathlib.Path, workdir: pathlib.Path):
    """The notebook at path, shrunk and executed in workdir by a python3 kernel that imports the
    same guanxi as this test (run once per notebook)."""
    nb = read(path)
    shrink(nb)
    run(nb, workdir, CELL_TIMEOUT)  # raises CellExecutionError on the first failing cell
    return nb


def kernel_env(workdir: pathlib.Path) -> dict:
    """The kernel's environment: ours, with this test's guanxi first on PYTHONPATH, and what the
    notebooks write in workdir (by themselves they write under build/)."""
    env = dict(os.environ)
    env["GUANXI_NOTEBOOK_OUT"] = str(workdir)
    package_root = str(pathlib.Path(gx.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([package_root] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env["GUANXI_SOURCE_DIR"] = str(SOURCE_DIR)
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # quiets the debugger's frozen-modules warning
    env["MPLBACKEND"] = "Agg"
    return env


def run(nb, workdir: pathlib.Path, timeout: int) -> None:
    client = nbclient.NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}
    )
    client.execute(env=kernel_env(workdir))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("notebooks")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_clean(path):
    """Committed notebooks are valid nbformat 4, use the python3 kernel and carry no outputs."""
    nb = read(path)
    nbformat.validate(nb)
    assert nb.nbformat == 4
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs, f"{path.name}: clear the outputs before committing"
            assert cell.execution_count is None, f"{path.name}: clear the execution counts before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path, workdir):
    nb = executed(path, workdir)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            errors = [o for o in cell.outputs if o.output_type == "error"]
            assert not errors, f"{path.name} cell {index}: {errors[0].ename}: {errors[0].evalue}"
            assert cell.execution_count is not None, f"{path.name} cell {index} did not run"


def test_incentive_design_interpretation_names_a_design(workdir):
    path = NOTEBOOK_DIR / "01_incentive_design.ipynb"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    tiny = gx.generators.holme_kim(200, 4, 0.5, seed=1)  # the designs' names, read as the notebook reads them
    designs = [gx.Campaign.from_toml(example, graph=tiny).name for example in sorted((SOURCE_DIR / "examples").glob("*.toml"))]
    assert designs, "no examples/*.toml"
    nb = executed(path, workdir)
    cells = tagged(nb, "interpretation")
    assert cells, "01_incentive_design.ipynb: no cell tagged 'interpretation'"
    text = "\n".join(output_text(cell) for cell in cells)
    assert any(f"**{name}**" in text for name in designs), f"the interpretation names no design:\n{text}"
    assert f"{SMALL['N']:,} people" in text, "the interpretation should follow the (shrunk) parameters"


def test_kernel_is_this_interpreter(workdir):
    """The python3 kernel is this interpreter (Debian's, which sees numpy) and imports the same
    guanxi, not another python3 found first."""
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("import sys, guanxi\nprint(sys.executable)\nprint(guanxi.__file__)")]
    )
    run(nb, workdir, 60)
    kernel_python, kernel_guanxi = output_text(nb.cells[0]).strip().splitlines()
    assert os.path.realpath(kernel_python) == os.path.realpath(sys.executable), (
        f"the python3 kernelspec runs {kernel_python}, not {sys.executable}"
    )
    assert pathlib.Path(kernel_guanxi).resolve() == pathlib.Path(gx.__file__).resolve()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_ends_with_a_decision_and_its_uncertainty(path, workdir):
    """Every notebook ends in a decision computed from its results (the last code cell, tagged
    "decision"): one bold "Decision." or "Recommendation" sentence that names a design or a choice and
    carries its uncertainty (a 95 % interval or a stated confidence)."""
    nb = executed(path, workdir)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert "decision" in code[-1].get("metadata", {}).get("tags", []), f"{path.name}: the last code cell is no decision"
    text = output_text(code[-1])
    assert re.search(r"\*\*(Decision\.|Recommendation|No clear winner)", text), f"{path.name}: no decision in\n{text}"
    assert re.search(r"95% CI|9\d% confidence|≥ 9\d% confidence", text), f"{path.name}: the decision has no uncertainty\n{text}"
    assert f"{SMALL['N']:,}" in text or "NetHEPT" in text or "people" in text, text


def test_the_calibration_says_how_well_it_did(workdir):
    """Notebook 03 calibrates with its warnings on and the default generations, and says how well
    it did: the interval, its share of the prior and whether it covers the (synthetic) truth,
    the numbers of Calibration.summary."""
    path = NOTEBOOK_DIR / "03_choose_a_design.ipynb"
    nb = executed(path, workdir)
    source = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "code")
    assert "simplefilter" not in source and "generations=" not in source
    cells = tagged(nb, "calibration-check")
    assert cells, "03_choose_a_design.ipynb: no cell tagged 'calibration-check'"
    text = output_text(cells[0])
    found = re.search(r"lies in \[(0\.\d+), (0\.\d+)\] with 90% probability.*?\*\*(\d+)% of the prior's width\*\* "
                      r"\[0\.02, 0\.3\], and the interval (covers|\*\*misses\*\*) the true 0\.11", text)
    assert found, text
    low, high, share = float(found[1]), float(found[2]), int(found[3])
    assert abs(share - round(100 * (high - low) / 0.28)) <= 1
    assert (found[4] == "covers") == (low <= 0.11 <= high)
