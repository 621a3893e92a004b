"""End to end: each estimator's default ``fit`` as a user times it, beside the alternative.

Each public estimator (:func:`sklearn_relu.utils.all_estimators`) is fitted with its
default parameters (``random_state=0`` only) on a named standard problem of its family;
the whole ``fit`` call is timed (validation included) and the half squared loss (regressors)
or the error rate (classifiers) it reached is reported on the training rows and on held-out
rows. Beside it, on the same rows, in a separate process under the same condition:

* single neuron -- scipy ``minimize(method="L-BFGS-B")`` from zero on the half squared loss
  ``0.5 * mean((relu(X w + b) - y)^2)`` with a NumPy loss and gradient (gate ``z >= 0``, the
  estimators' ``deriv_at_zero=1`` at the zero start), scipy's default tolerances;
* two-layer -- scikit-learn's ``MLPRegressor`` / ``MLPClassifier`` with its defaults except
  ``hidden_layer_sizes=(p,)``, ``p`` our estimator's default width, and ``random_state=0``;
  in the same ``Pipeline(StandardScaler(), .)`` as ours on digits.

Problems (``--quick``: the sizes in brackets):

* ``relu(x0-1)``: X ~ N(0, I_20), y = relu(x_0 - 1) + 0.1 noise, n = 1e5 [1e4] rows and
  2e4 [5e3] held-out rows (GD, GLMtron, surrogate, SQ); ``relu(x0-1) 2n``: the same with
  n = 2e5 [2e4] (SQ);
* ``xor hypercube``: ``make_xor_hypercube``, d = 64 [32], n = 12 d ln d, 4000 held-out rows;
* ``stair2``: ``make_giant_step_target("stair2")``, d = 32 [16], n = 2 d^2, 4000 held-out
  rows;
* ``digits`` [3 vs 5]: scikit-learn's 8x8 digits, 10 classes, stratified 75/25 split,
  ``Pipeline(StandardScaler(), est)``; ``linear teacher``: ``make_linear_teacher``,
  d = 20, n = 1000 [500], 4000 held-out rows (leaky);
* ``relu teacher k=2``: ``make_relu_network_teacher`` at its defaults (m = 200, d = 10),
  1000 held-out rows (proper).

Conditions (``--conditions``), each on all threads (numba, OpenMP and BLAS at their
defaults) and on one (``NUMBA_NUM_THREADS = OMP_NUM_THREADS = OPENBLAS_NUM_THREADS =
MKL_NUM_THREADS = 1``), chosen by ``--threads``:

* ``cold``  -- a fresh process with an empty temporary ``NUMBA_CACHE_DIR``; the first fit is
  timed, compilation included (``import s``: seconds of ``import sklearn_relu``, not in
  the fit time);
* ``warm``  -- a fresh process with the user's numba cache; one untimed warm-up fit on the
  same rows, then the timed fits (``--fits``); the machine otherwise as found (see
  ``load``);
* ``busy``  -- as ``warm``, with one competing process burning a core (``while True:
  pass``), which this script starts after the warm-up, 0.5 s before the timed fits, and
  stops after them (in a ``finally``).

In ``warm`` and ``busy`` a process times ``--fits K`` (default 5) whole fits, each of a
new estimator, and reports their median: a fit of 10 ms beside a busy process is
otherwise at the mercy of one scheduler time slice.

Every (estimator or alternative, condition, threads) runs in its own subprocess, so no
compile or thread-pool state leaks from one to the next; the alternative of a problem is
run once per (condition, threads) and shared by its estimators. Each cell is the fit time
of one process (one fit when cold, the median of its ``--fits`` fits otherwise), or with
``--repeats R`` the process with the median of R fresh processes (all times go to the
JSON file). ``load`` is the CPU used by all other processes during the timed fits, in
cores (about 1 in ``busy``; more means that other users of the machine disturbed the
timing). ``ours/alt`` is the ratio of fit times in this one run. ``warn`` is the largest
number of ConvergenceWarnings one timed fit raised.

Run: ``python benchmarks/bench_end_to_end.py [--quick] [--only NAME[,NAME]]
[--conditions cold,warm,busy] [--threads all,1] [--repeats R] [--fits K]
[--out results.json]``. ``--quick``: small sizes, condition ``warm`` on one thread (under a
minute once the numba cache is warm; the first run compiles). ``--only`` matches estimator
class names (substring, case-insensitive). Not a test module (pytest collects ``tests/``
only). Peak memory ~0.3 GB per process.
"""

import argparse
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
from _machine import foreign_cpu_seconds

THREAD_VARS = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
ALL_CONDITIONS = ("cold", "warm", "busy")
BURNER = "while True: pass"
CHILD_TIMEOUT = 1800  # seconds; a fit that takes longer is reported as a timeout


# ----------------------------------------------------------------------------- problems
# Each problem: make(quick) -> (X, y, X_test, y_test); "task" is "reg" or "clf";
# "alt" names the alternative; "width" the MLP width (two-layer problems).


def _neuron(n, n_test, d=20, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n + n_test, d))
    y = np.maximum(X[:, 0] - 1.0, 0.0) + 0.1 * rng.standard_normal(n + n_test)
    return X[:n], y[:n], X[n:], y[n:]


def _split(X, y, n):
    return X[:n], y[:n], X[n:], y[n:]


def _xor(quick):
    from sklearn_relu.datasets import make_xor_hypercube

    d = 32 if quick else 64
    n = int(12 * d * math.log(d))
    X, y, _ = make_xor_hypercube(n + 4000, d, random_state=0)
    return _split(X, y, n)


def _stair(quick):
    from sklearn_relu.datasets import make_giant_step_target

    d = 16 if quick else 32
    n = 2 * d * d
    X, y, _ = make_giant_step_target("stair2", n + 4000, d, random_state=0)
    return _split(X, y, n)


def _digits(quick):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    if quick:
        from sklearn_relu.datasets import load_digits_3_vs_5

        X, y, _ = load_digits_3_vs_5()
    else:
        X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    return X_tr, y_tr, X_te, y_te


def _linear_teacher(quick):
    from sklearn_relu.datasets import make_linear_teacher

    n = 500 if quick else 1000
    X, y, _ = make_linear_teacher(n + 4000, 20, random_state=0)
    return _split(X, y, n)


def _relu_teacher(quick):
    from sklearn_relu.datasets import make_relu_network_teacher

    X, y, _ = make_relu_network_teacher(200 + 1000, random_state=0)
    return _split(X, y, 200)


PROBLEMS = {
    "relu(x0-1)": dict(
        task="reg",
        alt="lbfgs",
        make=lambda q: _neuron(10_000 if q else 100_000, 5_000 if q else 20_000),
    ),
    "relu(x0-1) 2n": dict(
        task="reg",
        alt="lbfgs",
        make=lambda q: _neuron(20_000 if q else 200_000, 5_000 if q else 20_000),
    ),
    "xor hypercube": dict(task="clf", alt="mlp", width=64, make=_xor),
    "stair2": dict(task="reg", alt="mlp", width=256, make=_stair),
    "digits": dict(task="clf", alt="mlp", width=100, scale=True, make=_digits),
    "linear teacher": dict(task="clf", alt="mlp", width=100, make=_linear_teacher),
    "relu teacher k=2": dict(task="reg", alt="mlp", width=2, make=_relu_teacher),
}

# The standard problem(s) of each public estimator. A new estimator without an entry
# is listed as skipped in the output: add it here.
CASES = {
    "GDReLURegressor": ["relu(x0-1)"],
    "GLMtronRegressor": ["relu(x0-1)"],
    "ConvexSurrogateReLURegressor": ["relu(x0-1)"],
    "BiasedReLURegressorSQ": ["relu(x0-1)", "relu(x0-1) 2n"],
    "TwoLayerXORClassifier": ["xor hypercube"],
    "GiantStepRegressor": ["stair2"],
    "LeakyReLUTwoLayerClassifier": ["digits", "linear teacher"],
    "ProperReLUNetworkRegressor": ["relu teacher k=2"],
}

ALT_NAMES = {"lbfgs": "L-BFGS-B", "mlp": "MLP"}


# ------------------------------------------------------------------- the alternatives


class LBFGSNeuron:
    """scipy L-BFGS-B on the half squared loss of ``relu(X w + b)``, NumPy loss/gradient."""

    def fit(self, X, y):
        from scipy.optimize import minimize

        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        n, d = X.shape

        def loss_grad(theta):
            z = X @ theta[:d] + theta[d]
            r = np.maximum(z, 0.0) - y
            c = r * (z >= 0) / n
            return 0.5 * np.dot(r, r) / n, np.append(X.T @ c, c.sum())

        res = minimize(loss_grad, np.zeros(d + 1), jac=True, method="L-BFGS-B")
        self.coef_, self.intercept_, self.n_iter_ = res.x[:d], res.x[d], int(res.nit)
        return self

    def predict(self, X):
        return np.maximum(X @ self.coef_ + self.intercept_, 0.0)


def make_model(spec, problem):
    """The estimator (or alternative) of a child run, at its defaults."""
    prob = PROBLEMS[problem]
    if spec["what"] == "alt":
        if prob["alt"] == "lbfgs":
            model = LBFGSNeuron()
        else:
            from sklearn.neural_network import MLPClassifier, MLPRegressor

            cls = MLPClassifier if prob["task"] == "clf" else MLPRegressor
            model = cls(hidden_layer_sizes=(prob["width"],), random_state=0)
    else:
        from sklearn_relu.utils import all_estimators

        model = dict(all_estimators())[spec["name"]](random_state=0)
    if prob.get("scale"):
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        model = make_pipeline(StandardScaler(), model)
    return model


def metric(task, model, X, y):
    """Half squared loss (regression) or error rate (classification)."""
    pred = model.predict(X)
    if task == "clf":
        return float(np.mean(pred != y))
    return 0.5 * float(np.mean((pred - y) ** 2))


def n_iter(model):
    model = model[-1] if hasattr(model, "steps") else model
    for attr in ("n_iter_", "n_epochs_", "n_steps_"):
        if hasattr(model, attr):
            value = getattr(model, attr)
            return int(value) if np.ndim(value) == 0 else None
    return None


# ------------------------------------------------------------------------ child side


def child(spec):
    """One run in a fresh process: data, optional warm-up fit, handshake, timed fit."""
    t0 = time.perf_counter()
    import sklearn_relu  # noqa: F401  (timed: part of a cold start)

    t_import = time.perf_counter() - t0
    from sklearn.exceptions import ConvergenceWarning

    prob = PROBLEMS[spec["problem"]]
    X, y, X_test, y_test = prob["make"](spec["quick"])
    t_warmup = None
    if spec["warmup"]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            make_model(spec, spec["problem"]).fit(X, y)
            t_warmup = time.perf_counter() - t0
    print("READY", flush=True)
    sys.stdin.readline()  # the parent starts the competing process, if any, then says go
    times = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        foreign0, t_start = foreign_cpu_seconds(), time.perf_counter()
        n_warn = []
        for _ in range(spec["fits"] if spec["warmup"] else 1):  # a cold start is once
            model = make_model(spec, spec["problem"])
            before = len(caught)
            t0 = time.perf_counter()
            model.fit(X, y)
            times.append(time.perf_counter() - t0)
            n_warn.append(sum(issubclass(w.category, ConvergenceWarning) for w in caught[before:]))
        wall = time.perf_counter() - t_start
        foreign = foreign_cpu_seconds()
    seconds = float(np.median(times))
    import numba
    from threadpoolctl import threadpool_info

    blas = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    result = dict(
        seconds=seconds,
        import_seconds=t_import,
        warmup_seconds=t_warmup,
        train=metric(prob["task"], model, X, y),
        test=metric(prob["task"], model, X_test, y_test),
        n_iter=n_iter(model),
        n_train=len(y),
        n_features=int(X.shape[1]),
        fit_seconds=times,
        convergence_warnings=max(n_warn),
        load=(None if foreign0 is None else max(0.0, foreign - foreign0) / wall),
        numba_threads=int(numba.config.NUMBA_NUM_THREADS),
        blas_threads=max(blas) if blas else None,
    )
    print("RESULT " + json.dumps(result), flush=True)


# ----------------------------------------------------------------------- parent side


def child_env(condition, threads, cache_dir):
    env = dict(os.environ)
    for var in THREAD_VARS:
        env.pop(var, None)
        if threads == "1":
            env[var] = "1"
    if condition == "cold":
        env["NUMBA_CACHE_DIR"] = cache_dir
    return env


def run_child(spec, condition, threads):
    """Run one child process under ``condition``; returns its result dict (or an error)."""
    spec = dict(spec, warmup=condition != "cold")
    cache_dir = tempfile.mkdtemp(prefix="e2e_numba_cache_") if condition == "cold" else None
    burner = None
    with tempfile.TemporaryFile(mode="w+") as err:
        proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--child", json.dumps(spec)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            env=child_env(condition, threads, cache_dir),
        )
        try:
            line = proc.stdout.readline()
            if line.strip() != "READY":
                proc.wait(timeout=CHILD_TIMEOUT)
                err.seek(0)
                return dict(error=(line + err.read()).strip().splitlines()[-1:] or ["died"])
            if condition == "busy":
                burner = subprocess.Popen([sys.executable, "-c", BURNER])
                time.sleep(0.5)
            else:
                time.sleep(0.2)
            out, _ = proc.communicate("go\n", timeout=CHILD_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return dict(error=[f"timeout after {CHILD_TIMEOUT} s"])
        finally:
            if burner is not None:
                burner.kill()
                burner.wait()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            if cache_dir is not None:
                shutil.rmtree(cache_dir, ignore_errors=True)
        lines = [ln for ln in out.splitlines() if ln.startswith("RESULT ")]
        if proc.returncode != 0 or not lines:
            err.seek(0)
            return dict(error=err.read().strip().splitlines()[-1:] or ["no result"])
    return json.loads(lines[-1][len("RESULT ") :])


def run_median(spec, condition, threads, repeats):
    """``repeats`` fresh child runs; the one with the median fit time, with all the times."""
    runs = [run_child(spec, condition, threads) for _ in range(repeats)]
    ok = sorted((r for r in runs if "error" not in r), key=lambda r: r["seconds"])
    if len(ok) < len(runs):
        return next(r for r in runs if "error" in r)
    return dict(ok[(len(ok) - 1) // 2], all_seconds=[r["seconds"] for r in runs])


def uptime():
    try:
        with open("/proc/loadavg") as f:
            return "load average " + " ".join(f.read().split()[:3])
    except OSError:
        return "load average unknown"


def fmt(value, spec):
    return "-" if value is None else format(value, spec)


def fmt_metric(task, value):
    if value is None:
        return "-"
    return f"{100 * value:.2f}%" if task == "clf" else f"{value:.6f}"


def print_tables(rows, conditions, threads):
    cols = [
        "estimator",
        "problem",
        "n x d",
        "cond",
        "thr",
        "fit s",
        "import s",
        "iter",
        "warn",
        "train",
        "test",
        "alt",
        "alt s",
        "alt iter",
        "alt train",
        "alt test",
        "ours/alt",
        "load",
    ]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        o, a, task = r["ours"], r["alt"], PROBLEMS[r["problem"]]["task"]
        if "error" in o:
            print(
                f"| {r['name']} | {r['problem']} | - | {r['condition']} | {r['threads']} | "
                f"ERROR: {' '.join(o['error'])} |" + " |" * (len(cols) - 6)
            )
            continue
        a = a if "error" not in a else {}
        ratio = o["seconds"] / a["seconds"] if a.get("seconds") else None
        print(
            "| "
            + " | ".join(
                [
                    r["name"],
                    r["problem"],
                    f"{o['n_train']} x {o['n_features']}",
                    r["condition"],
                    r["threads"],
                    f"{o['seconds']:.3f}",
                    f"{o['import_seconds']:.2f}",
                    fmt(o["n_iter"], "d"),
                    str(o["convergence_warnings"]),
                    fmt_metric(task, o["train"]),
                    fmt_metric(task, o["test"]),
                    ALT_NAMES[PROBLEMS[r["problem"]]["alt"]],
                    fmt(a.get("seconds"), ".3f"),
                    fmt(a.get("n_iter"), "d"),
                    fmt_metric(task, a.get("train")),
                    fmt_metric(task, a.get("test")),
                    fmt(ratio, ".2f"),
                    fmt(o["load"], ".2f"),
                ]
            )
            + " |"
        )

    # Summary: one line per (estimator, problem), fit seconds per condition and threads.
    keys = [(c, t) for c in conditions for t in threads]
    by_case = {}
    for r in rows:
        by_case.setdefault((r["name"], r["problem"]), {})[(r["condition"], r["threads"])] = r
    extra = []
    if ("busy", "all") in keys and ("busy", "1") in keys:
        extra.append("busy all/1")
    if ("warm", "all") in keys and ("warm", "1") in keys:
        extra.append("warm 1/all")
    cols = (
        ["estimator", "problem"]
        + [f"{c} {t}" for c, t in keys]
        + [f"alt {c} {t}" for c, t in keys]
        + [f"ours/alt {c} {t}" for c, t in keys]
        + extra
    )
    print(
        "\nFit seconds by condition and threads; ours/alt = ratio of fit times; busy all/1 "
        "= busy fit on all threads over the busy fit on one (issue goal <= 1.2); warm 1/all "
        "= one-thread over all-thread warm fit (speed-up of the threads).\n"
    )
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))

    def secs(cell, who):
        res = cell[who] if cell else {}
        return res.get("seconds")

    for (name, problem), cells in by_case.items():
        ours = [secs(cells.get(k), "ours") for k in keys]
        alt = [secs(cells.get(k), "alt") for k in keys]
        ratios = [o / a if o and a else None for o, a in zip(ours, alt, strict=True)]
        ex = []
        if "busy all/1" in extra:
            b_all, b_one = ours[keys.index(("busy", "all"))], ours[keys.index(("busy", "1"))]
            ex.append(b_all / b_one if b_all and b_one else None)
        if "warm 1/all" in extra:
            w_all, w_one = ours[keys.index(("warm", "all"))], ours[keys.index(("warm", "1"))]
            ex.append(w_one / w_all if w_all and w_one else None)
        print(
            "| "
            + " | ".join(
                [name, problem]
                + [fmt(v, ".2f") for v in ours + alt]
                + [fmt(v, ".2f") for v in ratios + ex]
            )
            + " |"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="small sizes; condition warm, one thread unless given"
    )
    parser.add_argument(
        "--only", default=None, help="comma-separated estimator names (substring, case-insensitive)"
    )
    parser.add_argument("--conditions", default=None, help="subset of cold,warm,busy")
    parser.add_argument("--threads", default=None, help="subset of all,1")
    parser.add_argument(
        "--repeats",
        type=int,
        default=1,
        help="fresh processes per cell; the median fit time is reported",
    )
    parser.add_argument(
        "--fits",
        type=int,
        default=5,
        help="timed fits per warm or busy process; their median is reported",
    )
    parser.add_argument("--out", default=None, help="write the results as JSON to this file")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(json.loads(args.child))
        return 0

    conditions = args.conditions or ("warm" if args.quick else ",".join(ALL_CONDITIONS))
    conditions = [c.strip() for c in conditions.split(",") if c.strip()]
    threads = [
        t.strip()
        for t in (args.threads or ("1" if args.quick else "all,1")).split(",")
        if t.strip()
    ]
    bad = [c for c in conditions if c not in ALL_CONDITIONS] + [
        t for t in threads if t not in ("all", "1")
    ]
    if args.repeats < 1 or args.fits < 1:
        parser.error("--repeats and --fits must be >= 1")
    if bad:
        parser.error(
            f"unknown condition or thread setting {bad}: conditions are "
            f"{','.join(ALL_CONDITIONS)}, threads all,1"
        )

    from sklearn_relu.utils import all_estimators

    names = [name for name, _ in all_estimators()]
    if args.only:
        wanted = [w.strip().lower() for w in args.only.split(",") if w.strip()]
        names = [n for n in names if any(w in n.lower() for w in wanted)]
        if not names:
            parser.error(f"--only {args.only!r} matches no estimator")
    skipped = [n for n in names if n not in CASES]
    cases = [(n, p) for n in names if n in CASES for p in CASES[n]]

    import numba
    import scipy
    import sklearn

    import sklearn_relu

    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            check=False,
            capture_output=True,
            text=True,
            timeout=10,
            cwd=os.path.dirname(sklearn_relu.__file__),
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    print(
        f"# bench_end_to_end{' --quick' if args.quick else ''}: "
        f"{time.strftime('%Y-%m-%d %H:%M')}, "
        f"{os.cpu_count()} CPUs, python {platform.python_version()}, numpy {np.__version__}, "
        f"scipy {scipy.__version__}, scikit-learn {sklearn.__version__}, "
        f"numba {numba.__version__}, sklearn_relu {sklearn_relu.__version__}"
        + (f" (commit {commit})" if commit else "")
    )
    print(f"# before: {uptime()}")
    if skipped:
        print(f"# no standard problem for {', '.join(skipped)}: skipped (add it to CASES)")
    rows = []
    wall0 = time.perf_counter()
    for condition in conditions:
        for thr in threads:
            alts = {}
            for name, problem in cases:
                if problem not in alts:
                    alts[problem] = run_median(
                        dict(what="alt", problem=problem, quick=args.quick, fits=args.fits),
                        condition,
                        thr,
                        args.repeats,
                    )
                ours = run_median(
                    dict(what="ours", name=name, problem=problem, quick=args.quick, fits=args.fits),
                    condition,
                    thr,
                    args.repeats,
                )
                rows.append(
                    dict(
                        name=name,
                        problem=problem,
                        condition=condition,
                        threads=thr,
                        ours=ours,
                        alt=alts[problem],
                    )
                )
                print(
                    f"#   {condition:4s} {thr:>3s} {name} on {problem}: "
                    + (
                        f"{ours['seconds']:.3f} s"
                        if "error" not in ours
                        else f"ERROR {ours['error']}"
                    ),
                    flush=True,
                )
    print(f"# after: {uptime()}; wall time {time.perf_counter() - wall0:.0f} s\n")
    print_tables(rows, conditions, threads)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(
                dict(quick=args.quick, conditions=conditions, threads=threads, rows=rows),
                f,
                indent=1,
            )
        print(f"\n# results written to {args.out}")
    failed = [r for r in rows if "error" in r["ours"] or "error" in r["alt"]]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
