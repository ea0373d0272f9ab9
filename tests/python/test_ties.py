# guanxi.ties: tie strength initialisation (MODEL.md §2) on graphs with known answers: a constant, a
# seeded uniform draw inside its range, the neighbourhood overlap mapped onto [s_min, s_max] (a clique
# at s_max, a star at s_min, a general graph equal to the formula on gx.analytics.neighborhood_overlap),
# the input's weight column, and bad arguments refused naming the argument.
import numpy as np
import pytest

import guanxi as gx


def test_constant_sets_every_tie():
    g = gx.generators.holme_kim(300, 3, 0.5, seed=1)
    gx.ties.init(g, "constant", value=0.37)
    assert np.all(g.strength == np.float32(0.37))


def test_uniform_is_seeded_and_inside_its_range():
    g, h = gx.generators.holme_kim(2000, 3, 0.5, seed=1), gx.generators.holme_kim(2000, 3, 0.5, seed=1)
    gx.ties.init(g, "uniform", low=0.2, high=0.6, seed=5)
    gx.ties.init(h, "uniform", low=0.2, high=0.6, seed=5)
    assert np.array_equal(g.strength, h.strength)
    assert g.strength.min() >= 0.2 and g.strength.max() <= 0.6
    # Uniform on [0.2, 0.6]: mean 0.4 within 5 standard errors (sd 0.4 / sqrt 12).
    assert abs(g.strength.mean() - 0.4) < 5 * (0.4 / np.sqrt(12)) / np.sqrt(g.num_ties)
    gx.ties.init(h, "uniform", low=0.2, high=0.6, seed=6)
    assert not np.array_equal(g.strength, h.strength)


def test_overlap_of_a_clique_and_a_star():
    clique = gx.generators.complete(5)
    gx.ties.init(clique, "overlap", s_min=0.1, s_max=0.8)
    assert np.allclose(clique.strength, 0.8)
    star = gx.Graph.from_edges([0, 0, 0, 0], [1, 2, 3, 4])
    gx.ties.init(star, "overlap", s_min=0.15, s_max=0.8)
    assert np.allclose(star.strength, 0.15)  # leaves share no neighbour with the hub


def test_overlap_follows_the_neighbourhood_overlap():
    g = gx.generators.holme_kim(500, 3, 0.6, seed=2)
    gx.ties.init(g, "overlap", s_min=0.2, s_max=0.9)
    expected = 0.2 + 0.7 * gx.analytics.neighborhood_overlap(g)
    assert np.allclose(g.strength, expected, atol=1e-6)


def test_column_takes_the_weights():
    g = gx.Graph.from_edges([0, 1, 2], [1, 2, 0], weights=[0.1, 0.5, 0.9])
    gx.ties.init(g, "column")
    assert np.allclose(np.sort(g.strength), [0.1, 0.5, 0.9])


@pytest.mark.parametrize("kind, arguments, message", [
    ("nonsense", {}, "ties.init: must be 'constant'"),
    ("uniform", {"low": 0.8, "high": 0.2}, "ties.low: must be <= ties.high"),
    ("constant", {"value": 1.5}, r"ties.value: must be in \[0, 1\], got 1.5")])
def test_bad_arguments_are_refused_naming_the_argument(kind, arguments, message):
    g = gx.generators.complete(4)
    before = g.strength.copy()
    with pytest.raises(ValueError, match=message):
        gx.ties.init(g, kind, **arguments)
    assert np.array_equal(g.strength, before)  # nothing changed
