"""Collecting radcalc's notes per thread or task, without process-wide state.

radcalc reports a model-validity concern (e.g. "dose per fraction above
10 Gy") as a :class:`~radcalc.errors.RadcalcWarning`. Python's
``warnings.catch_warnings`` is process-wide: when results are computed in
several threads, a warning raised in one thread can land in the record of
another, or be lost. :func:`collect_notes` instead keeps its list in a
:class:`contextvars.ContextVar`, which every thread (and every asyncio task)
sees separately: a note goes to the list of the thread that computed the
result, and only there.

``radcalc._validate.warn_caller`` calls :func:`emit` first and issues a Python
warning only when no collector is active.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextvars import ContextVar

__all__ = ["collect_notes", "emit"]

_COLLECTOR: ContextVar[list[str] | None] = ContextVar("radcalc_notes", default=None)

# A collector list reaches several threads only when the user copies the
# context into them (contextvars.copy_context().run): the check-and-append of
# ``emit`` then needs a lock so that a note is never recorded twice.
_LOCK = threading.Lock()


@contextlib.contextmanager
def collect_notes() -> Iterator[list[str]]:
    """Collect radcalc's notes (RadcalcWarnings) of the current thread in a list.

    Inside the ``with`` block, every :class:`~radcalc.errors.RadcalcWarning`
    radcalc would issue in **this** thread (or asyncio task) is appended to the
    list as its message text instead of being issued as a Python warning; a
    message already in the list is not repeated. Other threads are not
    affected: each opens its own ``collect_notes()`` around its own
    computation. Unlike ``warnings.catch_warnings`` this is safe with threads.
    Nested blocks collect separately: a note goes to the innermost one.

    Yields
    ------
    list of str
        The notes, in the order they were raised (filled while the block runs).

    Examples
    --------
    >>> import radcalc
    >>> with radcalc.collect_notes() as notes:
    ...     value = radcalc.eqd2(24, 1, alpha_beta=3)
    >>> round(value, 2), len(notes)
    (129.6, 1)
    >>> notes[0][:47]
    'dose per fraction up to 24 Gy is above 10 Gy: t'

    In threads, open the collector inside the function each thread runs:

    >>> from concurrent.futures import ThreadPoolExecutor
    >>> def task(dose):
    ...     with radcalc.collect_notes() as notes:
    ...         return radcalc.eqd2(dose, 1, alpha_beta=3), notes
    >>> with ThreadPoolExecutor(2) as pool:
    ...     results = list(pool.map(task, [2, 24]))
    >>> [len(notes) for _, notes in results]
    [0, 1]
    """
    notes: list[str] = []
    token = _COLLECTOR.set(notes)
    try:
        yield notes
    finally:
        _COLLECTOR.reset(token)


def emit(message: str) -> bool:
    """Add ``message`` to the active collector; False when none is active.

    When this returns False the caller issues the message as a Python
    warning instead.
    """
    notes = _COLLECTOR.get()
    if notes is None:
        return False
    with _LOCK:
        if message not in notes:
            notes.append(message)
    return True
