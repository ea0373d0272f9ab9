"""Driver for an external influence-maximisation reference: OPIM-C (Tang et al., SIGMOD 2018).

Purpose: let benchmarks compare guanxi's influence maximisation with the authors' own OPIM-C
implementation on the same arc list, under the weighted-cascade IC model.

What it builds: https://github.com/tangj90/OPIM, commit 344cc3d5eaa13d8cdf9a9e75722e49d341981e8d
(2018-09-01, "Handle the deg=0."), the sources in its OPIM1.1/ folder (entry point OPIM.cpp).
Licence of that code: MIT (Copyright (c) 2018 tangj90), see LICENSE in the fetched tree.
Its code is never committed to this repository: it is only fetched and built under build/
(for example build/reference/src/OPIM/ and build/reference/bin/opim), which git ignores.

Facts about the reference worth knowing when reading its numbers:
* single-threaded (no OpenMP or threads anywhere); the ``threads`` argument of run() is recorded but
  has no effect;
* its RNG (dSFMT) is seeded with time(nullptr) in main(); the seed cannot be set from the command
  line, so runs are not reproducible and two runs started in the same second share a stream;
* input is a header ``n m`` and then m arc lines; parallel arcs are kept as separate in-neighbours
  (each gets its own coin flip, and each counts in the in-degree); self-loops are kept too (they count
  in the in-degree but never spread);
* the graph must first be converted ("formatted", -func=0) into a binary reverse-adjacency file
  ``<name>.vec.rvs.graph``; its own WC formatting (-mode=g) gives wrong probabilities once a node
  with no in-arc exists (it advances its degree index only over nodes that have in-arcs), so this
  driver writes the probabilities itself (-mode=w) as float32 1/in-degree(v);
* the time it prints ("|Time (sec)") covers the OPIM-C loop only (RR sets + greedy), not the graph
  load nor its closing spread check; "|Influence" is that check (RR-set estimate within +-1% with
  probability 99.9%), "|Self-estimated influence" the coverage estimate on its own RR sets;
* delta defaults to 1/n; the bound mode is the paper's default (-mode=2, minimum upper bound).

Standard library and numpy only; run with /usr/bin/python3.
"""

import glob
import os
import re
import shutil
import subprocess
import tempfile
import time

import numpy as np

REPOSITORY = "tangj90/OPIM"
COMMIT = "344cc3d5eaa13d8cdf9a9e75722e49d341981e8d"
LICENCE = "MIT"
BINARY_NAME = "opim"
COMPILE_FLAGS = ["-std=c++14", "-O3", "-march=native"]

_TIME = "/usr/bin/time"
_last_binary = None  # set by build(); write_input() uses it to run the format step


def _find_source(source_dir):
    """Folder holding OPIM.cpp: source_dir itself or its OPIM1.1/ subfolder."""
    for cand in (os.path.join(source_dir, "OPIM1.1"), source_dir):
        if os.path.isfile(os.path.join(cand, "OPIM.cpp")):
            return cand
    raise RuntimeError("no OPIM.cpp under %s (expected %s/OPIM1.1/OPIM.cpp)" % (source_dir, source_dir))


def build(source_dir, out_dir):
    """Compile the OPIM reference found in source_dir into out_dir; return the binary's path.

    Follows its Makefile (g++ -std=c++14 -O3 OPIM.cpp) adding -march=native. Nothing is written into
    source_dir. Raises RuntimeError carrying the compiler output on failure.
    """
    global _last_binary
    src = _find_source(os.path.abspath(source_dir))
    out_dir = os.path.abspath(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    binary = os.path.join(out_dir, BINARY_NAME)
    cxx = os.environ.get("CXX", "g++")
    cmd = [cxx] + COMPILE_FLAGS + [os.path.join(src, "OPIM.cpp"), "-o", binary]
    try:
        proc = subprocess.run(cmd, cwd=src, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True)
    except OSError as exc:
        raise RuntimeError("cannot run %s: %s" % (cxx, exc))
    if proc.returncode != 0 or not os.path.isfile(binary):
        raise RuntimeError("build failed (%s):\n%s" % (" ".join(cmd), proc.stdout))
    _last_binary = binary
    return binary


def _formatted_path(input_path):
    return input_path + ".vec.rvs.graph"


def format_input(binary, input_path):
    """Run the reference's conversion (-func=0 -mode=w) of input_path into <input_path>.vec.rvs.graph."""
    d, name = os.path.split(os.path.abspath(input_path))
    cmd = [os.path.abspath(binary), "-func=0", "-mode=w", "-dir=" + d, "-gname=" + name]
    proc = subprocess.run(cmd, cwd=d, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True)
    # -func=0 exits with status 1 by design; judge by the file it writes.
    if "The graph is formatted" not in proc.stdout or not os.path.isfile(_formatted_path(input_path)):
        raise RuntimeError("format step failed (%s):\n%s" % (" ".join(cmd), proc.stdout))
    return _formatted_path(input_path)


def write_input(sources, targets, num_nodes, out_dir, model="wc", binary=None, name="graph"):
    """Write the arcs (0-based, exactly as given, duplicates kept) for the reference; return input path.

    The text file is ``n m`` then ``u v p`` lines, p = 1/in-degree(v) counted over the arcs given
    (model "wc"); a float model value gives every arc that uniform probability. The reference's
    conversion step is then run with ``binary`` (or the binary of the last build() call); if neither
    is known, run() performs it on first use. The returned path is what run() takes.
    """
    src = np.asarray(sources, dtype=np.int64).ravel()
    dst = np.asarray(targets, dtype=np.int64).ravel()
    if src.shape != dst.shape:
        raise ValueError("sources and targets differ in length")
    n = int(num_nodes)
    if src.size and (min(src.min(), dst.min()) < 0 or max(src.max(), dst.max()) >= n):
        raise ValueError("node ids must lie in [0, num_nodes)")
    if isinstance(model, str) and model.lower() == "wc":
        indeg = np.bincount(dst, minlength=n).astype(np.float64)
        prob = 1.0 / indeg[dst] if dst.size else np.zeros(0)
    else:
        prob = np.full(src.size, float(model))
    prob = prob.astype(np.float32)  # the reference stores float32
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(os.path.abspath(out_dir), name)
    for stale in (path, _formatted_path(path)):
        if os.path.exists(stale):
            os.remove(stale)
    with open(path, "w") as fh:
        fh.write("%d %d\n" % (n, src.size))
        if src.size:
            np.savetxt(fh, np.column_stack([src, dst, prob.astype(np.float64)]),
                       fmt=["%d", "%d", "%.9g"])
    binary = binary or _last_binary
    if binary:
        format_input(binary, path)
    return path


def _parse(stdout, pattern, cast=float):
    m = re.findall(pattern, stdout)
    return cast(m[-1]) if m else None


def run(binary, input_path, k, epsilon, threads=1, model="IC", delta=None, timeout=None):
    """Run OPIM-C on a prepared input; return seeds, times, memory and its printed numbers.

    seconds: the reference's own "|Time (sec)" (OPIM-C loop only); wall_seconds: the whole process
    (graph load and its closing spread check included); max_rss_bytes: that process's peak RSS,
    from /usr/bin/time when present (a child forked straight from Python reports Python's own
    pre-exec RSS, about 30 MB with numpy, as its peak), else os.wait4 of that child;
    spread_estimate: its "|Influence" line.
    """
    binary = os.path.abspath(binary)
    input_path = os.path.abspath(input_path)
    if not os.path.isfile(_formatted_path(input_path)):
        format_input(binary, input_path)
    d, name = os.path.split(input_path)
    outdir = tempfile.mkdtemp(prefix="opim_out_")
    cmd = [binary, "-func=1", "-alg=opim-c", "-mode=2", "-dir=" + d, "-gname=" + name,
           "-seedsize=%d" % int(k), "-eps=%r" % float(epsilon), "-model=%s" % model.upper(),
           "-pdist=load", "-outpath=" + outdir]
    if delta is not None:
        cmd.append("-delta=%r" % float(delta))
    rss_file = os.path.join(outdir, "maxrss_kb")
    launch = cmd
    if os.access(_TIME, os.X_OK):
        launch = [_TIME, "-f", "%M", "-o", rss_file] + cmd
    try:
        with tempfile.TemporaryFile(mode="w+") as log:
            t0 = time.perf_counter()
            proc = subprocess.Popen(launch, cwd=outdir, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)
            deadline = None if timeout is None else t0 + timeout
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG if deadline else 0)
                if pid:
                    break
                if time.perf_counter() > deadline:
                    os.killpg(proc.pid, 9)  # its own session: time and the reference
                    os.wait4(proc.pid, 0)
                    proc.returncode = -9
                    raise RuntimeError("reference timed out after %s s: %s" % (timeout, " ".join(cmd)))
                time.sleep(0.01)
            wall = time.perf_counter() - t0
            proc.returncode = os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") \
                else (os.WEXITSTATUS(status) if os.WIFEXITED(status) else -os.WTERMSIG(status))
            log.seek(0)
            stdout = log.read()
        max_rss_kb = int(usage.ru_maxrss)  # Linux reports KiB
        if launch is not cmd:
            with open(rss_file) as fh:
                lines = fh.read().split()
            if lines and lines[-1].isdigit():
                max_rss_kb = int(lines[-1])
        if proc.returncode != 0:
            raise RuntimeError("reference failed (rc %d): %s\n%s" % (proc.returncode, " ".join(cmd), stdout))
        seed_files = sorted(glob.glob(os.path.join(outdir, "seed", "seed_*")))
        if len(seed_files) != 1:
            raise RuntimeError("expected one seed file in %s/seed, found %d\n%s" % (outdir, len(seed_files), stdout))
        with open(seed_files[0]) as fh:
            seeds = [int(tok) for tok in fh.read().split()]
    finally:
        shutil.rmtree(outdir, ignore_errors=True)
    own = _parse(stdout, r"\|Time \(sec\): ([0-9.eE+-]+)")
    return {
        "seeds": seeds,
        "seconds": own if own is not None else wall,
        "wall_seconds": wall,
        "max_rss_bytes": max_rss_kb * 1024,
        "spread_estimate": _parse(stdout, r"\|Influence: ([0-9.eE+-]+)"),
        "self_estimate": _parse(stdout, r"\|Self-estimated influence: ([0-9.eE+-]+)"),
        "approx": _parse(stdout, r"\|Approx\.: ([0-9.eE+-]+)"),
        "rr_sets": _parse(stdout, r"\|#RR sets: ([0-9]+)", int),
        "load_seconds": _parse(stdout, r"Graph loaded for RIS! total time used \(sec\): ([0-9.eE+-]+)"),
        "threads": 1,
        "threads_requested": threads,
        "command": cmd,
        "raw_stdout": stdout,
    }


if __name__ == "__main__":
    import argparse
    import json

    ap = argparse.ArgumentParser(description="build and run the OPIM-C reference on an edge list")
    ap.add_argument("--source", required=True, help="extracted tangj90/OPIM tree")
    ap.add_argument("--out", required=True, help="folder for binary and inputs")
    ap.add_argument("--edges", required=True, help="`u v` lines, 0-based")
    ap.add_argument("--undirected", action="store_true", help="feed both directions of every line")
    ap.add_argument("-k", type=int, default=50)
    ap.add_argument("--eps", type=float, nargs="+", default=[0.5, 0.1])
    a = ap.parse_args()
    b = build(a.source, os.path.join(a.out, "bin"))
    e = np.loadtxt(a.edges, dtype=np.int64, usecols=(0, 1), ndmin=2)
    s, t = e[:, 0], e[:, 1]
    if a.undirected:
        s, t = np.concatenate([s, t]), np.concatenate([t, s])
    n = int(e.max()) + 1
    p = write_input(s, t, n, os.path.join(a.out, "input"), binary=b,
                    name=os.path.splitext(os.path.basename(a.edges))[0])
    print(json.dumps({"binary": b, "input": p, "nodes": n, "arcs": int(s.size)}))
    for eps in a.eps:
        r = run(b, p, a.k, eps)
        r.pop("raw_stdout")
        print(json.dumps(r))
