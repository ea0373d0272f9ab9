# The ways in to the command line, which is Python (guanxi.cli): the build tree's launcher (GUANXI_CLI)
# from any folder, `python -m guanxi`, the pip console script's entry point, and guanxi.cli.main
# called in-process, all giving the same outputs and exit codes.
import json
import os
import subprocess
import sys

import pytest

import guanxi as gx
import guanxi.cli
from helpers import assert_one_line_error, run

EXAMPLES = os.path.join(os.environ.get("GUANXI_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "examples")
PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(gx.__file__)))


def python_env():
    return dict(os.environ, PYTHONPATH=PACKAGE_ROOT)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    path = tmp_path_factory.mktemp("entry") / "tiny.edges"
    path.write_text("10 20\n20 30\n30 10\n30 40\n50 60\n")
    return path


def test_python_dash_m_is_the_same_command(cli, tiny):
    module = [sys.executable, "-m", "guanxi"]
    version = subprocess.run([*module, "--version"], capture_output=True, text=True, env=python_env())
    assert version.returncode == 0 and version.stdout.strip() == f"guanxi {gx.__version__}"
    by_module = subprocess.run([*module, "info", tiny, "--json"], capture_output=True, text=True, env=python_env())
    by_launcher = run(cli, "info", tiny, "--json")
    assert by_module.returncode == by_launcher.returncode == 0, by_module.stderr
    strip = lambda text: {k: v for k, v in json.loads(text).items() if k != "read_seconds"}  # noqa: E731
    assert strip(by_module.stdout) == strip(by_launcher.stdout)
    usage = subprocess.run([*module, "nonsense"], capture_output=True, text=True, env=python_env())
    assert_one_line_error(usage, "unknown command 'nonsense'", code=2)


def test_launcher_from_another_folder_without_path_or_pythonpath(cli, tiny, tmp_path):
    # A folder named guanxi where the command runs must not stand in for the package, and the
    # launcher names its interpreter and package itself: no PATH, no PYTHONPATH needed.
    (tmp_path / "guanxi").mkdir()
    (tmp_path / "guanxi" / "__init__.py").write_text("raise ImportError('the decoy was imported')\n")
    (tmp_path / "tiny.edges").write_text(tiny.read_text())
    env = {"PATH": "/nonexistent", "HOME": str(tmp_path)}
    result = subprocess.run([os.path.abspath(cli), "info", "tiny.edges"], capture_output=True, text=True, cwd=tmp_path,
                            env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "tiny.edges" and "nodes               6" in result.stdout


def test_console_script_entry_point(tiny):
    # pyproject.toml: guanxi = "guanxi._cli:main"
    code = "import sys; sys.argv = ['guanxi', 'info', sys.argv[1]]; from guanxi._cli import main; main()"
    result = subprocess.run([sys.executable, "-c", code, str(tiny)], capture_output=True, text=True, env=python_env())
    assert result.returncode == 0 and "ties                5 (undirected)" in result.stdout, result.stderr
    code = "import sys; sys.argv = ['guanxi', 'info', 'x.edges', '--no-flag']; from guanxi._cli import main; main()"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=python_env())
    assert_one_line_error(result, "--no-flag", code=2)


@pytest.mark.parametrize("args, code", [
    (["--version"], 0),
    ([], 2),
    (["nonsense"], 2),
    (["generate"], 2),
    (["generate", "no-such-model"], 2),
    (["simulate", "x.edges", "--replicates", "-3"], 1),
    (["info", "/nonexistent/x.edges"], 1),
])
def test_main_returns_the_exit_code(capsys, args, code):
    assert guanxi.cli.main(args) == code
    err = capsys.readouterr().err
    assert code == 0 or (len(err.splitlines()) == 1 and err.startswith("guanxi: error:")), err


def test_help_keeps_examples_and_exit_codes(cli):
    for args in (["--help"], ["run", "--help"], ["generate", "--help"], ["generate", "holme-kim", "--help"]):
        result = run(cli, *args)
        assert result.returncode == 0 and result.stderr == "", (args, result.stderr)
        assert "Examples:" in result.stdout and "Exit codes: 0 ok; 1 bad input" in result.stdout, args
    assert all(name in run(cli, "--help").stdout for name in guanxi.cli.COMMANDS)
    assert "--edge-factor" in run(cli, "generate", "rmat", "--help").stdout
    assert "triad formation" in run(cli, "generate", "--help").stdout


def test_threads_before_or_after_the_command(cli, tiny):
    before = run(cli, "--threads", 1, "info", tiny, "--json")
    after = run(cli, "info", tiny, "--json", "--threads", 1)
    assert before.returncode == after.returncode == 0
    assert json.loads(before.stdout)["ties"] == json.loads(after.stdout)["ties"] == 5
    assert_one_line_error(run(cli, "info", tiny, "--threads", 5000), "--threads: must be an integer in [0, 4096]")


def test_options_and_scenarios_intermixed(cli, tmp_path):
    graph = tmp_path / "g.gx"
    gx.generators.holme_kim(300, 3, 0.5, seed=1).save(graph)
    base, referral = (os.path.join(EXAMPLES, name) for name in ("01_no_incentive.toml", "03_two_sided_referral.toml"))
    result = run(cli, "compare", base, "--graph", graph, referral, "--replicates", 2, "--json")
    assert result.returncode == 0, result.stderr
    assert list(json.loads(result.stdout)["designs"]) == ["two-sided referral"]


def test_designs_with_the_same_name_stay_apart(cli, tmp_path):
    # Two files may name their designs alike; each design keeps its own row.
    graph = tmp_path / "g.gx"
    gx.generators.holme_kim(300, 3, 0.5, seed=1).save(graph)
    one, two = tmp_path / "one.toml", tmp_path / "two.toml"
    one.write_text('name = "same"\n[run]\nsteps = 3\n')
    two.write_text('name = "same"\n[policy]\nreferral_reward = 5\n[run]\nsteps = 3\n')
    result = run(cli, "compare", one, two, two, "--graph", graph, "--replicates", 2, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["baseline"] == "same" and len(report["designs"]) == 2, list(report["designs"])


def test_compare_names_the_line_of_a_different_horizon(cli, tmp_path):
    graph = tmp_path / "g.gx"
    gx.generators.holme_kim(300, 3, 0.5, seed=1).save(graph)
    short = tmp_path / "short.toml"
    short.write_text("[behaviour]\nshare_prob = 0.1\n[run]\nsteps = 5\n")
    assert_one_line_error(run(cli, "compare", os.path.join(EXAMPLES, "01_no_incentive.toml"), short, "--graph", graph),
                          f"{short}:4: run.steps: differs from the baseline's (60 in ")
