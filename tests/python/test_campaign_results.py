# What a campaign's user meets after the model runs: errors and warnings that name their place
# (file, line and key for scenarios; key paths for dictionaries), intervals that say "not
# available" from one replicate, plots with units and legends, forest plots of comparisons,
# pickling of graphs, campaigns and results, scenarios written back with Campaign.to_toml, deep
# merges in Campaign.replace, and compare() over a list of named campaigns.
import math
import multiprocessing
import pickle
import warnings

import numpy as np
import pytest

import guanxi as gx

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

LIVELY = dict(share_prob=0.3, team_share_prob=0.6, conv_weak=0.05, conv_strong=0.3, churn_prob=0.02,
              repeat_prob=0.05, external_rate=0.002)


@pytest.fixture(scope="module")
def hk():
    return gx.generators.holme_kim(1200, 3, 0.5, seed=4)


@pytest.fixture(scope="module")
def designs(hk):
    base = gx.Campaign(hk, name="none", behaviour=LIVELY, run={"steps": 15})
    return [base, base.replace(name="referral", policy={"referral_reward": 10}),
            base.replace(name="team", policy={"group_buy": {"size": 2, "deadline": 3}})]


@pytest.fixture(scope="module")
def compared(designs):
    results = {}
    table = gx.compare(designs, replicates=12, seed=3, progress=False, results=results)
    return table, results


def same_values(a, b):
    return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)


def design_warnings(make):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        made = make()
    return made, [str(w.message) for w in caught if w.category is gx.DesignWarning]


# -- errors that name their place ------------------------------------------------------------------


@pytest.fixture
def scenario(tmp_path):
    def write(text, name="s.toml"):
        path = tmp_path / name
        path.write_text(text)
        return path

    return write


@pytest.mark.parametrize("text, place", [
    ("[run]\nsteps = 5\n\n[behaviour]\nshare_prob = 1.5\n", ":5: behaviour.share_prob: must be in [0, 1], got 1.5"),
    ("[policy]\ncommission = [0.1, 1.2]\n", ":2: policy.commission[1]: must be in [0, 1], got 1.2"),
    ("[policy.group_buy]\nsize = 0\n", ":2: policy.group_buy.size: must be >= 1"),
    ("[policy.group_buy]\nsize = 2\n[policy.bargain]\nhelpers = 2\n", ":1: policy.group_buy: cannot be on together"),
    ("[seeding]\nk = 5000\n", ":2: seeding.k: must be in [0, 1200], got 5000"),
    ("[seeding]\nnodes = [1, 1]\n", ":2: seeding.nodes: node 1 listed twice"),
    ("[seeding]\nnodes = [\"nobody\"]\n", ":2: seeding.nodes: no node labelled 'nobody'"),
    ("[run]\nreplicates = 1000000000000\n", ":2: run.replicates: 1000000000000 replicates x 60 steps"),
    ("[behaviour]\nreach = \"far\"\n", ":2: behaviour.reach: expected a number"),
    ("[behaviour]\nreech = 0.2\n", ":2: behaviour.reech: unknown key; did you mean 'reach'?"),
    ("[run]\nsteps = 3\n[behaviour\n", ":3: toml:"),
])
def test_scenario_errors_name_file_line_and_key(hk, scenario, text, place):
    path = scenario(text)
    with pytest.raises(ValueError) as error:
        gx.Campaign.from_toml(path, graph=hk)
    assert str(error.value).startswith(f"{path}{place}"), str(error.value)


def test_a_default_that_does_not_fit_the_graph_is_named_as_the_default(scenario):
    tiny = gx.Graph.from_edges([0, 1, 2], [1, 2, 3])  # 4 people; the default k is 10
    path = scenario("name = \"tiny\"\n\n[seeding]\nstrategy = \"top_degree\"\n")
    with pytest.raises(ValueError, match=r"s\.toml:3: seeding\.k: must be in \[0, 4\], got 10 .*\(the default\)"):
        gx.Campaign.from_toml(path, graph=tiny)
    path = scenario("name = \"tiny\"\n", "nosection.toml")
    with pytest.raises(ValueError, match=r"nosection\.toml: seeding\.k: must be in \[0, 4\].*\(the default\)$"):
        gx.Campaign.from_toml(path, graph=tiny)


def test_graph_table_errors_name_their_line(scenario, tmp_path):
    path = scenario("[graph]\ngenerator = \"holme-kim\"\nn = 50\nm = 0\n")
    with pytest.raises(ValueError, match=r"s\.toml:4: graph\.m: must be in \[1, n\], got 0"):
        gx.Campaign.from_toml(path)
    path = scenario("[graph]\nfile = \"absent.edges\"\n", "file.toml")
    with pytest.raises(OSError, match=r"file\.toml:2: graph\.file: .*absent\.edges: cannot open"):
        gx.Campaign.from_toml(path)


@pytest.mark.parametrize("sections, key", [
    (dict(behaviour={"share_prob": 1.5}), "behaviour.share_prob: must be in [0, 1]"),
    (dict(policy={"group_buy": {"size": 0}}), "policy.group_buy.size: must be >= 1"),
    (dict(policy={"commission": [0.1, -1]}), "policy.commission[1]: must be in [0, 1]"),
    (dict(seeding={"k": 2000}), "seeding.k: must be in [0, 1200], got 2000"),
    (dict(run={"replicates": 10 ** 12}), "run.replicates: 1000000000000 replicates"),
])
def test_dictionary_errors_name_the_key_path(hk, sections, key):
    with pytest.raises(ValueError) as error:
        gx.Campaign(hk, **sections)
    assert key in str(error.value), str(error.value)


def test_too_many_replicates_are_refused_before_allocating(hk):
    with pytest.raises(ValueError, match="replicates: .* need .* of memory; this machine has"):
        gx.Campaign(hk, run={"steps": 5}).run(replicates=10 ** 12, progress=False)


def test_names_must_be_strings(hk, designs):
    with pytest.raises(ValueError, match="name: must be a string, got int 5"):
        gx.Campaign(hk, name=5)
    with pytest.raises(ValueError, match="name: must be a string"):
        designs[0].replace(name=("a",))
    with pytest.raises(ValueError, match="a design's name: must be a string"):
        gx.compare({"none": designs[0], 2: designs[1]}, replicates=2, progress=False)


# -- warnings: legal designs that are almost surely mistakes ---------------------------------------


@pytest.mark.parametrize("sections, key, text", [
    (dict(product={"price": 50, "unit_cost": 50}), "product.unit_cost", "every sale loses money"),
    (dict(policy={"commission": [0.6, 0.3, 0.1]}), "policy.commission", "pay 100% of the price"),
    (dict(policy={"membership": {"partner_commission": [0.9, 0.2]}}), "policy.membership.partner_commission",
     "pay 110%"),
    (dict(seeding={"k": 0}), "seeding.k", "nobody can ever buy"),
])
def test_mistaken_designs_warn_and_still_run(hk, sections, key, text):
    campaign, found = design_warnings(lambda: gx.Campaign(hk, run={"steps": 3}, **sections))
    assert len(found) == 1 and found[0].startswith(f"{key}: ") and text in found[0], found
    result = campaign.run(replicates=2, progress=False)
    assert result.warnings == found


def test_sound_designs_do_not_warn(designs):
    _, found = design_warnings(lambda: [d.replace(name=d.name) for d in designs])
    assert found == []
    # External adoption is a way to buy without seeds; commission below the price is fine.
    _, found = design_warnings(lambda: designs[0].replace(seeding={"k": 0}, behaviour={"external_rate": 0.01},
                                                          policy={"commission": [0.5, 0.4]}))
    assert found == []


def test_scenario_warnings_name_file_and_line(hk, scenario):
    path = scenario("[product]\nprice = 100\nunit_cost = 120\n")
    _, found = design_warnings(lambda: gx.Campaign.from_toml(path, graph=hk))
    assert found == [f"{path}:3: product.unit_cost: unit cost 120 is not below the price 100: every sale loses money"]


def test_compare_warns_about_graphs_of_different_sizes(designs):
    other = gx.Campaign(gx.generators.holme_kim(900, 3, 0.5, seed=4), name="smaller", run={"steps": 15})
    _, found = design_warnings(lambda: gx.compare([designs[0], other], replicates=2, progress=False))
    assert found == ["campaigns['smaller']: its graph has 900 nodes and the baseline's ('none') 1,200: "
                     "paired differences then compare different populations"]


# -- one replicate: intervals not available -----------------------------------------------------------


def test_one_replicate_has_no_interval(designs):
    result = designs[1].run(replicates=1, seed=2, progress=False)
    summary = result.summary()
    assert summary["replicates"].max() == 1
    assert summary[["sd", "ci_low", "ci_high"]].isna().all().all()
    mean, low, high = result.mean_curve("customers")
    assert same_values(mean, result.metric("customers")[0]) and np.isnan(low).all() and np.isnan(high).all()
    table = gx.compare(designs[:2], replicates=1, seed=2, progress=False)
    assert table[["ci_low", "ci_high"]].isna().all().all()
    assert not table["difference"].drop(("referral", "incremental_roi")).isna().any()
    axes = result.plot("customers")
    try:
        assert len(axes[0].collections) == 0  # no band drawn
        assert "mean of 1 replicates" in axes[0].figure._suptitle.get_text()
    finally:
        plt.close("all")


# -- plots ----------------------------------------------------------------------------------------


def test_plot_one_metric_with_units_band_and_title(compared):
    _, results = compared
    axes = results["team"].plot("profit")
    try:
        assert len(axes) == 1
        ax = axes[0]
        assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("Profit", "day", "currency units")
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert labels == ["team", "95% CI of the mean (shaded)"]
        mean, low, high = results["team"].mean_curve("profit")
        band = ax.collections[0].get_paths()[0].vertices[:, 1]
        assert np.isclose(band.min(), np.nanmin(low)) and np.isclose(band.max(), np.nanmax(high))
        assert ax.figure._suptitle.get_text() == "team (mean of 12 replicates with 95% bands)"
        assert ax.figure.get_layout_engine() is not None  # constrained: saved files keep their labels
    finally:
        plt.close("all")


def test_plot_overlays_name_every_design(compared, tmp_path):
    _, results = compared
    axes = results["none"].plot(("customers", "strong_tie_fraction"))
    results["referral"].plot(("customers", "strong_tie_fraction"), axes=axes)
    try:
        for ax in axes:
            labels = [t.get_text() for t in ax.get_legend().get_texts()]
            assert labels == ["none", "95% CI of the mean (shaded)", "referral"]  # one entry for every band
            assert len(ax.collections) == 2
        assert axes[1].get_ylabel() == "share"
        assert axes[0].figure._suptitle.get_text().startswith("none vs referral (")
        # Saved, every label stays inside the picture (constrained layout).
        figure = axes[0].figure
        figure.savefig(tmp_path / "overlay.png")
        renderer = figure.canvas.get_renderer()
        for text in (axes[0].xaxis.label, axes[1].xaxis.label, axes[0].yaxis.label, figure._suptitle):
            box = text.get_window_extent(renderer)
            assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= figure.bbox.width and box.y1 <= figure.bbox.height
    finally:
        plt.close("all")
    with pytest.raises(ValueError, match="metric: unknown 'profits'"):
        results["none"].plot("profits")


def test_forest_plot_of_a_comparison(compared):
    table, _ = compared
    axes = gx.plot_comparison(table, ["profit", "customers"])
    try:
        for ax, metric in zip(axes, ["profit", "customers"]):
            rows = table.xs(metric, level="metric")
            points = ax.lines[0].get_data()
            assert list(points[0]) == pytest.approx(list(rows["difference"]))
            ticks = {t.get_text(): y for t, y in zip(ax.get_yticklabels(), ax.get_yticks())}
            assert set(ticks) == {"referral", "team"}
            # Each design's whisker spans its confidence interval.
            segments = ax.collections[0].get_segments()
            for design, segment in zip(rows.index, segments):
                assert segment[:, 0] == pytest.approx([rows.loc[design, "ci_low"], rows.loc[design, "ci_high"]])
                assert segment[0, 1] == ticks[design]
        figure = axes[0].figure
        assert [ax.get_title() for ax in axes] == ["Profit", "Customers"]
        assert figure._suptitle.get_text() == "Paired differences against “none” (12 replicates, common random numbers)"
        legend = [t.get_text() for t in figure.legends[0].get_texts()]
        assert legend == ["no difference from “none”", "mean paired difference, 95% CI"]
        assert axes[0].get_xlabel() == "difference in currency units"
    finally:
        plt.close("all")
    # Into given axes: each panel names the baseline and has its legend.
    figure, ax = plt.subplots()
    try:
        gx.plot_comparison(table, "incremental_roi", axes=ax, baseline="the control")
        assert ax.get_title() == "Incremental ROI against “the control”"
        assert ax.get_xlabel() == "Δ profit / Δ incentive spend"
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["no profit gained per unit spent",
                                                                        "incremental ROI, 95% CI"]
    finally:
        plt.close("all")
    with pytest.raises(ValueError, match="'reach' is not in the comparison"):
        gx.plot_comparison(table, "reach")


# -- save and restore ---------------------------------------------------------------------------------


def test_graphs_pickle_whole():
    g = gx.Graph.from_edges(["ann", "bo", "cy"], ["bo", "cy", "dee"], weights=[0.5, 1.0, 2.0])
    g.strength = [0.1, 0.2, 0.3]
    copy = pickle.loads(pickle.dumps(g))
    assert copy.num_nodes == 4 and list(copy.labels) == list(g.labels)
    assert same_values(copy.strength, g.strength) and same_values(copy.weights, g.weights)
    assert same_values(copy.offsets, g.offsets) and same_values(copy.targets, g.targets)
    assert copy.directed == g.directed
    with pytest.raises(ValueError, match="snapshot bytes"):
        gx.Graph.from_bytes(g.to_bytes()[:-8])


def test_campaigns_and_results_pickle(compared, designs):
    _, results = compared
    team = designs[2]
    again = pickle.loads(pickle.dumps(team))
    assert again.spec == team.spec and again.name == "team" and again.graph.num_ties == team.graph.num_ties
    assert same_values(again.run(replicates=4, seed=3, progress=False).values, results["team"].values[:4])
    result = pickle.loads(pickle.dumps(results["team"]))
    assert same_values(result.values, results["team"].values) and result.label == "team"
    assert result.summary().equals(results["team"].summary())
    assert result.referral_forest(5).equals(results["team"].referral_forest(5))


def _run_in_child(campaign):
    return campaign.run(replicates=3, seed=9, threads=1, progress=False)


def test_multiprocessing_carries_campaigns_and_results(designs):
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        child = pool.map(_run_in_child, [designs[1]])[0]
    assert same_values(child.values, designs[1].run(replicates=3, seed=9, progress=False).values)


def test_to_toml_reloads_the_same_design(designs, hk, tmp_path):
    team = designs[2].replace(name="team", seeding={"strategy": "nodes", "nodes": [5, 17, 3]},
                              policy={"budget": float("inf")})
    path = tmp_path / "team.toml"
    team.to_toml(path)
    again = gx.Campaign.from_toml(path, graph=hk)
    assert again.spec == team.spec and again.name == "team"
    assert same_values(again.run(replicates=4, seed=1, progress=False).values,
                       team.run(replicates=4, seed=1, progress=False).values)
    with pytest.raises(ValueError, match=r"\[graph\] is missing"):
        gx.Campaign.from_toml(path)


def test_to_toml_keeps_labels_and_the_graph_table(tmp_path):
    g = gx.Graph.from_edges(["ann", "bo", "cy", "ann"], ["bo", "cy", "dee", "dee"])
    campaign = gx.Campaign(g, name="people", seeding={"nodes": [g.labels.tolist().index("cy")]}, run={"steps": 4})
    campaign.to_toml(tmp_path / "people.toml", graph_file=tmp_path / "people.gx")
    assert 'nodes = ["cy"]' in (tmp_path / "people.toml").read_text()
    again = gx.Campaign.from_toml(tmp_path / "people.toml")  # its [graph] names the saved snapshot
    assert again.spec == campaign.spec and list(again.graph.labels) == list(g.labels)
    # A scenario with its own [graph] keeps it when written elsewhere.
    source = tmp_path / "source.toml"
    source.write_text('name = "gen"\n[graph]\ngenerator = "holme-kim"\nn = 300\nm = 3\np = 0.5\nseed = 7\n'
                      '[policy.group_buy]\nsize = 2\n[run]\nsteps = 6\n')
    generated = gx.Campaign.from_toml(source)
    (tmp_path / "elsewhere").mkdir()
    generated.to_toml(tmp_path / "elsewhere" / "copy.toml")
    copy = gx.Campaign.from_toml(tmp_path / "elsewhere" / "copy.toml")
    assert copy.graph.num_ties == generated.graph.num_ties and copy.spec == generated.spec
    assert same_values(copy.run(replicates=3, seed=2, progress=False).values,
                       generated.run(replicates=3, seed=2, progress=False).values)


def test_replace_merges_nested_tables(designs):
    team = designs[2]
    bigger = team.replace(policy={"group_buy": {"size": 4}})
    assert bigger.spec["policy"]["group_buy"] == dict(team.spec["policy"]["group_buy"], size=4)
    assert bigger.spec["policy"]["group_buy"]["deadline"] == 3
    # Giving a switched-off table switches it on; enabled = False stays off.
    base = designs[0]
    assert base.spec["policy"]["bargain"]["enabled"] is False
    assert base.replace(policy={"bargain": {"helpers": 2}}).spec["policy"]["bargain"]["enabled"] is True
    assert base.replace(policy={"bargain": {"helpers": 2, "enabled": False}}).spec["policy"]["bargain"]["enabled"] is False
    assert team.replace(policy={"group_buy": {"enabled": False}}).spec["policy"]["group_buy"]["deadline"] == 3
    tiers = base.replace(behaviour={"tier_mult": {"fan": 2.0}}).spec["behaviour"]["tier_mult"]
    assert tiers == dict(base.spec["behaviour"]["tier_mult"], fan=2.0)


def test_compare_takes_a_list_of_named_campaigns(designs, compared):
    table, results = compared
    as_dict = gx.compare({d.name: d for d in designs}, replicates=12, seed=3, progress=False)
    assert table.equals(as_dict) and list(results) == ["none", "referral", "team"]
    assert table.attrs == {"baseline": "none", "replicates": 12, "seed": 3, "level": 0.95}
    unnamed = designs[0].replace(policy={"referral_reward": 5})
    with pytest.raises(ValueError, match=r"campaigns\[1\]: has no name"):
        gx.compare([designs[0], unnamed], replicates=2, progress=False)
    with pytest.raises(ValueError, match=r"campaigns\[1\]: the name 'none' is used twice"):
        gx.compare([designs[0], designs[0]], replicates=2, progress=False)
    with pytest.raises(ValueError, match=r"campaigns\[1\]: must be a guanxi.Campaign"):
        gx.compare([designs[0], "team"], replicates=2, progress=False)


# -- the metric registry and the manifest (a result's identity) ----------------------------------

def test_metric_table_is_the_registry_in_column_order():
    table = gx.campaign.metric_table()
    assert list(table.index) == gx.campaign.metrics()
    assert set(table["kind"]) == {"stock", "flow", "ratio"}
    assert set(table["section"]) >= {"§4", "§5", "§12", "§8.1", "§9"}
    assert all(section.startswith("§") for section in table["section"])
    assert table.loc["reaches", "kind"] == "flow" and table.loc["reaches", "per_step"]
    assert table.loc["profit", "kind"] == "stock" and table.loc["profit", "unit"] == "currency"
    assert table.loc["k_factor", "kind"] == "ratio" and table.loc["k_factor", "per_step"]
    assert table.loc["incentive_roi", "kind"] == "ratio" and not table.loc["incentive_roi", "per_step"]
    assert (table[table["kind"] == "flow"]["per_step"]).all()


def test_manifest_identifies_the_computation(hk, designs):
    base = designs[0]
    a = base.run(replicates=3, seed=5, progress=False)
    m = a.manifest
    assert m["engine"] == "guanxi" and m["version"] == gx.__version__
    assert (m["seed"], m["first_replicate"], m["replicates"], m["steps"]) == (5, 0, 3, 15)
    assert m["metrics"] == gx.campaign.metrics()
    assert m["graph"] == {"fingerprint": hk.fingerprint, "nodes": hk.num_nodes, "ties": hk.num_ties,
                          "directed": False}
    assert len(m["spec_sha256"]) == 64
    # The same computation, another time or thread count: the same manifest.
    assert base.run(replicates=3, seed=5, threads=1, progress=False).manifest == m
    # The run section's replicates and seed are run options, not part of the spec's identity.
    assert base.replace(run={"replicates": 7, "seed": 9}).run(replicates=3, seed=5, progress=False).manifest == m
    # Anything that changes the numbers changes the manifest.
    assert designs[1].run(replicates=3, seed=5, progress=False).manifest["spec_sha256"] != m["spec_sha256"]
    assert base.replace(run={"steps": 14}).run(replicates=3, seed=5, progress=False).manifest["spec_sha256"] \
        != m["spec_sha256"]
    assert base.run(replicates=3, seed=6, progress=False).manifest["seed"] == 6
    other = gx.generators.holme_kim(1200, 3, 0.5, seed=5)
    assert other.fingerprint != hk.fingerprint
    assert gx.generators.holme_kim(1200, 3, 0.5, seed=4).fingerprint == hk.fingerprint  # a fresh, equal graph
    # A pickled result keeps its identity.
    assert pickle.loads(pickle.dumps(a)).manifest == m


def test_manifest_fingerprints_strengths_when_the_run_starts_from_them():
    g = gx.generators.holme_kim(300, 3, 0.5, seed=1)
    campaign = gx.Campaign(g, ties={"init": "graph"}, run={"steps": 3})
    before = campaign.run(replicates=2, progress=False)
    first = before.manifest["graph"]["strength_fingerprint"]
    g.strength = np.full(g.num_ties, 0.25, dtype=np.float32)
    second = campaign.run(replicates=2, progress=False).manifest["graph"]["strength_fingerprint"]
    assert first != second
    # The manifest records the strengths the run started from, not the graph's current ones.
    assert before.manifest["graph"]["strength_fingerprint"] == first
    assert pickle.loads(pickle.dumps(before)).manifest["graph"]["strength_fingerprint"] == first
    assert "strength_fingerprint" not in gx.Campaign(g, run={"steps": 3}).run(replicates=2, progress=False).manifest["graph"]
