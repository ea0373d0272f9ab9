"""The ``guanxi`` command line: ``info``, ``convert``, ``generate``, ``simulate``, ``seed``, ``run``,
``compare``, ``sweep`` and ``store`` over the functions notebooks call (:class:`guanxi.Graph`,
:mod:`guanxi.generators`, :func:`guanxi.simulate`, :mod:`guanxi.seeding`, :class:`guanxi.Campaign`,
:func:`guanxi.compare`, :func:`guanxi.sweep`, :class:`guanxi.Store`, :mod:`guanxi.report`).

This module only reads the command line, checks numbers as written, prints what the package
returns, and turns failures into one line ``guanxi: error: ...`` with a documented exit code:
0 ok, 1 bad input (a file, a value out of range) or a fault of the run store or the Dask cluster
(a full disk, a lock held by another process, a damaged store, lost workers: the line names the
store and what to do), 2 usage (an unknown command or option, a missing argument), 130
interrupted (Ctrl-C stops a run within a step). Warnings are lines ``guanxi: warning: ...``.
Everything printed has its control characters escaped (names and labels come from files and
stores). Run it as ``guanxi ...`` (the console script) or ``python -m guanxi``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import time
import warnings
from typing import Dict, List, Optional, Sequence

import guanxi as gx
from guanxi import report
from guanxi._format import readable

EXIT_OK, EXIT_BAD_INPUT, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_BROKEN_PIPE = 141  # what a shell reports for a reader that went away (128 + SIGPIPE)

MAX_SEED = 2**64 - 1
MAX_REPLICATES = 10**12  # the engine also checks the results against this machine's memory
MAX_COUNT32 = 2**32 - 2  # steps and neighbour counts are 32-bit like node ids; 2**32 - 1 is reserved
MAX_THREADS = 4096

COMMANDS = {
    "info": "print size, degrees, components, clustering and thresholds of a graph",
    "convert": "convert a graph file (output: edge list [.gz] or .gx snapshot)",
    "simulate": "Monte Carlo of a classic diffusion model: IC, WC, LT, SI, SIR, SIS, complex, Bass",
    "seed": "choose k seeds by influence maximisation (IMM or OPIM-C) for IC, WC or LT",
    "run": "run a campaign scenario (TOML) and print its summary at the horizon",
    "compare": "compare campaign scenarios with common random numbers (paired differences against the first)",
    "sweep": "run many designs (a [sweep] of key paths to values) with common random numbers, into a run store",
    "store": "list, show, export, check or delete the sweeps of a run store: guanxi store ls|show|export|check|rm STORE",
    "select": "choose the best design with a stated confidence (sequential, common random numbers)",
    "optimize": "search a space of designs for the best objective under constraints (Optuna)",
    "calibrate": "fit parameters to an observed series (approximate Bayesian computation)",
    "report": "write one self-contained HTML report of a run store: guanxi report STORE -o report.html",
    "generate": "generate a graph: guanxi generate KIND [--param value ...] -o FILE",
}

EPILOG = """\
Examples:
  guanxi generate holme-kim --n 100000 --m 4 --p 0.5 --seed 1 -o social.gx
  guanxi info social.gx
  guanxi info ../shared/data/facebook_combined.edges --json
  guanxi convert karate.gml karate.edges
  guanxi simulate facebook_combined.edges --model ic --p 0.01 --seeds top_degree:10 --replicates 10000 --seed 1
  guanxi seed ../shared/data/NetHEPT.edges --k 50 --model wc --epsilon 0.1
  guanxi run examples/05_group_buy.toml --replicates 50 --out results/
  guanxi compare examples/01_no_incentive.toml examples/02_one_sided_referral.toml examples/05_group_buy.toml
  guanxi sweep examples/sweeps/referral_reward.toml --store runs.db
  guanxi store show runs.db referral-reward
  guanxi select examples/01_no_incentive.toml examples/03_two_sided_referral.toml examples/05_group_buy.toml --delta 500
  guanxi optimize examples/studies/optimize_reward.toml --store runs.db
  guanxi report runs.db -o report.html

Exit codes: 0 ok; 1 bad input (a file that cannot be read, a value out of range, a scenario error) or
a fault of the run store or the cluster (full disk, lock, damage, lost workers); 2 usage (unknown
command or option, missing argument); 130 interrupted (Ctrl-C)."""


class UsageError(Exception):
    """The command line itself is wrong (exit 2)."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, with what to do next (main prints it on the one line it writes, exit 130)."""


class BadValue(Exception):
    """An option's value does not convert or is out of range (exit 1). Raised from argparse
    ``type`` functions, which argparse lets through (it catches only ValueError and TypeError
    there, and would report those as usage errors)."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage block) and no abbreviated options."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(**kwargs)

    def error(self, message):
        raise UsageError(message)


# -- numbers as written ---------------------------------------------------------------------------
# Checked as text, before conversion: a negative count must not wrap around, and "1e12" or "abc"
# must say what was expected.

_NUMBER = re.compile(r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def integer_in(option: str, low: int, high: int):
    """argparse type: a whole number in [low, high], digits only."""

    def check(text: str) -> int:
        digits = text.isascii() and text.isdigit() and len(text) <= 30  # int() of 5000 digits raises
        if not digits or not low <= int(text) <= high:
            raise BadValue(f"{option}: must be an integer in [{low}, {high}], got '{text}'")
        return int(text)

    return check


def number_in(option: str, low: float, high: float):
    """argparse type: a finite decimal number in [low, high]."""

    def check(text: str) -> float:
        value = float(text) if _NUMBER.fullmatch(text) else float("nan")
        if not low <= value <= high:  # NaN and infinities fail too
            raise BadValue(f"{option}: must be a number in [{report.number_text(low)}, {report.number_text(high)}], "
                           f"got '{text}'")
        return value

    return check


def probability(option: str):
    """argparse type: a number in [0, 1]."""
    return number_in(option, 0, 1)


# -- option names in messages ---------------------------------------------------------------------


@contextlib.contextmanager
def option_names(names: Dict[str, str]):
    """Errors of the package name the parameter first ("seeds: ..."); on the command line the
    same error names the option that set it ("--seeds: ...")."""
    try:
        yield
    except (ValueError, OSError) as error:
        key, colon, rest = str(error).partition(":")
        if colon and key in names:
            raise (ValueError if isinstance(error, ValueError) else OSError)(f"{names[key]}:{rest}") from None
        raise


# -- parsers --------------------------------------------------------------------------------------


def _add_threads(parser: argparse.ArgumentParser) -> None:
    # Before or after the command: `guanxi --threads 2 run x.toml` and `guanxi run x.toml --threads 2`.
    parser.add_argument("--threads", type=integer_in("--threads", 0, MAX_THREADS), default=None,
                        help="worker threads (default: all cores; results do not depend on it)")


def _add_read_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", default=None,
                        help="input format: edgelist, mtx, gml, graphml, snapshot (default: from the suffix)")
    parser.add_argument("--directed", action="store_true", help="read as a directed graph")
    parser.add_argument("--undirected", action="store_true",
                        help="read as an undirected graph (merges u->v and v->u)")
    parser.add_argument("--self-loops", default="drop", help="drop, keep or error (default: %(default)s)")
    parser.add_argument("--duplicates", default="merge", help="merge, keep or error (default: %(default)s)")
    parser.add_argument("--merge-weights", default="sum",
                        help="sum or max, for merged duplicates (default: %(default)s)")
    parser.add_argument("--string-ids", action="store_true", help="edge lists: node ids are arbitrary tokens")
    parser.add_argument("--keep-ids", action="store_true",
                        help="edge lists: use integer ids as node ids (no relabelling)")


def _add_outside(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--allow-outside-paths", action="store_true",
                        help="let the files read here name files outside their own folder (a study's base: outside "
                             "the folder above it too); only for files you trust")


def _add_campaign_options(parser: argparse.ArgumentParser) -> None:
    _add_outside(parser)
    parser.add_argument("--graph", default=None, help="graph file overriding the scenarios' [graph]")
    parser.add_argument("--replicates", type=integer_in("--replicates", 1, MAX_REPLICATES), default=None,
                        help="Monte Carlo replicates (default: the scenario's [run])")
    parser.add_argument("--seed", type=integer_in("--seed", 0, MAX_SEED), default=None,
                        help="random seed (default: the scenario's [run])")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_read_options(parser)
    _add_threads(parser)


def _command_parser(name: str, description: Optional[str] = None) -> _Parser:
    return _Parser(prog=f"guanxi {name}", description=description or COMMANDS[name], epilog=EPILOG)


def main_parser() -> _Parser:
    width = max(map(len, COMMANDS))
    commands = "\n".join(f"  {name:<{width}}  {text}" for name, text in COMMANDS.items())
    parser = _Parser(prog="guanxi",
                     description="guanxi: product diffusion on social networks — graph tools.\n\n"
                                 f"commands (guanxi COMMAND --help for their options):\n{commands}",
                     epilog=EPILOG)
    _add_threads(parser)
    parser.add_argument("--version", action="version", version=f"guanxi {gx.__version__}",
                        help="print the version and exit")
    parser.add_argument("command", metavar="COMMAND", nargs="?", help="one of the commands above")
    parser.add_argument("arguments", nargs=argparse.REMAINDER, metavar="...",
                        help="the command's arguments and options")
    return parser


def info_parser() -> _Parser:
    parser = _command_parser("info")
    parser.add_argument("file", metavar="FILE", help="graph file (.edges/.txt/.csv[.gz], .mtx, .gml, .graphml, .gx)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    _add_read_options(parser)
    _add_threads(parser)
    return parser


def convert_parser() -> _Parser:
    parser = _command_parser("convert")
    parser.add_argument("input", metavar="IN", help="input graph file")
    parser.add_argument("output", metavar="OUT",
                        help="output file: .gx snapshot, otherwise an edge list (.gz compresses)")
    _add_read_options(parser)
    _add_threads(parser)
    return parser


def _add_arc_rules(add) -> None:
    """--probability and --lt-weights: how IC and LT weigh arcs (simulate and seed)."""
    add("--probability", default="uniform",
        help="IC arc probability: uniform (--p), weights (the graph's), wc (1/in-degree) (default: %(default)s)")
    add("--lt-weights", default="uniform",
        help="LT in-arc weights: uniform (1/in-degree) or graph (normalised) (default: %(default)s)")


def simulate_parser() -> _Parser:
    parser = _command_parser("simulate")
    add = parser.add_argument
    add("file", metavar="FILE", help="graph file")
    add("--model", default="ic",
        help="ic, wc (IC with p = 1/in-degree), lt, si, sir, sis, complex, bass (default: %(default)s)")
    add("--p", type=probability("--p"), default=0.01,
        help="IC: arc probability; Bass: innovation p (default: %(default)s)")
    _add_arc_rules(add)
    add("--beta", type=probability("--beta"), default=0.1,
        help="SI/SIR/SIS infection probability per contact per step (default: %(default)s)")
    add("--gamma", type=probability("--gamma"), default=0.1,
        help="SIR/SIS recovery probability per step (default: %(default)s)")
    add("--k", type=integer_in("--k", 1, MAX_COUNT32), default=2,
        help="complex contagion: active in-neighbours needed (default: %(default)s)")
    add("--phi", type=probability("--phi"), default=0.0,
        help="complex contagion: fraction of in-neighbours needed (overrides --k) (default: %(default)s)")
    add("--bass-q", type=probability("--bass-q"), default=0.3, help="Bass imitation q (default: %(default)s)")
    add("--seeds", default="top_degree:10",
        help="top_degree:K, pagerank:K, kcore:K, imm:K (IC, WC, LT), random:K (per replicate), node labels "
             "'1,2,3', or none (Bass) "
             "(default: %(default)s)")
    add("--replicates", type=integer_in("--replicates", 1, MAX_REPLICATES), default=1000,
        help="Monte Carlo replicates (default: %(default)s)")
    add("--seed", type=integer_in("--seed", 0, MAX_SEED), default=0, help="random seed (default: %(default)s)")
    add("--max-steps", type=integer_in("--max-steps", 0, MAX_COUNT32), default=0,
        help="stop after this many steps (0: until nothing changes; SIS 100) (default: %(default)s)")
    add("--kernel", default="auto",
        help="auto, scalar (reference), sparse (IC, uniform p), bitparallel (IC, LT) (default: %(default)s)")
    add("--json", action="store_true", help="print JSON")
    add("--quiet", action="store_true", help="no progress bar")
    _add_read_options(parser)
    _add_threads(parser)
    return parser


def seed_parser() -> _Parser:
    parser = _command_parser("seed")
    add = parser.add_argument
    add("file", metavar="FILE", help="graph file")
    add("--k", type=integer_in("--k", 1, MAX_COUNT32), default=50, help="seeds wanted (default: %(default)s)")
    add("--model", default="wc", help="wc (IC with p = 1/in-degree), ic, lt (default: %(default)s)")
    add("--p", type=probability("--p"), default=0.01, help="IC: arc probability (default: %(default)s)")
    _add_arc_rules(add)
    add("--epsilon", type=number_in("--epsilon", 1e-6, 0.999999), default=0.1,
        help="spread >= (1 - 1/e - epsilon) x best, with probability 1 - 1/n^ell (default: %(default)s)")
    add("--ell", type=number_in("--ell", 1e-6, 1e6), default=1.0, help="confidence exponent (default: %(default)s)")
    add("--algorithm", default="imm", choices=["imm", "opim"],
        help="imm (more RR sets, usually better seeds) or opim (OPIM-C: stops as soon as its bounds certify "
             "the guarantee, and reports them) (default: %(default)s)")
    add("--seed", type=integer_in("--seed", 0, MAX_SEED), default=0, help="random seed of the RR sets (default: %(default)s)")
    add("--json", action="store_true", help="print JSON")
    add("--quiet", action="store_true", help="no progress display")
    _add_read_options(parser)
    _add_threads(parser)
    return parser


def run_parser() -> _Parser:
    parser = _command_parser("run")
    parser.add_argument("scenario", metavar="SCENARIO", help="scenario file (.toml)")
    parser.add_argument("--out", default=None,
                        help="write timeseries.csv, summary.json, customers.csv and cohorts.csv into this folder")
    _add_campaign_options(parser)
    return parser


def compare_parser() -> _Parser:
    parser = _command_parser("compare")
    parser.add_argument("scenarios", metavar="SCENARIOS", nargs="+",
                        help="scenario files (.toml); the first is the baseline")
    _add_campaign_options(parser)
    return parser


def sweep_parser() -> _Parser:
    parser = _command_parser("sweep", COMMANDS["sweep"] + """

A sweep file names a base scenario and what to vary:
  name = "referral-reward"                 # optional: the sweep's name in the store (default: file name)
  base = "02_one_sided_referral.toml"       # the base scenario, relative to this file
  replicates = 200                          # optional (default: the base's [run])
  [sweep]
  "policy.referral_reward" = [0, 5, 10, 20]
  "policy.group_buy.size" = [2, 3]          # every combination is a design

With --store, each finished block of replicates is stored at once: Ctrl-C (or a killed
process) loses only the blocks in flight, and the same command again resumes.""")
    add = parser.add_argument
    add("file", metavar="SWEEPFILE", help="sweep file (.toml)")
    add("--store", default=None, help="run store (SQLite file, created when missing); without it nothing is kept")
    add("--name", default=None, help="the sweep's name in the store (default: the file's name key, or its name)")
    add("--block", type=integer_in("--block", 1, MAX_REPLICATES), default=None,
        help="replicates per task (default: the file's, or 50; results do not depend on it)")
    add("--scheduler", default=None, metavar="ADDRESS",
        help="run the tasks on a Dask cluster (tcp://host:8786); this process writes the store")
    add("--metric", default="profit", help="metric of the printed table (default: %(default)s)")
    _add_max_designs(add)
    _add_campaign_options(parser)
    return parser


def _add_max_designs(add) -> None:
    add("--max-designs", type=integer_in("--max-designs", 1, 10**9), default=None,
        help="the most designs a [sweep] grid may have (default: 100,000; a larger grid is refused before any design "
             "is built)")


def store_parser() -> _Parser:
    parser = _command_parser("store", COMMANDS["store"] + """

  guanxi store ls runs.db                    the sweeps, with designs and replicates done
  guanxi store show runs.db SWEEP            a sweep's designs with the metric's mean and 95% CI
  guanxi store export runs.db SWEEP -o DIR   designs.csv, results.csv, summary.csv (--timeseries: every step)
  guanxi store check runs.db                 SQLite's integrity check, then every row, count and block verified
  guanxi store rm runs.db SWEEP              delete a sweep (replicates no other sweep uses go too)

Everything but rm only reads: a read-only store works. A store written meanwhile by another
process waits up to GUANXI_STORE_TIMEOUT seconds (default 120) for its lock.""")
    add = parser.add_argument
    add("action", metavar="ACTION", choices=["ls", "show", "export", "check", "rm"],
        help="ls, show, export, check or rm")
    add("store", metavar="STORE", help="run store file")
    add("sweep", metavar="SWEEP", nargs="?", help="sweep name (show, export, rm)")
    add("-o", "--output", default=None, help="export: the folder for the CSV files")
    add("--timeseries", action="store_true", help="export: also timeseries.csv (every step)")
    add("--metric", default="profit", help="show: the metric of the table (default: %(default)s)")
    add("--json", action="store_true", help="print JSON")
    _add_threads(parser)
    return parser


def _add_study_options(parser: argparse.ArgumentParser, store_help: str) -> None:
    _add_outside(parser)
    parser.add_argument("--store", default=None, help=store_help)
    parser.add_argument("--graph", default=None, help="graph file overriding the scenarios' [graph]")
    parser.add_argument("--seed", type=integer_in("--seed", 0, MAX_SEED), default=None,
                        help="random seed (default: the file's, or the base scenario's [run])")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_read_options(parser)
    _add_threads(parser)


def select_parser() -> _Parser:
    parser = _command_parser("select", COMMANDS["select"] + """

Designs are scenario files (two or more), or one study file naming a base scenario and a [sweep]
table (every combination is a design) and optionally [uncertain] parameters (docs/choosing.md):
  base = "../02_one_sided_referral.toml"
  metric = "profit"
  delta = 500                 # the smallest difference worth telling apart
  [sweep]
  "policy.referral_reward" = [0, 10, 20]
It adds replicates until one design is best within delta with the stated confidence (Kim-Nelson).""")
    add = parser.add_argument
    add("files", metavar="FILE", nargs="+", help="scenario files (two or more), or one study file")
    add("--metric", default=None, help="metric compared at the horizon (default: the file's, or profit)")
    add("--delta", type=number_in("--delta", 1e-12, 1e300), default=None,
        help="indifference zone: the smallest difference in the metric worth telling apart (required here or in "
             "the file)")
    add("--confidence", type=number_in("--confidence", 1e-6, 0.999999), default=None,
        help="probability of choosing the best when it leads by delta (default: 0.95)")
    add("--max-replicates", type=integer_in("--max-replicates", 2, MAX_REPLICATES), default=None,
        help="cap per design (default: 10000)")
    add("--lowest", action="store_true", help="lower is better (a cost)")
    _add_max_designs(add)
    _add_study_options(parser, "run store (SQLite) keeping every replicate and the decision")
    return parser


def optimize_parser() -> _Parser:
    parser = _command_parser("optimize", COMMANDS["optimize"] + """

A study file names a base scenario, the space and the constraints (docs/choosing.md):
  base = "../02_one_sided_referral.toml"
  objective = "profit"
  trials = 40
  replicates = 20
  [space]
  "policy.referral_reward" = {low = 0, high = 30}
  "policy.group_buy.size" = {choices = [2, 3, 4, 5]}
  [constraints]
  incentive_spend = ["<=", 5000]
The best few trials run again on fresh replicates before one is named (the winner's curse).""")
    add = parser.add_argument
    add("file", metavar="STUDY", help="study file (.toml)")
    add("--trials", type=integer_in("--trials", 1, 10**7), default=None, help="designs searched (default: the file's, "
                                                                               "or 50)")
    add("--replicates", type=integer_in("--replicates", 2, MAX_REPLICATES), default=None,
        help="replicates per trial (default: the file's, or 20)")
    _add_study_options(parser, "run store (SQLite) keeping every trial's replicates and the outcome")
    return parser


def calibrate_parser() -> _Parser:
    parser = _command_parser("calibrate", COMMANDS["calibrate"] + """

A study file names a base scenario, the observed series (CSV: one column per metric, one row per
day) and the parameters to fit with their prior ranges (docs/choosing.md):
  base = "../02_one_sided_referral.toml"
  observed = "last_campaign.csv"
  [params]
  "behaviour.conv_strong" = {low = 0.02, high = 0.3}""")
    add = parser.add_argument
    add("file", metavar="STUDY", help="study file (.toml)")
    add("--particles", type=integer_in("--particles", 2, 10**7), default=None,
        help="posterior sample size (default: the file's, or 200)")
    add("--generations", type=integer_in("--generations", 1, 10**4), default=None,
        help="sequential Monte Carlo generations (default: the file's, or 8)")
    _add_study_options(parser, "run store (SQLite) keeping the posterior for the report")
    return parser


def report_parser() -> _Parser:
    parser = _command_parser("report")
    add = parser.add_argument
    add("store", metavar="STORE", help="run store file")
    add("-o", "--output", required=True, help="the HTML file to write")
    add("--metric", default="profit", help="the metric designs are compared by (default: %(default)s)")
    add("--sweep", action="append", default=None, help="only this sweep (repeat for several; default: all)")
    add("--title", default="guanxi report", help="the page's title")
    _add_threads(parser)
    return parser


def generate_parser(catalog: dict) -> _Parser:
    width = max(map(len, catalog))
    kinds = "\n".join(f"  {name:<{width}}  {entry['summary']}" for name, entry in catalog.items())
    parser = _command_parser("generate", f"{COMMANDS['generate']}\n\ngenerators (guanxi generate KIND --help for "
                                         f"their parameters):\n{kinds}")
    parser.add_argument("kind", metavar="KIND", nargs="?", help="one of the generators above")
    parser.add_argument("arguments", nargs=argparse.REMAINDER, metavar="...", help="the generator's parameters")
    return parser


def generator_parser(kind: str, entry: dict) -> _Parser:
    parser = _Parser(prog=f"guanxi generate {kind}", description=entry["summary"], epilog=EPILOG)
    for name, (default, text) in entry["params"].items():
        parser.add_argument(f"--{name}", dest=name, default=default,
                            help=f"{text.replace('%', '%%')} (default: %(default)s)")
    parser.add_argument("--seed", type=integer_in("--seed", 0, MAX_SEED), default=0,
                        help="random seed (default: %(default)s)")
    parser.add_argument("-o", "--output", required=True, help="output file: .gx snapshot, otherwise an edge list")
    _add_threads(parser)
    return parser


# -- commands -------------------------------------------------------------------------------------


def _say(text: str) -> None:
    """Prints text and its newline in one write, so that a reader that stops at a match
    (`guanxi info x | grep -q ...`) has everything before it can go away. Control characters
    (a terminal's escape codes, NUL) are escaped: names and labels come from files and stores."""
    sys.stdout.write(_escaped(text) + "\n")
    sys.stdout.flush()


def _escaped(text: str) -> str:
    """Text with its control characters other than line breaks as ``\\u001b``: readable on a
    terminal, and still valid JSON (which escapes the rest itself)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == "\n" else
                   "".join(f"\\u{unit:04x}" for unit in _utf16(c)) for c in text)


def _utf16(c: str) -> List[int]:
    data = c.encode("utf-16-be")
    return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2)]


def _progress(args) -> bool:
    """Progress bars on stderr when it is a terminal, unless --quiet or --json."""
    return not args.quiet and not args.json and sys.stderr.isatty()


def _threads(args) -> Optional[int]:
    return args.threads or None  # 0: all cores


def read_graph(path: str, args) -> gx.Graph:
    """The graph file with the command's reading options."""
    if args.directed and args.undirected:
        raise ValueError("--directed and --undirected exclude each other")
    directed = True if args.directed else (False if args.undirected else None)  # None: as the file says
    return gx.Graph.read(path, format=args.format or None, directed=directed, self_loops=args.self_loops,
                         duplicates=args.duplicates, merge_weights=args.merge_weights, relabel=not args.keep_ids,
                         string_ids=args.string_ids)


def info_command(args) -> int:
    start = time.perf_counter()
    g = read_graph(args.file, args)
    document = report.graph_document(g, args.file, time.perf_counter() - start)
    _say(report.to_json(document) if args.json else report.graph_text(document))
    return EXIT_OK


def convert_command(args) -> int:
    g = read_graph(args.input, args)
    g.write(args.output)
    _say(f"wrote {args.output}: {g.num_nodes} nodes, {g.num_ties} ties")
    return EXIT_OK


def generate_command(kind: str, args) -> int:
    params = {name: getattr(args, name) for name in gx.generators.catalog()[kind]["params"]}
    start = time.perf_counter()
    g = gx.generators.generate(kind, seed=args.seed, **params)
    seconds = time.perf_counter() - start
    g.write(args.output)
    _say(f"wrote {args.output}: {kind}, {g.num_nodes} nodes, {g.num_ties} ties (generated in {seconds:.2f} s)")
    return EXIT_OK


def simulate_command(args) -> int:
    g = read_graph(args.file, args)
    seeds = None if args.model == "bass" and args.seeds == "none" else args.seeds
    with option_names({"seeds": "--seeds", "replicates": "--replicates", "probability": "--probability",
                       "weights": "--lt-weights"}):
        result = gx.simulate(g, args.model, seeds=seeds, replicates=args.replicates, seed=args.seed,
                             threads=_threads(args), progress=_progress(args), p=args.p, probability=args.probability,
                             weights=args.lt_weights, beta=args.beta, gamma=args.gamma, k=args.k, phi=args.phi,
                             q=args.bass_q, max_steps=args.max_steps, kernel=args.kernel, timeseries=False)
    document = report.simulation_document(result, g, args.model, args.seed, file=args.file)
    _say(report.to_json(document) if args.json else report.simulation_text(document, g))
    return EXIT_OK


def seed_command(args) -> int:
    g = read_graph(args.file, args)
    choose = gx.seeding.imm if args.algorithm == "imm" else gx.seeding.opim
    with option_names({"model": "--model", "k": "--k", "epsilon": "--epsilon", "ell": "--ell", "probability": "--probability",
                       "weights": "--lt-weights", "p": "--p"}):
        result = choose(g, args.k, model=args.model, p=args.p, epsilon=args.epsilon, ell=args.ell, seed=args.seed,
                        threads=_threads(args), probability=args.probability, weights=args.lt_weights,
                        progress=_progress(args))
    document = report.seeding_document(result, g, args.file)
    _say(report.to_json(document) if args.json else report.seeding_text(document))
    return EXIT_OK


def load_campaigns(paths: Sequence[str], args) -> List[tuple]:
    """(path, campaign, warnings) per scenario: on --graph, or on the scenario's own [graph]
    (scenarios naming the same graph share one copy). Each is checked against its graph as it
    loads; its warnings ("file:line: key: what") are printed once."""
    graph = read_graph(args.graph, args) if args.graph else None
    graphs: dict = {}
    loaded = []
    for path in paths:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            campaign = gx.Campaign.from_toml(path, graph=graph, graphs=graphs, allow_outside=args.allow_outside_paths)
        messages = [str(w.message) for w in caught]
        for message in messages:
            print(f"guanxi: warning: {message}", file=sys.stderr)
        loaded.append((path, campaign, messages))
    return loaded


def _check_out_folder(out: Optional[str]) -> None:
    # --out names a folder: refuse an existing file before a long run rather than fail after it.
    if out and os.path.exists(out) and not os.path.isdir(out):
        raise ValueError(f"--out: '{out}' exists and is not a folder (--out names a folder for timeseries.csv, "
                         "summary.json, customers.csv and cohorts.csv)")


def run_command(args) -> int:
    _check_out_folder(args.out)
    [(path, campaign, messages)] = load_campaigns([args.scenario], args)
    with option_names({"replicates": "--replicates"}):
        # --out writes replicate 0's customer ledger: keep it from this run.
        result = campaign.run(replicates=args.replicates, seed=args.seed, threads=_threads(args),
                              progress=_progress(args), label=campaign.name, customers=[0] if args.out else ())
    document = report.run_document(result, scenario=path, warnings=messages)
    if args.out:
        report.write_run(result, args.out, document)
    if args.json:
        _say(report.to_json(document))
        return EXIT_OK
    _say(report.run_text(document) + (f"\n\nwrote {args.out}/timeseries.csv, summary.json, customers.csv (replicate 0) "
                                      "and cohorts.csv" if args.out else ""))
    return EXIT_OK


def _by_name(loaded: List[tuple]) -> Dict[str, "gx.Campaign"]:
    """The loaded scenarios by design name; a name already taken gets its file (and place) added."""
    designs: Dict[str, gx.Campaign] = {}
    for position, (path, campaign, _) in enumerate(loaded, 1):
        name = campaign.name
        for candidate in (name, f"{name} ({path})", f"{name} ({path} #{position})"):
            if candidate not in designs:
                break
        designs[candidate] = campaign
    return designs


def compare_command(args) -> int:
    loaded = load_campaigns(args.scenarios, args)
    baseline = loaded[0][1]
    replicates = args.replicates if args.replicates is not None else baseline.spec["run"]["replicates"]
    seed = args.seed if args.seed is not None else baseline.spec["run"]["seed"]
    results: dict = {}
    with option_names({"replicates": "--replicates", "campaigns": "compare"}):
        table = gx.compare(_by_name(loaded), replicates=replicates, seed=seed, threads=_threads(args),
                           progress=_progress(args), results=results)
    if args.json:
        _say(report.to_json(report.comparison_document(table)))
    else:
        _say(report.comparison_text(table, steps=results[table.attrs["baseline"]].steps))
    return EXIT_OK


def sweep_command(args) -> int:
    graph = read_graph(args.graph, args) if args.graph else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = gx.read_sweep_file(args.file, graph=graph, graphs={}, allow_outside=args.allow_outside_paths,
                                    max_designs=args.max_designs)
    for message in dict.fromkeys(str(w.message) for w in caught):
        print(f"guanxi: warning: {message}", file=sys.stderr)
    if args.graph:  # the store records how the graph was read
        loaded["base"].graph_source = {"file": os.path.abspath(args.graph)}
    name = args.name or loaded["name"]
    replicates = args.replicates if args.replicates is not None else loaded["replicates"]
    seed = args.seed if args.seed is not None else loaded["seed"]
    block = args.block if args.block is not None else loaded["block"]
    with option_names({"metric": "--metric"}):  # before the sweep runs, which may take long
        gx.campaign.check_metric(args.metric)
    if args.scheduler:
        _quiet_dask()
    try:
        with option_names({"replicates": "--replicates", "block": "--block", "client": "--scheduler"}), \
                warnings.catch_warnings():
            warnings.simplefilter("ignore", gx.DesignWarning)  # reported above, once, by file and line
            result = gx.sweep(loaded["base"], loaded["designs"], replicates=replicates, seed=seed, store=args.store,
                              client=args.scheduler, block=block, threads=_threads(args), progress=_progress(args),
                              name=name, uncertain=loaded["uncertain"], max_designs=args.max_designs)
    except KeyboardInterrupt:
        if args.store:  # main prints the one line, with what to do
            raise Interrupted(f"the blocks finished so far are in {args.store}; the same command resumes") from None
        raise
    document = report.sweep_document(result, args.metric, store=args.store)
    _say(report.to_json(document) if args.json else report.sweep_text(document))
    return EXIT_OK


def _quiet_dask() -> None:
    """Dask's own log lines (a lost scheduler logs tracebacks, a closing client asyncio's
    "Future exception was never retrieved") kept off stderr, where a failure is one line."""
    import logging

    try:
        import distributed  # noqa: F401  (its import configures its loggers: quietened after it)
    except ImportError:
        return  # the sweep says that it is missing
    for name in ("distributed", "tornado", "asyncio"):
        logger = logging.getLogger(name)
        logger.handlers = [logging.NullHandler()]
        logger.propagate = False
        logger.setLevel(logging.CRITICAL + 1)


def store_command(args) -> int:
    needs_sweep = args.action in ("show", "export", "rm")
    if needs_sweep and not args.sweep:
        raise UsageError(f"store {args.action}: give the sweep's name (guanxi store ls {args.store} lists them)")
    if not needs_sweep and args.sweep:
        raise UsageError(f"store {args.action}: takes no sweep name, got '{args.sweep}'")
    if args.action == "export" and not args.output:
        raise UsageError("store export: give the folder: -o FOLDER")
    with gx.Store(args.store, create=False, read_only=args.action != "rm") as store:
        if args.action == "ls":
            sweeps, studies = store.sweeps(), store.study_rows()
            if args.json:
                _say(report.to_json({"store": args.store, "sweeps": [
                    {"name": name, **row.to_dict()} for name, row in sweeps.iterrows()], "studies": studies}))
            else:
                _say(report.store_text(sweeps, args.store, studies))
        elif args.action == "show":
            with option_names({"metric": "--metric"}):
                owner = next((row for row in store.study_rows() if row["sweep"] == args.sweep), None)
                study = None if owner is None else {**owner, "message": store.study(owner["name"]).get("message")}
                document = report.sweep_document(gx.Sweep.load(store, args.sweep), args.metric, store=args.store,
                                                 study=study)
            _say(report.to_json(document) if args.json else report.sweep_text(document))
        elif args.action == "export":
            written = gx.Sweep.load(store, args.sweep).export(args.output, timeseries=args.timeseries)
            _say(f"wrote {', '.join(written)}")
        elif args.action == "check":
            found = store.check()
            problems = found["problems"]
            if args.json:
                _say(report.to_json({"store": args.store, "sound": not problems, **found}))
            else:
                counts = (f"{found['sweeps']} sweeps, {found['designs']} designs, {found['runs']} runs, "
                          f"{found['blocks']} blocks ({found['replicates']:,} replicates), {found['studies']} studies")
                _say("\n".join([f"{args.store}: damaged: {len(problems)} problem{'s' * (len(problems) != 1)}",
                                 *(f"  {p}" for p in problems)]) if problems else f"{args.store}: sound: {counts} checked")
            if problems:
                raise ValueError(f"{args.store}: damaged ({len(problems)} problem{'s' * (len(problems) != 1)}"
                                 f"{', listed above' if not args.json else ''}): restore a copy of the store, or "
                                 "delete the damaged sweeps and run them again")
        else:
            store.delete(args.sweep)
            _say(f"deleted sweep '{args.sweep}' from {args.store}")
    return EXIT_OK


def _study(path: str, kind: str, args) -> dict:
    graph = read_graph(args.graph, args) if args.graph else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        study = gx.studyfile.read_study_file(path, kind, graph=graph, graphs={}, allow_outside=args.allow_outside_paths,
                                             max_designs=getattr(args, "max_designs", None))
    for message in dict.fromkeys(str(w.message) for w in caught):
        print(f"guanxi: warning: {message}", file=sys.stderr)
    if args.graph:
        study["base"].graph_source = {"file": os.path.abspath(args.graph)}
    if args.seed is not None:
        study["seed"] = args.seed
    return study


def _study_options(study: dict, keys, **given) -> dict:
    """The keyword options of a study: ``keys`` and ``given``'s names as the file sets them, then
    what the command line gives (``given``; None: not given) over them."""
    options = {key: study[key] for key in (*keys, *given) if study.get(key) is not None}
    options.update({key: value for key, value in given.items() if value is not None})
    return options


def _is_study_file(path: str) -> bool:
    """A study file has a base; a scenario file has none."""
    import tomllib  # start-up cost: only where a study file is told from a scenario

    if not os.path.isfile(path):  # a folder, a device or a FIFO (which would block) is neither
        return False
    try:
        with open(path, "rb") as handle:
            return "base" in tomllib.load(handle)
    except (OSError, ValueError):
        return False


def select_command(args) -> int:
    if len(args.files) == 1:
        if not _is_study_file(args.files[0]):
            raise ValueError(f"{args.files[0]}: give two or more scenario files, or one study file with base and "
                             "[sweep]")
        study = _study(args.files[0], "select", args)
        _, designs = study["designs"]
        campaigns = {label: campaign for label, _, campaign in designs}
    else:
        loaded = load_campaigns(args.files, args)
        campaigns = _by_name(loaded)
        study = {"seed": args.seed if args.seed is not None else loaded[0][1].spec["run"]["seed"], "uncertain": None,
                 "name": None}
    options = _study_options(study, ("lowest", "initial", "batch"), metric=args.metric, delta=args.delta,
                             confidence=args.confidence, max_replicates=args.max_replicates,
                             lowest=True if args.lowest else None)
    with option_names({"delta": "--delta", "metric": "--metric", "confidence": "--confidence"}):
        result = gx.select(campaigns, seed=study["seed"], uncertain=study.get("uncertain"), store=args.store,
                           threads=_threads(args), progress=_progress(args),
                           name=study.get("name") if len(args.files) == 1 else None, **options)
    if args.json:
        _say(report.to_json(result.document()))
        return EXIT_OK
    table = result.table
    lines = [result.message, "", f"  {'design':>6}  {'label':<32} {'mean':>14} {'replicates':>10}  dropped"]
    for number, row in table.iterrows():
        dropped = "—" if row["eliminated_by"] is None else f"at {int(row['eliminated_at'])} by {row['eliminated_by']}"
        mark = " *" if number == result.best else ""
        lines.append(f"  {number:>6}  {row['label']:<32} {row['mean']:>14,.2f} {int(row['replicates']):>10}  "
                     f"{dropped}{mark}")
    _say("\n".join(lines))
    return EXIT_OK


def optimize_command(args) -> int:
    study = _study(args.file, "optimize", args)
    options = _study_options(study, ("objective", "direction", "sampler", "reevaluate", "reevaluate_replicates",
                                     "constraints"), trials=args.trials, replicates=args.replicates)
    with option_names({"trials": "--trials", "replicates": "--replicates"}):
        result = gx.optimize(study["base"], study["space"], seed=study["seed"], store=args.store,
                             threads=_threads(args), progress=_progress(args), name=study["name"], **options)
    if args.json:
        _say(report.to_json(result.document()))
        return EXIT_OK
    final = result.finalists
    keys = list(result.best_params)
    lines = [result.message, "", "finalists (fresh replicates):"]
    for _, row in final.iterrows():
        values = ", ".join(f"{k}={readable(row[k])}" if isinstance(row[k], float) else f"{k}={row[k]}" for k in keys)
        mark = " *" if all(row[k] == result.best_params[k] for k in keys) else ""
        lines.append(f"  trial {int(row['trial']):>4}  {values}: search {row['value']:,.2f}, fresh {row['fresh']:,.2f} "
                     f"[{row['fresh_low']:,.2f}, {row['fresh_high']:,.2f}]{'' if row['feasible'] else ' (breaks a constraint)'}{mark}")
    _say("\n".join(lines))
    return EXIT_OK


def calibrate_command(args) -> int:
    study = _study(args.file, "calibrate", args)
    observed = gx.studyfile.read_observed(study["observed"])
    options = _study_options(study, ("quantile", "min_acceptance", "max_simulations"), particles=args.particles,
                             generations=args.generations)
    result = gx.calibrate(study["base"], observed, study["params"], seed=study["seed"], threads=_threads(args),
                          progress=_progress(args), **options)
    document = result.document()
    if args.store:
        with gx.Store(args.store) as store:
            store.save_study(f"calibrate-{study['name']}", document)
    if args.json:
        _say(report.to_json(document))
        return EXIT_OK
    lines = [document["message"], ""]
    for key, row in document["intervals"].items():
        lines.append(f"  {key:<32} mean {readable(row['mean'])}, 90% interval [{readable(row['low'])}, "
                     f"{readable(row['high'])}]: {row['share_of_prior']:.0%} of the prior's width "
                     f"[{readable(row['prior'][0])}, {readable(row['prior'][1])}]")
    lines += ["", f"convergence (stopped: {document['stopped']}):"]
    for g in document["generations"]:
        if g["complete"]:
            tolerance = "none (the prior)" if g["tolerance"] is None else readable(g["tolerance"])  # JSON: inf -> null
            lines.append(f"  generation {g['generation']:>3}: tolerance {tolerance}, acceptance "
                         f"{g['acceptance_rate']:.0%}, effective sample size {readable(g['ess'])}")
    lines += [f"warning: {w}" for w in document["warnings"]]
    _say("\n".join(lines))
    return EXIT_OK


def report_command(args) -> int:
    with option_names({"metric": "--metric"}):
        gx.report(args.store, args.output, metric=args.metric, sweeps=args.sweep, title=args.title)
    _say(f"wrote {args.output}")
    return EXIT_OK


# -- main -----------------------------------------------------------------------------------------


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Any other warning (numpy, pandas) as one line, like the design warnings."""
    print(f"guanxi: warning: {_escaped(' '.join(str(message).split()))}", file=sys.stderr)


def _dispatch(argv: List[str]) -> int:
    top = main_parser().parse_args(argv)
    command = top.command
    if command is None:
        raise UsageError(f"a command is required (choose from {', '.join(COMMANDS)})")
    if command not in COMMANDS:
        raise UsageError(f"unknown command '{command}' (choose from {', '.join(COMMANDS)})")
    if command == "generate":
        catalog = gx.generators.catalog()
        chosen = generate_parser(catalog).parse_args(top.arguments)
        if chosen.kind is None:
            raise UsageError(f"a generator is required (choose from {', '.join(catalog)})")
        if chosen.kind not in catalog:
            raise UsageError(f"unknown generator '{chosen.kind}' (choose from {', '.join(catalog)})")
        args = generator_parser(chosen.kind, catalog[chosen.kind]).parse_intermixed_args(chosen.arguments)
    else:
        parser = {"info": info_parser, "convert": convert_parser, "simulate": simulate_parser, "seed": seed_parser,
                  "run": run_parser, "compare": compare_parser, "sweep": sweep_parser, "store": store_parser,
                  "select": select_parser, "optimize": optimize_parser, "calibrate": calibrate_parser,
                  "report": report_parser}[command]()
        args = parser.parse_intermixed_args(top.arguments)
    if args.threads is None:
        args.threads = top.threads or 0
    if args.threads:
        gx.set_max_threads(args.threads)
    if command == "generate":
        return generate_command(chosen.kind, args)
    return {"info": info_command, "convert": convert_command, "simulate": simulate_command, "seed": seed_command,
            "run": run_command, "compare": compare_command, "sweep": sweep_command, "store": store_command,
            "select": select_command, "optimize": optimize_command, "calibrate": calibrate_command,
            "report": report_command}[command](args)


def _error(message: str) -> None:
    print(f"guanxi: error: {_escaped(' '.join(message.split()))}", file=sys.stderr)  # one line, always


_FAULT_MODULES = ("sqlite3", "zlib", "concurrent.futures", "asyncio", "distributed", "dask", "tornado")


def _fault(error: BaseException) -> Optional[str]:
    """The one line of an exception a storage, SQLite or Dask fault raises that the package did
    not turn into a ValueError or OSError itself, or None for anything else (a bug, which keeps
    its traceback)."""
    module = type(error).__module__ or ""
    if not module.startswith(_FAULT_MODULES):
        return None
    what = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    if module.startswith(("sqlite3", "zlib")):
        return f"the run store failed ({what}): run 'guanxi store check STORE'; restore a copy if it is damaged"
    return (f"the Dask cluster failed ({what}): the blocks finished so far are stored; run the same command again "
            "to resume")


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs the command line (``sys.argv[1:]`` by default) and returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", gx.DesignWarning)
            warnings.showwarning = _show_warning
            return _dispatch(argv)
    except SystemExit as done:  # --help, --version
        return done.code if isinstance(done.code, int) else EXIT_OK
    except UsageError as error:
        _error(str(error))
        return EXIT_USAGE
    except BadValue as error:
        _error(str(error))
        return EXIT_BAD_INPUT
    except KeyboardInterrupt as stop:  # one line: what Interrupted adds, if anything
        print("guanxi: interrupted" + (f": {stop}" if isinstance(stop, Interrupted) else ""), file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader of stdout went away (`guanxi info x --json | head`): no message, and no
        # second failure when Python flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except MemoryError:
        _error("out of memory")
        return EXIT_BAD_INPUT
    except (ValueError, OSError, RuntimeError) as error:
        _error(str(error) or type(error).__name__)
        return EXIT_BAD_INPUT
    except BaseException as error:  # asyncio's CancelledError is no Exception
        message = _fault(error)
        if message is None:
            raise
        _error(message)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
