"""radcalc.collect_notes: notes per thread, without process-wide state (issue 14)."""

from __future__ import annotations

import contextvars
import re
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import radcalc
from radcalc._notes import emit
from radcalc.errors import RadcalcWarning

CALLS = 800


def _dose(i: int) -> float:
    """Even calls are above 10 Gy per fraction (one note naming the dose), odd ones are not."""
    return 10.5 + 0.01 * i if i % 2 == 0 else 2.0


def _task(i: int) -> tuple[int, float, list[str]]:
    with radcalc.collect_notes() as notes:
        value = radcalc.eqd2(_dose(i), 1, alpha_beta=3)
    return i, value, notes


def test_issue14_threads_every_note_lands_in_its_own_thread() -> None:
    # Reproduces the fuzz observation: with warnings.catch_warnings in each of
    # several threads, 2-4 of 800 notes went missing or to the wrong thread.
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(_task, range(CALLS)))
    with radcalc.collect_notes():
        serial = [radcalc.eqd2(_dose(i), 1, alpha_beta=3) for i in range(0, CALLS, 2)]
    assert [value for _, value, _ in results[::2]] == serial  # bit-identical to serial
    for i, _, notes in results:
        if i % 2:
            assert notes == [], (i, notes)
        else:
            assert len(notes) == 1, (i, notes)
            assert notes[0].startswith(f"dose per fraction up to {_dose(i):.4g} Gy is above")


def test_no_python_warning_inside_the_collector() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any Python warning would raise here
        with radcalc.collect_notes() as notes:
            radcalc.eqd2(24, 1, alpha_beta=3)
            radcalc.eqd2(24, 1, alpha_beta=3)
    assert len(notes) == 1  # a repeated note is listed once


def test_outside_the_collector_a_python_warning_points_at_the_caller() -> None:
    with pytest.warns(RadcalcWarning, match="above 10 Gy") as record:
        radcalc.eqd2(24, 1, alpha_beta=3)
    assert record[0].filename == __file__


def test_nested_collectors_note_goes_to_the_innermost() -> None:
    with radcalc.collect_notes() as outer:
        with radcalc.collect_notes() as inner:
            radcalc.eqd2(24, 1, alpha_beta=3)
        radcalc.eqd2(12, 1, alpha_beta=3)
    assert len(inner) == 1 and "24 Gy" in inner[0]
    assert len(outer) == 1 and "12 Gy" in outer[0]


def test_a_collector_is_left_on_error() -> None:
    with pytest.raises(radcalc.InvalidInputError), radcalc.collect_notes():
        radcalc.eqd2(-1, 1, alpha_beta=3)
    assert emit("nobody listens") is False


def test_a_context_copied_into_threads_shares_one_list() -> None:
    with radcalc.collect_notes() as notes:
        context = contextvars.copy_context()
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda m: context.copy().run(emit, m), ["a", "b", "a", "c"] * 50))
    assert sorted(notes) == ["a", "b", "c"]


def test_every_radcalc_warning_goes_through_warn_caller() -> None:
    """collect_notes sees only warn_caller's notes: no module may warn on its own."""
    package = Path(radcalc.__file__).parent
    offenders = [
        f"{path.name}:{number}"
        for path in sorted(package.rglob("*.py"))
        if path.name != "_validate.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\bwarnings\.warn(_explicit)?\(", line)
    ]
    assert offenders == []
