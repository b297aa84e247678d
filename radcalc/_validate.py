"""Turning user input into checked arrays, and results back into user types.

Every public formula validates its arguments here, once, at the boundary:

* ``prepare`` converts each argument to an array (without copying a caller's
  numpy array, and leaving duck arrays such as dask arrays lazy), picks the
  result dtype (float32 stays float32), checks each value against its rule
  and checks that the shapes broadcast.
* ``finish`` turns a 0-d result back into a ``float`` when every input was a
  scalar ("scalar in, scalar out").
* ``validate`` does what ``prepare`` does for one named public function and
  returns a :class:`Call` whose :meth:`Call.finish` also checks the result.

NaN and inf are always errors here, in arguments and in results: ``nan >
limit`` and ``nan <= limit`` are both False, so a NaN could otherwise slip
through a constraint check.

Rules for unusual inputs (issue 14), applied by :func:`validate`:

* **Results** are checked last: a result that is not a finite number of the
  returned dtype (an overflow) raises :class:`InvalidInputError` naming the
  function and the inputs at the first such element; radcalc never returns
  NaN or inf.
* **float16** arguments are computed in float32 and the result is returned as
  float16 only when it fits (else the overflow error above). float32 stays
  float32 and is checked in float32.
* **Masked arrays** (``numpy.ma``) are honoured: masked entries are not
  validated (they may hold any value), every argument is replaced by 1 where
  any argument is masked (a value every rule accepts), and the result is a
  masked array, masked wherever an argument is.
* **Empty arrays** give empty results (numpy's broadcasting), never an error
  from an empty reduction.
* **Duck arrays** (dask) stay lazy and are computed in float64 (cast back to
  their dtype, e.g. float32, block by block); their values must be 0 or lie between
  1e-50 and 1e50 in magnitude, where plain float
  arithmetic cannot overflow or underflow (numpy arrays have no such limit:
  radcalc re-evaluates them carefully, see :mod:`radcalc._scaled`). The result
  check then runs lazily, when the result is computed.
"""

from __future__ import annotations

import functools
import math
import os
import sys
import warnings
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, TypeGuard

import numpy as np

from radcalc._notes import emit
from radcalc.errors import InvalidInputError, RadcalcWarning

__all__ = [
    "Arg",
    "Call",
    "Rule",
    "check_scalar",
    "check_whole",
    "finish",
    "is_duck_array",
    "normalize_name",
    "prepare",
    "require",
    "validate",
    "warn_caller",
]

Rule = Literal["finite", ">= 0", "> 0"]


@dataclass(frozen=True)
class Arg:
    """One argument to validate: its public name, value, rule and unit."""

    name: str
    value: object
    rule: Rule
    unit: str = ""


def is_masked(value: object) -> TypeGuard[np.ma.MaskedArray[Any, Any]]:
    """True for a ``numpy.ma`` masked array.

    Without importing ``numpy.ma`` (7 ms, a third of ``radcalc eqd2``'s own
    start-up): no masked array can exist before that module is loaded.
    """
    ma = sys.modules.get("numpy.ma.core")
    return ma is not None and isinstance(value, ma.MaskedArray)


def is_duck_array(value: object) -> bool:
    """True for array objects that are not numpy arrays but speak its ufunc protocol."""
    return (
        not isinstance(value, (np.ndarray, np.generic))
        and hasattr(value, "__array_ufunc__")
        and hasattr(value, "shape")
        and hasattr(value, "dtype")
    )


def _to_array(arg: Arg) -> Any:
    value = arg.value
    if is_duck_array(value):
        array: Any = value
    else:
        try:
            array = np.asarray(value)
        except (TypeError, ValueError) as exc:
            raise InvalidInputError(
                f"{arg.name} must be a number or an array of numbers, got {value!r}"
            ) from exc
    kind = np.dtype(array.dtype).kind
    if kind not in "fiu":
        raise InvalidInputError(
            f"{arg.name} must be a number or an array of numbers, got {_short(value)}"
        )
    return array


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _rule_text(rule: Rule) -> str:
    return "finite" if rule == "finite" else f"finite and {rule}"


def _passes_fast(rule: Rule, array: np.ndarray[Any, Any]) -> bool:
    """Two fast reductions instead of boolean temporaries (numpy arrays only).

    ``min`` propagates NaN, and a sum is finite only if no element is NaN or
    inf, so passing here proves every element valid. Failing (or an overflowing
    sum of huge finite values) just sends the array to the exact check.
    """
    if array.ndim == 0:  # scalars: plain Python, no numpy reductions
        number = float(array)
        lowest = number if math.isfinite(number) else math.nan
        return lowest >= 0 if rule == ">= 0" else lowest > 0 if rule == "> 0" else lowest == lowest
    if array.size == 0:
        return True
    with np.errstate(over="ignore", invalid="ignore"):
        if not np.isfinite(array.sum()):
            return False
        lowest = array.min()
    if rule == ">= 0":
        return bool(lowest >= 0)
    if rule == "> 0":
        return bool(lowest > 0)
    return True


def _check_values(arg: Arg, array: Any, lazy_range: bool = False) -> None:
    if isinstance(array, np.ndarray) and _passes_fast(arg.rule, array):
        return
    with np.errstate(invalid="ignore"):
        ok = _passes_rule(arg.rule, array)
        if lazy_range and is_duck_array(array):
            ok = ok & _in_lazy_range(array)
    if bool(ok.all()):
        return
    # Error path only: materialise (this computes a duck array) to name the value.
    values = np.asarray(array)
    unit = f" [{arg.unit}]" if arg.unit else ""
    with np.errstate(invalid="ignore"):
        ok_rule = np.asarray(_passes_rule(arg.rule, values))
    rule = _rule_text(arg.rule)
    if ok_rule.all():  # only the range of lazy arrays failed
        ok_rule = np.asarray(_in_lazy_range(values))
        rule = (
            f"0 or between {_LAZY_SMALLEST:g} and {_LAZY_LARGEST:g} in magnitude in a lazy "
            "(dask) array, where plain float arithmetic is exact enough; compute it "
            "(numpy.asarray) for radcalc's careful evaluation of extreme values"
        )
    if values.ndim == 0:
        raise InvalidInputError(f"{arg.name}{unit} must be {rule}, got {_format(values[()])}")
    ok_np, index, count = _first_false(ok_rule)
    raise InvalidInputError(
        f"{arg.name}{unit} must be {rule}, got {_format(values[index])} "
        f"at index {index} ({count} of {ok_np.size} values invalid)"
    )


def is_lazy(value: object) -> bool:
    """True for a dask array (a duck array with chunks that :func:`check_lazily` can map)."""
    return is_duck_array(value) and hasattr(value, "map_blocks") and hasattr(value, "chunks")


def check_lazily(arg: Arg, array: Any, lazy_range: bool = False) -> Any:
    """``array`` with the checks of :func:`_check_values` as a step of its own dask graph.

    Nothing is computed now (issue 10): each chunk is checked when the graph
    runs, in the same pass that computes the result. A chunk that fails raises
    the exact error of the eager check, which then evaluates ``array`` once
    more (on the error path only) to name the first invalid value and count
    them all.
    """
    from dask.base import tokenize

    check = functools.partial(check_chunk, arg, array, lazy_range)
    name = f"radcalc-check-{tokenize(array, arg.name, arg.rule, lazy_range)}"
    return array.map_blocks(check, dtype=array.dtype, name=name)


def check_chunk(
    arg: Arg, whole: Any, lazy_range: bool, chunk: np.ndarray[Any, Any]
) -> np.ndarray[Any, Any]:
    if not _chunk_passes(arg.rule, chunk, lazy_range):
        _check_values(arg, whole, lazy_range)  # raises the eager text (whole array)
    return chunk


def _chunk_passes(rule: Rule, chunk: np.ndarray[Any, Any], lazy_range: bool) -> bool:
    """The checks of :func:`_check_values` on one numpy chunk, from its min and max.

    Two reductions without temporaries (NaN propagates through both); only a
    chunk with zeros and a rule >= 0 needs one more, for the smallest nonzero
    value. False sends the chunk to the exact check.
    """
    if chunk.size == 0:
        return True
    lowest, highest = chunk.min(), chunk.max()
    if not (math.isfinite(lowest) and math.isfinite(highest)):
        return False
    if (rule == ">= 0" and lowest < 0) or (rule == "> 0" and lowest <= 0):
        return False
    if not lazy_range:
        return True
    if max(-lowest, highest) > _LAZY_LARGEST:
        return False
    if lowest >= _LAZY_SMALLEST or highest <= -_LAZY_SMALLEST:
        return True  # every value is away from zero
    if lowest == 0:  # a rule >= 0: the smallest nonzero value decides
        smallest = chunk.min(where=chunk != 0, initial=np.inf)
        return bool(smallest >= _LAZY_SMALLEST)
    return bool(_in_lazy_range(chunk).all())


def _passes_rule(rule: Rule, array: Any) -> Any:
    ok = np.isfinite(array)
    if rule == ">= 0":
        ok = ok & (array >= 0)
    elif rule == "> 0":
        ok = ok & (array > 0)
    return ok


def _in_lazy_range(array: Any) -> Any:
    magnitude = abs(array)
    return (magnitude == 0) | ((magnitude >= _LAZY_SMALLEST) & (magnitude <= _LAZY_LARGEST))


def _format(value: Any) -> str:
    number = float(value)
    return repr(number) if np.isfinite(number) else str(number)


def _explicit_dtype(args: tuple[Arg, ...], arrays: list[Any]) -> np.dtype[Any]:
    """float64 unless the caller passed floating arrays: then their common dtype."""
    explicit = [
        np.dtype(a.dtype)
        for arg, a in zip(args, arrays, strict=True)
        if (isinstance(arg.value, (np.ndarray, np.generic)) or is_duck_array(arg.value))
        and np.dtype(a.dtype).kind == "f"
    ]
    if not explicit:
        return np.dtype(np.float64)
    return np.result_type(*explicit) if len(explicit) > 1 else explicit[0]


def _compute_dtype(dtype: np.dtype[Any]) -> np.dtype[Any]:
    """The dtype radcalc computes in for inputs of ``dtype``: float16 as float32.

    float16 overflows at 65504 (the BED of 300 Gy in one fraction is larger):
    its arithmetic runs in float32 and :meth:`Call.finish` returns float16 only
    when the result fits.
    """
    return np.dtype(np.float32) if dtype.itemsize < 4 else dtype


def prepare(*args: Arg) -> tuple[list[Any], bool]:
    """Validate ``args`` and return them as arrays of one float dtype.

    Returns
    -------
    arrays : list
        The arguments in order, as numpy arrays (or the caller's duck arrays),
        converted to the common float dtype (float16 computes as float32). A
        caller's array that already has that dtype is passed through uncopied;
        it is never written to.
    scalar : bool
        True when every argument was a scalar, so the result should be a float.

    Raises
    ------
    InvalidInputError
        Also for a masked array: only :func:`validate` honours masks.
    """
    for arg in args:
        if is_masked(arg.value):
            raise InvalidInputError(
                f"{arg.name} is a masked array, which this function does not support: "
                "pass numpy.ma.filled(...) or the unmasked values (numpy.ma.compressed)"
            )
    arrays, scalar, _, _ = _prepare(args)
    return arrays, scalar


def _prepare(
    args: tuple[Arg, ...], lazy_range: bool = False
) -> tuple[list[Any], bool, bool, np.dtype[Any]]:
    """:func:`prepare` without the masked-array check.

    Also says if any array is lazy, and returns the dtype the caller's arrays
    ask for (float16 stays float16 there; the arrays are float32).
    """
    arrays = [_to_array(arg) for arg in args]
    returned = _explicit_dtype(args, arrays)
    lazy = any(is_duck_array(arg.value) for arg in args)
    # Lazy arrays run unguarded (no FP flags): in float64, whose range the limits of
    # the lazy range are chosen for; the result is cast back when it is computed.
    dtype = np.dtype(np.float64) if lazy and lazy_range else _compute_dtype(returned)
    arrays = [a if a.dtype == dtype else a.astype(dtype) for a in arrays]
    for i, (arg, array) in enumerate(zip(args, arrays, strict=True)):
        if is_lazy(array):
            arrays[i] = check_lazily(arg, array, lazy_range)
        else:
            _check_values(arg, array, lazy_range)
    shapes = [a.shape for a in arrays]
    if any(shapes):
        _broadcast_shape(args, shapes)
    scalar = not lazy and not any(a.ndim for a in arrays)
    return arrays, scalar, lazy, returned


def _broadcast_shape(args: tuple[Arg, ...], shapes: list[Any]) -> tuple[int, ...]:
    """The shape ``shapes`` broadcast to, or an error naming each argument's shape."""
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        described = ", ".join(
            f"{arg.name} shape {tuple(shape)}" for arg, shape in zip(args, shapes, strict=True)
        )
        raise InvalidInputError(f"arguments must broadcast to one shape, got {described}") from None


def finish(result: Any, scalar: bool) -> Any:
    """Return ``result`` as a float for scalar input (float32 stays a numpy float32).

    A numpy result that is not finite raises :class:`InvalidInputError` (for
    named inputs in the message use :func:`validate` and :meth:`Call.finish`).
    """
    if isinstance(result, (np.ndarray, np.generic, float)) and not _all_finite(result):
        dtype = np.asarray(result).dtype
        raise InvalidInputError(f"the result is not a finite {dtype} (an overflow)")
    if not scalar:
        return result
    value = np.asarray(result)[()]
    return float(value) if value.dtype == np.float64 else value


#: Smallest and largest magnitude of a nonzero value in a lazy (duck) array: within
#: them no product or quotient of a few such values over- or underflows float64.
_LAZY_SMALLEST = 1e-50
_LAZY_LARGEST = 1e50


class Call(NamedTuple):
    """One validated call of a public function: its arrays and how to return the result.

    Made by :func:`validate`; see the module docstring for the rules.
    """

    function: str
    args: tuple[Arg, ...]
    #: The arguments as arrays of the compute dtype, in order (masked entries filled).
    arrays: list[Any]
    #: True when every argument was a scalar: the result is returned as a float.
    scalar: bool
    #: The dtype returned (float16 when the inputs were, although computed in float32).
    dtype: np.dtype[Any]
    #: Where any argument is masked (broadcast shape), or None without masked input.
    mask: Any = None
    #: True when an argument is a duck array (dask): the result stays lazy.
    lazy: bool = False

    def finish(self, result: Any, proven_finite: bool = False) -> Any:
        """Check ``result`` (finite in :attr:`dtype`), mask it, and return it as documented.

        ``proven_finite``: the result comes from a computation that would have
        raised on any overflow (:func:`radcalc._scaled.careful_and_proven`), so
        only its conversion to :attr:`dtype` (float16) still needs the check.
        """
        if self.scalar and self.mask is None and self.dtype == np.float64:  # in plain Python
            number = float(result)
            if math.isfinite(number):
                return number
        if self.lazy:
            if hasattr(result, "map_blocks"):
                # Only names travel into the graph (dask tokenizes its functions).
                names = ", ".join(arg.name for arg in self.args)
                return result.map_blocks(
                    _checked_block,
                    dtype=self.dtype,
                    returned=self.dtype,
                    function=self.function,
                    names=names,
                )
            result = np.asarray(result)  # another duck array: check it now
        result = np.asarray(result)
        if not proven_finite or result.dtype != self.dtype:
            result = self._checked(result)
        if self.mask is not None:  # masked in, masked out: never a float, even for 0-d input
            return np.ma.MaskedArray(result, mask=self.mask)
        if not self.scalar:
            return result
        value = result[()]
        return float(value) if value.dtype == np.float64 else value

    def _checked(self, result: Any) -> Any:
        """``result`` (a numpy array or block) converted to :attr:`dtype`, if finite."""
        if result.dtype != self.dtype:
            with np.errstate(over="ignore", invalid="ignore"):
                result = result.astype(self.dtype)
        if not _all_finite(result):
            self._raise_not_finite(result)
        return result

    def _raise_not_finite(self, result: Any) -> None:
        ok_np, index, count = _first_false(np.isfinite(result))
        shown = ", ".join(
            f"{arg.name}={_format_short(np.broadcast_to(array, ok_np.shape)[index])}"
            for arg, array in zip(self.args, self.arrays, strict=True)
        )
        at = f" at index {index} ({count} of {ok_np.size} values)" if index else ""
        raise InvalidInputError(_not_finite_text(self.function, result, index, f" for {shown}{at}"))


def _not_finite_text(function: str, result: Any, index: tuple[int, ...], where: str) -> str:
    what = "overflows" if np.isinf(result[index]) else "is undefined (NaN)"
    return f"{function}: the result {what} (is not a finite {result.dtype}){where}"


def _checked_block(block: Any, *, returned: Any, function: str, names: str) -> Any:
    """One block of a lazy result, converted to ``returned`` and checked (see :class:`Call`)."""
    if block.dtype != returned:
        with np.errstate(over="ignore", invalid="ignore"):
            block = block.astype(returned)
    if not _all_finite(block):
        # A block's index is not that of the inputs: name the arguments only.
        _, index, _ = _first_false(np.isfinite(block))
        raise InvalidInputError(_not_finite_text(function, block, index, f" for some of {names}"))
    return block


def validate(function: str, *args: Arg) -> Call:
    """Validate the arguments of the public function ``function`` (as :func:`prepare`).

    Unlike :func:`prepare` it honours masked arrays and returns a :class:`Call`,
    whose :meth:`Call.finish` checks the result and names ``function`` and the
    inputs when it is not finite. See the module docstring for the rules.
    """
    args, mask = _unmask(args)
    arrays, scalar, lazy, returned = _prepare(args, lazy_range=True)
    return Call(function, args, arrays, scalar, returned, mask, lazy)


def _unmask(args: tuple[Arg, ...]) -> tuple[tuple[Arg, ...], Any]:
    """The arguments with masked entries replaced by 1 wherever any is masked, and the mask."""
    if not any(is_masked(arg.value) for arg in args):
        return args, None
    shape = _broadcast_shape(args, [np.shape(arg.value) for arg in args])  # type: ignore[call-overload]
    mask = np.zeros(shape, dtype=bool)
    for arg in args:
        if is_masked(arg.value):
            mask |= np.ma.getmaskarray(arg.value)
    filled = []
    for arg in args:
        value = np.ma.getdata(arg.value) if is_masked(arg.value) else arg.value
        if mask.any() and not is_duck_array(value):
            data = np.asarray(value)
            # 1 passes every rule and every relation between arguments (module docstring).
            value = np.where(mask, np.ones((), dtype=data.dtype), data)
        filled.append(Arg(arg.name, value, arg.rule, arg.unit))
    return tuple(filled), mask


def _all_finite(result: Any) -> bool:
    """True if every element of a numpy ``result`` is finite (one reduction, no temporary)."""
    array = np.asarray(result)
    if array.ndim == 0:
        return math.isfinite(array)
    if array.size == 0:
        return True
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(array.sum()):
            return True
        return bool(np.isfinite(array).all())  # the sum of large finite values can overflow


def _format_short(value: Any) -> str:
    """A value for a message: repr of the float, without a trailing ``.0``."""
    text = _format(value)
    return text[:-2] if text.endswith(".0") else text


def check_scalar(name: str, value: object, rule: Rule, unit: str = "") -> float:
    """Validate one scalar argument and return it as a float."""
    arrays, scalar = prepare(Arg(name, value, rule, unit))
    if not scalar:
        raise InvalidInputError(f"{name} must be a single number, got {_short(value)}")
    return float(arrays[0])


def _first_false(ok: Any) -> tuple[np.ndarray[Any, Any], tuple[int, ...], int]:
    ok_np = np.asarray(ok)
    if ok_np.ndim == 0:
        return ok_np, (), 1
    flat = int(np.argmin(ok_np.ravel()))
    index = tuple(int(i) for i in np.unravel_index(flat, ok_np.shape))
    return ok_np, index, int(ok_np.size - np.count_nonzero(ok_np))


def require(ok: Any, rule: str, **values: Any) -> None:
    """Raise :class:`InvalidInputError` unless every element of ``ok`` is true.

    ``rule`` says what must hold (``"overall_days must be >= 26"``); ``values``
    are the named arrays behind it, shown at the first failing element. For
    rules that relate several arguments, after :func:`prepare` has checked each
    one on its own.
    """
    if bool(np.all(ok)):
        return
    # Error path only: materialise (this computes a duck array) to name the values.
    ok_np, index, count = _first_false(ok)
    shown = ", ".join(
        f"{name} {_format(np.broadcast_to(np.asarray(value), ok_np.shape)[index])}"
        for name, value in values.items()
    )
    where = f" at index {index} ({count} of {ok_np.size} values invalid)" if index else ""
    raise InvalidInputError(f"{rule}, got {shown}{where}")


def check_whole(name: str, array: Any) -> None:
    """Require every element of an already validated ``array`` to be a whole number."""
    require(array == np.floor(array), f"{name} must be a whole number >= 1", **{name: array})


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def warn_caller(message: str) -> None:
    """Issue a :class:`RadcalcWarning` that points at the first caller outside radcalc.

    Like MetPy's warnings, the reported file and line are the user's own call,
    however deep inside radcalc (e.g. ``Schedule.eqd2`` -> ``eqd2``) it was raised.
    Inside :func:`radcalc.collect_notes` the message goes to that thread's list instead.
    """
    if emit(message):
        return
    level = 2
    frame = sys._getframe(1)
    while frame.f_back is not None and os.path.abspath(frame.f_code.co_filename).startswith(
        _PACKAGE_DIR
    ):
        frame = frame.f_back
        level += 1
    warnings.warn(message, RadcalcWarning, stacklevel=level)


def normalize_name(name: str) -> str:
    """An organ name for matching: lower case, ``_``/``-`` as spaces, single spaces.

    Examples
    --------
    >>> normalize_name(" Spinal_Cord ")
    'spinal cord'
    """
    return " ".join(name.replace("_", " ").replace("-", " ").lower().split())
