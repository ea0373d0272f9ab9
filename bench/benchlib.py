# Pieces the Python benchmarks share: best-of-n timing and the targets table (MET / NOT MET).
from __future__ import annotations

import time


def best_of(run, repeats: int):
    """Calls `run` `repeats` times; returns (fastest seconds, the last result). The previous result is
    dropped before each call, so two large results are never alive at once."""
    best, result = float("inf"), None
    for _ in range(repeats):
        result = None
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def print_targets(targets, width: int = 38) -> None:
    """Prints (what, goal, measured, met) rows; met None marks an informational row."""
    header = f"{'target':<{width}} {'goal':>12} {'measured':>12}  result"
    print(header)
    print("-" * len(header))
    for what, goal, got, met in targets:
        print(f"{what:<{width}} {goal:>12} {got:>12}  {'' if met is None else 'MET' if met else 'NOT MET'}")
