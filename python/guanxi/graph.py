"""The guanxi graph: an immutable CSR graph with per-tie strength, built in C++.

Arrays cross the boundary without copies where C++ owns the data: ``g.strength``,
``g.neighbors(v)`` and the CSR arrays are read-only numpy views that keep the graph alive.
"""

from __future__ import annotations

import os
from typing import Any, Optional, Sequence

import numpy as np

from . import _guanxi

_MAX_ID = np.iinfo(np.uint32).max  # reserved: ids must be smaller


def _node_ids(values: np.ndarray, name: str) -> np.ndarray:
    """Integer ids as uint32, refusing (not truncating) values outside [0, 2**32 - 1)."""
    if values.size and (values.min() < 0 or values.max() >= _MAX_ID):
        index = int(np.flatnonzero((values < 0) | (values >= _MAX_ID))[0])
        raise ValueError(f"edge {index}: {name}: node id {values[index]} out of range [0, {_MAX_ID})")
    return np.ascontiguousarray(values, dtype=np.uint32)


def _as_1d(values: Any, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name}: must be one-dimensional, got shape {array.shape}")
    return array


def _integral_floats(values: np.ndarray, name: str) -> np.ndarray:
    """Float ids must be whole numbers (1.0 is node 1; 1.5 and NaN are errors)."""
    bad = ~np.isfinite(values) | (values != np.round(values))
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise ValueError(f"edge {index}: {name}: node id {values[index]!r} is not an integer")
    return values.astype(np.int64)


class Graph:
    """A social graph: nodes, ties with a strength in [0, 1], optional arc weights.

    Build one with :meth:`from_edges`, :meth:`read`, :meth:`load`, a converter
    (:meth:`from_networkx`, :meth:`from_igraph`, :meth:`from_scipy`) or a generator in
    :mod:`guanxi.generators`. Node ids are dense, ``0 .. num_nodes - 1``; the ids of the input
    are kept in :attr:`labels`.

    Examples
    --------
    >>> import guanxi as gx
    >>> g = gx.Graph.from_edges([0, 1, 2], [1, 2, 0])
    >>> g.num_nodes, g.num_ties
    (3, 3)
    >>> g.neighbors(0).tolist()
    [1, 2]
    """

    __slots__ = ("_g",)

    def __init__(self, core: "_guanxi.Graph"):
        if not isinstance(core, _guanxi.Graph):
            raise TypeError("use Graph.from_edges, Graph.read or a generator to make a graph")
        self._g = core

    @property
    def core(self) -> "_guanxi.Graph":
        """The engine's graph object behind this one (what the package's bindings take)."""
        return self._g

    def __reduce__(self):
        # Pickled as its snapshot bytes (labels, weights and strengths included), so Jupyter,
        # multiprocessing and Dask carry graphs whole and the checksum guards the transfer.
        return (_from_snapshot_bytes, (self.to_bytes(),))

    def to_bytes(self) -> bytes:
        """The graph as snapshot bytes (the .gx format of :meth:`save`)."""
        import tempfile

        with tempfile.TemporaryDirectory(prefix="guanxi-") as folder:
            path = os.path.join(folder, "graph.gx")
            self._g.save(path)
            with open(path, "rb") as snapshot:
                return snapshot.read()

    @classmethod
    def from_bytes(cls, data: bytes) -> "Graph":
        """A graph from snapshot bytes (:meth:`to_bytes`); the checksum is verified."""
        import tempfile

        with tempfile.TemporaryDirectory(prefix="guanxi-") as folder:
            path = os.path.join(folder, "graph.gx")
            with open(path, "wb") as snapshot:
                snapshot.write(data)
            try:
                return cls.load(path)  # mapped copy-on-write: the mapping outlives the file
            except ValueError as error:  # name the bytes, not the temporary file
                raise ValueError(str(error).replace(path, "snapshot bytes")) from None

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_edges(
        cls,
        src: Sequence,
        dst: Sequence,
        weights: Optional[Sequence[float]] = None,
        n: Optional[int] = None,
        directed: bool = False,
        self_loops: str = "drop",
        duplicates: str = "merge",
        merge_weights: str = "sum",
        relabel: Optional[bool] = None,
    ) -> "Graph":
        """Build a graph from arrays of tie endpoints.

        Parameters
        ----------
        src, dst : array_like
            Endpoints of each tie. Integer ids (or whole-number floats) are node ids
            (``0 <= id < n``) unless ``relabel=True``; any other ids (strings, ...) are labels,
            mapped to dense ids in sorted order and kept as strings in :attr:`labels`.
        weights : array_like of float, optional
            One finite, non-negative weight per tie.
        n : int, optional
            Number of nodes (default: largest id + 1).
        directed : bool
            ``u -> v`` only; otherwise a tie carries influence both ways.
        self_loops : {"drop", "keep", "error"}
        duplicates : {"merge", "keep", "error"}
            Repeated ties (``u v`` twice, or ``u v`` and ``v u`` when undirected).
        merge_weights : {"sum", "max"}
            How merged duplicates combine their weights.
        relabel : bool, optional
            Map integer ids to dense ids in sorted order and keep them as labels (default:
            only for non-integer ids).

        Raises
        ------
        ValueError
            Naming the edge index and field: ids out of range, NaN or negative weights,
            self-loops or duplicates under ``"error"``, an empty graph without ``n``.
        """
        src_a, dst_a = _as_1d(src, "src"), _as_1d(dst, "dst")
        if src_a.shape != dst_a.shape:
            raise ValueError(f"edges: src and dst must have the same length ({src_a.size} != {dst_a.size})")
        w = None
        if weights is not None:
            w = np.ascontiguousarray(_as_1d(weights, "weights"), dtype=np.float32)
        int_labels = str_labels = None
        if src_a.dtype.kind == "f":
            src_a = _integral_floats(src_a, "src")
        if dst_a.dtype.kind == "f":
            dst_a = _integral_floats(dst_a, "dst")
        if src_a.dtype.kind == "b" or dst_a.dtype.kind == "b":
            raise ValueError("edges: node ids must be integers or labels, not booleans")
        integer_ids = src_a.dtype.kind in "iu" and dst_a.dtype.kind in "iu"
        if src_a.size == 0 and dst_a.size == 0:
            integer_ids = True
            src_a = src_a.astype(np.int64)
            dst_a = dst_a.astype(np.int64)
        if integer_ids and not relabel:
            s, d = _node_ids(src_a, "src"), _node_ids(dst_a, "dst")
        elif integer_ids:
            s, d, int_labels = _guanxi.relabel(
                np.ascontiguousarray(src_a, dtype=np.int64), np.ascontiguousarray(dst_a, dtype=np.int64)
            )
            if n is not None:
                raise ValueError("n: cannot be given with relabel=True (n is the number of distinct ids)")
        else:
            labels, inverse = np.unique(np.concatenate([src_a.astype(str), dst_a.astype(str)]), return_inverse=True)
            s = np.ascontiguousarray(inverse[: src_a.size], dtype=np.uint32)
            d = np.ascontiguousarray(inverse[src_a.size :], dtype=np.uint32)
            str_labels = [str(x) for x in labels]
            if n is not None:
                raise ValueError("n: cannot be given with non-integer ids (n is the number of distinct ids)")
        core = _guanxi.build(
            s, d, w, n, directed, self_loops, duplicates, merge_weights, int_labels=int_labels, str_labels=str_labels
        )
        return cls(core)

    @classmethod
    def read(
        cls,
        path: "str | os.PathLike",
        format: Optional[str] = None,
        directed: Optional[bool] = None,
        self_loops: str = "drop",
        duplicates: str = "merge",
        merge_weights: str = "sum",
        relabel: bool = True,
        string_ids: bool = False,
    ) -> "Graph":
        """Read a graph file.

        Formats: edge lists (``u v`` or ``u v w`` per line, whitespace or commas, ``#``/``%``
        comments, ``.gz`` transparently), Matrix Market (``.mtx``), GML, GraphML and guanxi
        snapshots (``.gx``). ``format`` (``"edgelist"``, ``"mtx"``, ``"gml"``, ``"graphml"``,
        ``"snapshot"``) overrides the suffix.

        Parameters
        ----------
        directed : bool, optional
            Default: as the file declares (GML, GraphML, Matrix Market), else undirected.
        relabel : bool
            Edge lists: ids are labels mapped to dense ids in sorted order (default). With
            ``False`` integer ids are node ids as they are.
        string_ids : bool
            Edge lists: ids are arbitrary tokens.

        Raises
        ------
        OSError
            The file cannot be opened or read.
        ValueError
            Malformed content, as ``"file:line: field: what"``.

        Examples
        --------
        >>> import guanxi as gx, os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "tiny.edges")
        >>> _ = open(path, "w").write("# a path\\n10 20\\n20 30\\n")
        >>> g = gx.Graph.read(path)
        >>> g.num_nodes, g.labels.tolist()
        (3, [10, 20, 30])
        """
        core = _guanxi.read(
            os.fspath(path), format, directed, self_loops, duplicates, merge_weights, relabel, string_ids
        )
        return cls(core)

    @classmethod
    def load(cls, path: "str | os.PathLike", verify: bool = True) -> "Graph":
        """Load a snapshot written by :meth:`save` (memory-mapped; checksum verified)."""
        return cls(_guanxi.load(os.fspath(path), verify))

    def save(self, path: "str | os.PathLike") -> None:
        """Write a binary snapshot (``.gx``): reloads in seconds, strength and labels included."""
        self._g.save(os.fspath(path))

    def write(self, path: "str | os.PathLike", format: Optional[str] = None) -> None:
        """Write an edge list (``u v [w]`` per tie, original labels; ``.gz`` compresses) or a
        snapshot (``.gx``)."""
        self._g.write(os.fspath(path), format)

    @classmethod
    def from_networkx(cls, graph, weight: Optional[str] = "weight") -> "Graph":
        """Convert a networkx graph; node order and isolated nodes are kept, nodes become labels.

        Edge attribute ``weight`` becomes the arc weight when every edge has it. Multigraphs
        keep their parallel ties.
        """
        nodes = list(graph.nodes())
        index = {v: i for i, v in enumerate(nodes)}
        edges = list(graph.edges(data=weight, default=None)) if weight else list(graph.edges())
        src = np.fromiter((index[e[0]] for e in edges), dtype=np.uint32, count=len(edges))
        dst = np.fromiter((index[e[1]] for e in edges), dtype=np.uint32, count=len(edges))
        weights = None
        if weight and edges and all(e[2] is not None for e in edges):
            weights = np.array([e[2] for e in edges], dtype=np.float32)
        return cls._from_indexed(src, dst, weights, nodes, graph.is_directed(), graph.is_multigraph())

    @classmethod
    def from_igraph(cls, graph, weight: Optional[str] = "weight") -> "Graph":
        """Convert a python-igraph graph; vertex attribute ``name`` becomes the labels."""
        edges = np.array(graph.get_edgelist(), dtype=np.int64).reshape(-1, 2)
        weights = None
        if weight and weight in graph.es.attributes():
            weights = np.asarray(graph.es[weight], dtype=np.float32)
        names = graph.vs["name"] if "name" in graph.vs.attributes() else list(range(graph.vcount()))
        return cls._from_indexed(
            edges[:, 0].astype(np.uint32), edges[:, 1].astype(np.uint32), weights, names, graph.is_directed(), True
        )

    @classmethod
    def from_scipy(cls, matrix, directed: Optional[bool] = None) -> "Graph":
        """Convert a square scipy sparse matrix; entries are arc weights.

        ``directed=None`` means directed unless the matrix is symmetric. When undirected,
        entries (i, j) and (j, i) are one tie whose weight is the larger of the two.
        """
        import scipy.sparse as sp

        coo = sp.coo_matrix(matrix)
        if coo.shape[0] != coo.shape[1]:
            raise ValueError(f"matrix: must be square, got shape {coo.shape}")
        if directed is None:
            directed = (abs(coo - coo.T) > 0).nnz != 0
        core = _guanxi.build(
            coo.row.astype(np.uint32),
            coo.col.astype(np.uint32),
            np.ascontiguousarray(coo.data, dtype=np.float32),
            coo.shape[0],
            bool(directed),
            "keep",
            "merge",
            "sum" if directed else "max",
        )
        return cls(core)

    @classmethod
    def _from_indexed(cls, src, dst, weights, nodes, directed, multigraph) -> "Graph":
        int_labels = str_labels = None
        if not all(isinstance(v, (int, np.integer)) for v in nodes):
            str_labels = [str(v) for v in nodes]
        elif list(nodes) != list(range(len(nodes))):
            int_labels = np.asarray(nodes, dtype=np.int64)
        core = _guanxi.build(
            np.ascontiguousarray(src, dtype=np.uint32),
            np.ascontiguousarray(dst, dtype=np.uint32),
            weights,
            len(nodes),
            bool(directed),
            "keep",
            "keep" if multigraph else "merge",
            "sum",
            int_labels=int_labels,
            str_labels=str_labels,
        )
        return cls(core)

    def to_networkx(self):
        """A networkx Graph or DiGraph with the original labels, and ``weight`` when present."""
        import networkx as nx

        graph = nx.DiGraph() if self.directed else nx.Graph()
        labels = self.labels.tolist()
        graph.add_nodes_from(labels)
        src, dst = self.edges()
        if self.has_weights:
            w = self.tie_weights()
            graph.add_weighted_edges_from((labels[u], labels[v], float(x)) for u, v, x in zip(src, dst, w))
        else:
            graph.add_edges_from((labels[u], labels[v]) for u, v in zip(src, dst))
        return graph

    def to_scipy(self):
        """The adjacency matrix as ``scipy.sparse.csr_matrix`` (weights, or ones)."""
        import scipy.sparse as sp

        n = self.num_nodes
        data = self.weights.astype(np.float64) if self.has_weights else np.ones(self.num_arcs)
        return sp.csr_matrix((data, self._g.targets, self._g.offsets), shape=(n, n))

    # -- structure ----------------------------------------------------------------------------

    @property
    def fingerprint(self) -> str:
        """The graph's identity for results and run stores: 16 hex digits of a checksum of what
        simulations read (direction, nodes, CSR arrays, arc weights), equal for equal graphs on
        any machine. Labels are left out (a relabelled copy simulates identically), and so are
        tie strengths, which can change (:meth:`strength` fingerprints are in a campaign's
        manifest when it starts from them)."""
        return f"{self._g.fingerprint():016x}"

    @property
    def num_nodes(self) -> int:
        """Number of nodes."""
        return self._g.num_nodes

    @property
    def num_ties(self) -> int:
        """Number of ties (an undirected tie counts once)."""
        return self._g.num_ties

    @property
    def num_arcs(self) -> int:
        """Number of stored arcs (twice the ties of an undirected graph, self-loops once)."""
        return self._g.num_arcs

    @property
    def directed(self) -> bool:
        return self._g.directed

    @property
    def has_weights(self) -> bool:
        return self._g.has_weights

    @property
    def memory_bytes(self) -> int:
        """Bytes held by the graph's arrays."""
        return self._g.memory_bytes

    def degrees(self) -> np.ndarray:
        """Out-degree of every node (number of arcs; ties when undirected)."""
        return np.diff(self._g.offsets).astype(np.int64)

    def neighbors(self, v: int) -> np.ndarray:
        """Sorted out-neighbours of node ``v`` (a read-only view)."""
        if not 0 <= v < self.num_nodes:
            raise ValueError(f"v: node id {v} out of range [0, {self.num_nodes})")
        offsets = self._g.offsets
        return self._g.targets[offsets[v] : offsets[v + 1]]

    @property
    def offsets(self) -> np.ndarray:
        """CSR arc offsets (``num_nodes + 1``, read-only view)."""
        return self._g.offsets

    @property
    def targets(self) -> np.ndarray:
        """CSR arc targets (read-only view)."""
        return self._g.targets

    @property
    def weights(self) -> Optional[np.ndarray]:
        """Per-arc weights (read-only view), or None."""
        return self._g.weights

    def edges(self):
        """Tie endpoints ``(src, dst)`` in tie-id order; ``src <= dst`` when undirected."""
        return self._g.tie_endpoints()

    def tie_weights(self) -> Optional[np.ndarray]:
        """The weight of every tie in tie-id order, or None."""
        if not self.has_weights:
            return None
        arc_ties = self._g.arc_ties()
        out = np.empty(self.num_ties, dtype=np.float32)
        out[arc_ties] = self._g.weights
        return out

    @property
    def labels(self) -> np.ndarray:
        """The input's id of every node: int64 (identity ``arange`` when ids were dense) or str."""
        kind = self._g.label_kind
        if kind == "integer":
            return self._g.int_labels
        if kind == "string":
            return np.array(self._g.str_labels, dtype=object)
        return np.arange(self.num_nodes, dtype=np.int64)

    @property
    def strength(self) -> np.ndarray:
        """Tie strength in [0, 1], one per tie (read-only view; assign a new array to change)."""
        return self._g.strength

    @strength.setter
    def strength(self, values) -> None:
        values = np.asarray(values, dtype=np.float32)
        if values.ndim == 0:
            values = np.full(self.num_ties, values, dtype=np.float32)
        self._g.set_strength(np.ascontiguousarray(values))

    def copy(self) -> "Graph":
        """A deep copy (strength included)."""
        return Graph(self._g.copy())

    def transpose(self) -> "Graph":
        """The graph with every arc reversed (a copy when undirected)."""
        return Graph(self._g.transpose())

    def to_undirected(self) -> "Graph":
        """Undirected copy: ``u -> v`` and ``v -> u`` become one tie (weights by max)."""
        return Graph(self._g.to_undirected())

    def __repr__(self) -> str:
        kind = "directed" if self.directed else "undirected"
        extra = ", weighted" if self.has_weights else ""
        return f"<guanxi.Graph {self.num_nodes} nodes, {self.num_ties} ties ({kind}{extra})>"


def _from_snapshot_bytes(data: bytes) -> Graph:
    return Graph.from_bytes(data)
