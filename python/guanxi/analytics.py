"""Network analytics: degrees, components, k-cores, triangles and clustering, centralities,
spectral radius, percolation threshold and neighbourhood overlap.

Measures of undirected structure (components, cores, triangles, clustering, overlap) use the
undirected version of a directed graph; triangle-based measures ignore self-loops and count
repeated ties once.

Examples
--------
>>> import guanxi as gx
>>> g = gx.generators.complete(4)
>>> gx.analytics.average_clustering(g)
1.0
>>> round(gx.analytics.spectral_radius(g), 6)
3.0
"""

from __future__ import annotations

from typing import Dict

import numpy as np

from . import _guanxi
from .graph import Graph

__all__ = [
    "degree_stats",
    "in_degrees",
    "connected_components",
    "strongly_connected_components",
    "core_numbers",
    "triangles",
    "local_clustering",
    "average_clustering",
    "transitivity",
    "common_neighbors",
    "neighborhood_overlap",
    "pagerank",
    "eigenvector_centrality",
    "spectral_radius",
    "percolation_threshold",
]


def degree_stats(g: Graph) -> Dict[str, float]:
    """Min, max, mean, population std and second moment ``<k²>`` of out-degrees, and the
    number of isolated nodes."""
    return _guanxi.degree_stats(g.core)


def in_degrees(g: Graph) -> np.ndarray:
    """In-degree of every node (the degree, when undirected)."""
    return _guanxi.in_degrees(g.core)


def connected_components(g: Graph):
    """``(label, sizes)``: a component id per node (numbered by their smallest node) and the
    size of each component. Weakly connected components when directed (Boost.Graph)."""
    return _guanxi.connected_components(g.core)


def strongly_connected_components(g: Graph):
    """``(label, sizes)`` of the strongly connected components (Boost.Graph, Tarjan)."""
    return _guanxi.strongly_connected_components(g.core)


def core_numbers(g: Graph) -> np.ndarray:
    """k-core number of every node (Batagelj & Zaversnik 2003)."""
    return _guanxi.core_numbers(g.core)


def triangles(g: Graph) -> np.ndarray:
    """Number of triangles through every node."""
    return _guanxi.triangles(g.core)


def local_clustering(g: Graph) -> np.ndarray:
    """Local clustering ``2 T(v) / (k (k - 1))`` of every node (0 when ``k < 2``)."""
    return _guanxi.local_clustering(g.core)


def average_clustering(g: Graph) -> float:
    """Mean local clustering over all nodes, zeros included (networkx's default)."""
    return _guanxi.average_clustering(g.core)


def transitivity(g: Graph) -> float:
    """Global clustering: 3 × triangles / connected triples."""
    return _guanxi.transitivity(g.core)


def common_neighbors(g: Graph) -> np.ndarray:
    """Number of common neighbours of the endpoints of every tie (tie-id order)."""
    return _guanxi.common_neighbors(g.core)


def neighborhood_overlap(g: Graph) -> np.ndarray:
    """Neighbourhood overlap of every tie (tie-id order), Onnela et al. 2007:
    ``O_uv = |N(u) ∩ N(v)| / (k_u - 1 + k_v - 1 - |N(u) ∩ N(v)|)``, 0 when the denominator is 0."""
    return _guanxi.neighborhood_overlap(g.core)


def pagerank(
    g: Graph, damping: float = 0.85, tolerance: float = 1e-10, max_iterations: int = 1000, weighted: bool = False
) -> np.ndarray:
    """PageRank (power iteration on an Eigen sparse matrix); dangling nodes spread their rank
    uniformly; sums to 1. Raises RuntimeError without convergence."""
    return _guanxi.pagerank(g.core, damping, tolerance, max_iterations, weighted)


def eigenvector_centrality(
    g: Graph, tolerance: float = 1e-10, max_iterations: int = 1000, weighted: bool = False
) -> np.ndarray:
    """Eigenvector centrality ``x ∝ Aᵀx`` (in-links when directed), unit Euclidean norm.
    Raises RuntimeError without convergence."""
    return _guanxi.eigenvector_centrality(g.core, tolerance, max_iterations, weighted)


def spectral_radius(g: Graph, tolerance: float = 1e-10, max_iterations: int = 1000, weighted: bool = False) -> float:
    """Spectral radius λ_max of the adjacency matrix; 1/λ_max is the SIS/IC epidemic
    threshold estimate. Lanczos when undirected, Arnoldi on each strongly connected component
    when directed (Spectra), dense solvers on small graphs. Raises RuntimeError without
    convergence."""
    return _guanxi.spectral_radius(g.core, tolerance, max_iterations, weighted)


def percolation_threshold(g: Graph) -> float:
    """Bond-percolation threshold estimate ``<k> / (<k²> - <k>)`` (Molloy–Reed / Cohen et al.);
    ``inf`` when ``<k²> <= <k>``."""
    return _guanxi.percolation_threshold(g.core)
