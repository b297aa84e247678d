r"""Fused one-pass kernels for large numpy grids (an optional fast path).

A formula such as :func:`radcalc.eqd2` written with numpy ufuncs makes several
full passes over a dose grid: validation reductions, the dose per fraction,
the LQ-range test and the arithmetic. Here each conversion is one compiled
loop (numba) that reads every input once, writes the result once, and in the
same pass

* checks every input against its rule (finite, :math:`\ge 0` or :math:`> 0`)
  **and** against an "ordinary" range (``_LIMITS``) inside which the plain
  formula is known to be accurate,
* checks every result is finite, and
* flags doses per fraction above the LQ-range limit.

Anything unusual (an invalid value, an extreme one, a non-finite result) makes
the kernel give up: the caller then runs the numpy path, which is the
reference. It raises the exact error text, or computes the careful value for
extreme inputs. So the fast path changes speed and memory, never a result or a
message. The arithmetic is the numpy path's, operation by operation, in the
result dtype (float32 stays float32, no float64 accumulators), without
``fastmath``: results are bit-identical to the numpy path (tested). A division
by a value the same for every element is a multiplication by its reciprocal
and one correction by two FMAs, which is the IEEE quotient itself (Markstein's
theorem, see ``radcalc._kernels.divide``), in float64 when the processor has
FMA (:func:`fast_division`); otherwise a plain division.

Grids of at least ``THREAD_CHUNK`` elements per thread are split into a few
contiguous chunks run at once on a small shared thread pool (the kernels
release the GIL; ``RADCALC_THREADS`` sets the number of threads, default
``os.cpu_count()``). Each element is computed by the same operations whichever
chunk it falls in, and the chunks' outcomes combine exactly (any invalid value
sends the whole call to the numpy path, any chunk's LQ-range flag counts), so
results, errors and warnings do not depend on the number of threads. A call
made from one of the pool's threads, or inside :func:`single_threaded` (a dask
chunk, already run in parallel by dask), runs serially: the pool never waits
on itself.

Dispatch (:func:`wanted`) sends only plain numpy arrays of at least
``GRID_THRESHOLD`` elements here; scalars, small arrays and duck arrays (dask)
never import numba. Without numba installed (the optional extra ``fast``)
everything runs on the numpy path.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import itertools
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

import numpy as np

from radcalc._validate import is_masked
from radcalc.errors import InvalidInputError

__all__ = [
    "GRID_THRESHOLD",
    "THREAD_CHUNK",
    "available",
    "check_out",
    "deliver",
    "ordinary",
    "run",
    "run_history",
    "single_threaded",
    "threads",
    "wanted",
]

#: Smallest grid (elements) sent to a compiled kernel: below it numpy's few
#: passes stay in cache and the call overhead dominates.
GRID_THRESHOLD = 1 << 16

#: Per dtype, the "ordinary" magnitudes [lo, hi] of a positive input inside
#: which the kernels run; outside (or for a non-finite result) the numpy path
#: takes over. Generous: clinical doses, fractions and alpha/beta are far
#: inside, and the formulas lose nothing there.
_LIMITS = {
    np.dtype(np.float64): (1e-50, 1e50),
    np.dtype(np.float32): (1e-6, 1e6),
}

#: Fewest elements a thread is given: below it starting a thread costs more
#: than the pass it saves (a 2**20-element float64 grid is 8 MB).
THREAD_CHUNK = 1 << 19

#: Bytes per memory page touched by :func:`_fault_in` (the smallest page size).
_PAGE = 4096

#: The signed integer type of each float dtype's width (bit-pattern checks).
_BITS: dict[np.dtype[Any], Any] = {
    np.dtype(np.float64): np.int64,
    np.dtype(np.float32): np.int32,
}

_kernels: Any = None
_available: bool | None = None
_fma: bool | None = None
_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_pool_pid = 0
_pool_lock = threading.Lock()
_local = threading.local()  # .serial: this thread runs kernels serially


def threads() -> int:
    """Threads a large grid may use: ``RADCALC_THREADS`` if set, else ``os.cpu_count()``."""
    text = os.environ.get("RADCALC_THREADS", "").strip()
    if not text:
        return os.cpu_count() or 1
    if not text.isdigit() or int(text) < 1:
        raise InvalidInputError(
            f"RADCALC_THREADS must be a whole number >= 1 (threads for large grids), "
            f"got {text!r}: set it to 1 for serial kernels or unset it for os.cpu_count()"
        )
    return int(text)


@contextlib.contextmanager
def single_threaded() -> Iterator[None]:
    """Run kernels serially in this block, in this thread (e.g. in a dask task)."""
    before = getattr(_local, "serial", False)
    _local.serial = True
    try:
        yield
    finally:
        _local.serial = before


def _mark_serial() -> None:
    _local.serial = True  # a pool thread never submits to the pool (no deadlock)


def _submit(calls: list[Callable[[], tuple[int, int]]]) -> list[Future[tuple[int, int]]]:
    """Submit ``calls`` to the shared pool (made on first use, or bigger, or anew
    in a forked child, whose copy of the pool has no threads)."""
    global _pool, _pool_size, _pool_pid
    with _pool_lock:  # submitting under the lock: nobody submits to a pool being replaced
        if _pool is None or _pool_size < len(calls) or _pool_pid != os.getpid():
            old = _pool if _pool_pid == os.getpid() else None
            _pool = ThreadPoolExecutor(
                len(calls), thread_name_prefix="radcalc", initializer=_mark_serial
            )
            _pool_size, _pool_pid = len(calls), os.getpid()
            if old is not None:
                old.shutdown(wait=False)  # its running tasks finish; new ones go here
        return [_pool.submit(call) for call in calls]


def _bounds(size: int) -> list[tuple[int, int]]:
    """Contiguous [start, stop) chunks of a flat grid, one per thread used."""
    if getattr(_local, "serial", False) or size < 2 * THREAD_CHUNK:
        return [(0, size)]
    count = min(threads(), size // THREAD_CHUNK)
    edges = [size * i // count for i in range(count + 1)]
    return list(itertools.pairwise(edges))


def _split(call: Callable[[int, int], tuple[int, int]], size: int) -> tuple[int, int]:
    """``call(start, stop)`` over chunks of ``range(size)``, in parallel if large:
    the summed (invalid, LQ-range) flags: nonzero exactly when one serial pass's are."""
    bounds = _bounds(size)
    if len(bounds) == 1:
        bad, above = call(0, size)
        return int(bad), int(above)
    futures = _submit([functools.partial(call, start, stop) for start, stop in bounds[1:]])
    try:
        outcomes = [call(*bounds[0])]  # the calling thread runs the first chunk
    finally:
        wait(futures)  # never return (or raise) while a chunk still writes the result
    outcomes += [future.result() for future in futures]
    return sum(int(b) for b, _ in outcomes), sum(int(a) for _, a in outcomes)


def available() -> bool:
    """True when numba can be imported (checked once, without importing it)."""
    global _available
    if _available is None:
        _available = importlib.util.find_spec("numba") is not None
    return _available


def fast_division() -> bool:
    """True when the processor numba compiles for has fused multiply-add (checked once).

    That is the host's processor unless ``NUMBA_CPU_NAME``/``NUMBA_CPU_FEATURES``
    name another target (e.g. ``generic`` for a portable cache): then only
    features that list ``+fma`` count. Without FMA, LLVM's ``llvm.fma`` becomes
    a call to libm's ``fma``: correct, but slower than the division it
    replaces, so :func:`pair` gives None.
    """
    global _fma
    if _fma is None:
        from llvmlite import binding
        from numba.core import config

        name: str | None = getattr(config, "CPU_NAME", None)
        features: str | None = getattr(config, "CPU_FEATURES", None)
        if features:
            _fma = "+fma" in features.split(",")
        elif name and name != "host":
            _fma = False  # a named target: its features are not known here
        else:
            _fma = bool(binding.get_host_cpu_features().get("fma", False))
    return _fma


def pair(den: Any) -> tuple[Any, Any] | None:
    """(den, RN(1/den)) for ``radcalc._kernels.divide``, or None (plain division).

    ``den`` is a scalar of the result dtype, computed exactly as the kernel
    computes that divisor. None when it is not a positive normal number with
    a normal reciprocal (the quotient theorem's conditions; the kernel then
    divides, and such an input sends the call to the numpy path anyway),
    without FMA, or in float32: the float32 division is cheap, and float32
    ``eqd2`` measured 0.58-0.60 times a float64 ``np.copyto`` with it, 0.66-0.67
    with the FMA sequence.
    """
    if den.dtype != np.float64 or not fast_division():
        return None
    with np.errstate(all="ignore"):
        y = den.dtype.type(1) / den
    tiny = np.finfo(den.dtype).tiny
    if not (np.isfinite(den) and np.isfinite(y) and den >= tiny and y >= tiny):
        return None
    return den, y


def _size1(value: Any) -> bool:
    return np.ndim(value) == 0 or (isinstance(value, np.ndarray) and value.size == 1)


def wanted(grids: tuple[object, ...], scalars: tuple[object, ...], out: object) -> bool:
    """Cheap pre-test: a large float numpy grid, every other argument a scalar.

    ``grids`` may be numpy arrays (C-contiguous, all of one shape, one float
    dtype) or scalars; ``scalars`` must be scalars (or None, not given).
    Anything else goes to the numpy path.
    """
    arrays = [g for g in grids if isinstance(g, np.ndarray) and g.size > 1]
    if not arrays or arrays[0].size < GRID_THRESHOLD:
        return False
    shape, dtype = arrays[0].shape, arrays[0].dtype
    if dtype not in _LIMITS:
        return False
    for g in arrays:
        if g.shape != shape or g.dtype != dtype or not g.flags.c_contiguous:
            return False
    for s in (*grids, *scalars):
        if s is None or (isinstance(s, np.ndarray) and s.size > 1):
            continue
        if not _size1(s) or isinstance(s, (str, bytes)):
            return False
        if isinstance(s, np.ndarray) and s.ndim > len(shape):
            return False
    if any(is_masked(v) for v in (*grids, *scalars, out)):
        return False
    if out is not None and not (isinstance(out, np.ndarray) and out.flags.c_contiguous):
        return False
    return available()


def ordinary(dtype: np.dtype[Any], *values: Any) -> bool:
    """True if each size-1 value (None: not given) is 0 or inside the ordinary range."""
    lo, hi = _LIMITS[dtype]
    for value in values:
        if value is None:
            continue
        magnitude = abs(float(np.asarray(value).reshape(-1)[0]))
        if magnitude != 0 and not lo <= magnitude <= hi:
            return False
    return True


def _operand(value: Any, dtype: np.dtype[Any]) -> Any:
    """A grid as a flat view, a size-1 value as a scalar of ``dtype``."""
    if isinstance(value, np.ndarray) and value.size > 1:
        return value.reshape(-1)
    return np.asarray(value).astype(dtype).reshape(-1)[0]


def check_out(out: Any, shape: tuple[int, ...], dtype: np.dtype[Any], **inputs: Any) -> None:
    """Validate ``out=``: a writeable numpy array of the result's shape and dtype,
    sharing no memory with an input (the kernels and the numpy path read every
    input after writing part of the result, so an overlap would corrupt it)."""
    if not isinstance(out, np.ndarray):
        raise InvalidInputError(f"out must be a numpy.ndarray, got {type(out).__name__}")
    if out.shape != tuple(shape):
        raise InvalidInputError(
            f"out must have the broadcast shape of the arguments, {tuple(shape)}, got {out.shape}"
        )
    if out.dtype != dtype:
        raise InvalidInputError(
            f"out must have the result dtype {np.dtype(dtype).name}, got {out.dtype.name}"
        )
    if not out.flags.writeable:
        raise InvalidInputError("out must be a writeable array, got a read-only one")
    for name, value in inputs.items():
        if isinstance(value, np.ndarray) and np.may_share_memory(out, value):
            raise InvalidInputError(
                f"out must not share memory with an input, got the memory of {name}; "
                "pass a separate array (radcalc never writes into an input)"
            )


def deliver(result: Any, out: Any) -> Any:
    """``result`` itself, or copied into ``out`` (already checked) and ``out`` returned."""
    if out is None:
        return result
    np.copyto(out, result)
    return out


def _get() -> Any:
    """The compiled kernels (numba is imported here, on the first large grid)."""
    global _kernels
    if _kernels is None:
        from radcalc import _kernels as kernels

        _kernels = (kernels.forward, kernels.inverse, kernels.history)
    return _kernels


def _pairs(inverse: bool, n: Any, a: Any, x: Any, qfac: Any, d_t: Any) -> tuple[Any, ...]:
    """The :func:`pair` of each divisor that is the same for every element, in the
    kernel's order (``radcalc._kernels.forward``/``inverse``), computed as the
    kernel computes it; None where it does not apply (alpha/beta a grid: those
    divisors vary). The inverse's quotient under the square root is among them
    (``n a_eff``, a_eff = alpha/beta / (1 + h); LQ-L: alpha/beta): with 256-bit
    vectors that FMA sequence measured slower on a 10 M-voxel grid; with the
    512-bit vectors the inverse kernel now asks for, ``dose_for_eqd2`` was 1.37
    times faster with it (one core)."""
    scalar = not isinstance(a, np.ndarray)
    if not inverse:
        return (
            pair(n),
            pair(a) if scalar and x is None else None,
            pair(x + a) if scalar and x is not None else None,
        )
    one = n.dtype.type(1)
    two = one + one
    if not scalar:  # an alpha/beta grid: only n is the same for every element
        return (pair(n) if d_t is not None else None, None, None)
    a_eff = a if qfac is None else a / qfac
    return (
        pair(n) if d_t is not None else None,
        pair(one + two * d_t / a) if d_t is not None else None,
        pair(a) if d_t is not None else pair(n * a_eff),
    )


def _run(
    kernel: Any,
    grid: Any,
    ab: Any,
    numbers: tuple[Any, ...],
    options: tuple[Any, ...],
    out: Any,
    inverse: bool,
) -> tuple[Any, int]:
    """Run ``kernel``: the result (None: fall back to numpy) and the LQ-range flag.

    ``numbers`` (n, limit) and the ``options`` that are not None are cast, if
    size 1, to the result dtype exactly as the numpy path's ``astype`` does.
    """
    full = grid if isinstance(grid, np.ndarray) and grid.size > 1 else ab
    dtype = full.dtype
    n, limit = (_operand(v, dtype) for v in numbers)
    dose_above = _bits(_below(float(limit) * float(n) * (1 - 1e-6), dtype))
    lo, hi, one = (_operand(v, dtype) for v in (*_LIMITS[dtype], 1))
    given = tuple(None if v is None else _operand(v, dtype) for v in options)
    result = np.empty(full.shape, dtype) if out is None else out
    dose, alpha_beta, flat = _operand(grid, dtype), _operand(ab, dtype), result.reshape(-1)
    dose_bits, ab_bits = _bits(dose), _bits(alpha_beta)
    bounds = _bit_bounds(dtype)
    with np.errstate(all="ignore"):  # an invalid alpha/beta: the kernel declines it
        pairs = _pairs(inverse, n, alpha_beta, *given[:3])

    def chunk(start: int, stop: int) -> tuple[int, int]:
        if out is None:
            _fault_in(flat[start:stop])
        return kernel(  # type: ignore[no-any-return]
            _part(dose, start, stop),
            _part(dose_bits, start, stop),
            _part(alpha_beta, start, stop),
            _part(ab_bits, start, stop),
            n,
            limit,
            dose_above,
            lo,
            hi,
            *bounds,
            one,
            *given,
            pairs,
            flat[start:stop],
        )

    bad, above = _split(chunk, flat.size)
    return (None if bad else result), above


def _fault_in(part: Any) -> None:
    """Write one element per 4 KiB page of a fresh result before the kernel fills it.

    A new array's pages are mapped (and zeroed by the system) on first write.
    Taken inside the compute loop, those page faults cost more than taken in
    one strided pass beforehand: a fresh plain ``eqd2`` result went from
    1.27-1.33 to 1.13-1.21 times ``grid.copy()`` on one core (measured). Each
    thread writes its own chunk's pages, so they are still faulted in parallel.
    """
    part[:: max(1, _PAGE // part.itemsize)] = 0


def _bits(value: Any) -> Any:
    """The bit patterns of a float grid (a view) or scalar, as signed integers."""
    bits = np.asarray(value).view(_BITS[value.dtype])
    return bits if isinstance(value, np.ndarray) else bits[()]


def _below(value: float, dtype: np.dtype[Any]) -> Any:
    """``value`` in ``dtype``, rounded down (to inf if it overflows: then nothing is above).

    With the margin 1e-6 its caller gives, a dose D with fl(D/n) > limit is
    always above it (one rounding of the division is 6e-8 in float32)."""
    with np.errstate(over="ignore"):
        typed = dtype.type(value)
    if np.isfinite(typed) and float(typed) > value:
        typed = np.nextafter(typed, dtype.type(0))
    return typed


def _bit_bounds(dtype: np.dtype[Any]) -> tuple[Any, Any, Any]:
    """The patterns of the ordinary range's lo and hi, and the mask clearing the sign."""
    lo, hi = _LIMITS[dtype]
    kind = _BITS[dtype]
    return _bits(dtype.type(lo)), _bits(dtype.type(hi)), kind(np.iinfo(kind).max)


def _part(value: Any, start: int, stop: int) -> Any:
    """``value[start:stop]`` of a flat grid; a scalar as it is."""
    return value[start:stop] if isinstance(value, np.ndarray) else value


def run(
    inverse: bool,
    grid: Any,
    n: Any,
    ab: Any,
    x: Any,
    *,
    qfac: Any,
    d_t: Any,
    lost: Any,
    limit: float,
    out: Any,
) -> tuple[Any, int]:
    """One pass over a grid: (result, LQ-range flag), or (None, 0) to fall back to numpy.

    Forward: BED (``x`` None) or EQDx of the dose ``grid``. ``inverse``: the
    total dose for the target EQDx ``grid`` (x = 2 Gy for dose_for_eqd2).
    ``qfac`` (1 + h, incomplete repair), ``d_t`` (LQ-L) and ``lost`` (BED lost
    to repopulation) are None when that correction does not apply.
    """
    return _run(_get()[int(inverse)], grid, ab, (n, limit), (x, qfac, d_t, lost), out, inverse)


def run_history(
    doses: tuple[Any, ...],
    fractions: tuple[Any, ...],
    weights: tuple[Any, ...],
    ab: Any,
    *,
    limit: Any,
    new_fractions: Any,
    lq_limit: float,
    out: Any,
) -> tuple[Any, int]:
    """One pass over a history of dose grids: (result, LQ-range flag), or (None, 0).

    ``doses`` are the courses' grids (C-contiguous, one shape and dtype),
    ``fractions`` and ``weights`` (:math:`1 - r(t_i)`) one size-1 value per
    course. ``limit`` None: the cumulative EQD2 (the last course unweighted);
    else the largest total dose of a new course of ``new_fractions``
    fractions bringing the cumulative EQD2 to ``limit`` (every course weighted).
    """
    dtype = doses[0].dtype
    lo, hi = _LIMITS[dtype]
    flat = tuple(d.reshape(-1) for d in doses)
    ns = tuple(_operand(v, dtype) for v in fractions)
    ws = tuple(_operand(v, dtype) for v in weights)
    a, x, low, high, one, q_limit = (_operand(v, dtype) for v in (ab, 2, lo, hi, 1, lq_limit))
    lim = None if limit is None else _operand(limit, dtype)
    n_new = None if new_fractions is None else _operand(new_fractions, dtype)
    result = np.empty(doses[0].shape, dtype) if out is None else out
    kernel, target = _get()[2], result.reshape(-1)
    with np.errstate(all="ignore"):  # an invalid value: the kernel declines it
        course_pairs = tuple(pair(v) for v in ns)
        pairs = (  # the courses' fractions, x + alpha/beta, the quotient under the root
            None if None in course_pairs else course_pairs,
            pair(x + a),
            None if n_new is None else pair(n_new * a),
        )

    def chunk(start: int, stop: int) -> tuple[int, int]:
        if out is None:
            _fault_in(target[start:stop])
        grids = tuple(g[start:stop] for g in flat)
        return kernel(  # type: ignore[no-any-return]
            grids,
            ns,
            ws,
            a,
            x,
            low,
            high,
            one,
            lim,
            n_new,
            q_limit,
            pairs,
            target[start:stop],
        )

    bad, above = _split(chunk, target.size)
    return (None if bad else result), above
