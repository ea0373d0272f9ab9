# Shared fixtures of the Python suite: the real data files (skipped when absent), the CLI
# command, temporary files and a thread-limit guard.
import os
import pathlib

import pytest

import guanxi as gx
from helpers import GRID, LIVELY_BEHAVIOUR, lively, run_campaign

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
# The data lives next to the repository (../shared/data) unless GUANXI_DATA_DIR says otherwise.
DEFAULT_DATA_DIR = os.path.join(os.path.dirname(REPO_ROOT), "shared", "data")


@pytest.fixture(scope="session")
def data_dir() -> pathlib.Path:
    return pathlib.Path(os.environ.get("GUANXI_DATA_DIR") or DEFAULT_DATA_DIR)


@pytest.fixture(scope="session")
def data_file(data_dir):
    """data_file(name) -> path of a real data file, or skip the test when it is absent."""

    def find(name: str) -> pathlib.Path:
        path = data_dir / name
        if not path.is_file():
            pytest.skip(f"data file {name} not found in {data_dir}")
        return path

    return find


@pytest.fixture(scope="session")
def cli() -> str:
    """Path of the guanxi command (GUANXI_CLI: the build tree's launcher of the Python command
    line); skip when unset or missing."""
    path = os.environ.get("GUANXI_CLI")
    if not path:
        pytest.skip("GUANXI_CLI is not set")
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        pytest.skip(f"GUANXI_CLI={path} is not an executable file")
    return path


@pytest.fixture
def write_file(tmp_path):
    """write_file(name, text_or_bytes) -> path of a new file in a fresh temporary folder."""

    def write(name: str, content) -> pathlib.Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        return path

    return write


@pytest.fixture
def threads():
    """Call threads(k) to limit guanxi's workers; the limit is lifted after the test."""
    yield gx.set_max_threads
    gx.set_max_threads(0)


# -- graphs, designs and runs shared by the tests of several modules (campaign, results, comparison,
# plotting, sweeps, store, the decision tools and the reports) ------------------------------------


@pytest.fixture(scope="module")
def hk():
    return gx.generators.holme_kim(1500, 3, 0.5, seed=2)


@pytest.fixture(scope="module")
def hk1200():
    return gx.generators.holme_kim(1200, 3, 0.5, seed=4)


@pytest.fixture(scope="module")
def lifecycle_graph():
    return gx.generators.holme_kim(2000, 3, 0.5, seed=7)


@pytest.fixture(scope="module")
def choosing_graph():
    return gx.generators.holme_kim(1500, 3, 0.5, seed=11)


@pytest.fixture(scope="module")
def sweep_graph():
    return gx.generators.holme_kim(1200, 3, 0.5, seed=7)


@pytest.fixture(scope="module")
def small_graph_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("graphs") / "small.gx"
    gx.generators.holme_kim(1500, 3, 0.5, seed=3).save(path)
    return path


@pytest.fixture(scope="module")
def lively_result(hk):
    campaign = lively(hk, policy={"referral_reward": 5, "commission": [0.1, 0.05]}, name="lively")
    return run_campaign(campaign, replicates=5, seed=13, forests=[0, 3])


@pytest.fixture(scope="module")
def designs(hk1200):
    base = gx.Campaign(hk1200, name="none", behaviour=LIVELY_BEHAVIOUR, run={"steps": 15})
    return [base, base.replace(name="referral", policy={"referral_reward": 10}),
            base.replace(name="team", policy={"group_buy": {"size": 2, "deadline": 3}})]


@pytest.fixture(scope="module")
def compared(designs):
    results = {}
    table = gx.compare(designs, replicates=12, seed=3, progress=False, results=results)
    return table, results


@pytest.fixture(scope="module")
def summary_designs():
    graph = gx.generators.holme_kim(400, 3, 0.5, seed=6)
    behaviour = dict(share_prob=0.3, team_share_prob=0.6, conv_weak=0.05, conv_strong=0.3, churn_prob=0.02,
                     external_rate=0.002)
    base = gx.Campaign(graph, name="none", behaviour=behaviour, run={"steps": 12})
    return {"none": base, "referral": base.replace(policy={"referral_reward": 10}),
            "team": base.replace(policy={"group_buy": {"size": 2, "deadline": 3}})}


@pytest.fixture(scope="module")
def summary_compared(summary_designs):
    results = {}
    table = gx.compare(summary_designs, replicates=9, seed=2, progress=False, results=results)
    return table, results


@pytest.fixture(scope="module")
def busy(lifecycle_graph):
    """Every Part II mechanism on: ads with a platform fee, groups with invitations, flash sales and
    red packets, a two-sided referral, fans who buy more."""
    return gx.Campaign(lifecycle_graph, name="busy",
                       behaviour={"share_prob": 0.1, "repeat_prob": 0.05, "churn_prob": 0.02,
                                  "tier_spend_mult": {"fan": 1.3, "partner": 1.3}},
                       policy={"referral_reward": 5, "referee_discount": 0.1, "commission": [0.05]},
                       acquisition={"ad_spend": 6, "ad_conversion": 0.02, "platform_fee": 0.25},
                       community={"invite_prob": 0.05, "post_prob": 0.5, "flash_sale": {"period": 7},
                                  "red_packet": {"amount": 5}},
                       run={"steps": 40})


@pytest.fixture(scope="module")
def busy_run(busy):
    return busy.run(replicates=8, seed=5, progress=False, customers=[0, 3])


@pytest.fixture(scope="module")
def decision_base(choosing_graph):
    return gx.Campaign(choosing_graph, run={"steps": 20}, policy={"referral_reward": 10})


@pytest.fixture(scope="module")
def sweep_base(sweep_graph):
    return gx.Campaign(sweep_graph, run={"steps": 15}, seeding={"k": 10})


@pytest.fixture(scope="module")
def swept(sweep_base):
    return gx.sweep(sweep_base, GRID, replicates=12, seed=5, progress=False)
