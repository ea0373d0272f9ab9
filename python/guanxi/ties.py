"""Tie strength initialisation (MODEL.md §2).

Examples
--------
>>> import guanxi as gx
>>> g = gx.generators.complete(4)
>>> gx.ties.init(g, "overlap", s_min=0.1, s_max=0.9)
>>> [round(float(s), 3) for s in g.strength]   # every tie of a clique is fully embedded
[0.9, 0.9, 0.9, 0.9, 0.9, 0.9]
"""

from __future__ import annotations

from . import _guanxi
from .graph import Graph

__all__ = ["init"]


def init(
    g: Graph,
    kind: str = "overlap",
    *,
    value: float = 0.5,
    low: float = 0.0,
    high: float = 1.0,
    s_min: float = 0.1,
    s_max: float = 0.9,
    seed: int = 0,
) -> None:
    """Set the strength of every tie of ``g`` in place.

    Parameters
    ----------
    kind : {"constant", "uniform", "overlap", "column"}
        ``constant``: ``value``. ``uniform``: uniform on ``[low, high]`` (seeded).
        ``overlap``: ``s_min + (s_max - s_min) O_uv`` with the neighbourhood overlap ``O_uv``
        (embedded ties are stronger). ``column``: the input's weight column (values in [0, 1]).
    """
    _guanxi.init_strength(g.core, kind, value, low, high, s_min, s_max, seed)
