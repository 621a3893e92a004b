"""Sweeps over the data distribution: a grid of generator parameters x seeds x estimators.

One *cell* is one row of the result: a point of the data grid, a seed, an estimator and
one point of its parameter grid. A cell draws ``n_samples + n_test`` rows from the
generator (so the training and test rows share the planted truth), fits a clone of the
estimator on the first ``n_samples``, and evaluates the metrics on the rest.

Seeding: seed ``s`` and the data point give one :class:`numpy.random.SeedSequence`
(entropy ``s``, spawn key from a hash of the generator's name and its resolved
parameters), which yields the data seed and the estimator seed. Every cell's seeds
are thus fixed by its inputs, not by the execution order, the backend or ``n_jobs``;
the estimators of one data point and seed see the same rows.
"""

import hashlib
import inspect
import json
import math
import numbers
import os
import sys
import time
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import ParameterGrid

from ..utils._threads import compute_threads
from ._progress import Progress

__all__ = ["FeatureScaled", "FromData", "SweepResult", "sweep"]

_TIMES = ("fit_time", "predict_time")
_FLAGS = ("convergence_warning",)
_RATES = {
    "d": lambda d: d,
    "d log d": lambda d: d * math.log(d),
    "d^2": lambda d: d * d,
}


class FeatureScaled:
    """A value of ``n_samples`` (or any size) in a data grid that scales with ``n_features``.

    In a data grid, ``FeatureScaled(c, "d log d")`` stands for
    ``ceil(c * n_features * ln(n_features))``; the frame of the sweep holds the resolved
    size and two more columns, ``<key>_factor`` (``c``) and ``<key>_rate``.

    Parameters
    ----------
    factor : float
        The constant ``c``, > 0.
    rate : {'d', 'd log d', 'd^2'} or callable, default='d log d'
        How the size grows with ``d = n_features``; a callable maps ``d`` to a float
        (its ``__name__`` labels the column).

    Examples
    --------
    >>> from sklearn_relu.experiments import FeatureScaled
    >>> FeatureScaled(2, "d log d")(n_features=10)
    47
    """

    def __init__(self, factor, rate="d log d"):
        if (
            isinstance(factor, bool)
            or not isinstance(factor, numbers.Real)
            or not factor > 0
            or not math.isfinite(factor)
        ):
            raise ValueError(f"FeatureScaled: factor must be a finite float > 0, got {factor!r}.")
        if isinstance(rate, str):
            if rate not in _RATES:
                raise ValueError(
                    f"FeatureScaled: rate must be one of {sorted(_RATES)} or a "
                    f"callable of n_features, got {rate!r}."
                )
            self._fn, self.rate = _RATES[rate], rate
        elif callable(rate):
            self._fn, self.rate = rate, getattr(rate, "__name__", repr(rate))
        else:
            raise TypeError(f"FeatureScaled: rate must be a string or a callable, got {rate!r}.")
        self.factor = factor

    def __call__(self, n_features):
        """Resolve the size for a dimension.

        Parameters
        ----------
        n_features : int
            The dimension ``d`` of the data point.

        Returns
        -------
        size : int
            ``ceil(factor * rate(d))``, at least 1.
        """
        return max(1, math.ceil(self.factor * self._fn(n_features) - 1e-9))

    def columns(self):
        """Return the extra columns this value adds to the frame.

        Returns
        -------
        columns : dict
            ``{"factor": factor, "rate": rate}`` (prefixed with the grid key).
        """
        return {"factor": self.factor, "rate": self.rate}

    def __repr__(self):
        return f"FeatureScaled({self.factor!r}, {self.rate!r})"


class FromData:
    """A value of an estimator's ``param_grid`` computed from the cell's data parameters.

    ``FromData(lambda n_features: 2 * n_features)`` in a ``param_grid`` sets the
    parameter per cell from the data parameters the function names (for a width that
    scales with the dimension, or a number of steps that the data grid sweeps); the
    frame holds the resolved value in its ``param_<name>`` column.

    Parameters
    ----------
    func : callable
        Called with the data parameters named in its signature (e.g. ``n_features``,
        ``n_samples`` or any key of the data grid).

    Examples
    --------
    >>> from sklearn_relu.experiments import FromData
    >>> FromData(lambda n_features: 2 * n_features).resolve({"n_features": 8, "bias": 0.0})
    16
    """

    def __init__(self, func):
        if not callable(func):
            raise TypeError(f"FromData: func must be callable, got {func!r}.")
        self.func = func

    def resolve(self, data_params):
        """Compute the value for one data point.

        Parameters
        ----------
        data_params : dict
            The resolved data parameters of the cell.

        Returns
        -------
        value : object
            ``func`` called with the data parameters it names.
        """
        return self.func(**_named_args(self.func, data_params, repr(self)))

    def __repr__(self):
        return f"FromData({getattr(self.func, '__name__', self.func)!r})"


def _named_args(func, params, what):
    args = inspect.signature(func).parameters
    missing = [a for a in args if a not in params]
    if missing:
        raise ValueError(
            f"sweep: {what} needs {missing}, which the data grid does not set to plain values."
        )
    return {a: params[a] for a in args}


class SweepResult:
    """The outcome of :func:`sweep`: one record per cell, in the order of the grids.

    Made by :func:`sweep`, not by users.

    Parameters
    ----------
    records : list of dict
        One dict per cell: the inputs (data parameters, ``n_test``, ``seed``,
        ``estimator``, ``param_<name>`` for the estimator's grid), the metrics,
        ``fit_time``, ``predict_time`` (seconds) and ``convergence_warning``.
    metric_names : list of str
        Names of the metric columns.
    n_cached : int
        Cells read from the cache instead of computed.
    wall_time : float
        Seconds of the whole sweep.

    Attributes
    ----------
    records : list of dict
        The ``records`` given.
    metric_names : list of str
        The ``metric_names`` given.
    n_cached : int
        The ``n_cached`` given.
    wall_time : float
        The ``wall_time`` given.
    """

    def __init__(self, records, metric_names, n_cached, wall_time):
        self.records = records
        self.metric_names = list(metric_names)
        self.n_cached = n_cached
        self.wall_time = wall_time

    def __len__(self):
        return len(self.records)

    def __repr__(self):
        return (
            f"SweepResult({len(self.records)} cells, {self.n_cached} from the cache, "
            f"{self.wall_time:.1f} s)"
        )

    def to_frame(self, timings=True):
        """Return the tidy table: one row per cell, every input and output as a column.

        Parameters
        ----------
        timings : bool, default=True
            Keep the ``fit_time`` and ``predict_time`` columns (they differ from run to
            run; drop them to compare two sweeps).

        Returns
        -------
        frame : pandas.DataFrame
            One row per (data point, seed, estimator, estimator parameters).
        """
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - pandas is in the extras
            raise ImportError(
                "SweepResult.to_frame needs pandas: pip install pandas "
                "(or the 'experiments' extra of sklearn-relu)."
            ) from exc
        columns = []
        for rec in self.records:
            columns.extend(k for k in rec if k not in columns)
        frame = pd.DataFrame.from_records(self.records, columns=columns)
        if not timings:
            frame = frame.drop(columns=[c for c in _TIMES if c in frame])
        return frame


# --------------------------------------------------------------------------- validation


def _check_make(make):
    if not callable(make):
        raise TypeError(
            f"sweep: make must be a data generator (n_samples, n_features, ..., "
            f"random_state) -> (X, y, info), got {make!r}."
        )
    sig = inspect.signature(make)
    takes_any = any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())
    if not takes_any and not {"n_samples", "random_state"} <= set(sig.parameters):
        raise TypeError(
            f"sweep: make={_name(make)} must accept n_samples and random_state "
            "keywords, like the generators of sklearn_relu.datasets."
        )
    return sig, takes_any


def _name(obj):
    return f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', repr(obj))}"


def _data_points(make, data_grid):
    """Resolved data parameters (dicts) in grid order, plus the extra columns."""
    sig, takes_any = _check_make(make)
    if isinstance(data_grid, Mapping):
        data_grid = [data_grid]
    try:
        grid = list(ParameterGrid(data_grid))
    except TypeError as exc:
        raise TypeError(
            f"sweep: data_grid must be a dict (or list of dicts) of lists of "
            f"values of make's parameters: {exc}"
        ) from exc
    points = []
    for raw in grid:
        bad = [k for k in raw if k == "random_state" or (not takes_any and k not in sig.parameters)]
        if bad:
            raise ValueError(
                f"sweep: data_grid keys {bad} are not parameters of {make.__name__} (or are "
                "random_state, which the seeds set); use its keywords, e.g. "
                f"{[k for k in sig.parameters if k != 'random_state'][:4]}."
            )
        params, extra = {}, {}
        if "n_samples" not in raw:
            default = (
                sig.parameters["n_samples"].default
                if "n_samples" in sig.parameters
                else inspect.Parameter.empty
            )
            if default is inspect.Parameter.empty:
                raise ValueError(
                    f"sweep: data_grid must give n_samples ({make.__name__} has no default)."
                )
            params["n_samples"] = default
        params.update({k: v for k, v in raw.items() if not callable(v)})
        for key, value in raw.items():
            if not callable(value):
                continue
            params[key] = value(
                **_named_args(value, params, f"the data_grid value {value!r} of {key!r}")
            )
            if hasattr(value, "columns"):
                extra.update({f"{key}_{c}": v for c, v in value.columns().items()})
        n = params["n_samples"]
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError(f"sweep: n_samples must resolve to an int >= 1, got {n!r}.")
        params["n_samples"] = int(n)
        points.append((params, extra))
    return points


def _check_estimators(estimators, param_grid):
    if not isinstance(estimators, Mapping) or not estimators:
        raise TypeError(
            f"sweep: estimators must be a non-empty dict of name -> estimator, got {estimators!r}."
        )
    for name, est in estimators.items():
        if not isinstance(name, str) or not hasattr(est, "fit") or not hasattr(est, "get_params"):
            raise TypeError(
                f"sweep: estimators[{name!r}] must be a scikit-learn estimator "
                f"(with fit and get_params), got {est!r}."
            )
    param_grid = {} if param_grid is None else param_grid
    if not isinstance(param_grid, Mapping):
        raise TypeError(
            "sweep: param_grid must be a dict of estimator name -> grid (a dict "
            f"or list of dicts, as in GridSearchCV), got {param_grid!r}."
        )
    unknown = sorted(set(param_grid) - set(estimators))
    if unknown:
        raise ValueError(
            f"sweep: param_grid names {unknown} are not in estimators {sorted(estimators)}."
        )
    out = {}
    for name, est in estimators.items():
        grid = list(ParameterGrid(param_grid.get(name, {})))
        valid = est.get_params()
        for point in grid:
            bad = sorted(set(point) - set(valid))
            if bad:
                raise ValueError(
                    f"sweep: param_grid[{name!r}] sets {bad}, which are not "
                    f"parameters of {type(est).__name__}."
                )
        out[name] = grid
    return out


def _check_fit_params(fit_params, estimators):
    fit_params = {} if fit_params is None else fit_params
    if not isinstance(fit_params, Mapping) or not all(callable(f) for f in fit_params.values()):
        raise TypeError(
            "sweep: fit_params must be a dict of estimator name -> callable "
            f"(X_test, y_test, info) -> dict, got {fit_params!r}."
        )
    unknown = sorted(set(fit_params) - set(estimators))
    if unknown:
        raise ValueError(
            f"sweep: fit_params names {unknown} are not in estimators {sorted(estimators)}."
        )
    return fit_params


def _check_metrics(metrics):
    if callable(metrics):
        metrics = [metrics]
    if isinstance(metrics, Mapping):
        items = list(metrics.items())
    elif isinstance(metrics, Sequence) and not isinstance(metrics, str):
        items = [(getattr(m, "__name__", None), m) for m in metrics]
    else:
        items = None
    if not items or any(not isinstance(k, str) or not callable(m) for k, m in items):
        raise TypeError(
            "sweep: metrics must be a non-empty dict of name -> callable "
            "(estimator, X_test, y_test, info) -> float, or a list of named "
            f"functions, got {metrics!r}."
        )
    reserved = {"seed", "estimator", "n_test", *_TIMES, *_FLAGS}
    clash = [k for k, _ in items if k in reserved or k.startswith("param_")]
    if clash:
        raise ValueError(
            f"sweep: metric names {clash} clash with the columns the sweep writes; rename them."
        )
    return dict(items)


def _check_seeds(seeds):
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, bool):
        if seeds < 1:
            raise ValueError(f"sweep: seeds must be >= 1 (the number of seeds), got {seeds}.")
        return list(range(int(seeds)))
    try:
        out = [int(s) for s in seeds]
        ok = all(float(s) == int(s) and not isinstance(s, bool) for s in seeds)
    except (TypeError, ValueError):
        ok, out = False, []
    if not ok or not out or min(out) < 0 or len(set(out)) != len(out):
        raise ValueError(
            "sweep: seeds must be a number of seeds or a list of distinct ints "
            f">= 0, got {seeds!r}."
        )
    return out


# --------------------------------------------------------------------------- cells


def _canonical(obj):
    """Stable text of a parameter dict (sorted keys; objects by repr)."""

    def default(o):
        if isinstance(o, np.generic):
            return o.item()
        if isinstance(o, np.ndarray):
            return o.tolist()
        return repr(o)

    return json.dumps(obj, sort_keys=True, default=default)


def _digest(text):
    return hashlib.sha256(text.encode()).hexdigest()


def cell_seeds(seed, data_key):
    """Data and estimator seeds of one cell: two 32-bit words of the SeedSequence with
    entropy ``seed`` and a spawn key from the SHA-256 of ``data_key``.
    """
    h = bytes.fromhex(_digest(data_key))
    key = tuple(int.from_bytes(h[i : i + 4], "little") for i in (0, 4))
    words = np.random.SeedSequence(entropy=seed, spawn_key=key).generate_state(2)
    return int(words[0]), int(words[1])


def _run_cell(
    make,
    data_params,
    n_test,
    data_seed,
    fit_seed,
    estimator,
    params,
    metrics,
    threads,
    fit_params=None,
):
    """Draw the rows, fit, time and score one cell (runs in a worker)."""
    n = data_params["n_samples"]
    with compute_threads(threads):
        X, y, info = make(**{**data_params, "n_samples": n + n_test}, random_state=data_seed)
        est = clone(estimator).set_params(**params)
        own = est.get_params()
        if "random_state" in own and own["random_state"] is None:
            est.set_params(random_state=fit_seed)
        if "n_jobs" in own and own["n_jobs"] is None:  # None would take every numba thread
            est.set_params(n_jobs=threads)
        X_test, y_test = X[n:], y[n:]
        kwargs = {} if fit_params is None else fit_params(X_test, y_test, info)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            t0 = time.perf_counter()
            est.fit(X[:n], y[:n], **kwargs)
            fit_time = time.perf_counter() - t0
        converge = any(issubclass(w.category, ConvergenceWarning) for w in caught)
        for w in caught:
            if not issubclass(w.category, ConvergenceWarning):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        t0 = time.perf_counter()
        est.predict(X_test)
        predict_time = time.perf_counter() - t0
        out = {}
        for name, metric in metrics.items():
            value = metric(est, X_test, y_test, info)
            out[name] = float(value) if isinstance(value, numbers.Real) else value
    out.update(fit_time=fit_time, predict_time=predict_time, convergence_warning=converge)
    return out


def _cache_path(cache, key):
    return os.path.join(cache, f"{key}.json")


def _read_cache(cache, key, metric_names):
    try:
        with open(_cache_path(cache, key)) as f:
            out = json.load(f)
    except (OSError, ValueError):
        return None
    if not all(m in out for m in metric_names):
        return None  # a metric was added since: recompute the cell
    return out


def _write_cache(cache, key, out):
    path = _cache_path(cache, key)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        json.dump(out, f)
    os.replace(tmp, path)  # atomic: a killed sweep never leaves half a cell


def _worker_threads(n_jobs):
    """numba/BLAS threads per cell so that workers x threads <= cores."""
    cores = os.cpu_count() or 1
    return max(1, cores // max(1, effective_n_jobs(n_jobs)))


def sweep(
    make,
    data_grid,
    estimators,
    *,
    param_grid=None,
    seeds,
    metrics,
    n_test,
    fit_params=None,
    n_jobs=None,
    verbose=0,
    cache=None,
):
    """Fit estimators across a grid of data distributions, seeds and hyperparameters.

    Where :class:`~sklearn.model_selection.GridSearchCV` sweeps the hyperparameters on
    one dataset, ``sweep`` also moves the generating distribution (the planted bias,
    ``n`` against ``d``, ...), draws fresh data for every seed, and scores each fit
    against the planted truth of its data.

    Parameters
    ----------
    make : callable
        A generator ``make(n_samples=..., <data parameters>, random_state=...) ->
        (X, y, info)``, such as those of :mod:`sklearn_relu.datasets`. Each cell draws
        ``n_samples + n_test`` rows in one call: the first ``n_samples`` train, the rest
        test (so both share the planted truth, and ``info`` describes both).
    data_grid : dict or list of dict
        Lists of values of ``make``'s parameters, as in
        :class:`~sklearn.model_selection.ParameterGrid`. A value may be a callable of
        the other (plain) parameters it names, e.g. ``lambda n_features: 20 *
        n_features`` or :class:`FeatureScaled` for ``n_samples``; the frame holds
        the resolved value. ``n_samples`` defaults to ``make``'s default.
    estimators : dict of str to estimator
        The estimators to compare; each cell fits a clone. An estimator whose
        ``random_state`` is None gets the cell's estimator seed, and one whose
        ``n_jobs`` is None gets the cell's thread cap (see ``n_jobs``).
    param_grid : dict of str to (dict or list of dict), default=None
        Optional hyperparameter grid per estimator name (as in ``GridSearchCV``);
        the frame holds them as ``param_<name>`` columns. A :class:`FromData` value is
        computed per cell from the data parameters.
    seeds : int or list of int
        Number of seeds (0, 1, ...) or the seeds themselves (distinct ints >= 0).
        Seed ``s`` and the data parameters determine the cell's data and estimator
        seeds through one :class:`numpy.random.SeedSequence`, so results do not depend
        on the execution order, the backend or ``n_jobs``.
    metrics : dict of str to callable or list of callable
        ``metric(estimator, X_test, y_test, info) -> float`` (or another
        JSON-serialisable value, such as a list for a training curve); a list uses the
        functions' ``__name__``. Ready-made: :func:`loss_ratio`,
        :func:`direction_cosine`, :func:`holdout_loss`, :func:`error_rate`,
        :func:`subspace_overlap`, :func:`zero_loss_ratio`.
    n_test : int
        Held-out rows per cell, >= 1.
    fit_params : dict of str to callable, default=None
        Extra ``fit`` arguments per estimator name:
        ``fit_params[name](X_test, y_test, info) -> dict``. Meant for arguments that only
        record diagnostics during the fit, such as the planted ``directions`` of
        :class:`~sklearn_relu.GiantStepRegressor`, the ``teacher`` of
        :class:`~sklearn_relu.LeakyReLUTwoLayerClassifier` or the monitor set ``X_val,
        y_val`` of :class:`~sklearn_relu.TwoLayerXORClassifier`; an argument the fit
        learns from would leak the test rows.
    n_jobs : int, default=None
        Cells run in parallel through joblib, so ``joblib.parallel_config(backend=
        "dask")`` (a ``dask.distributed`` client) or the ray backend apply unchanged.
        Each cell caps numba and BLAS at ``cores // n_workers`` threads. None means 1
        unless a ``joblib.parallel_config`` context says otherwise.
    verbose : int, default=0
        With > 0, a progress line per finished cell on stderr (cells done, time
        elapsed and left).
    cache : str or path-like, default=None
        A directory. Each finished cell is written there as it finishes (one small
        JSON file, atomically); a later call with the same cache reads the finished
        cells instead of computing them, so an interrupted sweep resumes where it
        stopped. A cell is identified by the generator, its resolved parameters,
        ``n_test``, the seed, the estimator's name and parameters and the grid
        point; a cached cell missing a requested metric is recomputed.

    Returns
    -------
    result : SweepResult
        ``result.to_frame()`` is a tidy :class:`pandas.DataFrame` with one row per
        (data point, seed, estimator, parameters): the data parameters, the extra
        columns of grid callables, ``n_test``, ``seed``, ``estimator``,
        ``param_<name>`` columns, the metrics, ``fit_time``, ``predict_time`` and
        ``convergence_warning`` (the fit raised a
        :class:`~sklearn.exceptions.ConvergenceWarning`, which is otherwise silenced).

    See Also
    --------
    plot_sweep : Mean and confidence band over seeds.
    plot_phase_diagram : Heatmap of a metric over two data parameters.

    Examples
    --------
    >>> from sklearn_relu import GLMtronRegressor
    >>> from sklearn_relu.datasets import make_biased_relu
    >>> from sklearn_relu.experiments import direction_cosine, sweep
    >>> res = sweep(make_biased_relu, {"n_features": [5], "bias": [0.0, -1.0],
    ...                                "n_samples": [2000]},
    ...             {"glmtron": GLMtronRegressor()}, seeds=2,
    ...             metrics=[direction_cosine], n_test=500)
    >>> frame = res.to_frame()
    >>> frame.shape[0], bool((frame["direction_cosine"] > 0.99).all())
    (4, True)
    """
    t_start = time.perf_counter()
    points = _data_points(make, data_grid)
    grids = _check_estimators(estimators, param_grid)
    fit_params = _check_fit_params(fit_params, estimators)
    metrics = _check_metrics(metrics)
    seed_list = _check_seeds(seeds)
    if isinstance(n_test, bool) or not isinstance(n_test, numbers.Integral) or n_test < 1:
        raise ValueError(f"sweep: n_test must be an int >= 1, got {n_test!r}.")
    n_test = int(n_test)
    if cache is not None:
        cache = os.fspath(cache)
        os.makedirs(cache, exist_ok=True)
    make_name = _name(make)

    records, keys, todo = [], [], []
    for data_params, extra in points:
        data_key = _canonical({"make": make_name, "params": data_params})
        for seed in seed_list:
            data_seed, fit_seed = cell_seeds(seed, data_key)
            for est_name, est in estimators.items():
                est_key = _canonical(est.get_params(deep=False))
                for grid_point in grids[est_name]:
                    params = {
                        k: v.resolve(data_params) if isinstance(v, FromData) else v
                        for k, v in grid_point.items()
                    }
                    rec = {
                        **data_params,
                        **extra,
                        "n_test": n_test,
                        "seed": seed,
                        "estimator": est_name,
                        **{f"param_{k}": v for k, v in params.items()},
                    }
                    key = _digest(
                        _canonical(
                            [data_key, n_test, seed, est_name, type(est).__name__, est_key, params]
                        )
                    )
                    records.append(rec)
                    keys.append(key)
                    todo.append(
                        (data_params, data_seed, fit_seed, est, params, fit_params.get(est_name))
                    )

    outputs = [None] * len(records)
    if cache is not None:
        for i, key in enumerate(keys):
            outputs[i] = _read_cache(cache, key, metrics)
    pending = [i for i, out in enumerate(outputs) if out is None]
    n_cached = len(records) - len(pending)

    if pending:
        threads = _worker_threads(n_jobs)
        progress = Progress(len(pending), "sweep", stream=sys.stderr) if verbose else None
        if progress is not None and n_cached:
            sys.stderr.write(f"[sweep] {n_cached} of {len(records)} cells from the cache\n")
        tasks = (
            delayed(_indexed)(
                i, make, todo[i][0], n_test, *todo[i][1:5], metrics, threads, todo[i][5]
            )
            for i in pending
        )
        for i, out in _run(n_jobs, tasks):
            outputs[i] = out
            if cache is not None:
                _write_cache(cache, keys[i], out)
            if progress is not None:
                progress.step(_describe(records[i], points[0][0]))

    for rec, out in zip(records, outputs, strict=True):
        rec.update({m: out[m] for m in metrics})
        rec.update({k: out[k] for k in (*_TIMES, *_FLAGS)})
    return SweepResult(records, list(metrics), n_cached, time.perf_counter() - t_start)


def _describe(rec, data_params):
    shown = ", ".join(f"{k}={rec[k]}" for k in data_params)
    return f"{rec['estimator']} on {shown}, seed {rec['seed']}"


def _indexed(
    i, make, data_params, n_test, data_seed, fit_seed, est, params, metrics, threads, fit_params
):
    try:
        return i, _run_cell(
            make,
            data_params,
            n_test,
            data_seed,
            fit_seed,
            est,
            params,
            metrics,
            threads,
            fit_params,
        )
    except Exception as exc:
        if hasattr(exc, "add_note"):  # Python >= 3.11
            exc.add_note(
                f"sweep: in the cell {type(est).__name__}({params}) on "
                f"{getattr(make, '__name__', make)}({data_params}), data seed "
                f"{data_seed}"
            )
        raise


def _run(n_jobs, tasks):
    """Results as cells finish. Backends without generators (ray) run batches of
    ``2 x workers`` cells, so the cache still fills as the sweep goes.
    """
    tasks = list(tasks)
    for mode in ("generator_unordered", "generator"):
        try:
            parallel = Parallel(n_jobs=n_jobs, return_as=mode)
        except ValueError:  # the active backend does not support this mode
            continue
        yield from parallel(tasks)
        return
    batch = max(1, 2 * effective_n_jobs(n_jobs))
    with Parallel(n_jobs=n_jobs) as parallel:
        for k in range(0, len(tasks), batch):
            yield from parallel(tasks[k : k + batch])
