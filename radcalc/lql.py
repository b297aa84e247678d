r"""Linear-quadratic-linear (LQ-L) model for high doses per fraction (Astrahan 2008).

The LQ survival curve bends ever more steeply with dose; measured curves
straighten at high dose, and LQ is considered reasonable only up to about
10 Gy per fraction [2]_. LQ-L [1]_ keeps LQ up to a transition dose
:math:`d_T` and continues linearly along the LQ tangent above it:

.. math::
   \frac{\mathrm{BED}}{n} =
   \begin{cases}
     d\left(1 + \dfrac{d}{\alpha/\beta}\right), & d \le d_T \\[1ex]
     d_T\left(1 + \dfrac{d_T}{\alpha/\beta}\right)
       + (d - d_T)\left(1 + \dfrac{2 d_T}{\alpha/\beta}\right), & d > d_T
   \end{cases}

:math:`d_T` is a property of the tissue with no default in radcalc: the user
must choose it and its source.

References
----------
.. [1] Astrahan M. Some implications of linear-quadratic-linear radiation
   dose-response with regard to hypofractionation. Med Phys
   2008;35:4161-4172.
.. [2] Brenner DJ. The linear-quadratic model is an appropriate methodology
   for determining isoeffective doses at large doses per fraction. Semin
   Radiat Oncol 2008;18:234-239.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from radcalc._scaled import careful_and_proven
from radcalc._validate import Arg, validate

__all__ = ["bed_per_fraction_lql", "dose_per_fraction_lql"]


def bed_per_fraction_lql(dose_per_fraction: Any, *, alpha_beta: Any, transition_dose: Any) -> Any:
    r"""BED of one fraction under the LQ-L model.

    Parameters
    ----------
    dose_per_fraction : array_like
        Physical dose of the fraction, :math:`d \ge 0`. [Gy]
    alpha_beta : array_like
        Tissue :math:`\alpha/\beta > 0`; keyword-only, no default. [Gy]
    transition_dose : array_like
        Dose per fraction :math:`d_T > 0` above which the curve is linear;
        keyword-only, no default. [Gy]

    Returns
    -------
    float or numpy.ndarray
        BED of the fraction [Gy]; a float for scalar input, else an array of
        the broadcast shape.

    Raises
    ------
    InvalidInputError
        For NaN or infinite values, :math:`d < 0`, :math:`\alpha/\beta \le 0`,
        :math:`d_T \le 0`, or shapes that do not broadcast.
        Also when the result overflows (its true value is not a finite float).

    Notes
    -----
    The LQ-L survival curve of [1]_ is :math:`-\ln S = \alpha d + \beta d^2`
    for :math:`d \le d_T` and
    :math:`\alpha d_T + \beta d_T^2 + \gamma (d - d_T)` above, with
    :math:`\gamma = \alpha + 2 \beta d_T` (the LQ slope at :math:`d_T`);
    :math:`\mathrm{BED} = -\ln S / \alpha` gives the cases of the module
    docstring. Expanding them, both are one expression:

    .. math:: \frac{\mathrm{BED}}{n} = d\left(1 + \frac{d}{\alpha/\beta}\right)
              - \frac{\max(0,\ d - d_T)^2}{\alpha/\beta}

    so LQ-L equals LQ for :math:`d \le d_T`, is below it above :math:`d_T`,
    and it and its first derivative are continuous at :math:`d_T`.

    References
    ----------
    .. [1] Astrahan M. Some implications of linear-quadratic-linear radiation
       dose-response with regard to hypofractionation. Med Phys
       2008;35:4161-4172.

    Examples
    --------
    >>> bed_per_fraction_lql([4, 6, 24], alpha_beta=10, transition_dose=6)
    array([ 5.6,  9.6, 49.2])
    """
    call = validate(
        "bed_per_fraction_lql",
        Arg("dose_per_fraction", dose_per_fraction, ">= 0", "Gy"),
        Arg("alpha_beta", alpha_beta, "> 0", "Gy"),
        Arg("transition_dose", transition_dose, "> 0", "Gy"),
    )
    return call.finish(*careful_and_proven(_bed_per_fraction_lql, *call.arrays, lazy=call.lazy))


def _bed_per_fraction_lql(d: Any, ab: Any, d_t: Any) -> Any:
    return d * (1 + quadratic_dose_lql_unchecked(d, d_t) / ab)


def dose_per_fraction_lql(bed_per_fraction: Any, *, alpha_beta: Any, transition_dose: Any) -> Any:
    r"""Dose per fraction that gives a BED per fraction under LQ-L (inverse).

    Parameters
    ----------
    bed_per_fraction : array_like
        BED of one fraction, :math:`b \ge 0`. [Gy]
    alpha_beta : array_like
        Tissue :math:`\alpha/\beta > 0`; keyword-only, no default. [Gy]
    transition_dose : array_like
        Transition dose :math:`d_T > 0`; keyword-only, no default. [Gy]

    Returns
    -------
    float or numpy.ndarray
        Dose per fraction :math:`d` [Gy].

    Raises
    ------
    InvalidInputError
        For NaN or infinite values, :math:`b < 0`, :math:`\alpha/\beta \le 0`,
        :math:`d_T \le 0`, or shapes that do not broadcast.
        Also when the result overflows (its true value is not a finite float).

    Notes
    -----
    Closed form on each branch of [1]_, with
    :math:`b_T = d_T (1 + d_T/(\alpha/\beta))`, the BED at :math:`d_T`:

    .. math::
       d = \begin{cases}
         \dfrac{2b}{1 + \sqrt{1 + 4b/(\alpha/\beta)}}, & b \le b_T \\[1ex]
         d_T + \dfrac{b - b_T}{1 + 2 d_T/(\alpha/\beta)}, & b > b_T
       \end{cases}

    References
    ----------
    .. [1] Astrahan M. Some implications of linear-quadratic-linear radiation
       dose-response with regard to hypofractionation. Med Phys
       2008;35:4161-4172.

    Examples
    --------
    >>> dose_per_fraction_lql([5.6, 9.6, 49.2], alpha_beta=10, transition_dose=6)
    array([ 4.,  6., 24.])
    """
    call = validate(
        "dose_per_fraction_lql",
        Arg("bed_per_fraction", bed_per_fraction, ">= 0", "Gy"),
        Arg("alpha_beta", alpha_beta, "> 0", "Gy"),
        Arg("transition_dose", transition_dose, "> 0", "Gy"),
    )
    return call.finish(
        *careful_and_proven(dose_per_fraction_lql_unchecked, *call.arrays, lazy=call.lazy)
    )


def quadratic_dose_lql_unchecked(dose_per_fraction: Any, transition_dose: Any) -> Any:
    r"""The :math:`q` with :math:`\mathrm{BED}/n = d (1 + q/(\alpha/\beta))` under LQ-L.

    :math:`q = d - \max(0, d - d_T)^2 / d` (validated arrays); exactly
    :math:`d` for :math:`d \le d_T`. It is evaluated as the equal sum of
    non-negative terms

    .. math:: q = \min(d, d_T) + \max(0, d - d_T)\,\frac{d_T}{\max(d, d_T)}

    (for :math:`d > d_T`: :math:`d - (d - d_T)^2/d = d_T + (d - d_T)\,d_T/d`),
    which has no cancellation: the first form subtracts two numbers near
    :math:`d` when :math:`d \gg d_T` and loses all accuracy at extreme doses.
    """
    d, d_t = dose_per_fraction, transition_dose
    return np.minimum(d, d_t) + np.maximum(d - d_t, 0) * (d_t / np.maximum(d, d_t))


def dose_per_fraction_lql_unchecked(
    bed_per_fraction: Any, alpha_beta: Any, transition_dose: Any
) -> Any:
    """Inverse of LQ-L per fraction (validated arrays); see :func:`dose_per_fraction_lql`."""
    b, ab, d_t = bed_per_fraction, alpha_beta, transition_dose
    b_t = d_t * (1 + d_t / ab)
    lq_root = 2 * b / (1 + np.sqrt(1 + 4 * b / ab))  # LQ branch, cancellation-free
    linear = d_t + (b - b_t) / (1 + 2 * d_t / ab)  # linear branch of [1]
    return np.where(b <= b_t, lq_root, linear)
