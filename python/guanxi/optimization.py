"""Optimisation under a budget: the best design in a space of parameters, with Optuna.

``gx.optimize(base, space={"policy.referral_reward": (0, 30), "policy.group_buy.size": [2, 3, 4,
5]}, objective="profit", constraints={"incentive_spend": ("<=", 5000)}, trials=60)`` searches
the space with Optuna's TPE sampler (Bergstra et al. 2011; constraints as in Optuna's
constrained TPE) or CMA-ES (Hansen 2016), Debian's python3-optuna. Every trial is a campaign run
with the same seed — common random numbers across trials — so two trials differ by their
parameters, not by their luck, and the search sees a smooth landscape.

The winner's curse: the trial with the best mean over a few replicates is, on average, one that
got lucky. So the ``reevaluate`` best feasible trials are run again on fresh replicates (the
replicates after those of the search, ``reevaluate_replicates`` of them, still common to the
finalists) and the one with the best fresh mean is named, with its paired margin over the
runner-up. Constraints are on the mean of a metric at the horizon (or a callable's value) and
are checked again on the fresh replicates.

A run store (``store=``) keeps every trial's replicates: an interrupted optimisation run again
with the same seed proposes the same trials and reads their replicates back.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import warnings
from typing import Callable, Mapping, Optional, Sequence, Union

import numpy as np

from . import _engine
from ._checks import Progress, checked_int, metric_hint, plain_json
from ._format import readable
from ._designs import nested, parameter_row
from .campaign import Campaign
from .plotting import format_axis, metric_label, metric_title, metric_unit
from .results import CampaignResult
from .stats import mean_interval, paired_difference
from .store import Store, save_study
from .sweeps import DesignRuns, apply_changes

__all__ = ["optimize", "Optimization"]

_OPERATORS = ("<=", ">=")


def _space(space: Mapping) -> list:
    """[(key path, kind, choices or (low, high))]: (low, high) is a range (integers for count
    parameters), a list is a set of choices."""
    if not isinstance(space, Mapping) or not space:
        raise ValueError("space: give a dict of key path -> (low, high) or [choices], e.g. "
                         "{'policy.referral_reward': (0, 30)}")
    out = []
    for path, domain in space.items():
        label = f"space[{path!r}]"
        kind = parameter_row(path, label)["type"]
        if path.startswith("run."):
            raise ValueError(f"{label}: run.* cannot vary (trials share the horizon)")
        if isinstance(domain, tuple):
            if len(domain) != 2 or not all(isinstance(v, (int, float, np.integer, np.floating)) and
                                           not isinstance(v, bool) and math.isfinite(v) for v in domain):
                raise ValueError(f"{label}: a range is (low, high) with finite numbers, got {domain!r}")
            low, high = float(domain[0]), float(domain[1])
            if not low < high:
                raise ValueError(f"{label}: needs low < high, got {domain!r}")
            if kind not in ("number", "count"):
                raise ValueError(f"{label}: {kind} parameters take a list of choices, not a range")
            if kind == "count" and (not low.is_integer() or not high.is_integer()):
                raise ValueError(f"{label}: a count takes whole bounds, got {domain!r}")
            out.append((path, "int" if kind == "count" else "float", (low, high)))
        elif isinstance(domain, list):
            if not domain:
                raise ValueError(f"{label}: no choices")
            out.append((path, "choice", list(domain)))
        else:
            raise ValueError(f"{label}: give (low, high) for a range or [a, b, ...] for choices, got "
                             f"{type(domain).__name__}")
    return out


def _constraints(constraints: Optional[Mapping], metrics: Sequence[str]) -> list:
    if constraints is None:
        return []
    if not isinstance(constraints, Mapping):
        raise ValueError("constraints: give a dict of metric -> (operator, bound), e.g. {'incentive_spend': ('<=', 5000)}")
    out = []
    for metric, rule in constraints.items():
        if metric not in metrics:
            raise ValueError(f"constraints[{metric!r}]: unknown metric{metric_hint(metric, metrics)}")
        if (not isinstance(rule, (tuple, list)) or len(rule) != 2 or rule[0] not in _OPERATORS or
                isinstance(rule[1], bool) or not isinstance(rule[1], (int, float, np.integer, np.floating)) or
                not math.isfinite(rule[1])):
            raise ValueError(f"constraints[{metric!r}]: give ('<=', bound) or ('>=', bound), got {rule!r}")
        out.append((metric, rule[0], float(rule[1])))
    return out


class Optimization:
    """Outcome of :func:`optimize`.

    Attributes
    ----------
    best : Campaign
        The named design (after re-evaluation on fresh replicates).
    best_params : dict
        Its values of the searched key paths.
    trials : pandas.DataFrame
        One row per trial: ``trial``, the key paths, ``value`` (mean objective over the search
        replicates), one column per constraint's mean, ``feasible``.
    finalists : pandas.DataFrame
        The re-evaluated trials: ``trial``, the key paths, ``value`` (search), ``fresh`` (mean on
        the fresh replicates), ``fresh_low``/``fresh_high`` (its interval), ``feasible`` (on the
        fresh replicates).
    margin : dict
        The best against the runner-up finalist, paired on the fresh replicates.
    study : optuna.Study
    message : str
    """

    def __init__(self, **fields):
        self.__dict__.update(fields)

    def __repr__(self) -> str:
        return f"<guanxi.Optimization: {self.message}>"

    def plot(self, axes=None):
        """The search: each trial's objective (feasible filled, infeasible hollow) and the best so
        far; beside it, for each searched parameter that is a range, the objective against it
        with the finalists' fresh means and intervals. Returns the Axes."""
        import matplotlib.pyplot as plt

        ranges = [path for path, kind, _ in self.space if kind != "choice"][:2]
        if axes is None:
            _, axes = plt.subplots(1, 1 + len(ranges), figsize=(5.5 * (1 + len(ranges)), 4.2), layout="constrained",
                                   squeeze=False)
            axes = axes[0]
        axes = list(np.atleast_1d(axes))
        trials = self.trials
        name = self.objective_name
        unit = metric_unit(name) if isinstance(name, str) and name in self._metrics else "ratio"
        ax = axes[0]
        feasible = trials["feasible"].to_numpy(bool)
        ax.scatter(trials["trial"][feasible], trials["value"][feasible], s=18, label="trial (feasible)")
        if (~feasible).any():
            ax.scatter(trials["trial"][~feasible], trials["value"][~feasible], s=18, facecolors="none",
                       edgecolors="C3", label="trial (breaks a constraint)")
        values = np.where(feasible, trials["value"].to_numpy(float), np.nan)
        sign = -1 if self.direction == "minimize" else 1
        running = sign * np.fmax.accumulate(np.where(np.isnan(values), -np.inf, sign * values))
        ax.step(trials["trial"], np.where(np.isfinite(running), running, np.nan), where="post", color="0.3",
                label="best so far")
        ax.set_xlabel("trial")
        ax.set_ylabel(metric_label(name) if unit != "ratio" else str(name))
        format_axis(ax.yaxis, unit)
        ax.set_title(f"Search ({self.sampler}, {self.replicates} replicates per trial)")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small", frameon=False)
        for ax, path in zip(axes[1:], ranges):
            ax.scatter(trials[path], trials["value"], s=14, alpha=0.6, label="trials (search replicates)")
            final = self.finalists
            ax.errorbar(final[path], final["fresh"], yerr=[final["fresh"] - final["fresh_low"],
                                                          final["fresh_high"] - final["fresh"]],
                        fmt="D", color="C3", capsize=3, label="finalists (fresh replicates)")
            ax.axvline(self.best_params[path], color="C3", linestyle="--", linewidth=1, label="named best")
            ax.set_xlabel(path)
            ax.set_ylabel(metric_label(name) if unit != "ratio" else str(name))
            format_axis(ax.yaxis, unit)
            ax.grid(True, alpha=0.3)
            ax.legend(fontsize="small", frameon=False)
        axes[0].figure.suptitle(f"Optimising {metric_title(name) if isinstance(name, str) else name}: {self.message}",
                                fontsize="medium")
        return np.array(axes, dtype=object)

    def document(self) -> dict:
        return plain_json({"kind": "optimize", "objective": self.objective_name, "direction": self.direction,
                            "sampler": self.sampler, "seed": self.seed, "replicates": self.replicates,
                            "best_params": self.best_params, "message": self.message, "margin": self.margin,
                            "constraints": [list(c) for c in self.constraints],
                            "trials": self.trials.to_dict(orient="records"),
                            "finalists": self.finalists.to_dict(orient="records")})


def optimize(
    base,
    space: Mapping,
    objective: Union[str, Callable] = "profit",
    direction: str = "maximize",
    constraints: Optional[Mapping] = None,
    trials: int = 50,
    replicates: int = 20,
    seed: int = 0,
    sampler: str = "tpe",
    reevaluate: int = 5,
    reevaluate_replicates: int = 100,
    level: float = 0.95,
    store=None,
    client=None,
    threads: Optional[int] = None,
    progress: bool = True,
    name: Optional[str] = None,
) -> Optimization:
    """Search a space of designs for the best objective under constraints.

    Parameters
    ----------
    base : Campaign
    space : dict
        Key path -> ``(low, high)`` (a range; integers for count parameters such as
        ``policy.group_buy.size``) or ``[a, b, ...]`` (choices).
    objective : str or callable
        A metric (its mean at the horizon), or a function of a :class:`CampaignResult` that
        returns a number (e.g. ``lambda r: r.metric("profit")[:, -1].mean() - 0.1 *
        r.metric("incentive_spend")[:, -1].mean()``).
    direction : "maximize" or "minimize"
    constraints : dict, optional
        Metric -> ``("<=", bound)`` or ``(">=", bound)`` on its mean at the horizon.
    trials : int
        Designs evaluated by the search.
    replicates : int
        Replicates per trial (common random numbers: the same replicates for every trial).
    seed : int
        The simulations' seed and the sampler's.
    sampler : "tpe" or "cmaes"
        TPE handles choices and constraints; CMA-ES suits several continuous ranges (no
        constraints).
    reevaluate : int
        How many of the best feasible trials run again on fresh replicates before one is named.
    reevaluate_replicates : int
        The fresh replicates per finalist.
    level : float
        Confidence level of the finalists' intervals and the margin.
    store, client, threads, progress, name
        As for :func:`guanxi.sweep`: a run store keeps every trial's replicates (the trials are
        one sweep, ``name``), a Dask client runs them.

    Returns
    -------
    Optimization
    """
    import pandas as pd

    try:
        import optuna
    except ImportError:
        raise ValueError("optimize: Optuna is not installed (Debian: python3-optuna)") from None
    if not isinstance(base, Campaign):
        raise ValueError(f"base: must be a guanxi.Campaign, got {type(base).__name__}")
    dimensions = _space(space)
    for path, kind, domain in dimensions:  # every end of a range and every choice on the base, before any trial runs
        values = [int(v) for v in domain] if kind == "int" else list(domain)
        for value in values:
            apply_changes(base, {path: value}, f"space[{path!r}]", f"space[{path!r}]")
    metrics = _engine.metrics()
    if isinstance(objective, str):
        if objective not in metrics:
            raise ValueError(f"objective: unknown metric {objective!r}{metric_hint(objective, metrics)}")
    elif not callable(objective):
        raise ValueError("objective: give a metric name or a function of a CampaignResult")
    if direction not in ("maximize", "minimize"):
        raise ValueError(f"direction: 'maximize' or 'minimize', got {direction!r}")
    rules = _constraints(constraints, metrics)
    trials = checked_int(trials, "trials", 1)
    replicates = checked_int(replicates, "replicates", 2)
    seed = checked_int(seed, "seed", 0, 2**64)
    reevaluate = checked_int(reevaluate, "reevaluate", 1)
    reevaluate_replicates = checked_int(reevaluate_replicates, "reevaluate_replicates", 2)
    if sampler not in ("tpe", "cmaes"):
        raise ValueError(f"sampler: 'tpe' or 'cmaes', got {sampler!r}")
    if sampler == "cmaes" and rules:
        raise ValueError("constraints: need sampler='tpe' (CMA-ES has no constraints)")
    sampler_seed = seed % 2**32
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        if sampler == "tpe":
            chosen = optuna.samplers.TPESampler(seed=sampler_seed, constraints_func=(
                (lambda trial: trial.user_attrs["constraints"]) if rules else None))
        else:
            chosen = optuna.samplers.CmaEsSampler(seed=sampler_seed, warn_independent_sampling=False)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction=direction, sampler=chosen)

    results: list = []

    def suggest(trial) -> dict:
        params = {}
        for path, kind, domain in dimensions:
            if kind == "float":
                params[path] = trial.suggest_float(path, *domain)
            elif kind == "int":
                params[path] = trial.suggest_int(path, int(domain[0]), int(domain[1]))
            else:
                index = trial.suggest_categorical(path, list(range(len(domain))))
                params[path] = domain[index]
        return params

    def evaluate(changes: dict, count: int, first: int = 0) -> tuple:
        """(objective, constraint means, values) of a design over replicates first .. first + count."""
        runs = DesignRuns(base, [changes], seed=seed, store=store, client=client, threads=threads, progress=False,
                          register=False)
        try:
            runs.ensure([0], first + count)
        finally:
            runs.close()
        values = runs.values[0][first:first + count]
        if isinstance(objective, str):
            score = float(values[:, -1, metrics.index(objective)].mean())
        else:
            raw = _engine.result_from_values(values, first)
            score = float(objective(CampaignResult(raw, runs.designs[0][2], seed, None, first)))
            if not math.isfinite(score):
                raise ValueError(f"objective: returned {score} for {changes}")
        means = {metric: float(values[:, -1, metrics.index(metric)].mean()) for metric, _, _ in rules}
        return score, means, values

    with contextlib.ExitStack() as cleanup:
        if store is not None and not isinstance(store, Store):  # opened once for every trial, closed at the end
            store = cleanup.enter_context(Store(store))
        bar = cleanup.enter_context(Progress(trials + reevaluate, progress, "optimize", unit="trial"))
        # The search, then the finalists on fresh replicates.
        for number in range(trials):
            trial = study.ask()
            params = suggest(trial)
            score, means, _ = evaluate(params, replicates)
            violations = [(means[m] - bound) if op == "<=" else (bound - means[m]) for m, op, bound in rules]
            trial.set_user_attr("constraints", violations)
            study.tell(trial, score)
            results.append({"trial": number, **params, "value": score, **{f"{m} (mean)": means[m] for m, _, _ in rules},
                            "feasible": all(v <= 0 for v in violations)})
            bar.advance()
        frame = pd.DataFrame(results)
        sign = -1.0 if direction == "minimize" else 1.0
        feasible = frame[frame["feasible"]]
        if feasible.empty:
            raise ValueError("optimize: no trial met the constraints; widen the space or relax them")
        keys = [path for path, _, _ in dimensions]
        unique = feasible.assign(_order=sign * feasible["value"]).sort_values("_order", ascending=False)
        unique = unique.drop_duplicates(subset=[k for k in keys], keep="first").head(reevaluate)
        finalists = []
        fresh_values = []
        for _, row in unique.iterrows():
            params = {k: _plain_value(row[k]) for k in keys}
            score, means, values = evaluate(params, reevaluate_replicates, first=replicates)
            violations = [(means[m] - bound) if op == "<=" else (bound - means[m]) for m, op, bound in rules]
            column = values[:, -1, metrics.index(objective)] if isinstance(objective, str) else None
            interval = mean_interval(column, level) if column is not None else None
            finalists.append({"trial": int(row["trial"]), **params, "value": float(row["value"]), "fresh": score,
                              "fresh_low": float(interval.low) if interval else math.nan,
                              "fresh_high": float(interval.high) if interval else math.nan,
                              "feasible": all(v <= 0 for v in violations)})
            fresh_values.append(column)
            bar.advance()
        bar.close()
        final = pd.DataFrame(finalists)
        ok = final[final["feasible"]] if final["feasible"].any() else final
        order = (sign * ok["fresh"]).sort_values(ascending=False).index
        winner = int(order[0])
        best_params = {k: _plain_value(final.loc[winner, k]) for k in keys}
        best = base.replace(name=f"optimized {objective if isinstance(objective, str) else 'objective'}",
                            **_sections(best_params, base))
        margin = None
        message = (f"best {objective if isinstance(objective, str) else 'objective'} "
                   f"{readable(final.loc[winner, 'fresh'])} on {reevaluate_replicates} fresh replicates at "
                   + ", ".join(f"{k} = {_text(v)}" for k, v in best_params.items()))
        if len(order) > 1 and fresh_values[winner] is not None:
            runner = int(order[1])
            paired = paired_difference(fresh_values[runner], fresh_values[winner], level)
            margin = {"runner_up_trial": int(final.loc[runner, "trial"]), "difference": float(paired.difference),
                      "low": float(paired.low), "high": float(paired.high), "replicates": reevaluate_replicates}
            message += (f"; ahead of the runner-up (trial {margin['runner_up_trial']}) by "
                        f"{readable(paired.difference, True)} [{readable(paired.low, True)}, "
                        f"{readable(paired.high, True)}] (paired, {level:.0%} CI)")
        if not final.loc[winner, "feasible"]:
            message += "; WARNING: no finalist met the constraints on the fresh replicates"
        study_name = None
        if store is not None:  # the trials, one sweep in the store (their replicates are stored already)
            distinct = list({json.dumps(r, sort_keys=True, default=str): r for r in
                             ({k: _plain_value(row[k]) for k in keys} for row in results)}.values())
            study_name = name or f"optimize-{_short({'space': repr(dimensions), 'seed': seed, 'trials': trials})}"
            runs = DesignRuns(base, distinct, seed=seed, store=store, progress=False, name=study_name,
                              max_designs=max(1, len(distinct)))  # the trials asked for, not a grid: no limit
            try:
                runs.ensure(range(len(distinct)), replicates)
            finally:
                runs.close()
        result = Optimization(best=best, best_params=best_params, trials=frame, finalists=final, margin=margin, study=study,
                            message=message, objective_name=objective if isinstance(objective, str) else "objective",
                            direction=direction, sampler=sampler, seed=seed, replicates=replicates, space=dimensions,
                            constraints=rules, _metrics=metrics, sweep_name=study_name)
        if store is not None:
            save_study(store, study_name, result.document(), study_name)
        return result


def _short(changes: dict) -> str:
    return hashlib.sha256(json.dumps(changes, sort_keys=True, default=str).encode()).hexdigest()[:10]


def _plain_value(value):
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _text(value) -> str:
    return readable(value) if isinstance(value, float) else str(value)


def _sections(params: dict, base) -> dict:
    return nested(params, "best_params", base.spec)
