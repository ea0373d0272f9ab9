# Helpers shared by the Python tests: running the guanxi CLI, checking its one-line errors,
# interrupting a long run (Ctrl-C), and the campaigns, runs and statistics by hand that the tests of
# several modules share.
import math
import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np
import pytest

import guanxi as gx


def run(cli, *args, timeout=120, cwd=None):
    """Runs the CLI with arguments (stringified); returns the CompletedProcess."""
    return subprocess.run([cli, *map(str, args)], capture_output=True, text=True, timeout=timeout, cwd=cwd)


def blocks_stored(path) -> int:
    """Blocks in a run store, read past its locks and checks as another process sees it while a
    sweep writes (0 before the store exists): what tests that stop a sweep part-way wait for."""
    import sqlite3

    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as db:
            return db.execute("SELECT count(*) FROM blocks").fetchone()[0]
    except sqlite3.Error:  # not created yet
        return 0


def wait_for_blocks(path, count: int, child) -> None:
    """Waits until the run store at ``path`` holds ``count`` blocks, the child still running."""
    deadline = time.monotonic() + 600  # a guard against a child that never starts, not a speed limit
    while blocks_stored(path) < count and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert child.poll() is None, child.communicate()


def kill_after_blocks(command, path, count: int, env=None) -> None:
    """Runs ``command`` (a sweep into the store at ``path``) and kills it (SIGKILL) once the
    store holds ``count`` blocks."""
    child = subprocess.Popen([str(c) for c in command], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for_blocks(path, count, child)
        child.send_signal(signal.SIGKILL)
        child.wait()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def assert_one_line_error(result, *needles, code=1):
    """A failed run printed one line, 'guanxi: error: ...', containing every needle, and exited
    with `code` (1 bad input, 2 usage: the codes documented in --help)."""
    assert result.returncode == code, (result.returncode, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("guanxi: error:"), lines[0]
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


# Seconds a run may take to stop after SIGINT before the test gives up. It guards against a run
# that ignores the signal (the runs used here take hours to finish on their own); it is not a
# speed limit, and no load can reach it: stopping "within one step" is asserted by the C++ test
# of the runner (Diffusion.CancellationStopsWithinAStep), which counts replicates, not seconds.
HANG_GUARD = 600


def interrupt(command, env=None, ready_line=None, delay=1.0):
    """Starts `command`, waits for `ready_line` on stdout (if given) and `delay` seconds, checks it
    is still running, sends SIGINT and returns (stdout, stderr, returncode)."""
    proc = subprocess.Popen([str(c) for c in command], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    try:
        if ready_line is not None:
            assert proc.stdout.readline().strip() == ready_line
        time.sleep(delay)
        assert proc.poll() is None, ("finished before the signal", proc.communicate())
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=HANG_GUARD)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running {HANG_GUARD} s after SIGINT: the signal was ignored")
        return out, err, proc.returncode
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def assert_call_interrupts(tmp_path, setup, call):
    """Runs `setup` then `call` (Python source, a run that takes hours) in a child interpreter,
    sends Ctrl-C during `call`, and asserts that the call stopped by raising KeyboardInterrupt."""
    import guanxi

    package_root = os.path.dirname(os.path.dirname(os.path.abspath(guanxi.__file__)))
    script = tmp_path / "long.py"
    script.write_text("import sys, guanxi as gx\n" + textwrap.dedent(setup) + textwrap.dedent("""
        print("start", flush=True)
        try:
        {}
        except KeyboardInterrupt:
            print("KeyboardInterrupt", flush=True)
            sys.exit(3)
        print("finished", flush=True)
        """).format(textwrap.indent(textwrap.dedent(call).strip(), "    ")))
    out, err, code = interrupt([sys.executable, script], env=dict(os.environ, PYTHONPATH=package_root),
                               ready_line="start")
    assert out.strip() == "KeyboardInterrupt" and code == 3, (out, err[-400:])


# -- campaigns: designs, runs and comparisons shared by the tests of several modules ---------------


# The repository's examples (scenarios, sweeps and studies).
EXAMPLES = os.path.join(os.environ.get("GUANXI_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "examples")


CHANNELS = ["seed", "external", "referral", "team", "bargain", "solo", "ad", "community"]


# The same without help_mult (the designs of the comparison and plot tests).
LIVELY_BEHAVIOUR = dict(share_prob=0.3, team_share_prob=0.6, conv_weak=0.05, conv_strong=0.3, churn_prob=0.02,
                        repeat_prob=0.05, external_rate=0.002)


STUDIES = os.path.join(EXAMPLES, "studies")


# The grid of the sweep tests: six designs.
GRID = {"policy.referral_reward": [0, 10, 20], "policy.group_buy.size": [2, 3]}


# A campaign where things happen within 25 steps on ~1500 people.
LIVELY = dict(share_prob=0.3, team_share_prob=0.6, conv_weak=0.05, conv_strong=0.3, churn_prob=0.02,
              repeat_prob=0.05, external_rate=0.002, help_mult=10)


def run_campaign(campaign, **kw):
    kw.setdefault("progress", False)
    return campaign.run(**kw)


def same_values(a, b):
    """Bit-identical arrays, NaN equal to NaN."""
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


def design_warnings(make):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        made = make()
    return made, [str(w.message) for w in caught if w.category is gx.DesignWarning]


def statsmodels_interval(values, level):
    """(low, high) of the Student t interval of the mean by statsmodels."""
    weightstats = pytest.importorskip("statsmodels.stats.weightstats")
    return weightstats.DescrStatsW(np.asarray(values, dtype=float)).tconfint_mean(alpha=1 - level)


def delta_method_by_hand(d_profit, d_spend, level):
    """(ratio, low, high, share with more profit) of mean(d_profit) / mean(d_spend), the variance
    written out: Var = (var(dp) - 2 r cov(dp, ds) + r^2 var(ds)) / (n mean(ds)^2)."""
    n = d_profit.size
    r = d_profit.mean() / d_spend.mean()
    var_p = np.sum((d_profit - d_profit.mean()) ** 2) / (n - 1)
    var_s = np.sum((d_spend - d_spend.mean()) ** 2) / (n - 1)
    cov = np.sum((d_profit - d_profit.mean()) * (d_spend - d_spend.mean())) / (n - 1)
    variance = (var_p - 2 * r * cov + r * r * var_s) / (n * d_spend.mean() ** 2)
    scipy_stats = pytest.importorskip("scipy.stats")
    half = scipy_stats.t.ppf(0.5 + level / 2, n - 1) * math.sqrt(variance)
    return r, r - half, r + half, np.mean(d_profit > 0)


def same_bits(a, b):
    """Bit for bit, NaN (an undefined rate) included."""
    return a.shape == b.shape and np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes()


def lively(graph, steps=25, **sections):
    behaviour = dict(LIVELY, **sections.pop("behaviour", {}))
    run_section = dict({"steps": steps}, **sections.pop("run", {}))
    return gx.Campaign(graph, behaviour=behaviour, run=run_section, **sections)
