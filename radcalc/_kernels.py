"""The compiled loops behind :mod:`radcalc._fused` (imports numba: load lazily).

Each loop is the numpy path of :mod:`radcalc.lq`, operation by operation, in
the dtype of its arguments, plus the validity and LQ-range flags; see
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

A division by a value that is the same for every element (the fractions
``n``, ``x + alpha/beta`` for a scalar alpha/beta, the LQ-L slope, the
divisor of the inverse's quotient under the square root) is
:func:`divide` with a ``pair`` (the divisor and its rounded reciprocal, made
once per call by :func:`radcalc._fused.pair`): a multiplication and one
correction by two fused multiply-adds, which give the IEEE quotient itself (see
:func:`divide`) at a fraction of the divider's cost. On one core it made LQ-L,
``cumulative_eqd2`` and ``max_new_dose`` 1.2 to 1.5 times faster (the divider
was their limit); the results stay bit-identical to the numpy path (tested:
exhaustively over a float32 binade, on random and near-midpoint quotients, and
every kernel with and without it).

The inverse and history loops, and the forward loop with an alpha/beta grid or
LQ-L, ask LLVM for 512-bit vectors (:func:`wide`); LLVM's x86 targets with
AVX-512 otherwise prefer 256-bit ones. Measured on a 10 M-voxel grid, one
core, the kernels alone in one interleaved comparison (ratio to
``np.copyto``): ``dose_for_eqd2`` 1.78 -> 1.39 (with the :func:`divide` of its
quotient under the square root, which alone was slower at 256 bits), LQ-L 1.47
-> 1.26, alpha/beta grid 1.35 -> 1.27, ``max_new_dose`` 1.96 -> 1.68; the
plain forward loop was 2-5 % slower at 512 bits and keeps 256. Without it
the history loop of ``max_new_dose``, with the FMA division under its square
root, measured 4.6 times ``np.copyto`` (1.6 with it). Why is not
established (no hardware counters on the benchmark machine); these loops do
much arithmetic per voxel, and half as many vector instructions per voxel
likely leave the out-of-order core more room to overlap it with the memory
traffic. The vector width does not change a result: every operation is
element-wise, and the reductions (min, max, or) do not depend on the order.

The validity and LQ-range outcomes are flags (``|=``), not counts: a 64-bit
counter made LLVM vectorise float32 loops at half their width.

Measured on a 10 M-voxel grid, the speed of these memory-bound loops moves by
10 to 20 % with the shape of the machine code in ways the in-cache speed does
not predict (a variant faster on a grid that fits in the caches was slower on
the large grid: reading the patterns by a register bitcast instead of a second
view, and the FMA division under a square root with 256-bit vectors; software
prefetching was slower in every form tried). Changes here are kept only if
``benchmarks/bench_fused.py`` shows them faster on the large grid.
"""

import math
from typing import Any

import numba
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, overload

__all__ = ["forward", "history", "inverse"]


def at(x: Any, i: Any) -> Any:  # pragma: no cover - replaced by the overload below
    """x[i] for a flat grid, x itself for a scalar (compiled per argument type)."""
    raise NotImplementedError


@overload(at, inline="always")
def _at(x, i):  # type: ignore[no-untyped-def]  # unannotated: numba compares signatures
    if isinstance(x, types.Array):
        return lambda x, i: x[i]
    return lambda x, i: x


def _fma(typingctx, a, b, c):  # type: ignore[no-untyped-def]  # numba's intrinsic protocol
    """a * b + c with one rounding (LLVM's llvm.fma: the FMA instruction, or libm's fma)."""
    signature = a(a, a, a)

    def codegen(context, builder, sig, args):  # type: ignore[no-untyped-def]
        kind = context.get_value_type(sig.return_type)
        name = "llvm.fma.f64" if sig.return_type.bitwidth == 64 else "llvm.fma.f32"
        function = cgutils.get_or_insert_function(  # type: ignore[no-untyped-call]
            builder.module, ir.FunctionType(kind, [kind, kind, kind]), name
        )
        return builder.call(function, args)

    return signature, codegen


fma: Any = intrinsic(_fma)


def divide(num: Any, den: Any, pair: Any) -> Any:  # pragma: no cover - the overload below
    """num / den, correctly rounded (compiled per argument type)."""
    raise NotImplementedError


@overload(divide, inline="always")
def _divide(num, den, pair):  # type: ignore[no-untyped-def]
    r"""``num / den``; with ``pair`` = (den, y), y = RN(1/den), without the divider.

    q0 = RN(num y), then q = RN(q0 + r y) with the remainder r = num - den q0
    (each one FMA): a multiplication and two FMAs, the IEEE quotient itself
    barring underflow and overflow (excluded: the kernels run on inputs inside
    the ordinary range only, see ``radcalc._fused._LIMITS``). Brisebarre,
    Muller and Raina (2004) state this as known; the argument, with num and den
    scaled into [1, 2), x = num/den, u = 2^-53:

    - Markstein's theorem: if y = RN(1/den) and q0 is within one ulp of x, r is
      exact and q = RN(x).
    - num >= den: x in [1, 2), ulp 2u. |num y - x| <= num |y - 1/den| <= num u/2
      < u, and the rounding of q0 adds at most u: within one ulp.
    - num < den: x in [1/2, 1), ulp u; |q0 - x| < u/2 + num u/2 < 1.5 ulp. Where
      it is one ulp or more, the value q0 + r y that q rounds is x - (x - q0) e
      with e = 1 - den y, |e| < u, plus y times r's own rounding error (r < 3u,
      so at most 2 u^2): within 3.5 u^2 of x. q can differ from RN(x) only if a
      rounding midpoint lies that close to x; then q0, an ulp or more from x, is
      1.5 ulp from the midpoint, so |num y - x| >= u - 3.5 u^2, which needs
      num >= 2 - 7u and den in (num, 2): (num, den) = (2 - 4u, 2 - 2u),
      (2 - 6u, 2 - 2u) or (2 - 6u, 2 - 4u), whose quotients 1 - u - u^2,
      1 - 2u - 2u^2 and 1 - u - 2u^2 (to order u^2) are each about half an ulp
      from every midpoint. So q = RN(x) here too.

    Tested exhaustively over a float32 binade for divisors with the smallest
    and the largest significands, and on random and near-midpoint float64
    quotients (tests/test_fused_division.py).

    References: P. Markstein, "Computation of elementary functions on the IBM
    RISC System/6000 processor", IBM J. Res. Dev. 34(1):111-119 (1990);
    N. Brisebarre, J.-M. Muller, S. K. Raina, "Accelerating correctly rounded
    floating-point division when the divisor is known in advance", IEEE Trans.
    Comput. 53(8):1069-1072 (2004); D. M. Russinoff, Formal Verification of
    Floating-Point Hardware Design, 2nd ed., Springer 2022, section 13.1
    "Quotient Refinement" (lemma ``markstein``;
    http://www.russinoff.com/libman/text/node67.html).
    """
    if isinstance(pair, types.NoneType):
        return lambda num, den, pair: num / den

    def refined(num, den, pair):  # type: ignore[no-untyped-def]
        d, y = pair
        q = num * y
        return fma(fma(-q, d, num), y, q)

    return refined


def _wide(typingctx):  # type: ignore[no-untyped-def]  # numba's intrinsic protocol
    """Ask LLVM for 512-bit vectors in the function being compiled (no code emitted).

    The function attribute ``"prefer-vector-width"="512"``: LLVM's x86 targets
    with AVX-512 otherwise prefer 256-bit vectors. Where a target has no
    512-bit vectors, LLVM ignores it. llvmlite checks function attributes
    against a list of flag names, which has no ``key=value`` form: the
    attribute is added as the set member it is printed from. Should a later
    llvmlite store attributes otherwise, nothing is added: the attribute only
    changes speed, never a result.
    """
    signature = types.none()

    def codegen(context, builder, sig, args):  # type: ignore[no-untyped-def]
        attributes = builder.function.attributes
        if isinstance(attributes, set):
            set.add(attributes, '"prefer-vector-width"="512"')
        return context.get_dummy_value()

    return signature, codegen


wide: Any = intrinsic(_wide)


def wide_for(ab: Any, d_t: Any) -> Any:  # pragma: no cover - replaced by the overload below
    """:func:`wide` for an alpha/beta grid or LQ-L, nothing otherwise (per argument type)."""
    raise NotImplementedError


@overload(wide_for, inline="always")
def _wide_for(ab, d_t):  # type: ignore[no-untyped-def]
    if isinstance(ab, types.Array) or not isinstance(d_t, types.NoneType):
        return lambda ab, d_t: wide()
    return lambda ab, d_t: None


def pick(pairs: Any, k: Any) -> Any:  # pragma: no cover - replaced by the overload below
    """pairs[k], or None when pairs is None (compiled per argument type)."""
    raise NotImplementedError


@overload(pick, inline="always")
def _pick(pairs, k):  # type: ignore[no-untyped-def]
    if isinstance(pairs, types.NoneType):
        return lambda pairs, k: None
    return lambda pairs, k: pairs[k]


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
    pairs: Any,
    out: Any,
) -> tuple[bool, bool]:
    """BED (``x`` None) or EQDx; ``qfac`` = 1 + h (repair), ``d_t`` (LQ-L), ``lost`` (time).

    ``pairs``: the :func:`divide` pairs of ``n``, ``a`` and ``x + a`` (each None
    when it does not apply: an alpha/beta grid, or no FMA).

    The LQ-range flag is a pre-test (the numpy path's own test decides the
    warning): without LQ-L, whether the largest dose's bit pattern exceeds
    ``dose_above`` (the pattern of a dose a little below ``n * limit``, so that
    every d = D/n above ``limit`` is caught); with LQ-L, d > ``limit`` per element.
    """
    wide_for(ab, d_t)  # 512-bit vectors with an alpha/beta grid or LQ-L (module docstring)
    zero = one - one
    low = bhi  # smallest and largest bit pattern of the inputs (±0 dose: lo's)
    high = blo
    dose_high = blo  # largest bit pattern of the doses (the LQ-range pre-test)
    bad = False  # any invalid input or result (a flag: the loop vectorises at the
    above = False  # float's width, which 64-bit counters would halve in float32)
    for i in range(out.size):
        big_d = at(dose, i)
        a = at(ab, i)
        d = divide(big_d, n, pairs[0])
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
            r = big_d * (one + divide(q, a, pairs[1]))
            if lost is not None:
                r = r - lost
        else:
            r = big_d * divide(q + a, x + a, pairs[2])
            if lost is not None:
                r = r - lost / (one + x / a)
        if d_t is None:
            c = unsigned_zero(at(dose_bits, i), nosign, blo)
            k = at(ab_bits, i)
            low = min(min(low, c), k)
            high = max(max(high, c), k)
            dose_high = max(dose_high, c)
            bad |= not (abs(r) <= hi)
        else:  # the same tests by comparisons: faster in this longer loop (measured)
            ok = ((big_d >= lo) | (big_d == zero)) & (big_d <= hi) & (a >= lo) & (a <= hi)
            bad |= not (ok & (abs(r) <= hi))
            above |= d > limit
        out[i] = r
    bad |= (low < blo) | (high > bhi)
    if d_t is None:
        above |= dose_high > dose_above  # some dose D > dose_above, below n x limit
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
    pairs: Any,
    out: Any,
) -> tuple[bool, bool]:
    """Total dose for a target EQDx (the numpy path of lq.dose_for_eqd2).

    ``pairs``: the :func:`divide` pairs of ``n`` and of the LQ-L slope
    ``1 + 2 d_T / a``, then of the divisor of the quotient under the square
    root (``n a_eff``; LQ-L: ``a``); None when they do not apply.
    """
    wide()  # 512-bit vectors (module docstring)
    two = one + one
    four = two + two
    low = bhi  # as in forward
    high = blo
    bad = False  # any invalid input or result (a flag: the loop vectorises at the
    above = False  # float's width, which 64-bit counters would halve in float32)
    for i in range(out.size):
        e = at(target, i)
        a = at(ab, i)
        tb = e * (one + x / a)  # target BED
        if lost is not None:
            tb = tb + lost  # + K max(0, T - T_k)
        if d_t is not None:
            b = divide(tb, n, pairs[0])
            b_t = d_t * (one + d_t / a)
            lq_root = two * b / (one + math.sqrt(one + divide(four * b, a, pairs[2])))
            linear = d_t + divide(b - b_t, one + two * d_t / a, pairs[1])
            r = n * (lq_root if b <= b_t else linear)
        else:
            a_eff = a
            if qfac is not None:
                a_eff = a / qfac
            ratio = divide(four * tb, n * a_eff, pairs[2])
            above |= ratio > four * limit * (one + limit / a_eff) / a_eff
            r = two * tb / (one + math.sqrt(one + ratio))
        c = unsigned_zero(at(target_bits, i), nosign, blo)
        k = at(ab_bits, i)
        low = min(min(low, c), k)
        high = max(max(high, c), k)
        bad |= not (abs(r) <= hi)
        out[i] = r
    bad |= (low < blo) | (high > bhi)
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
    pairs: Any,
    out: Any,
) -> tuple[bool, bool]:
    """Cumulative EQD2 (``lim`` None) or the largest new dose (``lim`` the limit).

    ``doses`` is a tuple of flat grids, oldest course first, ``ns`` their
    fractions and ``ws`` the weights :math:`1 - r(t_i)`: the numpy path of
    reirradiation.cumulative_eqd2 (the newest course, last, unweighted) or of
    max_new_dose (every course weighted, then lq.dose_for_eqd2 of the
    remaining EQD2 with ``n_new`` fractions), operation by operation.
    ``pairs``: the :func:`divide` pairs of each course's fractions (a tuple),
    of ``x + a`` and of ``n_new a`` (None when they do not apply).
    """
    wide()  # 512-bit vectors (module docstring)
    zero = one - one
    two = one + one
    four = two + two
    last = len(doses) - 1
    first = last - 1 if lim is None else last
    bad = False  # any invalid input or result (a flag: the loop vectorises at the
    above = False  # float's width, which 64-bit counters would halve in float32)
    for i in range(out.size):
        ok = True
        total = zero
        for k in range(first, -1, -1):  # _discounted_history: newest earlier course first
            big_d = doses[k][i]
            d = divide(big_d, ns[k], pick(pairs[0], k))
            e = big_d * divide(d + a, x + a, pairs[1])  # Withers 1983 (lq._eqdx)
            total = total + ws[k] * e
            ok &= ((big_d >= lo) | (big_d == zero)) & (big_d <= hi)
        if lim is None:
            big_d = doses[last][i]
            d = divide(big_d, ns[last], pick(pairs[0], last))
            r = total + big_d * divide(d + a, x + a, pairs[1])
            ok &= ((big_d >= lo) | (big_d == zero)) & (big_d <= hi)
        else:
            m = max(lim - total, zero)  # np.maximum(remaining, 0)
            ok &= ((m >= lo) | (m == zero)) & (m <= hi)
            tb = m * (one + x / a)  # the inverse loop above, plain LQ
            ratio = divide(four * tb, n_new * a, pairs[2])
            above |= ratio > four * limit * (one + limit / a) / a
            r = two * tb / (one + math.sqrt(one + ratio))
        ok &= abs(r) <= hi
        bad |= not ok
        out[i] = r
    return bad, above
