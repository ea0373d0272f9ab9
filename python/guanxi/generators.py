"""Graph generators: seeded, deterministic (the same seed gives the same graph for any
number of threads) and validated (errors name the parameter).

Examples
--------
>>> import guanxi as gx
>>> g = gx.generators.holme_kim(1000, 3, 0.5, seed=1)
>>> g.num_nodes, g.num_ties <= 3 * (1000 - 3)   # at most m ties per new node
(1000, True)
>>> gx.generators.holme_kim(1000, 3, 0.5, seed=1).num_ties == g.num_ties   # same seed, same graph
True
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from . import _guanxi
from .graph import Graph

def _count(value, name: str, minimum: int = 0) -> int:
    """A non-negative integer parameter, or ValueError naming it (not pybind11's TypeError)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name}: must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name}: must be >= {minimum}, got {value}")
    return int(value)


def _real(value, name: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: must be a number, got {value!r}") from None


__all__ = [
    "erdos_renyi",
    "gnm",
    "barabasi_albert",
    "watts_strogatz",
    "holme_kim",
    "stochastic_block",
    "configuration_model",
    "powerlaw_degrees",
    "configuration_powerlaw",
    "rmat",
    "complete",
    "uniform_random_edges",
    "catalog",
    "generate",
]


def erdos_renyi(n: int, p: float, seed: int = 0, directed: bool = False) -> Graph:
    """Erdős–Rényi G(n, p): every pair tied independently with probability ``p``.

    Mean degree ``p (n - 1)``; uses geometric skipping, O(n + m).
    """
    return Graph(_guanxi.erdos_renyi(_count(n, "n"), _real(p, "p"), _count(seed, "seed"), bool(directed)))


def gnm(n: int, m: int, seed: int = 0, directed: bool = False) -> Graph:
    """Erdős–Rényi G(n, m): ``m`` distinct pairs chosen uniformly at random."""
    return Graph(_guanxi.gnm(_count(n, "n"), _count(m, "m"), _count(seed, "seed"), bool(directed)))


def barabasi_albert(n: int, m: int, seed: int = 0) -> Graph:
    """Barabási–Albert preferential attachment.

    A star on ``m + 1`` nodes, then every new node links to ``m`` distinct nodes chosen with
    probability proportional to degree (as ``networkx.barabasi_albert_graph``). The degree
    distribution tends to ``P(k) = 2m(m+1) / (k(k+1)(k+2))``.
    """
    return Graph(_guanxi.barabasi_albert(_count(n, "n"), _count(m, "m"), _count(seed, "seed")))


def watts_strogatz(n: int, k: int, p: float, seed: int = 0) -> Graph:
    """Watts–Strogatz small world: a ring where each node ties to its ``k`` nearest
    neighbours (``k`` even), each tie's far end rewired with probability ``p`` avoiding
    self-loops and duplicates (as ``networkx.watts_strogatz_graph``).

    Clustering is about ``3(k-2) / (4(k-1)) (1-p)^3`` (Barrat & Weigt 2000).
    """
    return Graph(_guanxi.watts_strogatz(_count(n, "n"), _count(k, "k"), _real(p, "p"), _count(seed, "seed")))


def holme_kim(n: int, m: int, p: float, seed: int = 0) -> Graph:
    """Holme–Kim (2002) growth: preferential attachment with triad formation.

    Each new node makes ``m`` links; after a preferential link, each further link closes a
    triangle with probability ``p`` (a neighbour of the previous target), else attaches
    preferentially. Power-law degrees (exponent 3) with clustering that grows with ``p``:
    the usual model of a social graph. The algorithm is that of
    ``networkx.powerlaw_cluster_graph``, except that preferential candidates are used in the
    order drawn (networkx keeps them in a set, whose iteration order biases which one is used).
    """
    return Graph(_guanxi.holme_kim(_count(n, "n"), _count(m, "m"), _real(p, "p"), _count(seed, "seed")))


def stochastic_block(sizes: Sequence[int], p, seed: int = 0, directed: bool = False) -> Graph:
    """Stochastic block model: nodes in blocks of the given ``sizes``; a pair in blocks
    ``(r, s)`` is tied with probability ``p[r][s]`` (a symmetric matrix when undirected)."""
    matrix = np.asarray(p, dtype=np.float64)
    k = len(sizes)
    if matrix.shape != (k, k):
        raise ValueError(f"p: must be a {k} x {k} matrix, got shape {matrix.shape}")
    sizes = [_count(s, f"sizes[{i}]") for i, s in enumerate(sizes)]
    return Graph(_guanxi.stochastic_block(sizes, matrix.ravel().tolist(), _count(seed, "seed"), bool(directed)))


def configuration_model(degrees: Sequence[int], seed: int = 0, simple: bool = True) -> Graph:
    """Configuration model: stubs matched uniformly at random. ``simple`` drops self-loops and
    merges parallel ties (the erased configuration model); otherwise both are kept."""
    degrees = np.asarray(degrees)
    if degrees.ndim != 1 or (degrees.size and degrees.min() < 0):
        raise ValueError("degrees: must be a one-dimensional array of non-negative integers")
    return Graph(_guanxi.configuration_model(degrees.astype(np.uint64).tolist(), _count(seed, "seed"), bool(simple)))


def powerlaw_degrees(n: int, gamma: float, k_min: int = 1, k_max: Optional[int] = None, seed: int = 0) -> np.ndarray:
    """Degrees drawn from ``P(k) ∝ k^-gamma`` on ``[k_min, k_max]`` (``k_max`` default
    ``n - 1``); the last degree moves by one if needed to make the sum even."""
    k_max = 0 if k_max is None else _count(k_max, "k_max", 1)
    return _guanxi.powerlaw_degrees(_count(n, "n"), _real(gamma, "gamma"), _count(k_min, "k_min"), k_max, _count(seed, "seed"))


def configuration_powerlaw(
    n: int, gamma: float, k_min: int = 1, k_max: Optional[int] = None, seed: int = 0, simple: bool = True
) -> Graph:
    """Configuration model on power-law degrees (see :func:`powerlaw_degrees`)."""
    k_max = 0 if k_max is None else _count(k_max, "k_max", 1)
    return Graph(
        _guanxi.configuration_powerlaw(
            _count(n, "n"), _real(gamma, "gamma"), _count(k_min, "k_min"), k_max, _count(seed, "seed"), bool(simple)
        )
    )


def rmat(
    scale: int,
    edge_factor: float = 16,
    a: float = 0.57,
    b: float = 0.19,
    c: float = 0.19,
    seed: int = 0,
    directed: bool = False,
) -> Graph:
    """R-MAT (Chakrabarti, Zhan & Faloutsos 2004): ``2**scale`` nodes and
    ``edge_factor * 2**scale`` edges, each placed by recursive quadrant choice with
    probabilities ``(a, b, c, 1 - a - b - c)`` (Graph500 defaults). Self-loops are dropped
    and repeated ties merged, so there are somewhat fewer ties than edges."""
    return Graph(
        _guanxi.rmat(
            _count(scale, "scale"), _real(edge_factor, "edge_factor"), _real(a, "a"), _real(b, "b"), _real(c, "c"),
            _count(seed, "seed"), bool(directed),
        )
    )


def complete(n: int, directed: bool = False) -> Graph:
    """The complete graph on ``n`` nodes."""
    return Graph(_guanxi.complete(_count(n, "n"), bool(directed)))


def uniform_random_edges(n: int, m: int, seed: int = 0):
    """``m`` endpoint pairs drawn uniformly from ``[0, n)`` (duplicates and self-loops
    possible): raw input for :meth:`Graph.from_edges` and benchmarks."""
    return _guanxi.uniform_random_edges(_count(n, "n"), _count(m, "m"), _count(seed, "seed"))


def catalog() -> dict:
    """The generators by name, as ``guanxi generate KIND`` and the ``[graph] generator`` of
    scenario files know them: ``name -> {"summary": text, "params": {name: (default, help)}}``,
    parameters and defaults as text (every generator also takes ``seed``, default 0)."""
    return {
        name: {"summary": summary, "params": {param: (default, text) for param, default, text in params}}
        for name, summary, params in _guanxi.generator_catalog()
    }


def _parameter_text(value) -> str:
    """A parameter as the catalog reads it: booleans as true/false, lists comma-separated,
    floats in their shortest round-trip form."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, np.ndarray)):
        return ",".join(_parameter_text(v) for v in value)
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return str(value)


def generate(kind: str, seed: int = 0, **params) -> Graph:
    """A graph from a generator of :func:`catalog` by name, with the catalog's defaults for
    the parameters not given: the same call as ``guanxi generate KIND --param value ...`` and a
    scenario's ``[graph] generator``. Values may be numbers, booleans, lists or their text
    (``sizes="500,500"``); ``edge_factor`` names the parameter ``edge-factor``.

    >>> import guanxi as gx
    >>> g = gx.generators.generate("holme-kim", n=1000, m=3, p=0.5, seed=1)
    >>> g.num_ties == gx.generators.holme_kim(1000, 3, 0.5, seed=1).num_ties
    True
    """
    generators = catalog()
    if kind not in generators:
        raise ValueError(f"generator: unknown {kind!r} (choose from {', '.join(generators)})")
    known = generators[kind]["params"]
    text = {name: default for name, (default, _) in known.items()}
    for name, value in params.items():
        key = name.replace("_", "-")
        if key not in known:
            raise ValueError(f"{kind}: unknown parameter {name!r} (parameters: {', '.join(known)}, seed)")
        text[key] = _parameter_text(value)
    text["seed"] = str(_count(seed, "seed"))
    return Graph(_guanxi.generate(kind, text))
