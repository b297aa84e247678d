r"""Linear-quadratic (LQ) model: BED, EQD2, EQDx and their inverses.

Conventions used in every function here:

* ``dose`` is the **total** physical dose of a course, :math:`D = n\,d` [Gy],
  never the dose per fraction. Where a dose per fraction is meant the argument
  is called ``dose_per_fraction``.
* ``fractions`` is the number of fractions :math:`n > 0`. It may be real-valued
  (the inverse :func:`fractions_for_eqd2` returns real numbers so that round
  trips are exact); a clinical schedule uses whole numbers.
* ``alpha_beta`` (:math:`\alpha/\beta` [Gy]) is keyword-only and has no
  default: radcalc never picks a tissue for you.
* Every argument broadcasts against the others: a dose grid, a list of
  schedules and a list of :math:`\alpha/\beta` values all work. Scalars in give
  a float out; float32 arrays stay float32; inputs are never modified; numpy
  duck arrays (e.g. dask) stay lazy in the result, although validation
  evaluates one reduction over each of them (radcalc never returns an
  unchecked number).
* Extreme and unusual inputs (issue 14): a right answer or an
  :class:`~radcalc.errors.InvalidInputError`, never NaN, inf or a wrong
  finite number. Each formula is a *kernel* run as plain numpy under
  ``np.errstate(all="raise")``; if an intermediate over- or underflows, the
  same kernel runs again on :class:`radcalc._scaled.Scaled` numbers (an
  unbounded exponent), see :func:`radcalc._scaled.careful`. A result that is
  still not a finite float (the true value overflows) raises, naming the
  function and the inputs. float16 input is computed in float32 and returned
  as float16 when it fits. Masked arrays are honoured (masked entries are not
  validated; the result is masked where any argument is); empty arrays give
  empty results; dask arrays must hold 0 or magnitudes in [1e-50, 1e50]. The
  rules are those of :func:`radcalc._validate.validate`.

Corrections to plain LQ
-----------------------
By default the model assumes complete repair between fractions, ignores
overall treatment time and is LQ at every dose per fraction. Keyword-only
options of :func:`bed`, :func:`eqd2`, :func:`eqdx`, :func:`dose_for_eqd2` and
:func:`fractions_for_eqd2` change that; each is off unless given, and none
has a default value for a tissue parameter:

* incomplete repair between same-day fractions (``fractions_per_day``,
  ``interval_hours``, ``repair_half_time_hours``; Thames 1985 [4]_, see
  :func:`radcalc.repair.repair_factor`). **Without**
  ``repair_half_time_hours`` repair is complete, even for twice-daily
  fractions.
* overall treatment time (``overall_days``, ``kickoff_days`` and
  ``repopulation_bed_per_day`` or ``alpha`` with ``potential_doubling_days``;
  Fowler 1989 [1]_, Withers 1988 [5]_, see
  :func:`radcalc.repopulation.repopulation_bed`).
* the LQ-L model above a transition dose (``model="lql"``,
  ``transition_dose``; Astrahan 2008 [6]_, see :mod:`radcalc.lql`).

With :math:`d = D/n`, all of them enter one formula:

.. math:: \mathrm{BED} = D\left(1 + \frac{q}{\alpha/\beta}\right)
          - K \max(0,\ T - T_k)

with :math:`q = d` (LQ), :math:`q = d\,(1 + h_m)` (incomplete repair) or
:math:`q = d - \max(0,\ d - d_T)^2/d` (LQ-L). radcalc does not combine
incomplete repair with LQ-L: LQ-L [6]_ is applied here to fully repaired
fractions, and radcalc has no cited form for the combination.

**EQD2 convention.** EQD2 (and :math:`\mathrm{EQD}_x`) is the dose in 2-Gy
(:math:`x`-Gy) fractions of a reference course given once daily with complete
repair and no time correction (overall time :math:`\le T_k`) that has the same
corrected BED:

.. math:: \mathrm{EQD2} = \frac{\mathrm{BED}}{1 + 2/(\alpha/\beta)}
          = D\,\frac{q + \alpha/\beta}{2 + \alpha/\beta}
          - \frac{K \max(0,\ T - T_k)}{1 + 2/(\alpha/\beta)}

so a repopulation rate of :math:`K` Gy/day of BED is
:math:`K/(1 + 2/(\alpha/\beta))` Gy/day of EQD2.

Plain LQ is considered reasonable up to about 10 Gy per fraction (Brenner
2008 [7]_); with ``model="lq"`` a larger dose per fraction issues a
:class:`~radcalc.errors.RadcalcWarning`.

References
----------
.. [1] Fowler JF. The linear-quadratic formula and progress in fractionated
   radiotherapy. Br J Radiol 1989;62:679-694. doi:10.1259/0007-1285-62-740-679
.. [2] Withers HR, Thames HD, Peters LJ. A new isoeffect curve for change in
   dose per fraction. Radiother Oncol 1983;1:187-191.
   doi:10.1016/s0167-8140(83)80021-8
.. [3] Bentzen SM, Dorr W, Gahbauer R, et al. Bioeffect modeling and
   equieffective dose concepts in radiation oncology - terminology,
   quantities and units. Radiother Oncol 2012;105:266-268.
   doi:10.1016/j.radonc.2012.10.006
.. [4] Thames HD. An 'incomplete-repair' model for survival after fractionated
   and continuous irradiations. Int J Radiat Biol 1985;47:319-339.
.. [5] Withers HR, Taylor JMG, Maciejewski B. The hazard of accelerated tumor
   clonogen repopulation during radiotherapy. Acta Oncol 1988;27:131-146.
.. [6] Astrahan M. Some implications of linear-quadratic-linear radiation
   dose-response with regard to hypofractionation. Med Phys 2008;35:4161-4172.
.. [7] Brenner DJ. The linear-quadratic model is an appropriate methodology for
   determining isoeffective doses at large doses per fraction. Semin Radiat
   Oncol 2008;18:234-239.
"""

from __future__ import annotations

import copy
import functools
import math
import operator
import threading
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

import numpy as np

from radcalc import _fused, lql, repair, repopulation
from radcalc._notes import collect_notes
from radcalc._scaled import Scaled, careful, careful_and_proven
from radcalc._validate import (
    Arg,
    Call,
    check_chunk,
    is_duck_array,
    is_lazy,
    is_masked,
    require,
    validate,
    warn_caller,
)
from radcalc.errors import InvalidInputError

__all__ = [
    "bed",
    "bed_from_eqd2",
    "dose_for_eqd2",
    "eqd2",
    "eqd2_from_bed",
    "eqdx",
    "fractions_for_eqd2",
]

#: Reference dose per fraction of EQD2 [Gy].
EQD2_REFERENCE_DOSE = 2.0

#: Dose per fraction above which plain LQ warns [Gy]: "reasonable to about
#: 10 Gy per fraction", Brenner DJ, Semin Radiat Oncol 2008;18:234-239.
LQ_DOSE_PER_FRACTION_LIMIT = 10.0

#: The dose-response models of ``model=``.
MODELS = ("lq", "lql")


def _dose_args(dose: Any, fractions: Any, alpha_beta: Any) -> tuple[Arg, Arg, Arg]:
    return (
        Arg("dose", dose, ">= 0", "Gy"),
        Arg("fractions", fractions, "> 0"),
        Arg("alpha_beta", alpha_beta, "> 0", "Gy"),
    )


#: Relative rounding allowance of the LQ-range warning: a dose per fraction within
#: floating-point rounding of 10 Gy (a solved 10 Gy fraction) is not "above 10 Gy".
_LQ_LIMIT_ROUNDING = 1e-12


def _note_above_lq_range(dose_per_fraction: Any, notes: list[str]) -> None:
    """Note a RadcalcWarning if plain LQ is used above ~10 Gy per fraction (Brenner 2008).

    Decided on the dose per fraction the caller gives or is returned (never on
    an intermediate), beyond rounding: d > 10 Gy x (1 + 1e-12).
    ``notes`` collects the message; :func:`_evaluate` issues it once.
    """
    if is_lazy(dose_per_fraction):
        return  # tested when computed: see _lq_range_in_graph
    if isinstance(dose_per_fraction, Scaled):
        dose_per_fraction = dose_per_fraction.to_float()
    threshold = LQ_DOSE_PER_FRACTION_LIMIT * (1 + _LQ_LIMIT_ROUNDING)
    above = dose_per_fraction > threshold
    if above if isinstance(above, (bool, np.bool_)) else bool(above.any()):
        largest = float(np.max(dose_per_fraction))
        shown = f"up to {largest:.6g} Gy" if np.isfinite(largest) else "beyond 1.8e308 Gy"
        notes.append(
            f"dose per fraction {shown} is above {LQ_DOSE_PER_FRACTION_LIMIT:g} "
            "Gy: the LQ model is considered reasonable only up to about 10 Gy per fraction "
            "(Brenner DJ, Semin Radiat Oncol 2008;18:234-239); consider model='lql' with a "
            "transition_dose you can cite"
        )


def _lq_range_in_graph(result: Any, dose_per_fraction: Any) -> Any:
    """For a dask ``dose_per_fraction``: ``result`` with the LQ-range warning in its graph.

    Each chunk is tested when the graph runs (no computation now); the first
    chunk above the limit warns, once per result, quoting its own largest dose
    per fraction. Any other ``dose_per_fraction`` returns ``result`` unchanged
    (:func:`_warn_above_lq_range` has warned already).
    """
    if not is_lazy(dose_per_fraction):
        return result
    from dask import array
    from dask.base import tokenize

    da: Any = array
    per_fraction = da.broadcast_to(dose_per_fraction, result.shape)
    warn = functools.partial(_warn_chunk, _Once())
    name = f"radcalc-lq-range-{tokenize(result, per_fraction)}"
    return da.map_blocks(warn, result, per_fraction, dtype=result.dtype, name=name)


class _Once:
    """A flag that is true for the first caller only (thread-safe: dask runs chunks in threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done = False

    def first(self) -> bool:
        with self._lock:
            first, self._done = not self._done, True
        return first

    def __getstate__(self) -> dict[str, bool]:
        """Picklable (dask's process and distributed schedulers): a copy gets its own lock,
        so each worker process warns at most once."""
        return {"done": self._done}

    def __setstate__(self, state: dict[str, bool]) -> None:
        self._lock = threading.Lock()
        self._done = state["done"]


def _warn_chunk(once: _Once, result: Any, dose_per_fraction: Any) -> Any:
    notes: list[str] = []
    _note_above_lq_range(dose_per_fraction, notes)  # the numpy path's test and text
    if notes and once.first():
        for note in notes:
            warn_caller(note)
    return result


def _evaluate(
    call: Call, corrected: _Corrected, kernel: Callable[..., Any], *operands: Any
) -> tuple[Any, bool]:
    """``kernel(*operands, corrected, notes)`` by :func:`~radcalc._scaled.careful`.

    Issues the notes (warnings) of the path that gave the result, once.
    Returns the float result, not yet checked, and whether it is finite by
    proof: pass both to :meth:`_Corrected.finish`.
    """
    notes: list[str] = []

    def run(*values: Any) -> Any:
        notes.clear()  # the careful re-run notes again what the fast path noted
        return kernel(*values, notes)

    result = careful_and_proven(run, *operands, corrected, lazy=call.lazy)
    for note in notes:
        warn_caller(note)
    return result


def _writable(temporary: Any, *operands: Any) -> bool:
    """True if ``temporary`` is a numpy array that can take a result in place.

    Only for arrays radcalc itself made in the current call (never a caller's
    input). Writing into them instead of allocating new arrays keeps the plain
    LQ path as fast as before the corrections were added: with large arrays the
    cost is in allocating memory, not in arithmetic.
    """
    return isinstance(temporary, np.ndarray) and temporary.shape == np.broadcast_shapes(
        temporary.shape, *(np.shape(operand) for operand in operands)
    )


def _bed_from_quadratic(dose: Any, quadratic_dose: Any, alpha_beta: Any) -> Any:
    """D (1 + q/(alpha/beta)), the BED of [1]; overwrites ``quadratic_dose`` (a temporary)."""
    q = quadratic_dose
    if not _writable(q, dose, alpha_beta):
        return dose * (1 + q / alpha_beta)
    q /= alpha_beta
    q += 1
    q *= dose
    return q


def _eqdx(dose: Any, quadratic_dose: Any, alpha_beta: Any, reference: Any) -> Any:
    """D (q + alpha/beta)/(x + alpha/beta), the Withers formula [2] with q = d in plain LQ.

    The ratio is computed first so that d == x gives exactly D. Overwrites
    ``quadratic_dose`` (a temporary).
    """
    q = quadratic_dose
    if not _writable(q, dose, alpha_beta, reference):
        return dose * ((q + alpha_beta) / (reference + alpha_beta))
    q += alpha_beta
    q /= reference + alpha_beta
    q *= dose
    return q


def _eqd2_of_validated(dose: Any, fractions: Any, alpha_beta: Any) -> Any:
    """Plain-LQ EQD2 of arrays already checked by :func:`prepare` (no warning, no copy).

    For other radcalc modules that validate a whole history at once: unlike
    :func:`_eqdx` it makes its own temporary, so a caller's array is never
    written into. Evaluated by :func:`~radcalc._scaled.careful` (exact at the extremes).
    """
    lazy = any(is_duck_array(a) for a in (dose, fractions, alpha_beta))
    return careful(_plain_eqd2_kernel, dose, fractions, alpha_beta, lazy=lazy)


def _plain_eqd2_kernel(dose: Any, fractions: Any, alpha_beta: Any) -> Any:
    return _eqdx(dose, dose / fractions, alpha_beta, EQD2_REFERENCE_DOSE)


class _Options(NamedTuple):
    """The correction options exactly as the caller gave them (None = not given)."""

    fractions_per_day: Any = None
    interval_hours: Any = None
    repair_half_time_hours: Any = None
    overall_days: Any = None
    kickoff_days: Any = None
    repopulation_bed_per_day: Any = None
    alpha: Any = None
    potential_doubling_days: Any = None
    transition_dose: Any = None
    model: str = "lq"

    @classmethod
    def of_call(cls, arguments: dict[str, Any]) -> _Options:
        """The options among a public function's arguments (its ``locals()``)."""
        return cls._make(_pick_options(arguments))

    def is_plain(self) -> bool:
        return self.model == "lq" and all(value is None for value in self[:-1])

    def check_combinations(self) -> None:
        """Reject options that contradict each other or would silently do nothing."""
        if self.model not in MODELS:
            raise InvalidInputError(f"model must be 'lq' or 'lql', got {self.model!r}")
        if self.model == "lql" and self.transition_dose is None:
            raise InvalidInputError(
                "model='lql' needs transition_dose (the dose per fraction d_T [Gy] above "
                "which LQ-L is linear); there is no default"
            )
        if self.model == "lq" and self.transition_dose is not None:
            raise InvalidInputError("transition_dose applies only to model='lql', got model='lq'")
        if self.fractions_per_day is None and (
            self.interval_hours is not None or self.repair_half_time_hours is not None
        ):
            raise InvalidInputError(
                "interval_hours and repair_half_time_hours describe fractions given on the "
                "same day: give fractions_per_day too (1 for once daily)"
            )
        time_options = (
            self.overall_days,
            self.kickoff_days,
            self.repopulation_bed_per_day,
            self.alpha,
            self.potential_doubling_days,
        )
        if any(value is not None for value in time_options):
            if self.overall_days is None:
                raise InvalidInputError(
                    "the repopulation correction needs overall_days (T, first to last "
                    "fraction [days])"
                )
            if self.kickoff_days is None:
                raise InvalidInputError(
                    "the repopulation correction needs kickoff_days (T_k [days]); there is "
                    "no default"
                )
            repopulation.check_rate_options(
                self.repopulation_bed_per_day, self.alpha, self.potential_doubling_days
            )

    def args(self) -> list[Arg]:
        """The numeric options that were given, as arguments to validate."""
        args = []
        if self.fractions_per_day is not None:
            args.append(Arg("fractions_per_day", self.fractions_per_day, "> 0"))
        if self.interval_hours is not None:
            args.append(Arg("interval_hours", self.interval_hours, "> 0", "h"))
        if self.repair_half_time_hours is not None:
            args.append(Arg("repair_half_time_hours", self.repair_half_time_hours, "> 0", "h"))
        if self.overall_days is not None:
            args.append(Arg("overall_days", self.overall_days, ">= 0", "days"))
            args.append(Arg("kickoff_days", self.kickoff_days, ">= 0", "days"))
            args.extend(
                repopulation.rate_args(
                    self.repopulation_bed_per_day, self.alpha, self.potential_doubling_days
                )
            )
        if self.transition_dose is not None:
            args.append(Arg("transition_dose", self.transition_dose, "> 0", "Gy"))
        return args


_pick_options = operator.itemgetter(*_Options._fields)

_RATE_NAMES = ("repopulation_bed_per_day", "alpha", "potential_doubling_days")


class _Corrected:
    """The validated correction options of one call, and what they do to a course."""

    def __init__(
        self,
        options: _Options,
        arrays: dict[str, Any],
        fractions: Any,
        shape: tuple[int, ...] | None = None,
    ) -> None:
        #: Broadcast shape of every argument of the call (None: the arithmetic gives it).
        self.shape = shape
        self.lql = options.model == "lql"
        self.fractions_per_day: Any = arrays.get("fractions_per_day")
        self.interval_hours: Any = arrays.get("interval_hours")
        self.overall_days: Any = arrays.get("overall_days")
        self.kickoff_days: Any = arrays.get("kickoff_days")
        self.transition_dose: Any = arrays.get("transition_dose")
        rate = [arrays[name] for name in _RATE_NAMES if name in arrays]
        #: The arrays that give K (K itself or alpha, T_pot): K is computed in the kernel.
        self.rate: Any = tuple(rate) if rate else None
        #: h_m of Thames 1985 where incomplete repair applies, else None.
        self.repair_factor: Any = None
        interval = self.interval_hours
        if self.fractions_per_day is not None:
            repair.check_fractions_per_day(self.fractions_per_day, interval)
        # check_combinations: the repair options come with fractions_per_day.
        per_day: Any = 1 if self.fractions_per_day is None else self.fractions_per_day
        half_time = arrays.get("repair_half_time_hours")
        if half_time is not None and interval is None:
            # Without an interval only once-daily fractions make sense: complete repair.
            require(
                per_day <= 1,
                "repair_half_time_hours needs interval_hours (the gap between same-day "
                "fractions [h]) when fractions_per_day > 1",
                fractions_per_day=per_day,
            )
        elif half_time is not None:
            if self.lql:
                require(
                    per_day <= 1,
                    "model='lql' cannot be combined with incomplete repair between same-day "
                    "fractions (radcalc has no cited form for the combination): use model='lq' "
                    "or fractions_per_day=1",
                    fractions_per_day=per_day,
                )
            self.repair_factor = repair.repair_factor_unchecked(per_day, interval, half_time)
        if fractions is not None:
            self.check_fractions(fractions)

    @property
    def repair(self) -> bool:
        """True when incomplete repair between same-day fractions is applied."""
        return self.repair_factor is not None

    def check_fractions(self, fractions: Any, solved: bool = False) -> None:
        """Rules that relate the options to the number of fractions (given or ``solved``)."""
        try:
            if self.repair:
                require(
                    self.fractions_per_day <= fractions,
                    "fractions_per_day must be <= fractions",
                    fractions_per_day=self.fractions_per_day,
                    fractions=fractions,
                )
            if self.overall_days is not None:
                repopulation.check_overall_days(
                    self.overall_days, fractions, self.fractions_per_day
                )
        except InvalidInputError as exc:
            if not solved:
                raise
            raise InvalidInputError(
                f"the number of fractions found does not fit the options: {exc}"
            ) from None

    @property
    def lq(self) -> bool:
        """True when the dose-response model is plain LQ (with or without corrections)."""
        return not self.lql

    def quadratic_dose(self, dose_per_fraction: Any) -> Any:
        """:math:`q` of the module docstring: BED/n = d (1 + q/(alpha/beta))."""
        if self.repair:
            return dose_per_fraction * (1 + self.repair_factor)  # Thames 1985 [4]
        if self.lql:
            return lql.quadratic_dose_lql_unchecked(dose_per_fraction, self.transition_dose)  # [6]
        return dose_per_fraction

    def time_bed(self) -> Any:
        """BED lost to repopulation, K max(0, T - T_k), or None without a time factor."""
        if self.overall_days is None:
            return None
        return repopulation.repopulation_bed_unchecked(
            self.overall_days, self.kickoff_days, repopulation.rate_from(list(self.rate))
        )

    def finish(self, evaluated: tuple[Any, bool], call: Call) -> Any:
        """The result of :func:`_evaluate` in the broadcast shape of all arguments, checked.

        An option can be given as an array and still not enter the arithmetic
        (half-times for once-daily fractions): its shape must shape the result.
        The check is :meth:`Call.finish`.
        """
        result, proven_finite = evaluated
        if self.shape is not None and np.shape(result) != self.shape:
            result = np.broadcast_to(result, self.shape).copy()
        return call.finish(result, proven_finite)

    def scaled(self) -> _Corrected:
        """A copy with Scaled arrays, for :func:`~radcalc._scaled.careful`."""
        if self is _PLAIN:
            return self
        other = copy.copy(self)
        for name in _SCALED_ATTRIBUTES:
            value = getattr(self, name)
            if value is not None:
                setattr(other, name, Scaled.of(value))
        if self.rate is not None:
            other.rate = tuple(Scaled.of(value) for value in self.rate)
        return other

    def minus_time(self, value: Any, divisor: Any = 1) -> Any:
        """``value - K max(0, T - T_k) / divisor``; ``value`` itself without a time factor."""
        lost = self.time_bed()
        return value if lost is None else value - lost / divisor

    def plus_time(self, value: Any, divisor: Any = 1) -> Any:
        """``value + K max(0, T - T_k) / divisor`` (for the inverses: dose to make up)."""
        lost = self.time_bed()
        return value if lost is None else value + lost / divisor


def _deliver(result: Any, out: Any, **inputs: Any) -> Any:
    """The numpy path's ``result``, or copied into a checked ``out=`` that is returned."""
    if out is None:
        return result
    if is_duck_array(result) or is_masked(result):
        kind = "a lazy (dask)" if is_duck_array(result) else "a masked"
        raise InvalidInputError(
            f"out= takes only plain numpy results, got {kind} result: leave out= away"
        )
    _fused.check_out(out, np.shape(result), np.asarray(result).dtype, **inputs)
    return _fused.deliver(result, out)


def _fused_course(
    options: _Options,
    grid: Any,
    fractions: Any,
    alpha_beta: Any,
    reference: Any,
    *,
    kind: str,
    out: Any,
) -> Any:
    """The one dispatch point to :mod:`radcalc._fused` for bed/eqd2/eqdx/dose_for_eqd2.

    ``kind`` is "bed", "eqd2", "eqdx" (with ``reference``) or "inverse"
    (dose_for_eqd2, ``grid`` the target). Returns the fused kernel's result for
    a large numpy grid with scalar fractions and options, or None: then the
    numpy path runs (the reference, which raises every error with its exact
    text and evaluates extreme inputs carefully).
    """
    if out is None and is_lazy(grid):
        return _lazy_course(options, grid, fractions, alpha_beta, reference, kind=kind)
    scalars = (fractions, reference, *options[:-1])
    if not _fused.wanted((grid, alpha_beta), scalars, out):
        return None
    full = grid if isinstance(grid, np.ndarray) and grid.size > 1 else alpha_beta
    dtype = full.dtype
    one = dtype.type(1)  # stands in for the grids while the scalars are validated

    def scalar(value: Any) -> Any:
        # A grid (dose or alpha/beta) is validated by the kernel, in its one pass.
        return one if isinstance(value, np.ndarray) and value.size > 1 else value

    x = EQD2_REFERENCE_DOSE if reference is None else reference
    base = (
        Arg("dose", scalar(grid), ">= 0", "Gy"),
        Arg("fractions", fractions, "> 0"),
        Arg("alpha_beta", scalar(alpha_beta), "> 0", "Gy"),
        Arg("reference_dose_per_fraction", x, "> 0", "Gy"),
    )
    try:
        (_, n, _, x), corrected, _ = _prepare_course(kind, options, base, fractions_index=1)
        shape = np.broadcast_shapes(*(np.shape(v) for v in (grid, alpha_beta, *scalars)))
        if n.dtype != dtype or shape != full.shape:
            return None
        if out is not None:
            _fused.check_out(out, shape, dtype, grid=grid, alpha_beta=alpha_beta)
    except InvalidInputError:
        return None  # the numpy path raises it, in its own order
    lost = corrected.time_bed()
    qfac = 1 + corrected.repair_factor if corrected.repair else None
    d_t = corrected.transition_dose if corrected.lql else None
    if not _fused.ordinary(dtype, n, x, qfac, d_t, lost):
        return None  # the numpy path evaluates extreme options carefully
    numbers: dict[str, Any] = {
        "qfac": qfac,
        "d_t": d_t,
        "lost": lost,
        "limit": LQ_DOSE_PER_FRACTION_LIMIT * (1 - 1e-9),  # a pre-test, see above
        "out": out,
    }
    inverse = kind == "inverse"
    x_or_none = None if kind == "bed" else x
    result, above = _fused.run(inverse, grid, n, alpha_beta, x_or_none, **numbers)
    if result is not None and above and corrected.lq:
        # The numpy path's test and text, on the dose per fraction given or returned.
        notes: list[str] = []
        _note_above_lq_range((result if inverse else grid) / n, notes)
        for note in notes:
            warn_caller(note)
    return result


def _lazy_course(
    options: _Options, grid: Any, fractions: Any, alpha_beta: Any, reference: Any, *, kind: str
) -> Any:
    """A float64 dask ``grid``, every other argument a number: the whole conversion as
    one ``map_blocks`` step, or None (then the general lazy path of :func:`validate` runs).

    Each chunk is validated, converted and tested for the LQ-range warning in
    one pass by the fused kernel (:func:`_lazy_chunk`); nothing is computed
    now. The numbers are validated now, by the function itself on a stand-in
    dose, so their errors are raised at call time as before.
    """
    numbers = (fractions, alpha_beta, reference, *options[:-1])
    if grid.dtype != np.float64 or any(
        value is not None
        and (np.ndim(value) != 0 or is_duck_array(value) or isinstance(value, (str, bytes)))
        for value in numbers
    ):
        return None
    if not _fused.ordinary(np.dtype(np.float64), *numbers):
        return None  # the general path's unguarded float64 arithmetic is used for these
    if not _fused.available() or math.prod(max(c, default=0) for c in grid.chunks) < (
        _fused.GRID_THRESHOLD
    ):
        return None  # no kernel for these chunks: the general path has the fewest passes
    try:
        with collect_notes() as notes:
            _lazy_function(kind)(np.float64(1.0), fractions, alpha_beta, reference, options)
    except InvalidInputError:
        return None  # the general path raises it, in its own order
    if notes:
        return None  # a note about the numbers themselves: the general path issues it now
    from dask.base import tokenize

    name = f"radcalc-{kind}-{tokenize(grid, fractions, alpha_beta, reference, tuple(options))}"
    chunk = functools.partial(
        _lazy_chunk, _Once(), grid, kind, fractions, alpha_beta, reference, options
    )
    meta = np.empty((0,) * grid.ndim, np.float64)
    return grid.map_blocks(chunk, dtype=np.float64, meta=meta, name=name)


def _lazy_function(kind: str) -> Callable[..., Any]:
    """The public function of ``kind`` with the arguments of :func:`_fused_course`."""
    functions: dict[str, Callable[..., Any]] = {
        "bed": bed,
        "eqd2": eqd2,
        "eqdx": eqdx,
        "inverse": dose_for_eqd2,
    }
    function = functions[kind]

    def call(grid: Any, fractions: Any, alpha_beta: Any, reference: Any, options: _Options) -> Any:
        given = {k: v for k, v in options._asdict().items() if v is not None}
        if kind == "eqdx":
            given["reference_dose_per_fraction"] = reference
        return function(grid, fractions, alpha_beta=alpha_beta, **given)

    return call


def _lazy_chunk(
    once: _Once,
    whole: Any,
    kind: str,
    fractions: Any,
    alpha_beta: Any,
    reference: Any,
    options: _Options,
    chunk: Any,
) -> Any:
    """One chunk of :func:`_lazy_course`: the fused kernel (one pass) or, if it gives up,
    the general lazy path's chunk check (the exact text, naming the whole array's
    first invalid value) and then the numpy path on the chunk."""
    with collect_notes() as notes:
        result = None
        if chunk.size >= _fused.GRID_THRESHOLD and _fused.available():
            contiguous = np.ascontiguousarray(chunk)
            with _fused.single_threaded():  # dask runs the chunks in parallel already
                result = _fused_course(
                    options, contiguous, fractions, alpha_beta, reference, kind=kind, out=None
                )
        if result is None:
            arg = Arg("target_eqd2" if kind == "inverse" else "dose", whole, ">= 0", "Gy")
            check_chunk(arg, whole, True, chunk)
            result = _lazy_function(kind)(chunk, fractions, alpha_beta, reference, options)
    if notes and once.first():  # once per result, as the general path's LQ-range test
        for note in notes:
            warn_caller(note)
    return result


#: The arrays of a _Corrected that enter the arithmetic of a kernel.
_SCALED_ATTRIBUTES = ("overall_days", "kickoff_days", "transition_dose", "repair_factor")

#: No corrections: plain LQ (quadratic_dose(d) is d itself, no time factor).
_PLAIN = _Corrected(_Options(), {}, None)


def _prepare_course(
    function: str, options: _Options, base: tuple[Arg, ...], fractions_index: int | None
) -> tuple[list[Any], _Corrected, Call]:
    """Validate the base arguments with the options; ``fractions_index`` locates n in base."""
    if options.is_plain():
        call = validate(function, *base)
        return call.arrays, _PLAIN, call
    options.check_combinations()
    extra = options.args()
    call = validate(function, *base, *extra)
    arrays = call.arrays
    named = {arg.name: array for arg, array in zip(extra, arrays[len(base) :], strict=True)}
    fractions = None if fractions_index is None else arrays[fractions_index]
    shape = np.broadcast_shapes(*(np.shape(array) for array in arrays))
    return arrays[: len(base)], _Corrected(options, named, fractions, shape), call


_CORRECTIONS_DOC = r"""    fractions_per_day : array_like, optional
        Fractions given on one treatment day, :math:`m`, a whole number
        :math:`\ge 1` (2 for twice daily); keyword-only. Default: once daily.
    interval_hours : array_like, optional
        Time between fractions of the same day, :math:`\Delta t > 0`, with
        :math:`(m - 1)\,\Delta t < 24`; keyword-only. [h]
    repair_half_time_hours : array_like, optional
        Repair half-time of the tissue, :math:`T_{1/2} > 0`; keyword-only, no
        default. Given, it applies incomplete repair between same-day
        fractions (Thames 1985; needs ``fractions_per_day`` and, where
        :math:`m > 1`, ``interval_hours``). **Not given, repair between
        fractions is complete (plain LQ), whatever ``fractions_per_day`` and
        ``interval_hours`` say.** [h]
    overall_days : array_like, optional
        Overall treatment time :math:`T`, first to last fraction, at least
        :math:`\lceil n/m \rceil - 1`; keyword-only. Needs ``kickoff_days``
        and a repopulation rate. [days]
    kickoff_days : array_like, optional
        Onset of repopulation :math:`T_k \ge 0`; keyword-only, no default. [days]
    repopulation_bed_per_day : array_like, optional
        BED lost per day after :math:`T_k`, :math:`K \ge 0`; keyword-only, no
        default. [Gy/day]
    alpha, potential_doubling_days : array_like, optional
        Instead of ``repopulation_bed_per_day``:
        :math:`K = \ln 2/(\alpha\,T_{pot})` from :math:`\alpha > 0` [1/Gy]
        and :math:`T_{pot} > 0` [days]; keyword-only.
    model : {"lq", "lql"}, optional
        ``"lq"`` (default) or ``"lql"``, linear-quadratic-linear above
        ``transition_dose`` (Astrahan 2008); keyword-only.
    transition_dose : array_like, optional
        LQ-L transition dose :math:`d_T > 0`, required with (and only with)
        ``model="lql"``; no default. [Gy]
"""

_CORRECTIONS_NOTES = """
    The corrections (incomplete repair, overall time, LQ-L), their formula and
    the EQD2 convention they use are described in the module docstring of
    :mod:`radcalc.lq`. With ``model="lq"`` a dose per fraction above 10 Gy
    issues a :class:`~radcalc.errors.RadcalcWarning` (Brenner 2008).
"""

_OUT_DOC = r"""    out : numpy.ndarray, optional
        Array to write the result into (and return): writeable, of the
        broadcast shape and the result dtype, sharing no memory with an input
        (else :class:`~radcalc.errors.InvalidInputError`). Saves the result's
        allocation on large grids; keyword-only.
"""

_F = TypeVar("_F", bound=Callable[..., Any])


def _document_corrections(func: _F) -> _F:
    """Put the shared parameter and note text of the corrections into a docstring."""
    if func.__doc__:
        func.__doc__ = (
            func.__doc__.replace("    <corrections>\n", _CORRECTIONS_DOC)
            .replace("    <corrections-notes>\n", _CORRECTIONS_NOTES)
            .replace("    <out>\n", _OUT_DOC)
        )
    return func


@_document_corrections
def bed(
    dose: Any,
    fractions: Any,
    *,
    alpha_beta: Any,
    fractions_per_day: Any = None,
    interval_hours: Any = None,
    repair_half_time_hours: Any = None,
    overall_days: Any = None,
    kickoff_days: Any = None,
    repopulation_bed_per_day: Any = None,
    alpha: Any = None,
    potential_doubling_days: Any = None,
    model: str = "lq",
    transition_dose: Any = None,
    out: Any = None,
) -> Any:
    r"""Biologically effective dose of a fractionated course.

    Parameters
    ----------
    dose : array_like
        Total physical dose of the course, :math:`D = n d`. [Gy]
    fractions : array_like
        Number of fractions, :math:`n > 0`.
    alpha_beta : array_like
        Tissue :math:`\alpha/\beta > 0`; keyword-only, no default. [Gy]
    <corrections>
    <out>

    Returns
    -------
    float or numpy.ndarray
        BED [Gy]; a float for scalar input, else an array of the broadcast
        shape (float32 stays float32). With a time factor it can be negative
        (repopulation outweighs the cell kill); it is not clipped.

    Raises
    ------
    InvalidInputError
        For NaN or infinite values, a negative dose, :math:`n \le 0`,
        :math:`\alpha/\beta \le 0`, shapes that do not broadcast, or
        correction options that are out of range, incomplete or contradictory.
        Also when the result overflows (its true value is not a finite float).

    Warns
    -----
    RadcalcWarning
        With ``model="lq"`` and a dose per fraction above 10 Gy.

    Notes
    -----
    The BED of [1]_, with :math:`d = D/n`:

    .. math:: \mathrm{BED} = D \left(1 + \frac{d}{\alpha/\beta}\right)
    <corrections-notes>

    References
    ----------
    .. [1] Fowler JF. The linear-quadratic formula and progress in
       fractionated radiotherapy. Br J Radiol 1989;62:679-694.

    Examples
    --------
    >>> bed(70, 35, alpha_beta=10)
    84.0
    >>> bed(30, 5, alpha_beta=[3, 10])
    array([90., 48.])

    65 Gy in 54 fractions twice daily, 6 h apart, in a tissue with
    :math:`\alpha/\beta = 3` Gy, full repair and repair half-time 4 h:

    >>> round(bed(65, 54, alpha_beta=3), 2)
    91.08
    >>> round(bed(65, 54, alpha_beta=3, fractions_per_day=2, interval_hours=6,
    ...           repair_half_time_hours=4), 2)
    100.3
    """
    options = _Options.of_call(locals())
    fused = _fused_course(options, dose, fractions, alpha_beta, None, kind="bed", out=out)
    if fused is not None:
        return fused
    (d_total, n, ab), corrected, call = _prepare_course(
        "bed", options, _dose_args(dose, fractions, alpha_beta), fractions_index=1
    )
    result = corrected.finish(_evaluate(call, corrected, _bed_kernel, d_total, n, ab), call)
    return _deliver(result, out, dose=dose, fractions=fractions, alpha_beta=alpha_beta)


def _bed_kernel(d_total: Any, n: Any, ab: Any, corrected: _Corrected, notes: list[str]) -> Any:
    """BED of validated arrays (a kernel of :func:`_evaluate`)."""
    d = d_total / n
    if corrected.lq:
        _note_above_lq_range(d, notes)
    # quadratic_dose(d) is d itself in plain LQ: a temporary, overwritten from here on.
    result = _bed_from_quadratic(d_total, corrected.quadratic_dose(d), ab)
    result = corrected.minus_time(result)
    return _lq_range_in_graph(result, d) if corrected.lq else result


@_document_corrections
def eqd2(
    dose: Any,
    fractions: Any,
    *,
    alpha_beta: Any,
    fractions_per_day: Any = None,
    interval_hours: Any = None,
    repair_half_time_hours: Any = None,
    overall_days: Any = None,
    kickoff_days: Any = None,
    repopulation_bed_per_day: Any = None,
    alpha: Any = None,
    potential_doubling_days: Any = None,
    model: str = "lq",
    transition_dose: Any = None,
    out: Any = None,
) -> Any:
    r"""Equivalent dose in 2-Gy fractions of a fractionated course.

    Parameters
    ----------
    dose : array_like
        Total physical dose of the course, :math:`D = n d`. [Gy]
    fractions : array_like
        Number of fractions, :math:`n > 0`.
    alpha_beta : array_like
        Tissue :math:`\alpha/\beta > 0`; keyword-only, no default. [Gy]
    <corrections>
    <out>

    Returns
    -------
    float or numpy.ndarray
        EQD2 [Gy]; a float for scalar input, else an array of the broadcast
        shape (float32 stays float32). With a time factor it can be negative;
        it is not clipped.

    Raises
    ------
    InvalidInputError
        For NaN or infinite values, a negative dose, :math:`n \le 0`,
        :math:`\alpha/\beta \le 0`, shapes that do not broadcast, or
        correction options that are out of range, incomplete or contradictory.
        Also when the result overflows (its true value is not a finite float).

    Warns
    -----
    RadcalcWarning
        With ``model="lq"`` and a dose per fraction above 10 Gy.

    Notes
    -----
    The Withers isoeffect formula [1]_ (:math:`\mathrm{EQD}_2` in the
    terminology of [2]_), with :math:`d = D/n`:

    .. math:: \mathrm{EQD2} = D \, \frac{d + \alpha/\beta}{2 + \alpha/\beta}

    EQD2 equals :math:`D` exactly when :math:`d = 2` Gy, is below :math:`D`
    when :math:`d < 2` Gy, and tends to :math:`D` as
    :math:`\alpha/\beta \to \infty`.

    With corrections, EQD2 is :math:`\mathrm{BED}/(1 + 2/(\alpha/\beta))` of
    the corrected BED: the reference 2-Gy course is once daily, fully
    repaired and free of a time factor.
    <corrections-notes>

    References
    ----------
    .. [1] Withers HR, Thames HD, Peters LJ. A new isoeffect curve for change
       in dose per fraction. Radiother Oncol 1983;1:187-191.
    .. [2] Bentzen SM et al. Bioeffect modeling and equieffective dose
       concepts in radiation oncology - terminology, quantities and units.
       Radiother Oncol 2012;105:266-268.

    Examples
    --------
    >>> eqd2(30, 5, alpha_beta=10)
    40.0
    >>> round(eqd2(65, 54, alpha_beta=10), 2)  # 65 Gy/54 fx twice daily
    60.69
    >>> eqd2([70, 60, 30], [35, 27, 5], alpha_beta=3).round(2)
    array([70.  , 62.67, 54.  ])

    Late effect (:math:`\alpha/\beta = 3` Gy) of 65 Gy/54 fx twice daily,
    6 h apart, over repair half-times of 0.5 to 5 h (compare 60 Gy/27 fx
    daily: 62.67 Gy):

    >>> eqd2(65, 54, alpha_beta=3, fractions_per_day=2, interval_hours=6,
    ...      repair_half_time_hours=[0.5, 1.5, 4, 5]).round(2)
    array([54.65, 55.63, 60.18, 61.46])

    Tumour (:math:`\alpha/\beta = 10` Gy) of 60 Gy/27 fx over 36 days with
    an illustrative :math:`T_k = 28` days and :math:`K = 0.72` Gy/day of BED
    (0.6 Gy/day of EQD2, head and neck SCC, Withers 1988):

    >>> round(eqd2(60, 27, alpha_beta=10, overall_days=36, kickoff_days=28,
    ...            repopulation_bed_per_day=0.72), 2)
    56.31
    """
    options = _Options.of_call(locals())
    fused = _fused_course(options, dose, fractions, alpha_beta, None, kind="eqd2", out=out)
    if fused is not None:
        return fused
    result = _equivalent_dose("eqd2", options, _dose_args(dose, fractions, alpha_beta))
    return _deliver(result, out, dose=dose, fractions=fractions, alpha_beta=alpha_beta)


def _equivalent_dose(function: str, options: _Options, args: tuple[Arg, ...]) -> Any:
    """EQDx of (dose, fractions, alpha_beta[, reference_dose_per_fraction]); x = 2 Gy if absent."""
    arrays, corrected, call = _prepare_course(function, options, args, fractions_index=1)
    d_total, n, ab = arrays[:3]
    x = arrays[3] if len(arrays) > 3 else EQD2_REFERENCE_DOSE
    return corrected.finish(_evaluate(call, corrected, _eqdx_kernel, d_total, n, ab, x), call)


def _eqdx_kernel(
    d_total: Any, n: Any, ab: Any, x: Any, corrected: _Corrected, notes: list[str]
) -> Any:
    """EQDx of validated arrays (a kernel of :func:`_evaluate`)."""
    d = d_total / n
    if corrected.lq:
        _note_above_lq_range(d, notes)
    # quadratic_dose(d) is d itself in plain LQ: a temporary, overwritten from here on.
    result = _eqdx(d_total, corrected.quadratic_dose(d), ab, x)
    # Time factor in EQDx units: BED lost / (1 + x/(alpha/beta)), module docstring.
    result = corrected.minus_time(result, 1 + x / ab)
    return _lq_range_in_graph(result, d) if corrected.lq else result


@_document_corrections
def eqdx(
    dose: Any,
    fractions: Any,
    *,
    alpha_beta: Any,
    reference_dose_per_fraction: Any,
    fractions_per_day: Any = None,
    interval_hours: Any = None,
    repair_half_time_hours: Any = None,
    overall_days: Any = None,
    kickoff_days: Any = None,
    repopulation_bed_per_day: Any = None,
    alpha: Any = None,
    potential_doubling_days: Any = None,
    model: str = "lq",
    transition_dose: Any = None,
    out: Any = None,
) -> Any:
    r"""Equivalent dose in fractions of ``x`` Gy (:math:`\mathrm{EQD}_x`).

    Parameters
    ----------
    dose : array_like
        Total physical dose of the course, :math:`D = n d`. [Gy]
    fractions : array_like
        Number of fractions, :math:`n > 0`.
    alpha_beta : array_like
        Tissue :math:`\alpha/\beta > 0`; keyword-only, no default. [Gy]
    reference_dose_per_fraction : array_like
        The reference dose per fraction :math:`x > 0`; keyword-only. [Gy]
    <corrections>
    <out>

    Returns
    -------
    float or numpy.ndarray
        :math:`\mathrm{EQD}_x` [Gy]; a float for scalar input, else an array of
        the broadcast shape.

    Raises
    ------
    InvalidInputError
        For NaN or infinite values, a negative dose, :math:`n \le 0`,
        :math:`\alpha/\beta \le 0`, :math:`x \le 0`, shapes that do not
        broadcast, or correction options that are out of range, incomplete or
        contradictory.
        Also when the result overflows (its true value is not a finite float).

    Warns
    -----
    RadcalcWarning
        With ``model="lq"`` and a dose per fraction above 10 Gy.

    Notes
    -----
    The isoeffect formula of [1]_ for a reference dose per fraction
    :math:`x`, named :math:`\mathrm{EQD}_x` in [2]_:

    .. math:: \mathrm{EQD}_x = D \, \frac{d + \alpha/\beta}{x + \alpha/\beta}

    With corrections, :math:`\mathrm{EQD}_x = \mathrm{BED}/(1 + x/(\alpha/\beta))`
    of the corrected BED (the reference course is once daily, fully repaired
    and free of a time factor).
    <corrections-notes>

    References
    ----------
    .. [1] Withers HR, Thames HD, Peters LJ. A new isoeffect curve for change
       in dose per fraction. Radiother Oncol 1983;1:187-191.
    .. [2] Bentzen SM et al. Bioeffect modeling and equieffective dose
       concepts in radiation oncology - terminology, quantities and units.
       Radiother Oncol 2012;105:266-268.

    Examples
    --------
    >>> eqdx(30, 5, alpha_beta=10, reference_dose_per_fraction=1.8)
    40.677...
    >>> eqdx(70, 35, alpha_beta=3, reference_dose_per_fraction=2)
    70.0
    >>> round(eqdx(30, 5, alpha_beta=10, reference_dose_per_fraction=1.8,
    ...            model="lql", transition_dose=5), 3)
    40.254
    """
    options = _Options.of_call(locals())
    x = reference_dose_per_fraction
    fused = _fused_course(options, dose, fractions, alpha_beta, x, kind="eqdx", out=out)
    if fused is not None:
        return fused
    result = _equivalent_dose(
        "eqdx",
        options,
        (
            *_dose_args(dose, fractions, alpha_beta),
            Arg("reference_dose_per_fraction", x, "> 0", "Gy"),
        ),
    )
    return _deliver(result, out, dose=dose, fractions=fractions, alpha_beta=alpha_beta)


def bed_from_eqd2(eqd2: Any, *, alpha_beta: Any) -> Any:
    r"""BED of a course from its EQD2.

    Parameters
    ----------
    eqd2 : array_like
        Equivalent dose in 2-Gy fractions, :math:`\ge 0`. [Gy]
    alpha_beta : array_like
        Tissue :math:`\alpha/\beta > 0`; keyword-only, no default. [Gy]

    Returns
    -------
    float or numpy.ndarray
        BED [Gy].

    Raises
    ------
    InvalidInputError
        For NaN, infinite or negative EQD2, :math:`\alpha/\beta \le 0`, or
        shapes that do not broadcast.
        Also when the result overflows (its true value is not a finite float).

    Notes
    -----
    EQD2 is a course of 2-Gy fractions, so by the BED of [1]_:

    .. math:: \mathrm{BED} = \mathrm{EQD2} \left(1 + \frac{2}{\alpha/\beta}\right)

    References
    ----------
    .. [1] Fowler JF. The linear-quadratic formula and progress in
       fractionated radiotherapy. Br J Radiol 1989;62:679-694.

    Examples
    --------
    >>> bed_from_eqd2(60, alpha_beta=10)
    72.0
    """
    call = validate(
        "bed_from_eqd2", Arg("eqd2", eqd2, ">= 0", "Gy"), Arg("alpha_beta", alpha_beta, "> 0", "Gy")
    )
    return call.finish(*_evaluate(call, _PLAIN, _bed_from_eqd2_kernel, *call.arrays))


def _bed_from_eqd2_kernel(e: Any, ab: Any, corrected: _Corrected, notes: list[str]) -> Any:
    return e * (1 + EQD2_REFERENCE_DOSE / ab)


def eqd2_from_bed(bed: Any, *, alpha_beta: Any) -> Any:
    r"""EQD2 of a course from its BED.

    Parameters
    ----------
    bed : array_like
        Biologically effective dose, :math:`\ge 0`. [Gy]
    alpha_beta : array_like
        Tissue :math:`\alpha/\beta > 0`; keyword-only, no default. [Gy]

    Returns
    -------
    float or numpy.ndarray
        EQD2 [Gy].

    Raises
    ------
    InvalidInputError
        For NaN, infinite or negative BED, :math:`\alpha/\beta \le 0`, or
        shapes that do not broadcast.
        Also when the result overflows (its true value is not a finite float).

    Notes
    -----
    The inverse of :func:`bed_from_eqd2` (the BED of [1]_ at :math:`d = 2` Gy):

    .. math:: \mathrm{EQD2} = \frac{\mathrm{BED}}{1 + 2/(\alpha/\beta)}

    References
    ----------
    .. [1] Fowler JF. The linear-quadratic formula and progress in
       fractionated radiotherapy. Br J Radiol 1989;62:679-694.

    Examples
    --------
    >>> eqd2_from_bed(135.5, alpha_beta=2)  # Nieder 2006 cumulative cord BED
    67.75
    """
    call = validate(
        "eqd2_from_bed", Arg("bed", bed, ">= 0", "Gy"), Arg("alpha_beta", alpha_beta, "> 0", "Gy")
    )
    return call.finish(*_evaluate(call, _PLAIN, _eqd2_from_bed_kernel, *call.arrays))


def _eqd2_from_bed_kernel(b: Any, ab: Any, corrected: _Corrected, notes: list[str]) -> Any:
    return b / (1 + EQD2_REFERENCE_DOSE / ab)


@_document_corrections
def dose_for_eqd2(
    target_eqd2: Any,
    fractions: Any,
    *,
    alpha_beta: Any,
    fractions_per_day: Any = None,
    interval_hours: Any = None,
    repair_half_time_hours: Any = None,
    overall_days: Any = None,
    kickoff_days: Any = None,
    repopulation_bed_per_day: Any = None,
    alpha: Any = None,
    potential_doubling_days: Any = None,
    model: str = "lq",
    transition_dose: Any = None,
    out: Any = None,
) -> Any:
    r"""Total physical dose that reaches a target EQD2 in ``fractions`` fractions.

    Parameters
    ----------
    target_eqd2 : array_like
        The EQD2 to reach, :math:`\ge 0`. [Gy]
    fractions : array_like
        Number of fractions of the new schedule, :math:`n > 0`.
    alpha_beta : array_like
        Tissue :math:`\alpha/\beta > 0`; keyword-only, no default. [Gy]
    <corrections>
    <out>

    Returns
    -------
    float or numpy.ndarray
        Total physical dose :math:`D` [Gy] (divide by ``fractions`` for the
        dose per fraction).

    Raises
    ------
    InvalidInputError
        For NaN, infinite or negative target, :math:`n \le 0`,
        :math:`\alpha/\beta \le 0`, shapes that do not broadcast, or
        correction options that are out of range, incomplete or contradictory.
        Also when the result overflows (its true value is not a finite float).

    Warns
    -----
    RadcalcWarning
        With ``model="lq"`` when the dose per fraction found is above 10 Gy.

    Notes
    -----
    With :math:`B = \mathrm{EQD2}\,(1 + 2/(\alpha/\beta))`, the positive root
    of :math:`D^2/(n\,\alpha/\beta) + D - B = 0` (the BED of [1]_ solved for
    :math:`D`), written in the cancellation-free form

    .. math:: D = \frac{2B}{1 + \sqrt{1 + 4B/(n\,\alpha/\beta)}}

    Every correction keeps a closed form. The time factor adds the BED lost,
    :math:`B = \mathrm{EQD2}\,(1 + 2/(\alpha/\beta)) + K\max(0,\ T - T_k)`
    (``overall_days`` is that of the new course). Incomplete repair replaces
    :math:`4B` by :math:`4B\,(1 + h_m)`. LQ-L inverts
    :func:`radcalc.lql.dose_per_fraction_lql` at :math:`B/n` per fraction.
    <corrections-notes>

    References
    ----------
    .. [1] Fowler JF. The linear-quadratic formula and progress in
       fractionated radiotherapy. Br J Radiol 1989;62:679-694.

    Examples
    --------
    >>> dose_for_eqd2(40, 5, alpha_beta=10)
    30.0
    >>> dose_for_eqd2(60, [30, 54], alpha_beta=10).round(3)
    array([60.   , 64.335])

    Single-fraction dose with the tumour EQD2 of 30 Gy/5 fx at
    :math:`\alpha/\beta = 10` Gy (40 Gy), under LQ-L with an illustrative
    :math:`d_T = 6` Gy:

    >>> round(dose_for_eqd2(40, 1, alpha_beta=10, model="lql", transition_dose=6), 3)
    23.455
    """
    options = _Options.of_call(locals())
    fused = _fused_course(
        options, target_eqd2, fractions, alpha_beta, None, kind="inverse", out=out
    )
    if fused is not None:
        return fused
    (e, n, ab), corrected, call = _prepare_course(
        "dose_for_eqd2",
        options,
        (
            Arg("target_eqd2", target_eqd2, ">= 0", "Gy"),
            Arg("fractions", fractions, "> 0"),
            Arg("alpha_beta", alpha_beta, "> 0", "Gy"),
        ),
        fractions_index=1,
    )
    result = corrected.finish(_evaluate(call, corrected, _dose_for_eqd2_kernel, e, n, ab), call)
    return _deliver(result, out, target_eqd2=target_eqd2, fractions=fractions, ab=alpha_beta)


def _dose_for_eqd2_kernel(e: Any, n: Any, ab: Any, corrected: _Corrected, notes: list[str]) -> Any:
    """Total dose for a target EQD2 of validated arrays (a kernel of :func:`_evaluate`)."""
    target_bed = corrected.plus_time(e * (1 + EQD2_REFERENCE_DOSE / ab))  # B of the Notes
    if corrected.lql:
        per_fraction = lql.dose_per_fraction_lql_unchecked(
            target_bed / n, ab, corrected.transition_dose
        )
        return n * per_fraction
    # LQ per fraction b = d + d^2/(alpha/beta)_eff; incomplete repair divides alpha/beta by 1 + h.
    ab_eff = ab / (1 + corrected.repair_factor) if corrected.repair else ab
    ratio = 4 * target_bed / (n * ab_eff)  # 4 b/(alpha/beta)_eff
    # A cheap pre-test on an array already made (memory, not arithmetic, is the cost):
    # d can exceed 10 Gy only if b exceeds (nearly) the BED of a 10 Gy fraction. The
    # warning itself is decided on the dose returned, below.
    limit = LQ_DOSE_PER_FRACTION_LIMIT * (1 - 1e-9)
    maybe_above = ratio > 4 * limit * (1 + limit / ab_eff) / ab_eff
    lazy = is_lazy(maybe_above)  # then the warning is tested inside the graph, below
    maybe_above = not lazy and (
        bool(maybe_above.any()) if hasattr(maybe_above, "any") else bool(maybe_above)
    )
    if _writable(ratio):  # 1 + sqrt(1 + ratio), written into ratio
        ratio += 1
        np.sqrt(ratio, out=ratio)
        ratio += 1
    else:
        ratio = 1 + np.sqrt(1 + ratio)
    dose = 2 * target_bed / ratio
    if maybe_above:
        _note_above_lq_range(dose / n, notes)
    return _lq_range_in_graph(dose, dose / n) if lazy else dose


@_document_corrections
def fractions_for_eqd2(
    target_eqd2: Any,
    dose_per_fraction: Any,
    *,
    alpha_beta: Any,
    fractions_per_day: Any = None,
    interval_hours: Any = None,
    repair_half_time_hours: Any = None,
    overall_days: Any = None,
    kickoff_days: Any = None,
    repopulation_bed_per_day: Any = None,
    alpha: Any = None,
    potential_doubling_days: Any = None,
    model: str = "lq",
    transition_dose: Any = None,
) -> Any:
    r"""Number of fractions of size ``dose_per_fraction`` that reaches a target EQD2.

    Parameters
    ----------
    target_eqd2 : array_like
        The EQD2 to reach, :math:`\ge 0`. [Gy]
    dose_per_fraction : array_like
        Physical dose per fraction :math:`d > 0` of the new schedule. [Gy]
    alpha_beta : array_like
        Tissue :math:`\alpha/\beta > 0`; keyword-only, no default. [Gy]
    <corrections>

    Returns
    -------
    float or numpy.ndarray
        The real-valued number of fractions :math:`n`. It is not rounded:
        round **up** (``numpy.ceil``) to reach at least the target (a tumour
        dose), round **down** (``numpy.floor``) to stay at or below it (an
        organ limit), and recompute the EQD2 of the whole-number schedule with
        :func:`eqd2`.

    Raises
    ------
    InvalidInputError
        For NaN, infinite or negative target, :math:`d \le 0`,
        :math:`\alpha/\beta \le 0`, shapes that do not broadcast,
        correction options that are out of range, incomplete or contradictory,
        or a solution :math:`n` that does not fit them (fewer fractions than
        ``fractions_per_day`` with incomplete repair, or more than
        ``overall_days`` allows).
        Also when the result overflows (its true value is not a finite float).

    Warns
    -----
    RadcalcWarning
        With ``model="lq"`` and a dose per fraction above 10 Gy.

    Notes
    -----
    The BED of [1]_ solved for :math:`n`:

    .. math:: n = \frac{\mathrm{EQD2}\,(2 + \alpha/\beta)}{d\,(d + \alpha/\beta)}

    With corrections, :math:`d` in the parenthesis becomes :math:`q` (module
    docstring), and a time factor adds its EQD2,
    :math:`K\max(0,\ T - T_k)/(1 + 2/(\alpha/\beta))`, to the target. The
    overall time ``overall_days`` is held fixed, whatever :math:`n` comes out;
    it must still allow :math:`n` fractions (else an error).
    <corrections-notes>

    References
    ----------
    .. [1] Fowler JF. The linear-quadratic formula and progress in
       fractionated radiotherapy. Br J Radiol 1989;62:679-694.

    Examples
    --------
    >>> fractions_for_eqd2(60, 2, alpha_beta=10)
    30.0
    >>> n = fractions_for_eqd2(60, 2.2, alpha_beta=10)
    >>> round(n, 3), int(np.ceil(n))
    (26.826, 27)

    Twice-daily fractions of 1.2 Gy, 6 h apart, for a late-tissue EQD2 of
    60 Gy (:math:`\alpha/\beta = 3` Gy), with full repair and with a 4 h
    repair half-time:

    >>> round(fractions_for_eqd2(60, 1.2, alpha_beta=3), 2)
    59.52
    >>> round(fractions_for_eqd2(60, 1.2, alpha_beta=3, fractions_per_day=2, interval_hours=6,
    ...                          repair_half_time_hours=4), 2)
    54.06
    """
    options = _Options.of_call(locals())
    (e, d, ab), corrected, call = _prepare_course(
        "fractions_for_eqd2",
        options,
        (
            Arg("target_eqd2", target_eqd2, ">= 0", "Gy"),
            Arg("dose_per_fraction", dose_per_fraction, "> 0", "Gy"),
            Arg("alpha_beta", alpha_beta, "> 0", "Gy"),
        ),
        fractions_index=None,
    )
    n = corrected.finish(_evaluate(call, corrected, _fractions_for_eqd2_kernel, e, d, ab), call)
    corrected.check_fractions(n, solved=True)
    return n


def _fractions_for_eqd2_kernel(
    e: Any, d: Any, ab: Any, corrected: _Corrected, notes: list[str]
) -> Any:
    """Fractions for a target EQD2 of validated arrays (a kernel of :func:`_evaluate`)."""
    if corrected.lq:
        _note_above_lq_range(d, notes)
    target = corrected.plus_time(e, 1 + EQD2_REFERENCE_DOSE / ab)  # + time factor in EQD2
    result = target * ((EQD2_REFERENCE_DOSE + ab) / (d * (corrected.quadratic_dose(d) + ab)))
    return _lq_range_in_graph(result, d) if corrected.lq else result
