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

The model assumes complete repair between fractions and ignores overall
treatment time.

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
"""

from __future__ import annotations

from typing import Any

import numpy as np

from radcalc._validate import Arg, finish, prepare

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


def _dose_args(dose: Any, fractions: Any, alpha_beta: Any) -> tuple[Arg, Arg, Arg]:
    return (
        Arg("dose", dose, ">= 0", "Gy"),
        Arg("fractions", fractions, "> 0"),
        Arg("alpha_beta", alpha_beta, "> 0", "Gy"),
    )


def bed(dose: Any, fractions: Any, *, alpha_beta: Any) -> Any:
    r"""Biologically effective dose of a fractionated course.

    Parameters
    ----------
    dose : array_like
        Total physical dose of the course, :math:`D = n d`. [Gy]
    fractions : array_like
        Number of fractions, :math:`n > 0`.
    alpha_beta : array_like
        Tissue :math:`\alpha/\beta > 0`; keyword-only, no default. [Gy]

    Returns
    -------
    float or numpy.ndarray
        BED [Gy]; a float for scalar input, else an array of the broadcast
        shape (float32 stays float32).

    Raises
    ------
    InvalidInputError
        For NaN or infinite values, a negative dose, :math:`n \le 0`,
        :math:`\alpha/\beta \le 0`, or shapes that do not broadcast.

    Notes
    -----
    The BED of [1]_, with :math:`d = D/n`:

    .. math:: \mathrm{BED} = D \left(1 + \frac{d}{\alpha/\beta}\right)

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
    """
    (d_total, n, ab), scalar = prepare(*_dose_args(dose, fractions, alpha_beta))
    return finish(d_total * (1 + (d_total / n) / ab), scalar)  # BED of [1]


def eqd2(dose: Any, fractions: Any, *, alpha_beta: Any) -> Any:
    r"""Equivalent dose in 2-Gy fractions of a fractionated course.

    Parameters
    ----------
    dose : array_like
        Total physical dose of the course, :math:`D = n d`. [Gy]
    fractions : array_like
        Number of fractions, :math:`n > 0`.
    alpha_beta : array_like
        Tissue :math:`\alpha/\beta > 0`; keyword-only, no default. [Gy]

    Returns
    -------
    float or numpy.ndarray
        EQD2 [Gy]; a float for scalar input, else an array of the broadcast
        shape (float32 stays float32).

    Raises
    ------
    InvalidInputError
        For NaN or infinite values, a negative dose, :math:`n \le 0`,
        :math:`\alpha/\beta \le 0`, or shapes that do not broadcast.

    Notes
    -----
    The Withers isoeffect formula [1]_ (:math:`\mathrm{EQD}_2` in the
    terminology of [2]_), with :math:`d = D/n`:

    .. math:: \mathrm{EQD2} = D \, \frac{d + \alpha/\beta}{2 + \alpha/\beta}

    EQD2 equals :math:`D` exactly when :math:`d = 2` Gy, is below :math:`D`
    when :math:`d < 2` Gy, and tends to :math:`D` as
    :math:`\alpha/\beta \to \infty`.

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
    """
    (d_total, n, ab), scalar = prepare(*_dose_args(dose, fractions, alpha_beta))
    return finish(_eqdx(d_total, n, ab, EQD2_REFERENCE_DOSE), scalar)


def _eqdx(dose: Any, fractions: Any, alpha_beta: Any, reference: Any) -> Any:
    # Withers formula [2]; the ratio is computed first so that d == x gives exactly D.
    return dose * ((dose / fractions + alpha_beta) / (reference + alpha_beta))


def eqdx(dose: Any, fractions: Any, *, alpha_beta: Any, reference_dose_per_fraction: Any) -> Any:
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

    Returns
    -------
    float or numpy.ndarray
        :math:`\mathrm{EQD}_x` [Gy]; a float for scalar input, else an array of
        the broadcast shape.

    Raises
    ------
    InvalidInputError
        For NaN or infinite values, a negative dose, :math:`n \le 0`,
        :math:`\alpha/\beta \le 0`, :math:`x \le 0`, or shapes that do not
        broadcast.

    Notes
    -----
    The isoeffect formula of [1]_ for a reference dose per fraction
    :math:`x`, named :math:`\mathrm{EQD}_x` in [2]_:

    .. math:: \mathrm{EQD}_x = D \, \frac{d + \alpha/\beta}{x + \alpha/\beta}

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
    """
    (d_total, n, ab, x), scalar = prepare(
        *_dose_args(dose, fractions, alpha_beta),
        Arg("reference_dose_per_fraction", reference_dose_per_fraction, "> 0", "Gy"),
    )
    return finish(_eqdx(d_total, n, ab, x), scalar)


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
    (e, ab), scalar = prepare(
        Arg("eqd2", eqd2, ">= 0", "Gy"), Arg("alpha_beta", alpha_beta, "> 0", "Gy")
    )
    return finish(e * (1 + EQD2_REFERENCE_DOSE / ab), scalar)


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
    (b, ab), scalar = prepare(
        Arg("bed", bed, ">= 0", "Gy"), Arg("alpha_beta", alpha_beta, "> 0", "Gy")
    )
    return finish(b / (1 + EQD2_REFERENCE_DOSE / ab), scalar)


def dose_for_eqd2(target_eqd2: Any, fractions: Any, *, alpha_beta: Any) -> Any:
    r"""Total physical dose that reaches a target EQD2 in ``fractions`` fractions.

    Parameters
    ----------
    target_eqd2 : array_like
        The EQD2 to reach, :math:`\ge 0`. [Gy]
    fractions : array_like
        Number of fractions of the new schedule, :math:`n > 0`.
    alpha_beta : array_like
        Tissue :math:`\alpha/\beta > 0`; keyword-only, no default. [Gy]

    Returns
    -------
    float or numpy.ndarray
        Total physical dose :math:`D` [Gy] (divide by ``fractions`` for the
        dose per fraction).

    Raises
    ------
    InvalidInputError
        For NaN, infinite or negative target, :math:`n \le 0`,
        :math:`\alpha/\beta \le 0`, or shapes that do not broadcast.

    Notes
    -----
    With :math:`B = \mathrm{EQD2}\,(1 + 2/(\alpha/\beta))`, the positive root
    of :math:`D^2/(n\,\alpha/\beta) + D - B = 0` (the BED of [1]_ solved for
    :math:`D`), written in the cancellation-free form

    .. math:: D = \frac{2B}{1 + \sqrt{1 + 4B/(n\,\alpha/\beta)}}

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
    """
    (e, n, ab), scalar = prepare(
        Arg("target_eqd2", target_eqd2, ">= 0", "Gy"),
        Arg("fractions", fractions, "> 0"),
        Arg("alpha_beta", alpha_beta, "> 0", "Gy"),
    )
    target_bed = e * (1 + EQD2_REFERENCE_DOSE / ab)
    dose = 2 * target_bed / (1 + np.sqrt(1 + 4 * target_bed / (n * ab)))
    return finish(dose, scalar)


def fractions_for_eqd2(target_eqd2: Any, dose_per_fraction: Any, *, alpha_beta: Any) -> Any:
    r"""Number of fractions of size ``dose_per_fraction`` that reaches a target EQD2.

    Parameters
    ----------
    target_eqd2 : array_like
        The EQD2 to reach, :math:`\ge 0`. [Gy]
    dose_per_fraction : array_like
        Physical dose per fraction :math:`d > 0` of the new schedule. [Gy]
    alpha_beta : array_like
        Tissue :math:`\alpha/\beta > 0`; keyword-only, no default. [Gy]

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
        :math:`\alpha/\beta \le 0`, or shapes that do not broadcast.

    Notes
    -----
    The BED of [1]_ solved for :math:`n`:

    .. math:: n = \frac{\mathrm{EQD2}\,(2 + \alpha/\beta)}{d\,(d + \alpha/\beta)}

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
    """
    (e, d, ab), scalar = prepare(
        Arg("target_eqd2", target_eqd2, ">= 0", "Gy"),
        Arg("dose_per_fraction", dose_per_fraction, "> 0", "Gy"),
        Arg("alpha_beta", alpha_beta, "> 0", "Gy"),
    )
    return finish(e * ((EQD2_REFERENCE_DOSE + ab) / (d * (d + ab))), scalar)
