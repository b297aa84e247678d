"""Turning user input into checked arrays, and results back into user types.

Every public formula validates its arguments here, once, at the boundary:

* ``prepare`` converts each argument to an array (without copying a caller's
  numpy array, and leaving duck arrays such as dask arrays lazy), picks the
  result dtype (float32 stays float32), checks each value against its rule
  and checks that the shapes broadcast.
* ``finish`` turns a 0-d result back into a ``float`` when every input was a
  scalar ("scalar in, scalar out").

NaN and inf are always errors here: ``nan > limit`` and ``nan <= limit`` are
both False, so a NaN could otherwise slip through a constraint check.
"""

from __future__ import annotations

import os
import sys
import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from radcalc._notes import emit
from radcalc.errors import InvalidInputError, RadcalcWarning

__all__ = [
    "Arg",
    "Rule",
    "check_scalar",
    "check_whole",
    "finish",
    "is_duck_array",
    "normalize_name",
    "prepare",
    "require",
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


def _check_values(arg: Arg, array: Any) -> None:
    if isinstance(array, np.ndarray) and _passes_fast(arg.rule, array):
        return
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(array)
        if arg.rule == ">= 0":
            ok = ok & (array >= 0)
        elif arg.rule == "> 0":
            ok = ok & (array > 0)
    if bool(ok.all()):
        return
    # Error path only: materialise (this computes a duck array) to name the value.
    values = np.asarray(array)
    unit = f" [{arg.unit}]" if arg.unit else ""
    if values.ndim == 0:
        bad = values[()]
        raise InvalidInputError(
            f"{arg.name}{unit} must be {_rule_text(arg.rule)}, got {_format(bad)}"
        )
    ok_np, index, count = _first_false(ok)
    raise InvalidInputError(
        f"{arg.name}{unit} must be {_rule_text(arg.rule)}, got {_format(values[index])} "
        f"at index {index} ({count} of {ok_np.size} values invalid)"
    )


def _format(value: Any) -> str:
    number = float(value)
    return repr(number) if np.isfinite(number) else str(number)


def _result_dtype(args: tuple[Arg, ...], arrays: list[Any]) -> np.dtype[Any]:
    """float64 unless the caller passed floating arrays: then their common dtype."""
    explicit = [
        np.dtype(a.dtype)
        for arg, a in zip(args, arrays, strict=True)
        if (isinstance(arg.value, (np.ndarray, np.generic)) or is_duck_array(arg.value))
        and np.dtype(a.dtype).kind == "f"
    ]
    return np.result_type(*explicit) if explicit else np.dtype(np.float64)


def prepare(*args: Arg) -> tuple[list[Any], bool]:
    """Validate ``args`` and return them as arrays of one float dtype.

    Returns
    -------
    arrays : list
        The arguments in order, as numpy arrays (or the caller's duck arrays),
        converted to the common float dtype. A caller's array that already has
        that dtype is passed through uncopied; it is never written to.
    scalar : bool
        True when every argument was a scalar, so the result should be a float.
    """
    arrays = [_to_array(arg) for arg in args]
    dtype = _result_dtype(args, arrays)
    arrays = [a if a.dtype == dtype else a.astype(dtype) for a in arrays]
    for arg, array in zip(args, arrays, strict=True):
        _check_values(arg, array)
    shapes = [tuple(a.shape) for a in arrays]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        described = ", ".join(
            f"{arg.name} shape {shape}" for arg, shape in zip(args, shapes, strict=True)
        )
        raise InvalidInputError(f"arguments must broadcast to one shape, got {described}") from None
    scalar = all(
        a.ndim == 0 and not is_duck_array(arg.value) for arg, a in zip(args, arrays, strict=True)
    )
    return arrays, scalar


def finish(result: Any, scalar: bool) -> Any:
    """Return ``result`` as a float for scalar input (float32 stays a numpy float32)."""
    if not scalar:
        return result
    value = np.asarray(result)[()]
    return float(value) if value.dtype == np.float64 else value


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
