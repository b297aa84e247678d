r"""α/β as a range: the low and high bound of any result, and where an outcome flips.

The tissue :math:`\alpha/\beta` of an organ is known to a factor of about two
at best. :class:`AlphaBetaRange` states a range, and :func:`bounds` (or
:func:`alpha_beta_bounds` for a function of α/β alone) returns the lowest
and the highest value a result takes over it, with the α/β at which each is
attained (:class:`Bounds`).

Design: the core functions (:func:`radcalc.eqd2`, :func:`radcalc.bed`,
:func:`radcalc.eqdx`, :func:`radcalc.dose_for_eqd2`,
:func:`radcalc.cumulative_eqd2`, :func:`radcalc.max_new_dose`,
:func:`radcalc.dose_budget`, ...) keep their one-α/β signature and return
type; one wrapper takes the function and an :class:`AlphaBetaRange`::

    radcalc.uncertainty.bounds(radcalc.eqd2, 70, 35, alpha_beta=AlphaBetaRange(2, 4))

so that ``eqd2(...)`` is always a number or an array for a type checker,
and a range result is always a :class:`Bounds`.

The rule: computed, not assumed
-------------------------------
Every BED radcalc computes for given doses (plain LQ, incomplete repair,
overall time, LQ-L with a fixed transition dose, recovery weights, sums over
courses) has the form :math:`\mathrm{BED} = P + Q/(\alpha/\beta)` with
:math:`P, Q` independent of α/β, so every EQD2 is

.. math:: \mathrm{EQD2} = \frac{Q + (\alpha/\beta)\,P}{2 + \alpha/\beta},
          \qquad \frac{d\,\mathrm{EQD2}}{d(\alpha/\beta)}
          = \frac{2P - Q}{(2 + \alpha/\beta)^2},

**monotone in α/β** (for one plain-LQ course, :math:`2P - Q = D(2 - d)`:
EQD2 falls with α/β above 2 Gy per fraction and rises below). Cumulative
EQD2, remaining EQD2 and the largest new dose of a budget against a fixed
EQD2 or BED limit are monotone too (the budget :math:`D(\alpha/\beta)` can
only turn where the cumulative physical dose equals the EQD2 limit, and
there it is constant), **even when the history and the new course differ in
dose per fraction**. Results that **combine** monotone results of opposite
directions are **not** monotone: the largest prescription that respects two
organs (the smaller of two budgets), a difference of budgets, a value at one
α/β compared with a limit derived at another, or any function of your own.
radcalc therefore never assumes monotonicity: it evaluates the function on a
geometric grid of ``points`` α/β values (65 by default, both ends exact),
then refines each extreme between the grid neighbours of the best grid
point by golden-section search in :math:`\log(\alpha/\beta)` (at an end point only
where the function improves just inside the end), and returns the
lowest and highest value **actually evaluated**, with its α/β. For a
monotone function the search ends at an end point, so the bounds are exact
there; an interior extreme is located to about 1e-11 relative in α/β when
the function has one extreme between two grid points (65 points:
neighbours 1.1 % apart for a range of a factor two). A function with
several extremes closer together than the grid step could be
under-estimated: raise ``points``.

:func:`alpha_beta_flips` finds the α/β at which a yes/no outcome (a
constraint met or not) changes, by bisection between grid points to 1e-6
relative.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from radcalc.errors import InvalidInputError

__all__ = [
    "AlphaBetaRange",
    "Bounds",
    "alpha_beta_bounds",
    "alpha_beta_flips",
    "bounds",
    "parse_alpha_beta",
]

#: α/β values on the search grid (both ends included).
DEFAULT_POINTS = 65

_GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0  # 0.618...
_REFINE_STEPS = 80  # at most; the search stops when every bracket is below _LOG_TOLERANCE
_LOG_TOLERANCE = 1e-11  # bracket width in log(alpha/beta): 1e-11 relative in alpha/beta


@dataclass(frozen=True)
class AlphaBetaRange:
    r"""A range of tissue :math:`\alpha/\beta` values, ``low <= high``. [Gy]

    Parameters
    ----------
    low, high : float
        The ends of the range, finite and :math:`> 0`, ``low <= high``; a
        range of width 0 (``low == high``) is one α/β. [Gy]

    Raises
    ------
    InvalidInputError
        For a value that is not a finite number :math:`> 0`, or ``low > high``.

    Examples
    --------
    >>> AlphaBetaRange(2, 4)
    AlphaBetaRange(low=2.0, high=4.0)
    >>> AlphaBetaRange(2, 4).grid(3)
    array([2.        , 2.82842712, 4.        ])
    """

    low: float
    high: float

    def __post_init__(self) -> None:
        for name in ("low", "high"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
                raise InvalidInputError(
                    f"alpha_beta range {name} must be a number > 0 [Gy], got {value!r}"
                )
            number = float(value)
            if not math.isfinite(number) or number <= 0:
                raise InvalidInputError(
                    f"alpha_beta range {name} must be a finite number > 0 [Gy], got {value!r}"
                )
            object.__setattr__(self, name, number)
        if self.low > self.high:
            raise InvalidInputError(
                f"alpha_beta range must have low <= high, got low {self.low:g} > "
                f"high {self.high:g} Gy"
            )

    @property
    def width(self) -> float:
        """``high - low`` [Gy]; 0 for one α/β."""
        return self.high - self.low

    def describe(self) -> str:
        """``"2–4 Gy"`` (``"3 Gy"`` for a range of width 0)."""
        if self.width == 0:
            return f"{self.low:g} Gy"
        return f"{self.low:g}–{self.high:g} Gy"

    def grid(self, points: int = DEFAULT_POINTS) -> np.ndarray:
        """``points`` α/β values spaced geometrically from ``low`` to ``high``, ends exact."""
        if isinstance(points, bool) or not isinstance(points, int) or points < 2:
            raise InvalidInputError(f"points must be a whole number >= 2, got {points!r}")
        if self.width == 0:
            return np.full(points, self.low)
        values = np.geomspace(self.low, self.high, points)
        values[0], values[-1] = self.low, self.high
        return values


def parse_alpha_beta(text: str) -> float | AlphaBetaRange:
    """Read ``"3"`` (one α/β) or ``"2:4"`` (a range) as the CLI option ``--ab`` does.

    Parameters
    ----------
    text : str
        A number :math:`> 0`, or two numbers ``LOW:HIGH`` with ``LOW <= HIGH``. [Gy]

    Returns
    -------
    float or AlphaBetaRange

    Raises
    ------
    InvalidInputError
        Naming the text and the rule.

    Examples
    --------
    >>> parse_alpha_beta("3")
    3.0
    >>> parse_alpha_beta("2:4")
    AlphaBetaRange(low=2.0, high=4.0)
    """
    parts = str(text).strip().split(":")
    if len(parts) > 2:
        raise InvalidInputError(
            f"alpha/beta must be a number or LOW:HIGH (e.g. 3 or 2:4) [Gy], got {text!r}"
        )
    numbers = []
    for part in parts:
        try:
            number = float(part)
        except ValueError:
            raise InvalidInputError(
                f"alpha/beta must be a number or LOW:HIGH (e.g. 3 or 2:4) [Gy], got {text!r}"
            ) from None
        numbers.append(number)
    if len(numbers) == 2:
        return AlphaBetaRange(numbers[0], numbers[1])
    if not math.isfinite(numbers[0]) or numbers[0] <= 0:
        raise InvalidInputError(f"alpha/beta must be a finite number > 0 [Gy], got {text!r}")
    return numbers[0]


@dataclass(frozen=True)
class Bounds:
    r"""The lowest and highest value of a result over an α/β range, and where each is attained.

    Attributes
    ----------
    low, high : float or numpy.ndarray
        The lowest and the highest value evaluated (elementwise for an array
        result), in the result's unit.
    alpha_beta_low, alpha_beta_high : float or numpy.ndarray
        The α/β at which ``low`` and ``high`` are attained. [Gy]
    alpha_beta : AlphaBetaRange
        The range searched.
    """

    low: Any
    high: Any
    alpha_beta_low: Any
    alpha_beta_high: Any
    alpha_beta: AlphaBetaRange

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values: ``low``, ``high``, ``alpha_beta_low``, ``alpha_beta_high``,
        ``alpha_beta_range`` (arrays as nested lists)."""

        def plain(value: Any) -> Any:
            return value.tolist() if isinstance(value, np.ndarray) else float(value)

        return {
            "low": plain(self.low),
            "high": plain(self.high),
            "alpha_beta_low": plain(self.alpha_beta_low),
            "alpha_beta_high": plain(self.alpha_beta_high),
            "alpha_beta_range": [self.alpha_beta.low, self.alpha_beta.high],
        }

    def describe(self, unit: str = "Gy", digits: int = 2) -> str:
        """``"65.31–70.00 Gy (low at α/β 4 Gy, high at α/β 2 Gy)"`` for a scalar result."""
        if np.ndim(self.low):
            raise InvalidInputError("describe() is for a scalar result; use to_dict()")
        return (
            f"{self.low:.{digits}f}–{self.high:.{digits}f} {unit} (low at α/β "
            f"{self.alpha_beta_low:.4g} Gy, high at α/β {self.alpha_beta_high:.4g} Gy)"
        )


def _as_range(alpha_beta: object) -> AlphaBetaRange:
    if isinstance(alpha_beta, AlphaBetaRange):
        return alpha_beta
    raise InvalidInputError(
        f"alpha_beta must be an AlphaBetaRange (e.g. AlphaBetaRange(2, 4)), got {alpha_beta!r}"
    )


def _values(result: Any, at: Any) -> np.ndarray:
    """A result as a float64 array, refusing NaN, inf and non-numbers."""
    try:
        array = np.asarray(result, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidInputError(
            "the function must return a number or an array of numbers (pass key= to pick "
            f"them from a result object), got {type(result).__name__}"
        ) from None
    if not np.all(np.isfinite(array)):
        raise InvalidInputError(
            f"the function returned a value that is not a finite number at alpha/beta "
            f"{np.min(at):g} Gy: the bounds cannot be judged"
        )
    return array


def alpha_beta_bounds(
    func: Callable[[Any], Any],
    alpha_beta: AlphaBetaRange,
    *,
    points: int = DEFAULT_POINTS,
    elementwise: bool = True,
) -> Bounds:
    r"""The lowest and highest value of ``func(alpha_beta)`` over a range, searched.

    Parameters
    ----------
    func : callable
        ``func(ab)`` returns a number or an array of numbers (the same shape
        for every α/β) for an α/β ``ab`` [Gy]. It is called with a float on
        the grid; during refinement of an array result with ``elementwise``
        it is called with an array of the result's shape (one α/β per
        element), as every radcalc formula accepts.
    alpha_beta : AlphaBetaRange
        The range. [Gy]
    points : int, optional
        α/β values on the geometric search grid, ends included (default 65).
    elementwise : bool, optional
        False when ``func`` accepts only a scalar α/β: each element of an
        array result is then refined with scalar calls (slower).

    Returns
    -------
    Bounds
        ``low``, ``high`` and the α/β attaining each (elementwise for an
        array); a range of width 0 gives the point result.

    Raises
    ------
    InvalidInputError
        For a ``func`` result that is not a finite number, or invalid
        ``alpha_beta``/``points``.

    Notes
    -----
    The rule (see the module docstring): the function is evaluated on the
    grid :math:`a_k = a_0 (a_{K}/a_0)^{k/K}`; each extreme is refined by
    golden-section search in :math:`\log a` between the grid neighbours of
    the best grid point, and the best value ever evaluated is returned. A
    best grid point at an end of the range is refined only where the
    function improves just inside it (a probe at 1e-6 of a grid step), so a
    monotone function costs ``points + 2`` evaluations and keeps its exact
    end values. No monotonicity is assumed.

    References
    ----------
    .. [1] Kiefer J. Sequential minimax search for a maximum. Proc Amer Math
       Soc 1953;4:502-506 (golden-section search).

    Examples
    --------
    EQD2 of 70 Gy in 35 fractions (2 Gy per fraction) is 70 Gy at every α/β:

    >>> from radcalc import eqd2
    >>> b = alpha_beta_bounds(lambda ab: eqd2(70, 35, alpha_beta=ab), AlphaBetaRange(2, 4))
    >>> round(b.low, 9), round(b.high, 9)
    (70.0, 70.0)

    30 Gy in 5 fractions: EQD2 falls with α/β, bounds at the ends:

    >>> b = alpha_beta_bounds(lambda ab: eqd2(30, 5, alpha_beta=ab), AlphaBetaRange(2, 4))
    >>> b.low, b.alpha_beta_low, b.high, b.alpha_beta_high
    (50.0, 4.0, 60.0, 2.0)
    """
    rng = _as_range(alpha_beta)
    if rng.width == 0:
        value = _values(func(rng.low), rng.low)
        result = float(value) if value.ndim == 0 else value
        at = rng.low if value.ndim == 0 else np.full(value.shape, rng.low)
        return Bounds(result, result, at, at, rng)
    grid = rng.grid(points)
    # The grid, streamed: the running lowest and highest value and their grid index
    # (memory of a few results, not of `points` results).
    first = _values(func(float(grid[0])), grid[0])
    low, high = first, first
    low_k = np.zeros(first.shape, dtype=np.intp)
    high_k = np.zeros(first.shape, dtype=np.intp)
    for i in range(1, grid.size):
        value = np.broadcast_to(_values(func(float(grid[i])), grid[i]), first.shape)
        lower, higher = value < low, value > high
        low, low_k = np.where(lower, value, low), np.where(lower, i, low_k)
        high, high_k = np.where(higher, value, high), np.where(higher, i, high_k)
    low, at_low = _extreme(func, grid, low, low_k, +1.0, elementwise)
    high, at_high = _extreme(func, grid, high, high_k, -1.0, elementwise)
    if first.ndim == 0:
        return Bounds(float(low), float(high), float(at_low), float(at_high), rng)
    return Bounds(low, high, at_low, at_high, rng)


def _extreme(
    func: Callable[[Any], Any],
    grid: np.ndarray,
    value: np.ndarray,
    k: np.ndarray,
    sign: float,
    elementwise: bool,
) -> tuple[Any, Any]:
    """The minimum of ``sign * func`` (value, α/β), elementwise, refined between the grid
    neighbours of the best grid point ``k`` (whose value is ``value``).

    A best grid point at an end of the range is refined only where a probe just inside
    it (1e-6 of a grid step) is better: a function that improves inward from the end
    has its extreme between the end and its grid neighbour. Only the elements being
    refined are searched (the others keep their grid value and α/β).
    """
    shape = np.shape(value)
    best = (sign * np.asarray(value, dtype=np.float64)).reshape(-1).copy()
    k_flat = np.asarray(k).reshape(-1)
    best_at = grid[k_flat].astype(np.float64)
    logs = np.log(grid)
    last = grid.size - 1

    def evaluate(index: np.ndarray, u: np.ndarray) -> np.ndarray:
        """``sign * func`` at log(alpha/beta) ``u`` for the flat elements ``index``."""
        x = np.exp(u)
        if not shape:
            return sign * _values(func(float(x[0])), x).reshape(1)
        if elementwise:
            full = best_at.copy()
            full[index] = x
            result = _values(func(full.reshape(shape)), x)
            flat = np.broadcast_to(result, shape).reshape(-1)
            picked: np.ndarray = sign * flat[index]
            return picked
        out = np.empty(index.size)
        for j, (i, xi) in enumerate(zip(index, x, strict=True)):
            result = _values(func(float(xi)), xi)
            out[j] = sign * np.broadcast_to(result, shape).reshape(-1)[i]
        return out

    at_end = (k_flat == 0) | (k_flat == last)
    active = np.flatnonzero(~at_end)
    ends = np.flatnonzero(at_end)
    if ends.size:
        nudge = 1e-6 * (logs[1] - logs[0])
        inward = np.where(k_flat[ends] == 0, logs[0] + nudge, logs[last] - nudge)
        improves = evaluate(ends, inward) < best[ends]
        active = np.union1d(active, ends[improves])
    if active.size:
        kk = k_flat[active]
        a, b = logs[np.maximum(kk - 1, 0)], logs[np.minimum(kk + 1, last)]
        sub, sub_at = best[active], best_at[active]
        # Golden-section search in log(alpha/beta) on [a, b], all active elements at
        # once; the best value ever evaluated is kept (never worse than the grid's).
        c = b - _GOLDEN * (b - a)
        d = a + _GOLDEN * (b - a)
        fc, fd = evaluate(active, c), evaluate(active, d)
        for f_u, u in ((fc, c), (fd, d)):
            better = f_u < sub
            sub, sub_at = np.where(better, f_u, sub), np.where(better, np.exp(u), sub_at)
        for _ in range(_REFINE_STEPS):
            go_left = fc < fd
            b = np.where(go_left, d, b)
            a = np.where(go_left, a, c)
            new_c = np.where(go_left, b - _GOLDEN * (b - a), d)
            new_d = np.where(go_left, c, a + _GOLDEN * (b - a))
            probe = np.where(go_left, new_c, new_d)
            fnew = evaluate(active, probe)
            fc, fd = np.where(go_left, fnew, fd), np.where(go_left, fc, fnew)
            c, d = new_c, new_d
            better = fnew < sub
            sub, sub_at = np.where(better, fnew, sub), np.where(better, np.exp(probe), sub_at)
            if np.all(np.abs(b - a) < _LOG_TOLERANCE):
                break
        best[active], best_at[active] = sub, sub_at
    if not shape:
        return float(sign * best[0]), float(best_at[0])
    return (sign * best).reshape(shape), best_at.reshape(shape)


def bounds(
    func: Callable[..., Any],
    *args: Any,
    alpha_beta: AlphaBetaRange,
    key: Callable[[Any], Any] | None = None,
    points: int = DEFAULT_POINTS,
    **kwargs: Any,
) -> Bounds:
    """Bounds of any radcalc function over an α/β range: ``func(*args, alpha_beta=ab, **kwargs)``.

    Parameters
    ----------
    func : callable
        A function taking keyword ``alpha_beta``: :func:`radcalc.bed`,
        :func:`radcalc.eqd2`, :func:`radcalc.eqdx`,
        :func:`radcalc.dose_for_eqd2`, :func:`radcalc.cumulative_eqd2`,
        :func:`radcalc.remaining_eqd2`, :func:`radcalc.max_new_dose`,
        :func:`radcalc.dose_budget` (with ``key``), ...
    *args, **kwargs
        Its other arguments, unchanged.
    alpha_beta : AlphaBetaRange
        The range; keyword-only. [Gy]
    key : callable, optional
        Picks the numbers from a result object, e.g.
        ``key=lambda b: [o.max_dose for o in b.options]`` for
        :func:`radcalc.dose_budget` (then ``func`` is called with scalar α/β
        only).
    points : int, optional
        Grid points of the search (see :func:`alpha_beta_bounds`).

    Returns
    -------
    Bounds

    Examples
    --------
    >>> import radcalc
    >>> b = bounds(radcalc.eqd2, 30, 5, alpha_beta=AlphaBetaRange(2, 4))
    >>> b.low, b.high
    (50.0, 60.0)

    The largest new-course prescription (30 fractions) that respects two
    organs, one after 30 Gy in 5 fractions (limit 100 Gy EQD2), one after
    30 Gy in 30 fractions and receiving 70 % of the prescription (limit
    60 Gy EQD2; illustrative limits): each budget is monotone in α/β, in
    opposite directions, so their minimum is highest inside the range:

    >>> def prescription(alpha_beta):
    ...     a = radcalc.max_new_dose(100, [30], [5], [12], fractions=30, alpha_beta=alpha_beta)
    ...     b = radcalc.max_new_dose(60, [30], [30], [12], fractions=30, alpha_beta=alpha_beta)
    ...     return np.minimum(a, b / 0.7)
    >>> b = alpha_beta_bounds(prescription, AlphaBetaRange(1, 10))
    >>> round(b.high, 2), round(b.alpha_beta_high, 2), round(float(prescription(1.0)), 2)
    (54.49, 5.09, 39.08)
    """

    def at(ab: Any) -> Any:
        result = func(*args, alpha_beta=ab, **kwargs)
        return key(result) if key is not None else result

    return alpha_beta_bounds(at, alpha_beta, points=points, elementwise=key is None)


def alpha_beta_flips(
    predicate: Callable[[float], bool],
    alpha_beta: AlphaBetaRange,
    *,
    points: int = DEFAULT_POINTS,
    rtol: float = 1e-6,
) -> tuple[float, ...]:
    """The α/β at which a yes/no outcome changes over a range, ascending.

    Parameters
    ----------
    predicate : callable
        ``predicate(ab)`` for a float α/β [Gy]: True or False (e.g. a
        constraint met).
    alpha_beta : AlphaBetaRange
        The range. [Gy]
    points : int, optional
        Grid points (see :func:`alpha_beta_bounds`); a change and its
        reversal between two neighbouring grid points are not seen.
    rtol : float, optional
        Each flip is located by bisection in log(α/β) to this relative width
        (default 1e-6); the value returned is the geometric midpoint.

    Returns
    -------
    tuple of float
        Empty when the outcome is the same at every grid point. [Gy]

    Examples
    --------
    30 Gy in 5 fractions against an EQD2 limit of 55 Gy: met for α/β above
    3 Gy (EQD2 = 30 (6 + a)/(2 + a) = 55 at a = 2.8):

    >>> from radcalc import eqd2
    >>> flips = alpha_beta_flips(lambda ab: eqd2(30, 5, alpha_beta=ab) <= 55,
    ...                          AlphaBetaRange(2, 4))
    >>> [round(f, 5) for f in flips]
    [2.8]
    """
    rng = _as_range(alpha_beta)
    if not (isinstance(rtol, (int, float)) and 0 < rtol < 1):
        raise InvalidInputError(f"rtol must be a number in (0, 1), got {rtol!r}")
    if rng.width == 0:
        return ()
    grid = rng.grid(points)
    outcomes = [_outcome(predicate, float(x)) for x in grid]
    flips = []
    for i in range(grid.size - 1):
        if outcomes[i] == outcomes[i + 1]:
            continue
        lo, hi = float(grid[i]), float(grid[i + 1])
        while hi / lo - 1 > rtol:
            mid = math.sqrt(lo * hi)
            if _outcome(predicate, mid) == outcomes[i]:
                lo = mid
            else:
                hi = mid
        flips.append(math.sqrt(lo * hi))
    return tuple(flips)


def _outcome(predicate: Callable[[float], bool], alpha_beta: float) -> bool:
    value = predicate(alpha_beta)
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidInputError(
            f"the predicate must return True or False, got {value!r} at alpha/beta "
            f"{alpha_beta:g} Gy"
        )
    return bool(value)
