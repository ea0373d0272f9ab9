# Helpers shared by the Python tests: running the guanxi CLI, checking its one-line errors, and
# interrupting a long run (Ctrl-C) while measuring how fast it stops.
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


def assert_one_line_error(result, *needles):
    """A failed run printed one line, 'guanxi: error: ...', containing every needle."""
    assert result.returncode != 0
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("guanxi: error:"), lines[0]
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


def interrupt(command, env=None, ready_line=None, delay=1.0):
    """Starts `command`, waits for `ready_line` on stdout (if given) and `delay` seconds, sends
    SIGINT and returns (stdout, stderr, returncode, seconds from the signal to the exit)."""
    proc = subprocess.Popen([str(c) for c in command], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    try:
        if ready_line is not None:
            assert proc.stdout.readline().strip() == ready_line
        time.sleep(delay)
        assert proc.poll() is None, proc.communicate()
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            pytest.fail("still running 5 s after SIGINT (the documented bound is one step)")
        return out, err, proc.returncode, time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def assert_call_interrupts(tmp_path, setup, call):
    """Runs `setup` then `call` (Python source) in a child interpreter, sends Ctrl-C during `call`,
    and asserts that it raised KeyboardInterrupt within 1.5 s."""
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
    out, err, code, elapsed = interrupt([sys.executable, script], env=dict(os.environ, PYTHONPATH=package_root),
                                        ready_line="start")
    assert out.strip() == "KeyboardInterrupt" and code == 3, (out, err[-400:])
    assert elapsed <= 1.5, elapsed
