r"""Figures: DVHs in physical dose and EQD2, the dose budget, repair half-times, EQD2 maps.

Needs matplotlib (``pip install ".[plot]"`` in a clone), imported only when a
function here draws; ``import radcalc`` never imports this module. Every
function takes an optional matplotlib ``ax`` (a new figure when it is
``None``), draws into it and returns it; every axis is labelled with its
unit. Nothing needs a display: in a script or on a server, draw into
``matplotlib.figure.Figure().add_subplot()`` or set the ``Agg`` backend.

α/β values and ranges
---------------------
Where an α/β [Gy] is asked for, a number draws one curve and a range draws
a band: the curves at the low and the high α/β and the region between them
filled. A range is ``(low, high)`` or any object with ``low`` and ``high``
attributes (e.g. :class:`radcalc.AlphaBetaRange`). For a fixed schedule
the EQD2 of a dose is monotone in α/β, so the two end curves bound every α/β
in the range (see :func:`plot_dvh`). :func:`plot_budget` draws the envelope
of the budgets it is given (one organ's budget is monotone in α/β too, see
:mod:`radcalc.uncertainty`, so the budgets at the two ends suffice; sample
the range for anything that combines budgets).

The DVH protocol
----------------
:func:`dvh_curve` turns a DVH into a ``(dose [Gy], volume)`` pair of 1-D
arrays, accepting, in this order:

1. an object with a callable ``cumulative()`` whose result is one of the
   below (the DVH objects of radcalc's DICOM support);
2. an object with ``dose_gy`` and ``volume`` array attributes;
3. a ``(dose, volume)`` pair of array_like.

The dose is the **total** physical dose of the course [Gy], ascending; the
volume is the cumulative volume receiving at least that dose (% or cm³),
non-increasing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from radcalc import lq
from radcalc._validate import Arg, _short, check_scalar, prepare
from radcalc.errors import InvalidInputError, RadcalcError
from radcalc.schedules import Schedule, parse_schedule

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from radcalc.reirradiation import DoseBudget

__all__ = [
    "MissingDependencyError",
    "dvh_curve",
    "plot_budget",
    "plot_dvh",
    "plot_eqd2_map",
    "plot_repair_half_times",
    "save_budget_figure",
    "save_figure",
]

_VOLUME_UNITS = {"%": "%", "cm³": "cm³", "cc": "cm³", "cm3": "cm³"}
_BAND_ALPHA = 0.25


class MissingDependencyError(RadcalcError, ImportError):
    """matplotlib is not installed: ``pip install ".[plot]"`` in a clone."""


def _missing_matplotlib() -> MissingDependencyError:
    return MissingDependencyError(
        'radcalc.plot needs matplotlib: pip install ".[plot]" in a clone of radcalc'
    )


def _new_axes(ax: Axes | None) -> Axes:
    """``ax``, or the axes of a new pyplot figure (shown inline in Jupyter)."""
    if ax is not None:
        return ax
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - matplotlib is a test dependency
        raise _missing_matplotlib() from exc
    _, new = plt.subplots()
    return new


def _colour(index: int) -> str:
    return f"C{index % 10}"


# --------------------------------------------------------------------------- α/β


def _alpha_beta_bounds(name: str, value: object) -> tuple[float, float]:
    """``(low, high)`` [Gy] of a number, a ``(low, high)`` pair or an object with low/high."""
    if hasattr(value, "low") and hasattr(value, "high"):
        low, high = value.low, value.high
    elif isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise InvalidInputError(
                f"{name} must be a number or a (low, high) range [Gy], got {_short(value)}"
            )
        low, high = value
    else:
        low = high = value
    low = check_scalar(f"{name} (low)", low, "> 0", "Gy")
    high = check_scalar(f"{name} (high)", high, "> 0", "Gy")
    if low > high:
        raise InvalidInputError(f"{name} must have low <= high, got low {low:g}, high {high:g}")
    return low, high


def _alpha_beta_text(low: float, high: float) -> str:
    return f"α/β {low:g} Gy" if low == high else f"α/β {low:g}–{high:g} Gy"


def _draw_band(
    ax: Axes,
    x: Any,
    curves: tuple[Any, Any],
    *,
    colour: str,
    label: str,
    gid: str,
    vertical: bool = False,
) -> None:
    """The two edge curves (gids ``<gid>:low``/``<gid>:high``) and the region between them.

    With ``vertical`` the curves are x = f(y) (a DVH: volume on the y axis).
    """
    low, high = curves
    for edge, values in (("low", low), ("high", high)):
        xy = (values, x) if vertical else (x, values)
        (line,) = ax.plot(*xy, color=colour, linewidth=1, label=f"_{label} {edge}")
        line.set_gid(f"{gid}:{edge}")
    fill = (
        ax.fill_betweenx(x, low, high, color=colour, alpha=_BAND_ALPHA, label=label)
        if vertical
        else ax.fill_between(x, low, high, color=colour, alpha=_BAND_ALPHA, label=label)
    )
    fill.set_gid(f"{gid}:band")


# --------------------------------------------------------------------------- DVH


def dvh_curve(dvh: Any) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """The ``(dose [Gy], volume)`` arrays of a cumulative DVH (see "The DVH protocol").

    Parameters
    ----------
    dvh : object
        An object with a callable ``cumulative()``, or with ``dose_gy`` and
        ``volume`` attributes, or a ``(dose, volume)`` pair.

    Returns
    -------
    tuple of numpy.ndarray
        The dose [Gy] and the volume, float arrays of one length (not yet
        validated: :func:`plot_dvh` does that).

    Raises
    ------
    InvalidInputError
        For anything else.

    Examples
    --------
    >>> dose, volume = dvh_curve(([0, 10, 20], [100, 50, 0]))
    >>> dose, volume
    (array([ 0., 10., 20.]), array([100.,  50.,   0.]))
    """
    cumulative = getattr(dvh, "cumulative", None)
    if callable(cumulative):
        dvh = cumulative()
    if hasattr(dvh, "dose_gy") and hasattr(dvh, "volume"):
        pair = (dvh.dose_gy, dvh.volume)
    elif isinstance(dvh, (tuple, list)) and len(dvh) == 2:
        pair = (dvh[0], dvh[1])
    else:
        raise InvalidInputError(
            "a DVH must have a cumulative() method, dose_gy and volume attributes, or be a "
            f"(dose, volume) pair, got {_short(dvh)}"
        )
    dose, volume = (np.asarray(a, dtype=float) for a in pair)
    return dose, volume


def _checked_curve(
    name: str, dvh: Any, unit: str
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    dose, volume = dvh_curve(dvh)
    label = f"DVH {name!r}"
    if dose.ndim != 1 or volume.ndim != 1 or dose.size != volume.size or dose.size < 2:
        raise InvalidInputError(
            f"{label}: dose and volume must be 1-D arrays of one length >= 2, got shapes "
            f"{dose.shape} and {volume.shape}"
        )
    prepare(Arg(f"{label} dose", dose, ">= 0", "Gy"), Arg(f"{label} volume", volume, ">= 0"))
    if np.any(np.diff(dose) < 0):
        raise InvalidInputError(f"{label}: dose [Gy] must be ascending")
    if np.any(np.diff(volume) > 0):
        raise InvalidInputError(
            f"{label}: a cumulative DVH's volume must not increase with dose (is it a "
            "differential DVH?)"
        )
    if unit == "%" and volume.max() > 100 * (1 + 1e-9):  # rounding of a computed 100 %
        raise InvalidInputError(
            f"{label}: volume in % must be <= 100, got {volume.max():g} (is it in cm³?)"
        )
    return dose, volume


def plot_dvh(
    structures: Mapping[str, Any],
    *,
    fractions: float,
    alpha_beta: Any,
    volume_unit: str = "%",
    physical: bool = True,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    r"""Cumulative DVHs per structure in physical dose and in EQD2, with an α/β band.

    Parameters
    ----------
    structures : mapping of str to DVH
        Structure name to its cumulative DVH (see :func:`dvh_curve`): the
        total physical dose of the course [Gy] and the volume receiving at
        least it.
    fractions : float
        Number of fractions of the course, :math:`n > 0`; keyword-only.
    alpha_beta : float, range or mapping
        :math:`\alpha/\beta` [Gy]: a number (one EQD2 curve), a ``(low,
        high)`` range (a band), or a mapping of structure name to either;
        keyword-only, no default.
    volume_unit : {"%", "cm³", "cc"}, optional
        Unit of the volumes; default ``"%"``.
    physical : bool, optional
        Also draw the physical DVH (dashed); default True.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.
    title : str, optional
        Default ``"Cumulative DVH, <n> fx: physical dose and EQD2"``.

    Returns
    -------
    matplotlib.axes.Axes
        Per structure (colour ``C0``, ``C1``, ...): the physical curve (gid
        ``"<name>:physical"``), and the EQD2 curve (gid ``"<name>:eqd2"``) or
        the band (gids ``"<name>:eqd2:low"``, ``":high"``, ``":band"``).

    Raises
    ------
    InvalidInputError
        For a DVH that is not 1-D, not ascending in dose, increasing in
        volume, negative, NaN or infinite, above 100 %; an α/β or
        ``fractions`` :math:`\le 0`; a structure missing from an α/β
        mapping; an unknown volume unit.

    Notes
    -----
    A voxel (or DVH bin) with total dose :math:`D` in :math:`n` fractions has

    .. math:: \mathrm{EQD2} = D\,\frac{D/n + \alpha/\beta}{2 + \alpha/\beta}

    which rises with :math:`D`, so the volume receiving at least
    :math:`\mathrm{EQD2}(D)` is the volume receiving at least :math:`D`: the
    EQD2 DVH is the physical one with its dose axis converted [1]_. For a
    fixed :math:`D/n`, EQD2 moves monotonically with α/β (towards
    :math:`D` as α/β grows), so the curves at the ends of a range bound the
    curve of every α/β in it.

    References
    ----------
    .. [1] Withers HR, Thames HD, Peters LJ. A new isoeffect curve for change
       in dose per fraction. Radiother Oncol 1983;1:187-191.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = plot_dvh({"cord": ([0, 20, 40], [100, 60, 0])}, fractions=20,
    ...               alpha_beta=(2, 4), ax=Figure().add_subplot())
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('dose [Gy] (dashed: physical; solid: EQD2)', 'volume [%]')
    """
    unit = _VOLUME_UNITS.get(volume_unit)
    if unit is None:
        raise InvalidInputError(
            f"volume_unit must be one of {', '.join(_VOLUME_UNITS)}, got {volume_unit!r}"
        )
    if not isinstance(structures, Mapping) or not structures:
        raise InvalidInputError(
            f"structures must be a non-empty mapping of name to DVH, got {_short(structures)}"
        )
    n = check_scalar("fractions", fractions, "> 0")
    checked = []  # everything validated before anything is drawn
    for name, dvh in structures.items():
        if isinstance(alpha_beta, Mapping):
            if name not in alpha_beta:
                raise InvalidInputError(f"alpha_beta has no entry for structure {name!r}")
            bounds = _alpha_beta_bounds(f"alpha_beta[{name!r}]", alpha_beta[name])
        else:
            bounds = _alpha_beta_bounds("alpha_beta", alpha_beta)
        checked.append((name, *_checked_curve(name, dvh, unit), *bounds))
    ax = _new_axes(ax)
    for index, (name, dose, volume, low, high) in enumerate(checked):
        colour = _colour(index)
        if physical:
            (line,) = ax.plot(dose, volume, color=colour, linestyle="--", label=f"{name} physical")
            line.set_gid(f"{name}:physical")
        label = f"{name} EQD2, {_alpha_beta_text(low, high)}"
        if low == high:
            (line,) = ax.plot(lq.eqd2(dose, n, alpha_beta=low), volume, color=colour, label=label)
            line.set_gid(f"{name}:eqd2")
        else:
            curves = (lq.eqd2(dose, n, alpha_beta=low), lq.eqd2(dose, n, alpha_beta=high))
            _draw_band(
                ax, volume, curves, colour=colour, label=label, gid=f"{name}:eqd2", vertical=True
            )
    ax.set_xlabel("dose [Gy] (dashed: physical; solid: EQD2)")
    ax.set_ylabel(f"volume [{unit}]")
    ax.set_title(
        title if title is not None else f"Cumulative DVH, {n:g} fx: physical dose and EQD2"
    )
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return ax


# --------------------------------------------------------------------------- budget


def _budget_doses(budget: DoseBudget, fractions: np.ndarray[Any, Any]) -> Any:
    """Largest new-course dose [Gy] in each number of ``fractions`` (as ``max_new_dose``)."""
    remaining = max(budget.remaining_eqd2, 0.0)
    return lq.dose_for_eqd2(remaining, fractions, alpha_beta=budget.alpha_beta)


def _history_key(budget: DoseBudget) -> list[tuple[Any, ...]]:
    return [(row.schedule, row.organ_dose, row.interval_months) for row in budget.prior]


def plot_budget(
    budget: DoseBudget,
    *,
    fractions: Any = None,
    band: Sequence[DoseBudget] = (),
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    r"""The largest dose of a new course against its number of fractions.

    Parameters
    ----------
    budget : DoseBudget
        A result of :func:`radcalc.dose_budget`; its options are marked.
    fractions : array_like of int, optional
        Numbers of fractions for the curve; default 1 up to the largest
        option's (at least 2).
    band : sequence of DoseBudget, optional
        Budgets of the same earlier courses at other α/β (e.g. at the ends
        of a range, or sampled across it); the region between the lowest
        and the highest dose over ``budget`` and ``band`` is filled.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.
    title : str, optional
        Default: the budget's title (α/β and limit).

    Returns
    -------
    matplotlib.axes.Axes
        The curve (gid ``"budget"``), the options as points (gid
        ``"options"``) and, with ``band``, its edges and fill (gids
        ``"budget:low"``, ``"budget:high"``, ``"budget:band"``).

    Raises
    ------
    InvalidInputError
        For ``fractions`` that are not whole numbers :math:`\ge 1`, or a
        ``band`` budget for other earlier courses.

    Notes
    -----
    The curve is :func:`radcalc.max_new_dose` of the budget, for each
    :math:`n`: with the remaining EQD2 :math:`R` and
    :math:`B = \max(R, 0)(1 + 2/(\alpha/\beta))`,

    .. math:: D(n) = \frac{2B}{1 + \sqrt{1 + 4B/(n\,\alpha/\beta)}}

    One organ's budget is monotone in α/β (every EQD2 here has the form
    :math:`(Q + (\alpha/\beta) P)/(2 + \alpha/\beta)`), but a combination
    such as the smaller of two organs' budgets need not be; the band is
    therefore the envelope of the budgets given, never two assumed ends:
    sample the range densely enough.

    Examples
    --------
    >>> import radcalc
    >>> from matplotlib.figure import Figure
    >>> budget = radcalc.dose_budget([radcalc.Course("45/25", interval_months=24)],
    ...                              fractions=[5, 30], alpha_beta=2, limit_bed=135.5)
    >>> ax = plot_budget(budget, fractions=range(3, 31), ax=Figure().add_subplot())
    >>> ax.get_ylabel()
    'largest total dose to the organ [Gy]'
    """
    options = [o.fractions for o in budget.options]
    if fractions is None:
        fractions = np.arange(1, max(max(options), 2) + 1)
    n = np.asarray(fractions, dtype=float)
    prepare(Arg("fractions", n, "> 0"))
    if n.ndim != 1 or n.size == 0 or np.any(n != np.floor(n)):
        raise InvalidInputError(
            f"fractions must be a non-empty list of whole numbers >= 1, got {_short(fractions)}"
        )
    for i, other in enumerate(band):
        if _history_key(other) != _history_key(budget):
            raise InvalidInputError(
                f"band[{i}] must be a budget for the same earlier courses (schedules, organ "
                "doses, intervals) as budget"
            )
    ax = _new_axes(ax)
    doses = _budget_doses(budget, n)
    label = f"{_alpha_beta_text(budget.alpha_beta, budget.alpha_beta)}"
    (line,) = ax.plot(n, doses, color="C0", marker=".", label=label)
    line.set_gid("budget")
    if band:
        all_doses = np.array([doses, *(_budget_doses(b, n) for b in band)])
        ratios = [budget.alpha_beta, *(b.alpha_beta for b in band)]
        _draw_band(
            ax,
            n,
            (all_doses.min(axis=0), all_doses.max(axis=0)),
            colour="C0",
            label=f"envelope over {_alpha_beta_text(min(ratios), max(ratios))}",
            gid="budget",
        )
    option_doses = [o.max_dose for o in budget.options]
    points = ax.scatter(options, option_doses, color="C3", zorder=3, label="options")
    points.set_gid("options")
    for o in budget.options:
        ax.annotate(
            f"{o.max_dose:.1f} Gy",
            (o.fractions, o.max_dose),
            textcoords="offset points",
            xytext=(4, -12),
            fontsize="small",
        )
    ax.margins(x=0.08)  # room for the labels of the outermost options
    ax.set_xlabel("fractions of the new course")
    ax.set_ylabel("largest total dose to the organ [Gy]")
    ax.set_title(title if title is not None else budget._title(), fontsize="medium")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return ax


def save_figure(
    path: str | os.PathLike[str],
    draw: Callable[[Axes], object],
    *,
    figsize: tuple[float, float] = (7.0, 4.5),
) -> None:
    """Draw into the axes of a new figure and write it to ``path`` (for ``--plot FILE``).

    Parameters
    ----------
    path : str or os.PathLike
        The image file; its extension sets the format (``.png``, ``.pdf``,
        ``.svg``, ...). Checked before anything is drawn.
    draw : callable
        Called with the new Axes, e.g. ``lambda ax: plot_dvh(..., ax=ax)``.
    figsize : tuple of float, optional
        Figure width and height [inches]; default (7, 4.5).

    Raises
    ------
    InvalidInputError
        For an extension matplotlib cannot write, or a file that cannot be
        written (the message names it); and whatever ``draw`` raises.
    MissingDependencyError
        When matplotlib is not installed.

    Notes
    -----
    Uses no pyplot state and no display (a bare ``matplotlib.figure.Figure``),
    so it is safe in a command, a thread or on a server.
    """
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - matplotlib is a test dependency
        raise _missing_matplotlib() from exc
    figure = Figure(figsize=figsize)
    text = os.fspath(path)
    extension = os.path.splitext(text)[1].lstrip(".").lower()
    supported = figure.canvas.get_supported_filetypes()
    if extension not in supported:
        raise InvalidInputError(
            f"plot file {text!r}: the extension must be one of "
            f"{', '.join('.' + e for e in sorted(supported))}, got {extension or 'none'!r}"
        )
    draw(figure.add_subplot())
    figure.tight_layout()
    try:
        figure.savefig(text, dpi=100)
    except OSError as exc:
        raise InvalidInputError(
            f"plot file {text!r}: cannot write it ({exc.strerror or exc})"
        ) from None


def save_budget_figure(budget: DoseBudget, path: str | os.PathLike[str]) -> None:
    """Write :func:`plot_budget` of ``budget`` to an image file (``radcalc budget --plot``).

    See :func:`save_figure` for the format and the errors.
    """
    save_figure(path, lambda ax: plot_budget(budget, ax=ax))


# --------------------------------------------------------------------------- repair


def plot_repair_half_times(
    schedules: Mapping[str, Schedule | str],
    *,
    alpha_beta: Any,
    half_times_hours: Any,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    r"""EQD2 of schedules against the repair half-time (Thames 1985 incomplete repair).

    Parameters
    ----------
    schedules : mapping of str to Schedule or str
        Label to schedule (a schedule string or preset name is parsed); a
        schedule's ``fractions_per_day`` and ``interval_hours`` set its
        repair correction, and once-daily schedules are flat (complete
        repair overnight).
    alpha_beta : float or range
        The tissue's :math:`\alpha/\beta` [Gy]; a ``(low, high)`` range
        draws a band per schedule. Keyword-only, no default.
    half_times_hours : array_like
        Repair half-times for the x axis, :math:`> 0`; a grid to explore,
        not values for any tissue. [h]
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.
    title : str, optional
        Default ``"α/β <value> Gy"``.

    Returns
    -------
    matplotlib.axes.Axes
        One curve per schedule (gid the label), or a band (gids
        ``"<label>:low"``, ``":high"``, ``":band"``).

    Raises
    ------
    InvalidInputError
        For an empty mapping, an unparseable schedule, half-times
        :math:`\le 0` or an α/β :math:`\le 0`.

    Notes
    -----
    :math:`\mathrm{EQD2} = D\,(\alpha/\beta + d(1 + h_m))/(\alpha/\beta + 2)`
    (see :func:`radcalc.repair_factor`); for fixed :math:`d` and
    :math:`h_m` it is monotone in α/β, so the band's ends bound it.

    References
    ----------
    .. [1] Thames HD. An 'incomplete-repair' model for survival after
       fractionated and continuous irradiations. Int J Radiat Biol
       1985;47:319-339.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = plot_repair_half_times({"BID": "65/54 bid 6h", "daily": "60/27"}, alpha_beta=3,
    ...                             half_times_hours=[1, 4], ax=Figure().add_subplot())
    >>> [line.get_gid() for line in ax.lines], ax.get_xlabel()
    (['BID', 'daily'], 'repair half-time [h]')
    """
    if not isinstance(schedules, Mapping) or not schedules:
        raise InvalidInputError(
            f"schedules must be a non-empty mapping of label to schedule, got {_short(schedules)}"
        )
    low, high = _alpha_beta_bounds("alpha_beta", alpha_beta)
    (half_times,), _ = prepare(Arg("half_times_hours", half_times_hours, "> 0", "h"))
    half_times = np.atleast_1d(half_times)
    courses = {}
    for label, schedule in schedules.items():
        course = parse_schedule(schedule) if isinstance(schedule, str) else schedule
        if not isinstance(course, Schedule):
            raise InvalidInputError(
                f"schedules[{label!r}] must be a Schedule or a schedule string, got "
                f"{_short(schedule)}"
            )
        courses[label] = course
    ax = _new_axes(ax)
    for index, (label, course) in enumerate(courses.items()):

        def curve(ab: float, course: Schedule = course) -> Any:
            eqd2 = course.eqd2(ab, repair_half_time_hours=half_times)
            return np.broadcast_to(eqd2, half_times.shape)

        if low == high:
            (line,) = ax.plot(half_times, curve(low), color=_colour(index), label=label)
            line.set_gid(label)
        else:
            _draw_band(
                ax,
                half_times,
                (curve(low), curve(high)),
                colour=_colour(index),
                label=label,
                gid=label,
            )
    ax.set_xlabel("repair half-time [h]")
    ax.set_ylabel("EQD2 [Gy]")
    ax.set_title(title if title is not None else _alpha_beta_text(low, high))
    ax.grid(alpha=0.3)
    return ax


# --------------------------------------------------------------------------- maps


def _coordinates(name: str, values: Any, length: int) -> np.ndarray[Any, Any]:
    (array,), _ = prepare(Arg(name, values, "finite", "mm"))
    array = np.asarray(array, dtype=float)
    if array.ndim != 1 or array.size != length:
        raise InvalidInputError(
            f"{name} must be 1-D with one voxel-centre coordinate per "
            f"{'column' if name == 'x_mm' else 'row'} ({length}), got shape {array.shape}"
        )
    steps = np.diff(array)
    if length > 1 and not (np.all(steps > 0) or np.all(steps < 0)):
        raise InvalidInputError(f"{name} must be strictly increasing or decreasing [mm]")
    return array


def plot_eqd2_map(
    values: Any,
    *,
    x_mm: Any,
    y_mm: Any,
    outlines: Mapping[str, Sequence[Any]] | None = None,
    ax: Axes | None = None,
    label: str = "EQD2 [Gy]",
    cmap: str = "viridis",
    vmin: float | None = None,
    vmax: float | None = None,
    title: str | None = None,
) -> Axes:
    r"""A 2-D slice of an EQD2 (or any dose) map, in mm, with structure outlines.

    Parameters
    ----------
    values : array_like, shape (ny, nx)
        The slice; ``values[j, i]`` is the voxel centred at
        ``(x_mm[i], y_mm[j])``. Finite values only. [Gy]
    x_mm, y_mm : array_like
        Voxel-centre coordinates of the columns and rows in the patient
        frame, strictly monotone (spacing may vary); keyword-only. [mm]
    outlines : mapping of str to sequence of array_like, optional
        Structure name to its contours on this slice, each an (N, 2) array of
        (x, y) vertices [mm], N ≥ 3, drawn closed.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.
    label : str, optional
        Colour-bar label with its unit; default ``"EQD2 [Gy]"``.
    cmap : str, optional
        A matplotlib colour map; default ``"viridis"``.
    vmin, vmax : float, optional
        Colour limits [Gy]; default the slice's range.
    title : str, optional
        The axes title; default none.

    Returns
    -------
    matplotlib.axes.Axes
        The map (a ``QuadMesh``, gid ``"map"``) with a colour bar, equal
        aspect, axes ``x [mm]`` and ``y [mm]``, and one closed line per
        contour (gid ``"<name>:<k>"``) in the structure's colour.

    Raises
    ------
    InvalidInputError
        For a slice that is not 2-D or holds NaN or inf, coordinates of the
        wrong length or not monotone, or a contour that is not (N >= 3, 2)
        and finite.

    Notes
    -----
    The axes follow the coordinates as given, y increasing upwards. For the
    usual axial view of the DICOM patient frame (anterior at the top, y
    increasing posteriorly) call ``ax.invert_yaxis()`` on the result.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = plot_eqd2_map([[1.0, 2.0], [3.0, 4.0]], x_mm=[0, 2], y_mm=[10, 12],
    ...                    outlines={"cord": [[[0, 10], [2, 10], [1, 12]]]},
    ...                    ax=Figure().add_subplot())
    >>> ax.get_xlabel(), ax.get_ylabel(), [line.get_gid() for line in ax.lines]
    ('x [mm]', 'y [mm]', ['cord:0'])
    """
    (grid,), _ = prepare(Arg("values", values, "finite", "Gy"))
    grid = np.asarray(grid)
    if grid.ndim != 2:
        raise InvalidInputError(f"values must be a 2-D slice (ny, nx), got shape {grid.shape}")
    x = _coordinates("x_mm", x_mm, grid.shape[1])
    y = _coordinates("y_mm", y_mm, grid.shape[0])
    contours: list[tuple[str, int, np.ndarray[Any, Any]]] = []
    for name, polygons in (outlines or {}).items():
        if isinstance(polygons, np.ndarray) and polygons.ndim == 2:
            polygons = [polygons]  # one (N, 2) contour given without a list
        for k, polygon in enumerate(polygons):
            where = f"outlines[{name!r}][{k}]"
            (points,), _ = prepare(Arg(where, polygon, "finite", "mm"))
            points = np.asarray(points, dtype=float)
            if points.ndim != 2 or points.shape[1] != 2 or points.shape[0] < 3:
                raise InvalidInputError(
                    f"{where} must be an (N, 2) array of (x, y) vertices [mm] with N >= 3, "
                    f"got shape {points.shape}"
                )
            contours.append((name, k, points))
    ax = _new_axes(ax)
    mesh = ax.pcolormesh(x, y, grid, shading="nearest", cmap=cmap, vmin=vmin, vmax=vmax)
    mesh.set_gid("map")
    ax.figure.colorbar(mesh, ax=ax, label=label)
    colours: dict[str, str] = {}
    for name, k, points in contours:
        colour = colours.setdefault(name, _colour(len(colours) + 1))
        closed = np.vstack([points, points[:1]])
        (line,) = ax.plot(
            closed[:, 0],
            closed[:, 1],
            color=colour,
            linewidth=1.5,
            label=name if k == 0 else f"_{name}:{k}",
        )
        line.set_gid(f"{name}:{k}")
    ax.set_xlabel("x [mm]")
    ax.set_ylabel("y [mm]")
    ax.set_aspect("equal")
    if title is not None:
        ax.set_title(title)
    if contours:
        ax.legend(fontsize="small", loc="upper right")
    return ax
