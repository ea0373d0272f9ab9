"""Seeding strategies: who receives the campaign (or the infection) at step 0.

One vocabulary everywhere: ``top_degree``, ``pagerank``, ``kcore``, ``imm`` and ``random`` name
the functions here, a campaign's ``seeding.strategy`` and the ``"name:k"`` seed specs of
:func:`guanxi.simulate` and the command line (older spellings such as ``top-degree`` or
``top_pagerank`` are read as these names). Rankings break ties by the smaller node id, so every
strategy is deterministic.

Influence maximisation (:func:`imm`, :func:`opim`) chooses the ``k`` seeds of largest expected
spread under IC (uniform ``p``, per-arc ``p``, weighted cascade) or LT, with the guarantee of
reverse-reachable sampling: with probability at least ``1 - 1/n**ell`` their spread is at least
``(1 - 1/e - epsilon)`` times the best. The ``imm`` strategy is :func:`imm` with ``epsilon=0.1``
for the model being run; for a campaign, on its IC equivalent (docs/model.md).
:func:`for_campaign` chooses seeds for a campaign itself, with the campaign simulator as the
oracle, and may pay for them.

>>> import guanxi as gx
>>> g = gx.Graph.from_edges([0, 0, 0, 1], [1, 2, 3, 2])
>>> gx.seeding.top_degree(g, 2).tolist()
[0, 1]
"""

from __future__ import annotations

import copy
import heapq
from typing import Optional

import numpy as np

from . import _guanxi
from ._checks import Progress
from ._format import readable
from .campaign import Campaign, metric_table
from .graph import Graph
from .stats import paired_difference

__all__ = [
    "strategies",
    "random",
    "top_degree",
    "pagerank",
    "kcore",
    "top_pagerank",
    "top_kcore",
    "imm",
    "opim",
    "InfluenceResult",
    "rr_set",
    "for_campaign",
    "CampaignSeeds",
]


def strategies() -> list:
    """The names of the seeding strategies: ``["top_degree", "pagerank", "kcore", "imm", "random"]``."""
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
    return np.asarray(_guanxi.seeds_random(g.core, _k(g, k), int(seed)), dtype=np.int64)


def top_degree(g: Graph, k: int) -> np.ndarray:
    """The ``k`` nodes of highest out-degree."""
    return np.asarray(_guanxi.seeds_top_degree(g.core, _k(g, k)), dtype=np.int64)


def pagerank(g: Graph, k: int) -> np.ndarray:
    """The ``k`` nodes of highest PageRank (damping 0.85)."""
    return np.asarray(_guanxi.seeds_top_pagerank(g.core, _k(g, k)), dtype=np.int64)


def kcore(g: Graph, k: int) -> np.ndarray:
    """The ``k`` nodes of highest k-core number (then higher degree)."""
    return np.asarray(_guanxi.seeds_top_kcore(g.core, _k(g, k)), dtype=np.int64)


# The older names of the same strategies.
top_pagerank = pagerank
top_kcore = kcore


class InfluenceResult:
    """Seeds chosen by :func:`imm` or :func:`opim`.

    Attributes
    ----------
    seeds : numpy.ndarray
        Dense node ids, in greedy order (``labels`` gives the input's ids).
    spread : float
        Reverse-reachable estimate of the seeds' expected spread (OPIM-C: on RR sets independent
        of the choice, so unbiased; IMM: on the RR sets it chose by, slightly optimistic).
    lower_bound : float
        A lower bound on the seeds' expected spread that holds with probability ``confidence``.
        OPIM-C's comes from its validation RR sets and is usually tight; IMM's is ``(1 - 1/e -
        epsilon)`` times its sampling phase's bound on the optimum, and loose.
    optimum_upper_bound, approximation : float
        OPIM-C: an upper bound on the best possible spread, and ``lower_bound`` divided by it
        (the approximation ratio the run certifies). NaN for IMM.
    confidence : float
        ``1 - 1/n**ell``.
    marginal_gain : numpy.ndarray
        Each seed's greedy gain in expected nodes (RR estimate).
    rr_sets, rr_entries, memory_bytes, rounds, seconds
        RR sets generated, node ids held, peak bytes of RR storage, sampling rounds, wall time.
    """

    def __init__(self, raw: dict, graph: Graph, model: str, k: int, epsilon: float, ell: float):
        self.algorithm: str = raw["algorithm"]
        self.model, self.k, self.epsilon, self.ell = model, k, epsilon, ell
        self.seeds: np.ndarray = np.asarray(raw["seeds"], dtype=np.int64)
        self.labels: np.ndarray = _labels_of(graph, self.seeds)
        self.marginal_gain: np.ndarray = np.asarray(raw["marginal_gain"], dtype=np.float64)
        for key in ("spread", "lower_bound", "optimum_upper_bound", "approximation", "confidence", "seconds"):
            setattr(self, key, float(raw[key]))
        for key in ("rr_sets", "rr_entries", "memory_bytes", "rounds"):
            setattr(self, key, int(raw[key]))

    def to_dict(self) -> dict:
        """Plain values (lists, floats; NaN as None) for JSON."""
        out = {"algorithm": self.algorithm, "model": self.model, "k": self.k, "epsilon": self.epsilon,
               "ell": self.ell, "seeds": self.seeds.tolist(), "labels": [_plain(x) for x in self.labels],
               "marginal_gain": self.marginal_gain.tolist()}
        for key in ("spread", "lower_bound", "optimum_upper_bound", "approximation", "confidence", "seconds"):
            value = getattr(self, key)
            out[key] = None if np.isnan(value) else value
        for key in ("rr_sets", "rr_entries", "memory_bytes", "rounds"):
            out[key] = getattr(self, key)
        return out

    def __repr__(self) -> str:
        bound = f", lower bound {self.lower_bound:.1f}" if not np.isnan(self.lower_bound) else ""
        return (f"<guanxi.seeding.InfluenceResult {self.algorithm} {self.model}, k={self.k}, eps={self.epsilon}: "
                f"spread ~{self.spread:.1f}{bound}, {self.rr_sets} RR sets, {self.seconds:.3f} s>")


def _labels_of(g: Graph, ids: np.ndarray) -> np.ndarray:
    """The labels of a few nodes, without building every node's label (``g.labels``) on a graph
    of millions."""
    kind = g.core.label_kind
    if kind == "integer":
        return g.core.int_labels[ids]  # a view of the graph's array, indexed
    if kind == "string":
        return g.labels[ids]
    return ids.copy()


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


_MODELS = ("ic", "wc", "lt")


def _influence(algorithm, g, k, model, p, probability, weights, epsilon, ell, seed, threads, progress):
    if not isinstance(g, Graph):
        raise TypeError("g: must be a guanxi.Graph")
    if model not in _MODELS:
        raise ValueError(f"model: must be one of {list(_MODELS)}, not {model!r}")
    if g.num_nodes == 0:
        raise ValueError("graph: has no nodes; there is nobody to seed")
    k = _k(g, k)
    for name, value in (("epsilon", epsilon), ("ell", ell)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise ValueError(f"{name}: must be a number, got {value!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**64:
        raise ValueError(f"seed: must be an integer in [0, 2**64), got {seed!r}")
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1):
        raise ValueError(f"threads: must be an integer >= 1, got {threads!r}")
    arc_p = None
    if np.ndim(p) > 0:
        if model != "ic":
            raise ValueError("p: per-arc probabilities are an IC model (model='ic')")
        arc_p = np.asarray(p, dtype=np.float64)
        if arc_p.shape != (g.num_arcs,):
            raise ValueError(f"p: needs one probability per arc ({g.num_arcs}), got shape {arc_p.shape}")
        if not np.all((arc_p >= 0) & (arc_p <= 1)):
            bad = int(np.flatnonzero(~((arc_p >= 0) & (arc_p <= 1)))[0])
            raise ValueError(f"p: arc probabilities must be in [0, 1]; arc {bad} has {arc_p[bad]}")
        arc_p = np.ascontiguousarray(arc_p, dtype=np.float32)
        p = 0.0
    elif isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise ValueError(f"p: must be a probability or an array with one per arc, got {p!r}")
    with Progress(None, progress, f"{algorithm} RR sets") as bar:  # the total is not known in advance
        raw = _guanxi.influence_maximization(
            g.core, algorithm, model, probability, float(p), arc_p, weights, k, float(epsilon), float(ell), int(seed),
            0 if threads is None else int(threads), bar.callback,
        )
    return InfluenceResult(raw, g, model, k, float(epsilon), float(ell))


def imm(
    g: Graph,
    k: int,
    model: str = "wc",
    p=0.01,
    epsilon: float = 0.1,
    ell: float = 1.0,
    seed: int = 0,
    threads: Optional[int] = None,
    *,
    probability: str = "uniform",
    weights: str = "uniform",
    progress: bool = False,
) -> InfluenceResult:
    """The ``k`` seeds of (near) largest expected spread by IMM (Tang, Shi & Xiao 2015, with
    Chen's 2018 correction: the final RR sets are drawn afresh).

    Parameters
    ----------
    g : Graph
    k : int
        Seeds wanted, in ``[1, n]``.
    model : {"wc", "ic", "lt"}
        Weighted cascade (IC with ``p = 1 / in-degree``, the default), IC, or LT.
    p : float or array
        IC: one probability for every arc, or one per arc (``g.num_arcs`` values, arc order of
        ``g.targets``), e.g. a campaign's :meth:`~guanxi.Campaign.ic_equivalent`.
    epsilon, ell : float
        With probability at least ``1 - 1/n**ell`` the seeds' spread is at least ``(1 - 1/e -
        epsilon)`` times the best.
    seed : int
        RR set ``i`` is a function of ``(seed, i)``: the seeds do not depend on ``threads``.
    probability, weights : str
        As in :func:`guanxi.simulate`: IC ``"uniform"``, ``"weights"`` (the graph's arc weights)
        or ``"wc"``; LT ``"uniform"`` or ``"graph"``.
    progress : bool
        Show the RR sets generated. Ctrl-C stops the run (KeyboardInterrupt).

    Examples
    --------
    >>> import guanxi as gx
    >>> g = gx.Graph.from_edges([0, 0, 0, 0, 5, 6], [1, 2, 3, 4, 6, 7])
    >>> gx.seeding.imm(g, 1, model="ic", p=1.0).seeds.tolist()   # the star's centre reaches 5
    [0]
    """
    return _influence("imm", g, k, model, p, probability, weights, epsilon, ell, seed, threads, progress)


def opim(
    g: Graph,
    k: int,
    model: str = "wc",
    p=0.01,
    epsilon: float = 0.1,
    ell: float = 1.0,
    seed: int = 0,
    threads: Optional[int] = None,
    *,
    probability: str = "uniform",
    weights: str = "uniform",
    progress: bool = False,
) -> InfluenceResult:
    """The ``k`` seeds by OPIM-C (Tang, Tang, Xiao & Yuan 2018): like :func:`imm` (same
    parameters and guarantee), but it stops as soon as its own bounds certify ``1 - 1/e -
    epsilon``, usually with far fewer RR sets, and reports ``lower_bound``, ``optimum_upper_bound``
    and the certified ``approximation``."""
    return _influence("opim", g, k, model, p, probability, weights, epsilon, ell, seed, threads, progress)


def rr_set(g: Graph, model: str = "wc", p: float = 0.01, seed: int = 0, index: int = 0, *,
           probability: str = "uniform", weights: str = "uniform", reference: bool = False) -> np.ndarray:
    """One reverse-reachable set (root first): the nodes that reach a random root along the
    live arcs of one random world of the model. ``reference=True`` draws it with the slow
    reference sampler (one draw per in-arc), equal in distribution to the fast one."""
    if model not in _MODELS:
        raise ValueError(f"model: must be one of {list(_MODELS)}, not {model!r}")
    return np.asarray(
        _guanxi.rr_set(g.core, model, probability, float(p), weights, int(seed), 0, int(index), bool(reference)),
        dtype=np.int64,
    )


# -- seeds for a campaign -----------------------------------------------------------------------


class CampaignSeeds:
    """Seeds chosen by :func:`for_campaign`.

    Attributes
    ----------
    seeds, labels : numpy.ndarray
        Dense ids and the graph's labels, in the order CELF chose them (possibly fewer than
        ``k``: a seed whose estimated gain does not exceed its cost is not taken).
    marginal_gain : numpy.ndarray
        Each seed's estimated gain in the objective when it was chosen, net of its cost.
    cost : numpy.ndarray
        Each seed's cost.
    value : float
        Estimated objective of the chosen seeds (mean over the replicates, net of their cost),
        on the replicates the choice was made with (optimistic: see ``comparison``).
    empty_value : float
        The objective with no seeds at all, on the same replicates.
    candidates : numpy.ndarray
        The nodes CELF chose among.
    evaluations : int
        Campaign runs made (each of ``replicates`` replicates).
    comparison : pandas.DataFrame
        The chosen seeds against top-degree seeding of as many seeds, each net of its seeds'
        cost, on fresh replicates (``seed + 1``, not those of the choice): one row with the
        baseline's and the choice's mean, their paired difference with its ``level`` interval,
        and the share of replicates where the choice does better.
    message : str
        The recommendation that comparison supports, in one sentence with its interval: seed the
        chosen people, seed the most-connected ones, or (the interval includes 0) no clear
        winner, with the cheaper set named.
    """

    def __init__(self, **fields):
        self.__dict__.update(fields)

    def summary(self):
        """One row per seed, in the order chosen: label, ``gain`` (what it added to the objective
        when chosen, before its cost), ``cost`` and ``net_gain`` (gain less cost: the
        ``marginal_gain`` attribute, positive for every seed taken)."""
        import pandas as pd

        return pd.DataFrame({"seed": self.seeds, "label": self.labels, "gain": self.marginal_gain + self.cost,
                             "cost": self.cost, "net_gain": self.marginal_gain})

    def __repr__(self) -> str:
        row = self.comparison.iloc[0]
        return (f"<guanxi.seeding.CampaignSeeds {len(self.seeds)} seeds, {self.objective} {self.value:.2f} "
                f"(no seeds {self.empty_value:.2f}); vs top_degree {row['difference']:+.2f} "
                f"[{row['low']:+.2f}, {row['high']:+.2f}]>")


def for_campaign(
    campaign,
    k: int,
    candidates=None,
    objective: str = "profit",
    cost_per_seed=0.0,
    replicates: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    level: float = 0.95,
    progress: bool = True,
) -> CampaignSeeds:
    """Up to ``k`` seeds for ``campaign`` by CELF lazy greedy (Leskovec et al. 2007) with the
    campaign simulator as the oracle: a seed set's value is the mean over ``replicates``
    replicates of ``objective`` at the horizon, minus the cost of its seeds. Every evaluation
    uses the same ``seed`` (common random numbers), so the greedy compares designs on the same
    random draws (sample-average approximation).

    Parameters
    ----------
    campaign : Campaign
        The design; its own seeding is replaced by the seeds tried.
    k : int
        The most seeds to choose. A seed is taken only while its estimated gain exceeds its
        cost, so fewer may come back.
    candidates : int or array of node ids, optional
        The nodes to choose among: given ids, or this many chosen by IMM on the campaign's IC
        equivalent (:meth:`Campaign.ic_equivalent`); default ``min(n, 3 k)`` by IMM.
    objective : str
        A cumulative campaign metric (``profit``, ``revenue``, ``customers``, ...).
    cost_per_seed : float or array
        What a seed costs, in the objective's unit: one value, or one per node (a product
        sample; a KOL's fee that grows with degree, e.g. ``20 + 0.5 * g.degrees()``).
    replicates, seed : int, optional
        Replicates per evaluation and their seed (default the campaign's ``run`` section).
    level : float
        Confidence level of the comparison with top-degree seeding.

    Returns
    -------
    CampaignSeeds
    """
    if not isinstance(campaign, Campaign):
        raise TypeError("campaign: must be a guanxi.Campaign")
    g = campaign.graph
    n = g.num_nodes
    k = _k(g, k)
    table = metric_table()
    if objective not in table.index:
        raise ValueError(f"objective: no metric named {objective!r}")
    if table.loc[objective, "kind"] != "stock":
        raise ValueError(f"objective: {objective!r} is a {table.loc[objective, 'kind']}; choose a cumulative "
                         f"(stock) metric such as profit, revenue or customers")
    cost = np.asarray(cost_per_seed, dtype=np.float64)
    if cost.ndim == 0:
        cost = np.full(n, float(cost))
    if cost.shape != (n,):
        raise ValueError(f"cost_per_seed: one value or one per node ({n}), got shape {cost.shape}")
    if not np.all(np.isfinite(cost)):
        raise ValueError("cost_per_seed: must be finite numbers")
    replicates = campaign.spec["run"]["replicates"] if replicates is None else replicates
    seed = campaign.spec["run"]["seed"] if seed is None else seed
    if isinstance(replicates, bool) or not isinstance(replicates, (int, np.integer)) or replicates < 2:
        raise ValueError(f"replicates: must be an integer >= 2, got {replicates!r}")
    if candidates is None or isinstance(candidates, (int, np.integer)) and not isinstance(candidates, bool):
        count = min(n, 3 * k) if candidates is None else int(candidates)
        if not 1 <= count <= n:
            raise ValueError(f"candidates: must be in [1, {n}], got {count}")
        pool = imm(g, count, model="ic", p=campaign.ic_equivalent(), epsilon=0.1, threads=threads).seeds
    else:
        pool = np.asarray(candidates)
        if pool.ndim != 1 or pool.size == 0 or pool.dtype.kind not in "iu":
            raise ValueError("candidates: give a count or a non-empty array of node ids")
        if pool.min() < 0 or pool.max() >= n:
            raise ValueError(f"candidates: node ids must be in [0, {n})")
        if np.unique(pool).size != pool.size:
            raise ValueError("candidates: a node is listed twice")
        pool = pool.astype(np.int64)

    def design(nodes) -> Campaign:
        spec = copy.deepcopy(campaign.spec)
        if len(nodes):
            spec["seeding"] = {"strategy": "nodes", "k": len(nodes), "nodes": [int(v) for v in nodes]}
        else:
            spec["seeding"] = {"strategy": "top_degree", "k": 0}
        return Campaign.from_normalised(g, spec, campaign.name, campaign.per_node)

    evaluations = 0
    bar = Progress(len(pool) + k, progress, "seed search")  # advanced by hand, per evaluation

    def mean_objective(nodes) -> float:
        nonlocal evaluations
        evaluations += 1
        bar.advance()
        result = design(nodes).run(replicates=int(replicates), seed=int(seed), threads=threads, progress=False)
        return float(np.mean(result.metric(objective)[:, -1]))

    try:
        empty = mean_objective([])
        # CELF: gains of single seeds, then lazy re-evaluation of the best stale gain.
        heap = [(-(mean_objective([v]) - empty - cost[v]), int(v), 0) for v in pool]
        heapq.heapify(heap)
        chosen, gains = [], []
        value = empty  # objective of `chosen`, without costs
        while heap and len(chosen) < k:
            negative_gain, v, round_ = heapq.heappop(heap)
            if round_ == len(chosen):
                if -negative_gain <= 0:
                    break  # the best remaining seed does not pay for itself
                chosen.append(v)
                gains.append(-negative_gain)
                value += -negative_gain + cost[v]
                continue
            gain = mean_objective(chosen + [v]) - value - cost[v]
            heapq.heappush(heap, (-gain, v, len(chosen)))
    finally:
        bar.close()
    chosen_ids = np.asarray(chosen, dtype=np.int64)
    chosen_cost = float(cost[chosen_ids].sum()) if chosen else 0.0
    # Out of sample: fresh replicates for the choice and for top-degree seeding of as many seeds.
    fresh = (int(seed) + 1) % 2**64
    mine = design(chosen_ids).run(replicates=int(replicates), seed=fresh, threads=threads, progress=False)
    baseline_seeds = top_degree(g, len(chosen)) if chosen else np.zeros(0, dtype=np.int64)
    theirs = design(baseline_seeds).run(replicates=int(replicates), seed=fresh, threads=threads, progress=False)
    difference = paired_difference(theirs.metric(objective)[:, -1] - float(cost[baseline_seeds].sum()),
                                   mine.metric(objective)[:, -1] - chosen_cost, level)
    import pandas as pd

    comparison = pd.DataFrame([{
        "objective": objective, "baseline": "top_degree", "seeds": len(chosen),
        "baseline_mean": difference.baseline_mean, "design_mean": difference.design_mean,
        "difference": difference.difference, "low": difference.low, "high": difference.high,
        "share_higher": difference.share_higher, "replicates": difference.n, "seed": fresh,
    }])
    message = _recommendation(len(chosen), objective, difference, level, chosen_cost,
                              float(cost[baseline_seeds].sum()))
    return CampaignSeeds(
        seeds=chosen_ids, labels=_labels_of(g, chosen_ids), marginal_gain=np.asarray(gains, dtype=np.float64),
        cost=cost[chosen_ids], value=value - chosen_cost, empty_value=empty, objective=objective,
        candidates=pool, evaluations=evaluations, replicates=int(replicates), seed=int(seed), comparison=comparison,
        message=message,
    )


def _recommendation(count: int, objective: str, difference, level: float, chosen_cost: float,
                    baseline_cost: float) -> str:
    """The one sentence :func:`for_campaign` recommends, from its out-of-sample paired comparison
    with as many most-connected people (each set net of its cost)."""
    if count == 0:
        return (f"seed nobody: no candidate's estimated gain in {objective} exceeded its cost")
    interval = (f"{readable(difference.difference, True)} {objective} ({level:.0%} CI "
                f"[{readable(difference.low, True)}, {readable(difference.high, True)}]; better in "
                f"{difference.share_higher:.0%} of {difference.n:,} fresh paired replicates)")
    costs = f"{readable(chosen_cost)} against {readable(baseline_cost)}"
    if difference.low > 0:
        return (f"seed the {count} people chosen: net of their cost ({costs}), they earn {interval} more than the "
                f"{count} most-connected people")
    if difference.high < 0:
        return (f"seed the {count} most-connected people instead: net of cost ({costs}), the chosen seeds earn "
                f"{interval} against them")
    if chosen_cost == baseline_cost:
        advice = f"either set will do at the same cost ({readable(chosen_cost)})"
    else:
        cheaper = "the chosen" if chosen_cost < baseline_cost else "the most-connected"
        advice = f"seed {cheaper} people, who cost less ({costs})"
    return (f"no clear winner: net of cost, the {count} chosen seeds differ from as many most-connected people by "
            f"{interval}, an interval that includes 0; {advice}, or run more replicates to tell them apart")
