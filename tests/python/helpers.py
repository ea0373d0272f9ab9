# Helpers shared by the Python tests: running the guanxi CLI, checking its one-line errors, and
# interrupting a long run (Ctrl-C).
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest


def run(cli, *args, timeout=120, cwd=None):
    """Runs the CLI with arguments (stringified); returns the CompletedProcess."""
    return subprocess.run([cli, *map(str, args)], capture_output=True, text=True, timeout=timeout, cwd=cwd)


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
