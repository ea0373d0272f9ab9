"""guanxi: how products spread through social networks — referral cascades, group buys,
incentives, trust and money — simulated on large graphs, reproducibly.

>>> import guanxi as gx
>>> g = gx.generators.holme_kim(1000, 3, 0.5, seed=1)
>>> round(gx.analytics.average_clustering(g), 2) > 0.2
True
"""

# The package's floors, each importing only from the ones below it (docs/architecture.md):
# the bottom floor (_checks, _designs, _engine), the model's objects, many runs, decisions, and
# the fronts (report, html_report, cli).
from . import _guanxi
from . import analytics, campaign, comparison, diffusion, generators, graph, plotting, results, seeding, stats, ties
from . import store, studyfile, sweeps, uncertainty
from . import calibration, optimization, selection, sensitivity_analysis
from . import html_report, report
from .graph import Graph
from .diffusion import SimulationResult, simulate
from .campaign import Campaign, DesignWarning
from .results import CampaignResult
from .comparison import compare
from .plotting import plot_comparison
from .store import DamagedStore, Store
from .sweeps import Sweep, sweep
from .studyfile import read_sweep_file
from .selection import Selection, select
from .optimization import Optimization, optimize
from .sensitivity_analysis import SensitivityResult, sensitivity
from .calibration import Calibration, CalibrationWarning, calibrate

__version__ = _guanxi.__version__


def set_max_threads(threads: int | None) -> None:
    """Limit the worker threads of guanxi (None or 0: all cores). Results do not depend on it."""
    _guanxi.set_max_threads(int(threads or 0))


def max_threads() -> int:
    """The current limit on worker threads."""
    return _guanxi.max_threads()


__all__ = [
    "Campaign",
    "CampaignResult",
    "DesignWarning",
    "compare",
    "campaign",
    "comparison",
    "results",
    "plot_comparison",
    "plotting",
    "report",
    "Graph",
    "SimulationResult",
    "analytics",
    "generators",
    "seeding",
    "simulate",
    "Store",
    "DamagedStore",
    "Sweep",
    "sweep",
    "select",
    "optimize",
    "sensitivity",
    "calibrate",
    "Calibration",
    "CalibrationWarning",
    "SensitivityResult",
    "Optimization",
    "Selection",
    "selection",
    "optimization",
    "calibration",
    "sensitivity_analysis",
    "studyfile",
    "uncertainty",
    "read_sweep_file",
    "sweeps",
    "stats",
    "ties",
    "set_max_threads",
    "max_threads",
    "__version__",
]
