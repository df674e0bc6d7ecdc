"""Coupling-structure figures: edge selection, grid positions, arrows for asymmetric networks, validation."""

from __future__ import annotations

import numpy as np
import pytest

import fepnet
from diagnostics import network_plots as npl
from fepnet import figures
from fepnet.infra.plotting import pyplot

plt = pyplot()


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _net(J, b=None):
    return fepnet.Network(np.asarray(J, dtype=np.float32), None if b is None else np.asarray(b, np.float32))


def _random(seed, n, *, symmetric=True, density=1.0):
    """Like fepnet.Network.random (N(0, 0.5^2) weights on a G(n, density) graph) in NumPy: no JAX compile per size."""
    rng = np.random.default_rng(seed)
    J = 0.5 * rng.normal(size=(n, n)) * (rng.uniform(size=(n, n)) < density)
    if symmetric:
        J = np.triu(J, 1) + np.triu(J, 1).T
    np.fill_diagonal(J, 0.0)
    return _net(J)


def _cycle(n=8):
    """A pure sequence network: J[i + 1, i] = 1 (node i drives node i + 1), cyclic."""
    J = np.zeros((n, n))
    J[(np.arange(n) + 1) % n, np.arange(n)] = 1.0
    return _net(J)


def _by_gid(fig, gid):
    ax = fig.axes[0]
    return [a for a in list(ax.collections) + list(ax.patches) if a.get_gid() == gid]


def _n_edges(fig):
    lines = _by_gid(fig, "Js edges")
    return len(lines[0].get_segments()) if lines else 0


def _nodes(fig):
    (nodes,) = _by_gid(fig, "nodes")
    return nodes


HAND = np.array([
    [0.0, 0.5, -2.0, 0.0],
    [0.5, 0.0, 1.0, -0.5],
    [-2.0, 1.0, 0.0, 0.1],
    [0.0, -0.5, 0.1, 0.0],
])


# ----------------------------------------------------------------------------- pure helpers


def test_strongest_edges_on_a_hand_made_matrix():
    # |w|: (0,2) 2.0, (1,2) 1.0, (0,1) 0.5, (1,3) 0.5, (2,3) 0.1; (0,3) is zero -> never an edge
    assert npl.strongest_edges(HAND) == [(0, 2, -2.0), (1, 2, 1.0), (0, 1, 0.5), (1, 3, -0.5), (2, 3, 0.1)]
    assert npl.strongest_edges(HAND, top_k=2) == [(0, 2, -2.0), (1, 2, 1.0)]
    assert npl.strongest_edges(HAND, top_k=99) == npl.strongest_edges(HAND)
    # threshold is strict: the two 0.5 pairs are not above 0.5
    assert npl.strongest_edges(HAND, threshold=0.5) == [(0, 2, -2.0), (1, 2, 1.0)]
    assert npl.strongest_edges(HAND, threshold=0.4) == [(0, 2, -2.0), (1, 2, 1.0), (0, 1, 0.5), (1, 3, -0.5)]
    assert npl.strongest_edges(HAND, top_k=1, threshold=0.05) == [(0, 2, -2.0)]
    assert npl.strongest_edges(HAND, threshold=5.0) == []
    # only the upper triangle is read
    lower_changed = HAND.copy()
    lower_changed[3, 0] = 9.0
    assert npl.strongest_edges(lower_changed) == npl.strongest_edges(HAND)


def test_strongest_arrows_point_from_j_to_i_where_ja_ij_is_positive():
    Ja = np.zeros((3, 3))
    Ja[2, 0], Ja[0, 2] = 0.5, -0.5  # node 0 drives node 2
    Ja[1, 0], Ja[0, 1] = 0.3, -0.3  # node 0 drives node 1
    Ja[1, 2], Ja[2, 1] = -0.1, 0.1  # node 1 drives node 2
    assert npl.strongest_arrows(Ja) == [(0, 2, 0.5), (0, 1, 0.3), (1, 2, 0.1)]
    assert npl.strongest_arrows(Ja, top_k=1) == [(0, 2, 0.5)]
    assert npl.strongest_arrows(np.asarray(_cycle(5).antisymmetric_part())) == [
        (0, 1, 0.5), (4, 0, 0.5), (1, 2, 0.5), (2, 3, 0.5), (3, 4, 0.5)
    ]


def test_grid_positions_are_row_major_with_row_zero_on_top():
    pos = npl.grid_positions(6, (2, 3))
    np.testing.assert_array_equal(pos, [[0, 0], [1, 0], [2, 0], [0, -1], [1, -1], [2, -1]])
    pos = npl.grid_positions(10)  # square-ish default: 3 rows of 4
    assert pos.shape == (10, 2)
    np.testing.assert_array_equal(pos[5], [1, -1])
    np.testing.assert_array_equal(pos[9], [1, -2])
    with pytest.raises(ValueError, match="grid_shape"):
        npl.grid_positions(10, (3, 3))


# ----------------------------------------------------------------------------- plot_coupling_parts


def test_plot_coupling_parts_shows_j_js_ja_on_one_scale():
    net = _random(1, 12, symmetric=False)
    fig = npl.plot_coupling_parts(net, title="demo")
    assert len(fig.axes) == 4  # three heatmaps + one shared colour bar
    images = [ax.images[0] for ax in fig.axes if ax.images]
    J = np.asarray(net.couplings)
    for im, expected in zip(images, [J, (J + J.T) / 2, (J - J.T) / 2]):
        np.testing.assert_allclose(im.get_array(), expected, rtol=1e-6, atol=1e-7)
        assert im.get_clim() == pytest.approx((-np.abs(J).max(), np.abs(J).max()))
    title = fig._suptitle.get_text()
    ratio = np.linalg.norm(J - J.T) / np.linalg.norm(J + J.T)
    assert title.startswith("demo: N = 12")
    assert f"||Ja||_F / ||Js||_F = {ratio:.3g}" in title
    assert f"= {float(net.asymmetry()):.3g}" in title


def test_plot_coupling_parts_symmetric_and_empty_networks():
    sym = npl.plot_coupling_parts(_net(HAND))
    assert "||Ja||_F / ||Js||_F = 0," in sym._suptitle.get_text()
    empty = npl.plot_coupling_parts(fepnet.Network.zeros(3))
    assert "||Ja||_F / ||Js||_F = 0," in empty._suptitle.get_text()
    anti = npl.plot_coupling_parts(_net([[0.0, 1.0], [-1.0, 0.0]]))
    assert "||Ja||_F / ||Js||_F = inf" in anti._suptitle.get_text()


# ----------------------------------------------------------------------------- plot_coupling_graph


def test_default_graph_of_a_dense_network_keeps_the_strongest_edges():
    net = _random(0, 64)
    fig = npl.plot_coupling_graph(net)
    assert len(fig.axes) == 3  # graph + edge colour bar + node colour bar
    assert _n_edges(fig) == npl.DEFAULT_TOP_K == 150
    title = fig.axes[0].get_title()
    assert "N = 64" in title and "150 / 2016" in title and "strongest 150" in title
    assert _by_gid(fig, "Ja arrows") == []  # symmetric: no arrows
    assert {ax.get_ylabel() for ax in fig.axes[1:]} == {"bias", "Js[i, j] (edge colour; width ~ |Js|)"}


def test_top_k_and_threshold_limit_the_drawn_edges():
    net = _random(3, 16)
    Js = np.asarray(net.symmetric_part())
    upper = np.abs(Js[np.triu_indices(16, 1)])
    assert _n_edges(npl.plot_coupling_graph(net, top_k=7)) == 7
    t = float(np.median(upper))
    assert _n_edges(npl.plot_coupling_graph(net, threshold=t)) == int(np.sum(upper > t))
    assert _n_edges(npl.plot_coupling_graph(net, threshold=t, top_k=3)) == 3
    fig = npl.plot_coupling_graph(net, threshold=0)
    assert _n_edges(fig) == 120 and "120 / 120 (all" in fig.axes[0].get_title()


def test_edges_are_coloured_by_sign_and_sized_by_strength():
    fig = npl.plot_coupling_graph(_net(HAND), layout="circular")
    (lines,) = _by_gid(fig, "Js edges")
    drawn = npl.strongest_edges(HAND)[::-1]  # weakest first, strongest on top
    assert len(lines.get_segments()) == len(drawn)
    colours, widths = lines.get_colors(), lines.get_linewidths()
    for (*_, w), rgba in zip(drawn, colours):
        assert (rgba[0] > rgba[2]) == (w > 0)  # red positive, blue negative
    assert list(widths) == sorted(widths) and widths[-1] > widths[0]
    # each segment joins the positions of its two nodes
    pos = _nodes(fig).get_offsets()
    i, j, _ = drawn[-1]
    np.testing.assert_allclose(lines.get_segments()[-1], [pos[i], pos[j]], atol=1e-6)


def test_grid_layout_places_nodes_like_the_image():
    net = _random(4, 12, density=0.3)
    fig = npl.plot_coupling_graph(net, layout="grid", grid_shape=(3, 4))
    np.testing.assert_allclose(_nodes(fig).get_offsets(), npl.grid_positions(12, (3, 4)))
    default = npl.plot_coupling_graph(net, layout="grid")
    np.testing.assert_allclose(_nodes(default).get_offsets(), npl.grid_positions(12))


def test_spring_layout_is_seeded():
    net = _random(5, 10, density=0.5)
    a = _nodes(npl.plot_coupling_graph(net, seed=3)).get_offsets()
    b = _nodes(npl.plot_coupling_graph(net, seed=3)).get_offsets()
    c = _nodes(npl.plot_coupling_graph(net, seed=4)).get_offsets()
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_arrows_for_an_asymmetric_network_and_not_for_a_symmetric_one():
    fig = npl.plot_coupling_graph(_cycle(8), layout="circular")
    arrows = _by_gid(fig, "Ja arrows")
    assert len(arrows) == 8 and "arrows: the 8 strongest Ja pairs" in fig.axes[0].get_title()
    asym = _random(1, 20, symmetric=False)
    assert len(_by_gid(npl.plot_coupling_graph(asym, arrow_top_k=5), "Ja arrows")) == 5
    assert len(_by_gid(npl.plot_coupling_graph(asym), "Ja arrows")) == npl.DEFAULT_ARROW_TOP_K
    assert _by_gid(npl.plot_coupling_graph(asym, directed=False), "Ja arrows") == []
    sym = _net(HAND)
    assert _by_gid(npl.plot_coupling_graph(sym), "Ja arrows") == []
    assert _by_gid(npl.plot_coupling_graph(sym, directed=True), "Ja arrows") == []  # Ja = 0: nothing to draw
    # a slightly asymmetric network stays undirected by default, and can be forced
    J = HAND.copy()
    J[0, 1] += 0.05
    slight = _net(J)
    assert float(slight.asymmetry()) < npl.ASYMMETRY_ARROWS
    assert _by_gid(npl.plot_coupling_graph(slight), "Ja arrows") == []
    assert len(_by_gid(npl.plot_coupling_graph(slight, directed=True), "Ja arrows")) == 1


def test_node_values_colour_the_nodes():
    net = _net(HAND, b=[0.1, -0.2, 0.3, 0.0])
    np.testing.assert_allclose(_nodes(npl.plot_coupling_graph(net)).get_array(), [0.1, -0.2, 0.3, 0.0], rtol=1e-6)
    means = np.array([0.9, -0.9, 0.0, 0.5])
    fig = npl.plot_coupling_graph(net, node_values=means, node_label="posterior mean")
    np.testing.assert_allclose(_nodes(fig).get_array(), means)
    assert _nodes(fig).get_clim() == pytest.approx((-0.9, 0.9))
    assert "posterior mean" in [ax.get_ylabel() for ax in fig.axes]


def test_draws_into_a_given_axes_and_handles_an_empty_network():
    fig, ax = plt.subplots()
    assert npl.plot_coupling_graph(_net(HAND), ax=ax) is fig
    assert fig.axes[0] is ax and _n_edges(fig) == 5
    empty = npl.plot_coupling_graph(fepnet.Network.zeros(5))
    assert _n_edges(empty) == 0 and "0 / 0" in empty.axes[0].get_title()
    assert len(_nodes(empty).get_offsets()) == 5


def test_save_figure_writes_a_png(tmp_path):
    net = _random(1, 16, symmetric=False)
    for name, fig in [("parts", npl.plot_coupling_parts(net)),
                      ("graph", npl.plot_coupling_graph(net, layout="grid")),
                      ("coloring", npl.plot_coloring(net))]:
        path = tmp_path / f"{name}.png"
        figures.save_figure(fig, path)
        data = path.read_bytes()
        assert len(data) > 1000 and data.startswith(b"\x89PNG")


# ----------------------------------------------------------------------------- plot_coloring


def test_plot_coloring_colours_nodes_by_greedy_class():
    net = _random(2, 30, density=0.15)
    graph = fepnet.coupling_graph(net)
    classes = fepnet.greedy_coloring(graph)
    fig = npl.plot_coloring(net, layout="grid")
    assert len(fig.axes) == 2
    colour = np.asarray(_nodes(fig).get_array())
    for c, group in enumerate(classes):
        assert set(colour[list(group)]) == {c}
    assert all(colour[i] != colour[j] for i, j in graph.edges)
    assert f"{len(classes)} colour classes" in fig.axes[0].get_title()
    assert len(_by_gid(fig, "edges")[0].get_segments()) == graph.number_of_edges()


def test_plot_coloring_checks_a_given_coloring():
    net = _cycle(4)  # a 4-cycle: two colours suffice
    fig = npl.plot_coloring(net, [(0, 2), (1, 3)], layout="circular")
    np.testing.assert_array_equal(_nodes(fig).get_array(), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="coloring"):
        npl.plot_coloring(net, [(0, 1), (2, 3)])


# ----------------------------------------------------------------------------- validation


@pytest.mark.parametrize("fn", [npl.plot_coupling_parts, npl.plot_coupling_graph, npl.plot_coloring])
def test_network_must_be_a_network(fn):
    with pytest.raises(TypeError, match="network must be a fepnet.Network"):
        fn(HAND)


@pytest.mark.parametrize("kwargs, name", [
    ({"top_k": 0}, "top_k"),
    ({"top_k": -3}, "top_k"),
    ({"top_k": 2.5}, "top_k"),
    ({"top_k": True}, "top_k"),
    ({"arrow_top_k": 0}, "arrow_top_k"),
    ({"threshold": -0.1}, "threshold"),
    ({"threshold": float("nan")}, "threshold"),
    ({"threshold": float("inf")}, "threshold"),
    ({"threshold": "0.1"}, "threshold"),
    ({"layout": "random"}, "layout"),
    ({"layout": "grid", "grid_shape": (1, 3)}, "grid_shape"),
    ({"layout": "grid", "grid_shape": (2, 0)}, "grid_shape"),
    ({"layout": "grid", "grid_shape": 4}, "grid_shape"),
    ({"grid_shape": (2, 2)}, "grid_shape"),  # only with layout="grid"
    ({"node_values": np.zeros(3)}, "node_values"),
    ({"node_values": np.zeros((4, 1))}, "node_values"),
    ({"node_values": [0.0, np.nan, 0.0, 0.0]}, "node_values"),
    ({"node_values": [0.0, np.inf, 0.0, 0.0]}, "node_values"),
    ({"directed": "yes"}, "directed"),
])
def test_plot_coupling_graph_rejects_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        npl.plot_coupling_graph(_net(HAND), **kwargs)


def test_helpers_reject_bad_arguments():
    with pytest.raises(ValueError, match="Js"):
        npl.strongest_edges(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="Js"):
        npl.strongest_edges(np.full((2, 2), np.nan))
    with pytest.raises(ValueError, match="top_k"):
        npl.strongest_edges(HAND, top_k=0)
    with pytest.raises(ValueError, match="threshold"):
        npl.strongest_edges(HAND, threshold=-1)
    with pytest.raises(ValueError, match="layout"):
        npl.plot_coloring(_net(HAND), layout="spiral")
    with pytest.raises(ValueError, match="max_edges"):
        npl.plot_coloring(_net(HAND), max_edges=0)
