"""The floor plan of the Python package (docs/architecture.md, "The Python floors"), checked on the
source: every module sits on a floor; module-level imports go down (or sideways) only; no module
imports another inside a function; the package's modules import each other without a cycle; no
private name crosses a module boundary; the engine's campaign runner has one caller; the test
files mirror the modules.
"""

import ast
import os
import pathlib
import re
import shutil
import subprocess

import pytest

SOURCE = pathlib.Path(os.environ.get("GUANXI_SOURCE_DIR", pathlib.Path(__file__).parents[2]))
PACKAGE = SOURCE / "python" / "guanxi"

# The floors, bottom up (docs/architecture.md keeps the same table). _guanxi is the compiled
# engine beneath them all; __init__ is the front door, which imports every floor but the command
# line, which in turn calls the package through it.
FLOORS = {
    0: ["_checks", "_designs", "_engine", "_format"],
    1: ["graph", "generators", "analytics", "ties", "stats", "plotting", "diffusion", "results", "campaign",
        "comparison", "seeding"],
    2: ["uncertainty", "store", "sweeps", "studyfile"],
    3: ["selection", "optimization", "sensitivity_analysis", "calibration"],
    4: ["html_report", "report", "__init__", "cli", "_cli", "__main__"],
}
FLOOR = {module: floor for floor, modules in FLOORS.items() for module in modules}
PRIVATE_MODULES = {"_guanxi", "_checks", "_designs", "_engine", "_format"}  # the bottom floor: private to the package


def modules() -> dict:
    return {path.stem: ast.parse(path.read_text(encoding="utf-8"), str(path)) for path in sorted(PACKAGE.glob("*.py"))}


def package_imports(tree: ast.Module):
    """(imported module, names taken from it, line, at module level) for each import of a
    package module: ``from . import x``, ``from .x import y``, ``import guanxi.x``, ``from guanxi
    import x``."""
    top = {id(node) for node in tree.body}
    known = {path.stem for path in PACKAGE.glob("*.py")} | {"_guanxi"}
    for node in ast.walk(tree):
        outer = id(node) in top
        if isinstance(node, ast.ImportFrom):
            inside = node.level >= 1 or (node.module or "").split(".")[0] == "guanxi"
            if not inside:
                continue
            module = node.module if node.level >= 1 else (node.module or "").partition(".")[2]
            if not module:  # from . import a, b: each a module (or a name of the front door)
                for alias in node.names:
                    yield (alias.name if alias.name in known else "__init__"), [], node.lineno, outer
            else:
                yield module.split(".")[0], [alias.name for alias in node.names], node.lineno, outer
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "guanxi":
                    yield (parts[1] if len(parts) > 1 else "__init__"), [], node.lineno, outer


def test_every_module_has_a_floor():
    missing = sorted(set(modules()) - set(FLOOR))
    assert not missing, f"modules without a floor (add them to FLOORS here and in docs/architecture.md): {missing}"
    gone = sorted(set(FLOOR) - set(modules()))
    assert not gone, f"floors list modules that do not exist: {gone}"


def test_imports_go_down_and_are_at_the_top():
    problems = []
    for name, tree in modules().items():
        if name == "__init__":
            continue
        for module, _, line, outer in package_imports(tree):
            if not outer:
                problems.append(f"{name}.py:{line}: imports {module} inside a function (imports go at the top)")
            elif module != "_guanxi" and FLOOR[module] > FLOOR[name]:
                problems.append(f"{name}.py:{line}: floor {FLOOR[name]} imports {module} of floor {FLOOR[module]}")
    assert not problems, "\n".join(problems)


def test_no_import_cycle():
    graph = {name: {m for m, _, _, _ in package_imports(tree) if m != "_guanxi"} for name, tree in modules().items()}
    state: dict = {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycle = path[path.index(nxt):] + [nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])


def test_no_private_name_crosses_a_module():
    problems = []
    for name, tree in modules().items():
        aliases = set()  # local names of imported package modules
        for module, names, line, _ in package_imports(tree):
            for taken in names:
                if taken.startswith("_") and taken not in PRIVATE_MODULES:
                    problems.append(f"{name}.py:{line}: imports the private name {taken} of {module}")
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.level >= 1 or (node.module or "").startswith("guanxi")):
                aliases.update(alias.asname or alias.name for alias in node.names)
            elif isinstance(node, ast.Import):
                aliases.update(alias.asname or alias.name.split(".")[0] for alias in node.names
                               if alias.name.startswith("guanxi"))
        aliases.discard("_guanxi")  # the compiled engine: its names are its own
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                    and isinstance(node.value, ast.Name) and node.value.id in aliases):
                problems.append(f"{name}.py:{node.lineno}: reads the private name {node.value.id}.{node.attr}")
    assert not problems, "\n".join(problems)


def test_the_campaign_runner_has_one_caller():
    callers = []
    for name, tree in modules().items():
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr in ("run_campaign", "campaign_run")
                    and isinstance(node.value, ast.Name) and node.value.id == "_guanxi"):
                callers.append(f"{name}.py:{node.lineno}")
    assert callers and all(c.startswith("_engine.py:") for c in callers), callers


def test_test_files_mirror_the_modules():
    """One test file per module (tests/python/test_<module>.py; the bottom floor's three modules
    share test_bottom_floor.py), named after what it tests."""
    tests = {path.stem[len("test_"):] for path in (SOURCE / "tests" / "python").glob("test_*.py")}
    public = {name for name in modules() if not name.startswith("_")}
    missing = sorted(public - tests)
    assert not missing, f"modules without a test file: {missing}"
    # Besides the modules: the package as a whole (this file), the bottom floor, the notebooks,
    # the walkthrough of docs/choosing.md, and the faults of the run store and its inputs (issue 20:
    # the store, sweeps, study files and the command line attacked together), and the audit of
    # what every decision function says (issue 22: winners, drawings, sentences against tables).
    extra = sorted(tests - public - {"architecture", "bottom_floor", "notebooks", "choosing", "store_faults",
                                     "answers"})
    assert not extra, f"test files that mirror no module: {extra}"
    assert not [t for t in tests if t.endswith("_v2")], "name a test file after what it tests, not a version"


def test_what_the_readme_commands_write_is_ignored_by_git():
    # The README's commands and examples write files where they run (its root, as it shows them):
    # none of them may turn up as new files in `git status`.
    if shutil.which("git") is None or not (SOURCE / ".git").exists():
        pytest.skip("not a git checkout")
    readme = (SOURCE / "README.md").read_text(encoding="utf-8")
    written = set()
    for pattern in (r'(?:-o|--store|--out) ([\w.-]+\.(?:db|html|gx)|[\w-]+/)', r'store="([\w.-]+)"',
                    r'to_toml\("([\w.-]+)"\)', r'report\("[\w.-]+", "([\w.-]+)"'):
        written |= set(re.findall(pattern, readme))
    assert {"runs.db", "report.html", "results/", "social.gx", "group_buy.toml"} <= written, written
    for path in sorted(written) + ["runs.db-wal", "build/notebooks/choose_a_design.db"]:
        checked = subprocess.run(["git", "-C", str(SOURCE), "check-ignore", "-q", "--no-index", path])
        assert checked.returncode == 0, f"{path}: written by a README command, not ignored by .gitignore"
