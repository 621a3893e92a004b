"""Plots of a sweep's frame: curves over seeds and phase diagrams."""

import numpy as np

__all__ = ["plot_phase_diagram", "plot_sweep"]


def _check_columns(frame, func, **columns):
    for role, name in columns.items():
        if name is not None and name not in frame.columns:
            raise ValueError(
                f"{func}: {role}={name!r} is not a column of the frame; columns: "
                f"{list(frame.columns)}."
            )


def _panels(frame, col, ax, func, width=4.5, height=3.5):
    """(value, sub-frame, axes) per panel, and what to return."""
    import matplotlib.pyplot as plt

    if col is None:
        if ax is None:
            _, ax = plt.subplots(figsize=(width + 1, height))
        return [(None, frame, ax)], ax
    if ax is not None:
        raise ValueError(f"{func}: pass either col (one new panel per value) or ax, not both.")
    values = sorted(frame[col].unique(), key=_sort_key)
    _, axes = plt.subplots(
        1, len(values), figsize=(width * len(values), height), squeeze=False, sharey=True
    )
    axes = axes[0]
    return [(v, frame[frame[col] == v], a) for v, a in zip(values, axes, strict=False)], axes


def _sort_key(v):
    return (0, v, "") if isinstance(v, (int, float, np.number)) else (1, 0, str(v))


def _fmt(v):
    if isinstance(v, (float, np.floating)):
        return f"{v:.3g}"
    return str(v)


def plot_sweep(
    frame, x, y, hue=None, col=None, *, logx=False, logy=False, confidence=0.95, ax=None
):
    """Plot the mean of a metric against a parameter, with a confidence band over seeds.

    Every row with the same ``x`` (and ``hue`` and ``col``) value is one draw: the line
    is their mean and the band the Student-t confidence interval of the mean.

    Parameters
    ----------
    frame : pandas.DataFrame
        A sweep's table (:meth:`SweepResult.to_frame`), or any tidy frame.
    x : str
        Column on the horizontal axis.
    y : str
        Column on the vertical axis (a metric).
    hue : str, default=None
        Column whose values get one line each (e.g. ``'estimator'``).
    col : str, default=None
        Column whose values get one panel each.
    logx : bool, default=False
        Logarithmic horizontal axis.
    logy : bool, default=False
        Logarithmic vertical axis.
    confidence : float, default=0.95
        Level of the band, in (0, 1); no band where a point has one row.
    ax : matplotlib Axes, default=None
        Where to draw (only without ``col``); None makes a new figure.

    Returns
    -------
    ax : matplotlib Axes or ndarray of Axes
        The axes; one per value of ``col`` when it is given.
    """
    from scipy import stats

    func = "plot_sweep"
    _check_columns(frame, func, x=x, y=y, hue=hue, col=col)
    if not 0 < confidence < 1:
        raise ValueError(f"{func}: confidence must lie in (0, 1), got {confidence!r}.")
    panels, out = _panels(frame, col, ax, func)
    for value, sub, a in panels:
        groups = (
            [(None, sub)]
            if hue is None
            else [(h, sub[sub[hue] == h]) for h in sorted(sub[hue].unique(), key=_sort_key)]
        )
        for h, g in groups:
            stats_ = g.groupby(x)[y].agg(["mean", "std", "count"]).sort_index()
            xs = stats_.index.to_numpy()
            mean = stats_["mean"].to_numpy(dtype=float)
            n = stats_["count"].to_numpy()
            half = np.where(
                n > 1,
                stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1))
                * stats_["std"].to_numpy(dtype=float)
                / np.sqrt(n),
                np.nan,
            )
            (line,) = a.plot(xs, mean, marker="o", label=None if h is None else _fmt(h))
            a.fill_between(xs, mean - half, mean + half, color=line.get_color(), alpha=0.2, lw=0)
        if logx:
            a.set_xscale("log")
        if logy:
            a.set_yscale("log")
        a.set_xlabel(x)
        a.set_ylabel(y)
        if value is not None:
            a.set_title(f"{col} = {_fmt(value)}")
        if hue is not None:
            a.legend(title=hue, fontsize=8)
    return out


def plot_phase_diagram(
    frame, x, y, z, threshold=None, *, col=None, agg="mean", logz=False, cmap="viridis", ax=None
):
    """Draw a metric over two parameters as a heatmap, with the contour of a threshold.

    Each cell of the heatmap aggregates every row with its ``(x, y)`` values (the seeds);
    the axes are categorical (one cell per distinct value, in increasing order).

    Parameters
    ----------
    frame : pandas.DataFrame
        A sweep's table (:meth:`SweepResult.to_frame`), or any tidy frame.
    x : str
        Column on the horizontal axis.
    y : str
        Column on the vertical axis.
    z : str
        Column shown by colour (a metric).
    threshold : float, default=None
        Draw the contour where the aggregated ``z`` crosses this value (the phase
        boundary, e.g. a loss ratio of 2 or a test error of 0.05).
    col : str, default=None
        Column whose values get one panel each (e.g. ``'estimator'``); otherwise the
        frame must hold one estimator only.
    agg : {'mean', 'median'}, default='mean'
        How the rows of a cell are combined.
    logz : bool, default=False
        Logarithmic colour scale (``z`` must be positive).
    cmap : str, default='viridis'
        Matplotlib colour map.
    ax : matplotlib Axes, default=None
        Where to draw (only without ``col``); None makes a new figure.

    Returns
    -------
    ax : matplotlib Axes or ndarray of Axes
        The axes; one per value of ``col`` when it is given.
    """
    from matplotlib.colors import LogNorm, Normalize

    func = "plot_phase_diagram"
    _check_columns(frame, func, x=x, y=y, z=z, col=col)
    if agg not in ("mean", "median"):
        raise ValueError(f"{func}: agg must be 'mean' or 'median', got {agg!r}.")
    if col != "estimator" and "estimator" in frame.columns and frame["estimator"].nunique() > 1:
        raise ValueError(
            f"{func}: the frame holds several estimators "
            f"{sorted(frame['estimator'].unique())}; pass col='estimator' or "
            "select one."
        )
    panels, out = _panels(frame, col, ax, func)
    tables = [
        sub.pivot_table(index=y, columns=x, values=z, aggfunc=agg).sort_index().sort_index(axis=1)
        for _, sub, _ in panels
    ]
    values = np.concatenate([t.to_numpy(dtype=float).ravel() for t in tables])
    values = values[np.isfinite(values)]
    if logz:
        values = values[values > 0]
        if values.size == 0:
            raise ValueError(f"{func}: logz=True needs positive values of {z!r}.")
        norm = LogNorm(values.min(), values.max())
    else:
        norm = Normalize(values.min(), values.max()) if values.size else None
    for (value, _, a), table in zip(panels, tables, strict=True):
        Z = table.to_numpy(dtype=float)
        mesh = a.pcolormesh(
            np.arange(Z.shape[1] + 1) - 0.5,
            np.arange(Z.shape[0] + 1) - 0.5,
            np.ma.masked_invalid(Z),
            cmap=cmap,
            norm=norm,
            shading="flat",
        )
        if (
            threshold is not None
            and min(Z.shape) >= 2
            and np.isfinite(Z).any()
            and np.nanmin(Z) < threshold < np.nanmax(Z)
        ):
            a.contour(
                np.arange(Z.shape[1]),
                np.arange(Z.shape[0]),
                Z,
                levels=[threshold],
                colors="white",
                linewidths=2,
            )
        a.set_xticks(np.arange(Z.shape[1]), [_fmt(v) for v in table.columns])
        a.set_yticks(np.arange(Z.shape[0]), [_fmt(v) for v in table.index])
        a.set_xlabel(x)
        a.set_ylabel(y)
        title = f"{agg} {z}" + ("" if threshold is None else f" (contour at {threshold:g})")
        a.set_title(title if value is None else f"{col} = {_fmt(value)}: {title}", fontsize=9)
        a.figure.colorbar(mesh, ax=a)
    return out
