"""Monte Carlo simulation of classic diffusion models on a guanxi graph.

Models (discrete time; seeds are active at step 0):

- ``"ic"`` — Independent Cascade: a node activated at step t-1 activates each inactive
  out-neighbour v at step t with probability p (``probability="uniform"``, parameter ``p``),
  the arc's weight (``"weights"``), or 1 / in-degree(v) (``"wc"``, also ``model="wc"``).
- ``"lt"`` — Linear Threshold: thresholds uniform on (0, 1] per node and replicate; in-arc
  weights 1 / in-degree (``weights="uniform"``) or the graph's weights normalised per node
  (``weights="graph"``).
- ``"si"``, ``"sir"``, ``"sis"`` — each infected node infects each susceptible out-neighbour
  with probability ``beta`` per step, then recovers with probability ``gamma`` (SIR: immune;
  SIS: susceptible again; SI: never). SIR with gamma = 1 is IC with p = beta.
- ``"complex"`` — complex contagion: activation when ``k`` in-neighbours (or a fraction
  ``phi`` of them) are active.
- ``"bass"`` — Bass on a network: each inactive node activates with probability
  ``1 - (1 - p)(1 - q/N)^a`` where ``a`` counts its active in-neighbours.

Every draw is a pure function of (seed, replicate, step, ids): results are bit-identical for
any thread count, and two runs with the same seed share their random numbers (for IC, a larger
``p`` never gives a smaller cascade in the same replicate).
"""

from __future__ import annotations

from typing import Iterable, Optional, Sequence, Union

import numpy as np

from . import _guanxi
from ._checks import Progress
from .graph import Graph
from .stats import mean_interval

__all__ = ["simulate", "SimulationResult"]

_NO_PARENT = np.iinfo(np.uint32).max
_DEFAULT_SEEDS = "top_degree:10"  # for every model but Bass, which needs none


class SimulationResult:
    """Outcome of :func:`simulate`.

    Attributes
    ----------
    sizes : numpy.ndarray
        Final number of nodes ever active (ever infected), per replicate.
    counts : numpy.ndarray
        Per-step counts, shape ``(replicates, steps, len(states))``; after a replicate ends its
        rows repeat its final state with ``new = 0``.
    states : list of str
        ``"new"``, ``"cumulative"``, then the model's states (``"inactive"``/``"active"``, or
        ``"susceptible"``/``"infected"``[/``"recovered"``]).
    node_probability : numpy.ndarray
        Fraction of replicates in which each node was ever active.
    last_step : numpy.ndarray
        Step of the last change, per replicate.
    kernel : str
        The kernel that ran (``"scalar"``, ``"sparse"`` or ``"bitparallel"``).
    seconds : float
        Wall time of the run.
    """

    def __init__(self, raw: dict, graph: Graph):
        self._graph = graph
        self.model: str = raw["model"]
        self.kernel: str = raw["kernel"]
        self.replicates: int = raw["replicates"]
        self.states: list = list(raw["states"])
        self.steps: int = raw["steps"]
        self.seconds: float = raw["seconds"]
        self.counts: np.ndarray = raw["counts"]
        self.sizes: np.ndarray = raw["final_size"].astype(np.int64)
        self.last_step: np.ndarray = raw["last_step"]
        self.node_probability: np.ndarray = raw["activation_count"] / float(self.replicates)
        self._cascades: dict = raw["cascades"]

    def mean(self) -> float:
        """Mean final size."""
        return float(self.sizes.mean())

    def ci(self, level: float = 0.95):
        """Student t confidence interval ``(low, high)`` of the mean final size: mean ± t(n - 1)
        sd / sqrt(n) over the n replicates (:func:`guanxi.stats.mean_interval`). From one
        replicate there is no spread to estimate: NaN, not available."""
        interval = mean_interval(self.sizes, level)
        return (float(interval.low), float(interval.high))

    @property
    def timeseries(self):
        """Tidy :class:`pandas.DataFrame` with columns replicate, step, state, count."""
        import pandas as pd

        if self.counts.size == 0:
            raise ValueError("timeseries: this run did not record per-step counts (timeseries=False)")
        r, s, k = self.counts.shape
        return pd.DataFrame(
            {
                "replicate": np.repeat(np.arange(r), s * k),
                "step": np.tile(np.repeat(np.arange(s), k), r),
                "state": pd.Categorical(np.tile(self.states, r * s), categories=self.states),
                "count": self.counts.reshape(-1).astype(np.int64),
            }
        )

    def cascade(self, replicate: int):
        """Who activated whom in ``replicate`` (which must be listed in ``cascades=`` of the
        run): a :class:`pandas.DataFrame` with node, parent (-1 for seeds and spontaneous
        adopters), step, and the nodes' labels."""
        import pandas as pd

        if replicate not in self._cascades:
            kept = sorted(self._cascades)
            raise ValueError(f"replicate {replicate}: no cascade recorded (pass cascades=[{replicate}]; kept: {kept})")
        node, parent, step = self._cascades[replicate]
        parent = parent.astype(np.int64)
        parent[parent == _NO_PARENT] = -1
        labels = self._graph.labels
        return pd.DataFrame(
            {
                "node": node.astype(np.int64),
                "parent": parent,
                "step": step.astype(np.int64),
                "label": labels[node],
                "parent_label": pd.Series([labels[p] if p >= 0 else None for p in parent], dtype=object),
            }
        )

    def mean_curve(self, state: str = "cumulative", level: float = 0.95):
        """Mean and Student t ``level`` interval of a state's count per step: arrays ``(mean,
        low, high)`` (:func:`guanxi.stats.mean_interval`, as :meth:`ci`). With one replicate
        the band is NaN, never zero-width."""
        if state not in self.states:
            raise ValueError(f"state: must be one of {self.states}, not {state!r}")
        curve = mean_interval(self.counts[:, :, self.states.index(state)], level, axis=0)
        return curve.mean, curve.low, curve.high

    def plot(self, states: Sequence[str] = ("cumulative",), ax=None):
        """Mean count per step with its 95% band, for each state. Returns the axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4))
        steps = np.arange(self.steps)
        for state in states:
            mean, low, high = self.mean_curve(state)
            ax.plot(steps, mean, label=state)
            ax.fill_between(steps, low, high, alpha=0.25)
        ax.set_xlabel("step")
        ax.set_ylabel("nodes")
        ax.set_title(f"{self.model}: {self.replicates} replicates")
        ax.legend()
        return ax

    def __repr__(self) -> str:
        low, high = self.ci()
        return (
            f"<guanxi.SimulationResult {self.model}, {self.replicates} replicates, mean size {self.mean():.2f} "
            f"[{low:.2f}, {high:.2f}], kernel {self.kernel}, {self.seconds:.3f} s>"
        )


def _seed_arrays(g: Graph, seeds, model: str = "ic", probability: str = "uniform", p: float = 0.01,
                 weights: str = "uniform") -> tuple:
    """(node ids as uint32, random_k) from ids, a strategy string, or None (Bass only). The
    model is what ``"imm:K"`` chooses seeds for."""
    if seeds is None:
        return np.zeros(0, dtype=np.uint32), 0
    if isinstance(seeds, str):
        nodes, k = _guanxi.parse_seeds(g.core, seeds, model, probability, float(p), weights)
        return np.asarray(nodes, dtype=np.uint32), int(k)
    ids = np.asarray(seeds)
    if ids.ndim != 1 or (ids.size and ids.dtype.kind not in "iu"):
        raise ValueError("seeds: give node ids (integers), a strategy such as 'top_degree:10' or 'random:10'")
    if ids.size and (ids.min() < 0 or ids.max() >= g.num_nodes):
        bad = ids[(ids < 0) | (ids >= g.num_nodes)][0]
        raise ValueError(f"seeds: node id {bad} out of range [0, {g.num_nodes})")
    return np.ascontiguousarray(ids, dtype=np.uint32), 0


def simulate(
    g: Graph,
    model: str = "ic",
    seeds: Union[Sequence[int], np.ndarray, str, None, object] = ...,
    replicates: int = 1000,
    seed: int = 0,
    threads: Optional[int] = None,
    progress: bool = True,
    *,
    p: float = 0.01,
    probability: str = "uniform",
    weights: str = "uniform",
    beta: float = 0.1,
    gamma: float = 0.1,
    k: int = 2,
    phi: float = 0.0,
    q: float = 0.3,
    max_steps: Optional[int] = None,
    kernel: str = "auto",
    timeseries: bool = True,
    cascades: Iterable[int] = (),
) -> SimulationResult:
    """Run ``replicates`` Monte Carlo replicates of a diffusion model (see the module doc).

    Parameters
    ----------
    g : Graph
    model : {"ic", "wc", "lt", "si", "sir", "sis", "complex", "bass"}
    seeds : array of node ids, or str
        Dense node ids, or a strategy: ``"top_degree:K"``, ``"pagerank:K"``, ``"kcore:K"``,
        ``"imm:K"`` (influence maximisation for this model: IC, WC or LT),
        ``"random:K"`` (K nodes drawn anew in every replicate), or node labels ``"1,34"``.
        Default ``"top_degree:10"``; for Bass, none (``None``).
    replicates, seed : int
    threads : int, optional
        Worker threads (default all cores); results do not depend on it.
    progress : bool
        Show a tqdm progress bar. Ctrl-C stops the run within a step (KeyboardInterrupt).
    p, probability, weights, beta, gamma, k, phi, q : model parameters (see the module doc;
        ``p`` is Bass's innovation, ``q`` its imitation).
    max_steps : int, optional
        Stop after this many steps (default: until nothing changes; SIS 100, Bass 10000).
    kernel : {"auto", "scalar", "sparse", "bitparallel"}
        ``scalar`` is the reference; ``sparse`` (IC with a uniform p) draws only the live arcs;
        ``bitparallel`` (IC, LT) runs 256 replicates per fused traversal. ``auto`` picks the
        fastest that applies. Kernels agree in distribution, not replicate by replicate.
    timeseries : bool
        Keep per-step counts (``result.counts``, ``result.timeseries``).
    cascades : iterable of int
        Replicates whose cascade tree (who activated whom) is kept.

    Examples
    --------
    >>> import guanxi as gx
    >>> g = gx.generators.erdos_renyi(2000, 2 / 1999, seed=1)
    >>> r = gx.simulate(g, "ic", seeds="random:1", p=0.25, replicates=4000, seed=3, progress=False)
    >>> abs(r.mean() - 1 / (1 - 0.25 * 2)) < 0.2   # subcritical: mean cascade 1 / (1 - p c)
    True
    """
    if not isinstance(g, Graph):
        raise TypeError("g: must be a guanxi.Graph")
    if seeds is ...:
        seeds = None if model == "bass" else _DEFAULT_SEEDS
    seed_nodes, random_k = _seed_arrays(g, seeds, model, probability, p, weights)
    if replicates < 1:
        raise ValueError(f"replicates: must be >= 1, got {replicates}")
    if threads is not None and threads < 1:
        raise ValueError(f"threads: must be >= 1, got {threads}")
    with Progress(int(replicates), progress, None) as bar:
        raw = _guanxi.simulate(
            g.core,
            "ic" if model == "wc" else model,
            "wc" if model == "wc" else probability,
            float(p),
            weights,
            float(beta),
            float(gamma),
            int(k),
            float(phi),
            float(p),
            float(q),
            seed_nodes,
            int(random_k),
            int(replicates),
            int(seed),
            0 if threads is None else int(threads),
            0 if max_steps is None else int(max_steps),
            kernel,
            bool(timeseries),
            [int(c) for c in cascades],
            bar.callback,
        )
    return SimulationResult(raw, g)
