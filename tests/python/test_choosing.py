# The newcomer's walkthrough of docs/choosing.md ("three questions, three recommendations"), run as
# written on a smaller network: each question ends in one printed recommendation that names a
# design (or a seed set) and carries its uncertainty (issue "Answers a strategist can act on":
# which incentive on my graph, ads or community for a fixed budget, who gets twenty free samples).
import contextlib
import io
import os
import pathlib
import re

import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("GUANXI_SOURCE_DIR") or pathlib.Path(__file__).resolve().parents[2])
WALKTHROUGH = "## A newcomer's walkthrough"


def walkthrough_code() -> str:
    """The python blocks of the walkthrough section, in order, with the network and the seed
    search's replicates made smaller (the two names its first block sets for that)."""
    text = (SOURCE_DIR / "docs" / "choosing.md").read_text(encoding="utf-8")
    assert WALKTHROUGH in text, "docs/choosing.md has no walkthrough section"
    section = text.split(WALKTHROUGH, 1)[1].split("\n## ", 1)[0]
    code = "\n".join(re.findall(r"```python\n(.*?)```", section, flags=re.S))
    for name, small in (("N", "20_000"), ("REPLICATES", "30")):
        code, count = re.subn(rf"^{name} = [\d_]+", f"{name} = {small}", code, flags=re.M)
        assert count == 1, f"the walkthrough should set {name} once"
    return code


@pytest.fixture(scope="module")
def printed():
    cwd = os.getcwd()
    os.chdir(SOURCE_DIR)  # the walkthrough reads examples/ from the repository folder
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            exec(compile(walkthrough_code(), "docs/choosing.md walkthrough", "exec"), {"__name__": "walkthrough"})
    finally:
        os.chdir(cwd)
    return [line for line in out.getvalue().splitlines() if line.strip()]


def test_each_question_ends_in_one_recommendation(printed):
    assert len(printed) == 3, printed
    assert all(line.startswith("Recommendation: ") for line in printed), printed


@pytest.mark.parametrize("question, names", [
    (0, ("no incentive", "one-sided referral", "two-sided referral", "group buy")),
    (1, ("paid ads", "community groups", "ads into community")),
])
def test_the_races_name_one_of_their_designs_with_a_confidence(printed, question, names):
    line = printed[question]
    chosen = re.match(r"Recommendation: (?:run|put the money into) (.+?)\. ", line)
    assert chosen and chosen[1] in names, line
    assert re.search(r"with ≥ 95% confidence|no single best", line), line
    assert re.search(r"Δ = [+-−]?[\d,.]+ ± [\d,.]+ \(95% CI, [\d,]+ paired replicates\)", line), line


def test_the_free_samples_answer_says_whom_with_its_interval(printed):
    line = printed[2]
    assert re.match(r"Recommendation: (seed the \d+ people chosen|seed the \d+ most-connected people instead|"
                    r"no clear winner)", line), line
    found = re.search(r"\(95% CI \[([^,\]]+), ([^\]]+)\]", line)
    assert found, line
    low, high = (float(x.replace(",", "").replace("+", "").replace("−", "-")) for x in found.groups())
    # The verdict follows the interval: chosen above, most-connected below, no clear winner across 0.
    if line.startswith("Recommendation: seed the") and "chosen" in line.split(":")[1]:
        assert low > 0
    elif "most-connected people instead" in line:
        assert high < 0
    else:
        assert low <= 0 <= high
