r"""Floating point with an unbounded exponent: the careful path for extreme inputs.

A :class:`Scaled` number is :math:`m \cdot 2^e` with a float64 mantissa
:math:`0.5 \le |m| < 1` (or :math:`m = 0`) and an int64 exponent :math:`e`.
Products, quotients, sums and square roots of such numbers never overflow or
underflow: each operation rounds the mantissa once, exactly as float64 does,
and only the final conversion :meth:`Scaled.to_float` rounds to the float64
range (to ``inf`` when the true result is too large, to a subnormal or 0 when
it is too small; it is correctly rounded there).

radcalc evaluates every formula first with plain numpy under
``np.errstate(all="raise")``. Only when an intermediate overflows or
underflows (a ``FloatingPointError``) is the same formula evaluated again on
:class:`Scaled` numbers (see :func:`careful`). The formulas
need not change: :class:`Scaled` implements the numpy ufuncs they use
(``+ - * /``, ``sqrt``, ``maximum``, ``minimum``, comparisons) and
``numpy.where``. The rounding error of a formula is therefore the same on both
paths, and no intermediate can turn a representable answer into 0 or inf.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["Scaled", "careful", "careful_and_proven"]

#: Exponent of zero: far below any product of float64 exponents, so that an
#: exact zero never decides the common exponent of a sum.
_ZERO_EXPONENT = -(2**40)
#: Exponents beyond this convert to inf or 0 (float64 spans about -1075..1024).
_CLIP = 4096


class Scaled:
    """An array of numbers m * 2**e with an int64 exponent (see the module docstring)."""

    __slots__ = ("exponent", "mantissa")

    def __init__(self, mantissa: Any, exponent: Any) -> None:
        # Normalise: frexp puts |m| in [0.5, 1) and returns the exponent it took out.
        m, shift = np.frexp(np.asarray(mantissa, dtype=np.float64))
        e = np.asarray(exponent, dtype=np.int64) + shift
        self.mantissa: Any = m
        self.exponent: Any = np.where(m == 0, _ZERO_EXPONENT, e)

    @classmethod
    def of(cls, value: Any) -> Scaled:
        """``value`` (a number, an array or a Scaled) as a Scaled."""
        if isinstance(value, Scaled):
            return value
        return cls(np.asarray(value, dtype=np.float64), 0)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(np.broadcast_shapes(np.shape(self.mantissa), np.shape(self.exponent)))

    def to_float(self) -> Any:
        """The nearest float64 (inf beyond the float64 range; caller ignores FP flags)."""
        return np.ldexp(self.mantissa, np.clip(self.exponent, -_CLIP, _CLIP))

    # numpy protocol: the formulas call ufuncs and np.where on Scaled operands.
    __array_priority__ = 100

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if method != "__call__" or kwargs or ufunc not in _UFUNCS:
            return NotImplemented
        return _UFUNCS[ufunc](*(Scaled.of(x) for x in inputs))

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        if func is np.where and len(args) == 3 and not kwargs:
            condition, a, b = args
            return _select(condition, Scaled.of(a), Scaled.of(b))
        return NotImplemented

    def __add__(self, other: Any) -> Scaled:
        return _add(self, Scaled.of(other))

    def __radd__(self, other: Any) -> Scaled:
        return _add(Scaled.of(other), self)

    def __sub__(self, other: Any) -> Scaled:
        return _subtract(self, Scaled.of(other))

    def __rsub__(self, other: Any) -> Scaled:
        return _subtract(Scaled.of(other), self)

    def __mul__(self, other: Any) -> Scaled:
        return _multiply(self, Scaled.of(other))

    def __rmul__(self, other: Any) -> Scaled:
        return _multiply(Scaled.of(other), self)

    def __truediv__(self, other: Any) -> Scaled:
        return _divide(self, Scaled.of(other))

    def __rtruediv__(self, other: Any) -> Scaled:
        return _divide(Scaled.of(other), self)

    def __neg__(self) -> Scaled:
        return Scaled(-self.mantissa, self.exponent)

    def __lt__(self, other: Any) -> Any:
        return _sign_of_difference(self, Scaled.of(other)) < 0

    def __le__(self, other: Any) -> Any:
        return _sign_of_difference(self, Scaled.of(other)) <= 0

    def __gt__(self, other: Any) -> Any:
        return _sign_of_difference(self, Scaled.of(other)) > 0

    def __ge__(self, other: Any) -> Any:
        return _sign_of_difference(self, Scaled.of(other)) >= 0


def _select(condition: Any, a: Scaled, b: Scaled) -> Scaled:
    """``numpy.where`` for Scaled numbers."""
    return Scaled(
        np.where(condition, a.mantissa, b.mantissa), np.where(condition, a.exponent, b.exponent)
    )


def _add(a: Scaled, b: Scaled) -> Scaled:
    # Align both on the larger exponent: the smaller addend is scaled down exactly
    # (or to 0 when it is far below the last bit of the sum).
    e = np.maximum(a.exponent, b.exponent)
    shift_a = np.maximum(a.exponent - e, -_CLIP)
    shift_b = np.maximum(b.exponent - e, -_CLIP)
    return Scaled(np.ldexp(a.mantissa, shift_a) + np.ldexp(b.mantissa, shift_b), e)


def _subtract(a: Scaled, b: Scaled) -> Scaled:
    return _add(a, -b)


def _multiply(a: Scaled, b: Scaled) -> Scaled:
    return Scaled(a.mantissa * b.mantissa, a.exponent + b.exponent)


def _divide(a: Scaled, b: Scaled) -> Scaled:
    return Scaled(a.mantissa / b.mantissa, a.exponent - b.exponent)


def _sqrt(a: Scaled) -> Scaled:
    odd = a.exponent & 1  # two's complement: the parity of negative exponents too
    return Scaled(np.sqrt(np.ldexp(a.mantissa, odd)), (a.exponent - odd) // 2)


def _sign_of_difference(a: Scaled, b: Scaled) -> Any:
    return np.sign(_subtract(a, b).mantissa)


def _maximum(a: Scaled, b: Scaled) -> Scaled:
    return _select(_sign_of_difference(a, b) >= 0, a, b)


def _minimum(a: Scaled, b: Scaled) -> Scaled:
    return _select(_sign_of_difference(a, b) <= 0, a, b)


_UFUNCS: dict[Any, Any] = {
    np.add: _add,
    np.subtract: _subtract,
    np.multiply: _multiply,
    np.true_divide: _divide,
    np.sqrt: _sqrt,
    np.negative: lambda a: -a,
    np.maximum: _maximum,
    np.minimum: _minimum,
    np.less: lambda a, b: _sign_of_difference(a, b) < 0,
    np.less_equal: lambda a, b: _sign_of_difference(a, b) <= 0,
    np.greater: lambda a, b: _sign_of_difference(a, b) > 0,
    np.greater_equal: lambda a, b: _sign_of_difference(a, b) >= 0,
}


def careful(kernel: Callable[..., Any], *operands: Any, lazy: bool = False) -> Any:
    """``kernel(*operands)`` in plain numpy, or in :class:`Scaled` numbers if needed.

    The rule for extreme inputs (issue 14): the kernel runs first on the
    float arrays under ``np.errstate(all="raise")``, so that the fast path is
    the ordinary numpy code. If any intermediate overflows, underflows or is
    invalid there (a ``FloatingPointError``), the *same* kernel runs again on
    :class:`Scaled` operands, whose exponent cannot overflow; only the final
    conversion to float64 rounds to the float range (inf when the true result
    is not representable, which :meth:`radcalc._validate.Call.finish` turns
    into an error). No intermediate can thus turn a representable answer into
    0, inf or NaN. An operand with a ``scaled()`` method (the corrections of
    :mod:`radcalc.lq`) is converted by it; numbers and numpy arrays become
    :class:`Scaled`; other operands are passed as they are.

    Lazy (dask) operands run once, unguarded (``lazy=True``): their values are
    limited by :func:`radcalc._validate.validate` to a range where float64
    cannot over- or underflow in these formulas.
    """
    return careful_and_proven(kernel, *operands, lazy=lazy)[0]


def careful_and_proven(
    kernel: Callable[..., Any], *operands: Any, lazy: bool = False
) -> tuple[Any, bool]:
    """:func:`careful`, and True when the fast path gave the result.

    A fast-path result is finite by proof, without looking at it: its
    operands are finite (validated), and any overflow, division by zero or
    invalid operation would have raised under ``np.errstate(all="raise")``.
    :meth:`radcalc._validate.Call.finish` then skips its pass over the result
    (on a large grid that pass costs as much as one arithmetic operation).
    """
    if lazy:
        return kernel(*operands), False
    try:
        with np.errstate(all="raise"):
            return kernel(*operands), True
    except FloatingPointError:
        pass
    scaled = [_as_scaled(operand) for operand in operands]
    with np.errstate(all="ignore"):
        result = kernel(*scaled)
        return (result.to_float() if isinstance(result, Scaled) else result), False


def _as_scaled(operand: Any) -> Any:
    if hasattr(operand, "scaled"):
        return operand.scaled()
    if isinstance(operand, (np.ndarray, np.generic, float, int)):
        return Scaled.of(operand)
    return operand
