"""The compiled loops behind :mod:`radcalc._fused` (imports numba: load lazily).

Each loop is the numpy path of :mod:`radcalc.lq`, operation by operation, in
the dtype of its arguments, plus the validity and LQ-range counts; see
:mod:`radcalc._fused` for the contract. ``cache=True`` keeps the machine code
between sessions (compiled on first use).

Inputs are checked on their bit patterns, read as signed integers of the
float's width (``*_bits``, a view of the same memory: no extra memory
traffic). For a float that is not a NaN, ordering by that integer is ordering
by value among positive numbers, every negative number (and a NaN with the
sign bit) comes below every positive one, and every other NaN and infinity
above the largest finite number. So "every element is ±0 or in [lo, hi]" is
"the smallest and the largest pattern (±0 replaced by lo's) lie within
[lo's pattern, hi's]": two integer min/max accumulators per input, which
vectorise, instead of four comparisons and a count per element (measured:
plain ``eqd2`` from about 1.39 to 1.16 times ``np.copyto``, serial). The outcome is
the same set test as the comparisons, element for element (tested). The LQ-L
forward loop and :func:`history` keep the comparisons: there the accumulators
measured slower (LLVM vectorises those longer loops less well with them).
"""

import math
from typing import Any

import numba
from numba import types
from numba.extending import overload

__all__ = ["forward", "history", "inverse"]


def at(x: Any, i: Any) -> Any:  # pragma: no cover - replaced by the overload below
    """x[i] for a flat grid, x itself for a scalar (compiled per argument type)."""
    raise NotImplementedError


@overload(at, inline="always")
def _at(x, i):  # type: ignore[no-untyped-def]  # unannotated: numba compares signatures
    if isinstance(x, types.Array):
        return lambda x, i: x[i]
    return lambda x, i: x


jit: Any = numba.njit(cache=True, nogil=True, error_model="numpy")


@numba.njit(inline="always")
def unsigned_zero(bits: Any, nosign: Any, blo: Any) -> Any:
    """``bits`` of a float, or lo's bits if the float is ±0 (a valid dose)."""
    return bits if (bits & nosign) != 0 else blo


# Arguments: the grid (or scalar) operands, then the numbers typed in the result
# dtype (``one`` is 1 in that dtype: a literal would promote float32 to float64),
# then options that are None when they do not apply. numba prunes the branches of
# a None argument at compile time, so each combination is its own tight loop.


@jit  # type: ignore[untyped-decorator]
def forward(
    dose: Any,
    dose_bits: Any,
    ab: Any,
    ab_bits: Any,
    n: Any,
    limit: Any,
    dose_above: Any,
    lo: Any,
    hi: Any,
    blo: Any,
    bhi: Any,
    nosign: Any,
    one: Any,
    x: Any,
    qfac: Any,
    d_t: Any,
    lost: Any,
    out: Any,
) -> tuple[int, int]:
    """BED (``x`` None) or EQDx; ``qfac`` = 1 + h (repair), ``d_t`` (LQ-L), ``lost`` (time).

    The LQ-range count is a pre-test (the numpy path's own test decides the
    warning): without LQ-L, whether the largest dose's bit pattern exceeds
    ``dose_above`` (the pattern of a dose a little below ``n * limit``, so that
    every d = D/n above ``limit`` is caught); with LQ-L, d > ``limit`` per element.
    """
    zero = one - one
    low = bhi  # smallest and largest bit pattern of the inputs (±0 dose: lo's)
    high = blo
    dose_high = blo  # largest bit pattern of the doses (the LQ-range pre-test)
    bad = 0
    above = 0
    for i in range(out.size):
        big_d = at(dose, i)
        a = at(ab, i)
        d = big_d / n
        q = d
        if qfac is not None:
            q = d * qfac  # Thames 1985
        if d_t is not None:
            # Astrahan 2008, as lql.quadratic_dose_lql_unchecked evaluates it:
            # min(d, d_T) + max(d - d_T, 0) (d_T / max(d, d_T)), written with one
            # test (the same values for valid d; min()/max() kept LLVM from vectorising).
            linear = d > d_t
            q = (d_t if linear else d) + (d - d_t if linear else zero) * (
                d_t / (d if linear else d_t)
            )
        if x is None:
            r = big_d * (one + q / a)
            if lost is not None:
                r = r - lost
        else:
            r = big_d * ((q + a) / (x + a))
            if lost is not None:
                r = r - lost / (one + x / a)
        if d_t is None:
            c = unsigned_zero(at(dose_bits, i), nosign, blo)
            k = at(ab_bits, i)
            low = min(min(low, c), k)
            high = max(max(high, c), k)
            dose_high = max(dose_high, c)
            bad += not (abs(r) <= hi)
        else:  # the same tests by comparisons: faster in this longer loop (measured)
            ok = ((big_d >= lo) | (big_d == zero)) & (big_d <= hi) & (a >= lo) & (a <= hi)
            bad += not (ok & (abs(r) <= hi))
            above += d > limit
        out[i] = r
    bad += (low < blo) | (high > bhi)
    if d_t is None:
        above += dose_high > dose_above  # some dose D > dose_above, below n x limit
    return bad, above


@jit  # type: ignore[untyped-decorator]
def inverse(
    target: Any,
    target_bits: Any,
    ab: Any,
    ab_bits: Any,
    n: Any,
    limit: Any,
    dose_above: Any,
    lo: Any,
    hi: Any,
    blo: Any,
    bhi: Any,
    nosign: Any,
    one: Any,
    x: Any,
    qfac: Any,
    d_t: Any,
    lost: Any,
    out: Any,
) -> tuple[int, int]:
    """Total dose for a target EQDx (the numpy path of lq.dose_for_eqd2)."""
    two = one + one
    four = two + two
    low = bhi  # as in forward
    high = blo
    bad = 0
    above = 0
    for i in range(out.size):
        e = at(target, i)
        a = at(ab, i)
        tb = e * (one + x / a)  # target BED
        if lost is not None:
            tb = tb + lost  # + K max(0, T - T_k)
        if d_t is not None:
            b = tb / n
            b_t = d_t * (one + d_t / a)
            lq_root = two * b / (one + math.sqrt(one + four * b / a))
            linear = d_t + (b - b_t) / (one + two * d_t / a)
            r = n * (lq_root if b <= b_t else linear)
        else:
            a_eff = a
            if qfac is not None:
                a_eff = a / qfac
            ratio = four * tb / (n * a_eff)
            above += ratio > four * limit * (one + limit / a_eff) / a_eff
            r = two * tb / (one + math.sqrt(one + ratio))
        c = unsigned_zero(at(target_bits, i), nosign, blo)
        k = at(ab_bits, i)
        low = min(min(low, c), k)
        high = max(max(high, c), k)
        bad += not (abs(r) <= hi)
        out[i] = r
    bad += (low < blo) | (high > bhi)
    return bad, above


@jit  # type: ignore[untyped-decorator]
def history(
    doses: Any,
    ns: Any,
    ws: Any,
    a: Any,
    x: Any,
    lo: Any,
    hi: Any,
    one: Any,
    lim: Any,
    n_new: Any,
    limit: Any,
    out: Any,
) -> tuple[int, int]:
    """Cumulative EQD2 (``lim`` None) or the largest new dose (``lim`` the limit).

    ``doses`` is a tuple of flat grids, oldest course first, ``ns`` their
    fractions and ``ws`` the weights :math:`1 - r(t_i)`: the numpy path of
    reirradiation.cumulative_eqd2 (the newest course, last, unweighted) or of
    max_new_dose (every course weighted, then lq.dose_for_eqd2 of the
    remaining EQD2 with ``n_new`` fractions), operation by operation.
    """
    zero = one - one
    two = one + one
    four = two + two
    last = len(doses) - 1
    first = last - 1 if lim is None else last
    bad = 0
    above = 0
    for i in range(out.size):
        ok = True
        total = zero
        for k in range(first, -1, -1):  # _discounted_history: newest earlier course first
            big_d = doses[k][i]
            e = big_d * ((big_d / ns[k] + a) / (x + a))  # Withers 1983 (lq._eqdx)
            total = total + ws[k] * e
            ok &= ((big_d >= lo) | (big_d == zero)) & (big_d <= hi)
        if lim is None:
            big_d = doses[last][i]
            r = total + big_d * ((big_d / ns[last] + a) / (x + a))
            ok &= ((big_d >= lo) | (big_d == zero)) & (big_d <= hi)
        else:
            m = max(lim - total, zero)  # np.maximum(remaining, 0)
            ok &= ((m >= lo) | (m == zero)) & (m <= hi)
            tb = m * (one + x / a)  # the inverse loop above, plain LQ
            ratio = four * tb / (n_new * a)
            above += ratio > four * limit * (one + limit / a) / a
            r = two * tb / (one + math.sqrt(one + ratio))
        ok &= abs(r) <= hi
        bad += not ok
        out[i] = r
    return bad, above
