"""Seeding strategies: who receives the campaign (or the infection) at step 0.

One vocabulary everywhere: ``top_degree``, ``pagerank``, ``kcore`` and ``random`` name the
functions here, a campaign's ``seeding.strategy`` and the ``"name:k"`` seed specs of
:func:`guanxi.simulate` and the command line (older spellings such as ``top-degree`` or
``top_pagerank`` are read as these names). Rankings break ties by the smaller node id, so every
strategy is deterministic.

>>> import guanxi as gx
>>> g = gx.Graph.from_edges([0, 0, 0, 1], [1, 2, 3, 2])
>>> gx.seeding.top_degree(g, 2).tolist()
[0, 1]
"""

from __future__ import annotations

import numpy as np

from . import _guanxi
from .graph import Graph

__all__ = ["strategies", "random", "top_degree", "pagerank", "kcore", "top_pagerank", "top_kcore"]


def strategies() -> list:
    """The names of the seeding strategies: ``["top_degree", "pagerank", "kcore", "random"]``."""
    return list(_guanxi.seeding_strategies())


def _k(g: Graph, k) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise ValueError(f"k: must be an integer, got {k!r}")
    if not 1 <= k <= g.num_nodes:
        raise ValueError(f"k: must be in [1, {g.num_nodes}], got {k}")
    return int(k)


def random(g: Graph, k: int, seed: int = 0) -> np.ndarray:
    """``k`` distinct nodes drawn uniformly (seeded), sorted. For seeds drawn anew in every
    replicate pass ``seeds="random:k"`` to :func:`guanxi.simulate`."""
    return np.asarray(_guanxi.seeds_random(g._g, _k(g, k), int(seed)), dtype=np.int64)


def top_degree(g: Graph, k: int) -> np.ndarray:
    """The ``k`` nodes of highest out-degree."""
    return np.asarray(_guanxi.seeds_top_degree(g._g, _k(g, k)), dtype=np.int64)


def pagerank(g: Graph, k: int) -> np.ndarray:
    """The ``k`` nodes of highest PageRank (damping 0.85)."""
    return np.asarray(_guanxi.seeds_top_pagerank(g._g, _k(g, k)), dtype=np.int64)


def kcore(g: Graph, k: int) -> np.ndarray:
    """The ``k`` nodes of highest k-core number (then higher degree)."""
    return np.asarray(_guanxi.seeds_top_kcore(g._g, _k(g, k)), dtype=np.int64)


# The older names of the same strategies.
top_pagerank = pagerank
top_kcore = kcore
